/**
 * The calico-node DaemonSet of the manifest path: its environment (datastore,
 * backend, first pools, Felix settings), init containers, container and volumes.
 */

import type { IpFamily } from "../shared/cidr.js";
import type { K8sObject } from "../shared/manifest.js";
import {
  type Env,
  etcdCerts,
  etcdMount,
  fromConfig,
  hostPath,
  labels,
  NS,
  nodeName,
  privileged,
  servicesEndpoint,
  value,
} from "./manifest-parts.js";
import type { ResolvedPool } from "./pools.js";
import type { ResolvedCalico } from "./validation.js";
import { calicoImage } from "./versions.js";

/** Env of the first pool of a family: calico-node creates it at startup when no pool exists. */
function poolEnv(pool: ResolvedPool | undefined, family: IpFamily): Env[] {
  if (!pool) return [];
  const F = family === "ipv4" ? "IPV4" : "IPV6";
  const out = [value(`CALICO_${F}POOL_CIDR`, pool.cidr.text)];
  // Only values that differ from calico-node's defaults (block 26/122, NAT on for IPv4 only, all()).
  if (pool.blockSize !== (family === "ipv4" ? 26 : 122)) out.push(value(`CALICO_${F}POOL_BLOCK_SIZE`, String(pool.blockSize)));
  if (pool.natOutgoing !== (family === "ipv4")) out.push(value(`CALICO_${F}POOL_NAT_OUTGOING`, String(pool.natOutgoing)));
  if (pool.nodeSelector !== "all()") out.push(value(`CALICO_${F}POOL_NODE_SELECTOR`, pool.nodeSelector));
  return out;
}

/** calico-node's env: datastore, backend, address autodetection, encapsulation, MTUs, first pools, Felix settings. */
function nodeEnv(c: ResolvedCalico): Env[] {
  const v4 = c.pools.find((p) => p.family === "ipv4" && p.primary);
  const v6 = c.pools.find((p) => p.family === "ipv6" && p.primary);
  const datastore =
    c.spec.datastore === "etcd"
      ? [
          fromConfig("ETCD_ENDPOINTS", "etcd_endpoints"),
          fromConfig("ETCD_CA_CERT_FILE", "etcd_ca"),
          fromConfig("ETCD_KEY_FILE", "etcd_key"),
          fromConfig("ETCD_CERT_FILE", "etcd_cert"),
          nodeName("CALICO_K8S_NODE_REF"),
        ]
      : [
          value("DATASTORE_TYPE", "kubernetes"),
          ...(c.typha.enabled ? [fromConfig("FELIX_TYPHAK8SSERVICENAME", "typha_service_name")] : []),
          value("WAIT_FOR_DATASTORE", "true"),
          nodeName("NODENAME"),
        ];
  const method = (f: IpFamily) => c.autodetection[f]?.method;
  const v4Method = method("ipv4");
  const v6Method = method("ipv6");
  return [
    ...datastore,
    fromConfig("CALICO_NETWORKING_BACKEND", "calico_backend"),
    value("CLUSTER_TYPE", "k8s,bgp"),
    // "autodetect" re-detects on every start; "none" turns IPv4 off (IPv6-only).
    value("IP", v4 ? "autodetect" : "none"),
    ...(v4 && v4Method?.explicit ? [value("IP_AUTODETECTION_METHOD", v4Method.env)] : []),
    ...(v6 ? [value("IP6", "autodetect")] : []),
    ...(v6 && v6Method?.explicit ? [value("IP6_AUTODETECTION_METHOD", v6Method.env)] : []),
    ...(!v4 && c.backend === "bird" ? [value("CALICO_ROUTER_ID", "hash")] : []),
    value("CALICO_IPV4POOL_IPIP", v4?.ipipMode ?? "Never"),
    value("CALICO_IPV4POOL_VXLAN", v4?.vxlanMode ?? "Never"),
    // Without an IPv6 pool this mirrors the IPv4 setting, as upstream's variants do; it is inert then.
    value("CALICO_IPV6POOL_VXLAN", v6?.vxlanMode ?? v4?.vxlanMode ?? "Never"),
    fromConfig("FELIX_IPINIPMTU", "veth_mtu"),
    fromConfig("FELIX_VXLANMTU", "veth_mtu"),
    fromConfig("FELIX_WIREGUARDMTU", "veth_mtu"),
    ...(v6 ? [fromConfig("FELIX_VXLANMTUV6", "veth_mtu"), fromConfig("FELIX_WIREGUARDMTUV6", "veth_mtu")] : []),
    ...poolEnv(v4, "ipv4"),
    ...poolEnv(v6, "ipv6"),
    value("CALICO_DISABLE_FILE_LOGGING", "true"),
    // calico.yaml lets pods reach their own host (Felix's default is DROP).
    value("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
    value("FELIX_IPV6SUPPORT", v6 ? "true" : "false"),
    value("FELIX_HEALTHENABLED", "true"),
  ];
}

/** The init containers: IPAM migration (Kubernetes datastore), CNI install, bpffs mount. */
function calicoNodeInitContainers(c: ResolvedCalico): Env[] {
  const etcd = c.spec.datastore === "etcd";
  const img = (component: string) => calicoImage(c.version, component, c.spec.registry);
  return [
    // Migrates host-local IPAM data to calico-ipam (Kubernetes datastore only).
    ...(etcd
      ? []
      : [
          {
            name: "upgrade-ipam",
            image: img("cni"),
            imagePullPolicy: "IfNotPresent",
            command: ["/opt/cni/bin/calico-ipam", "-upgrade"],
            envFrom: servicesEndpoint,
            env: [nodeName("KUBERNETES_NODE_NAME"), fromConfig("CALICO_NETWORKING_BACKEND", "calico_backend")],
            volumeMounts: [
              { mountPath: "/var/lib/cni/networks", name: "host-local-net-dir" },
              { mountPath: "/host/opt/cni/bin", name: "cni-bin-dir" },
            ],
            securityContext: privileged,
          },
        ]),
    {
      name: "install-cni",
      image: img("cni"),
      imagePullPolicy: "IfNotPresent",
      command: ["/opt/cni/bin/install"],
      envFrom: servicesEndpoint,
      env: [
        value("CNI_CONF_NAME", "10-calico.conflist"),
        fromConfig("CNI_NETWORK_CONFIG", "cni_network_config"),
        etcd ? fromConfig("ETCD_ENDPOINTS", "etcd_endpoints") : nodeName("KUBERNETES_NODE_NAME"),
        fromConfig("CNI_MTU", "veth_mtu"),
        value("SLEEP", "false"),
      ],
      volumeMounts: [
        { mountPath: "/host/opt/cni/bin", name: "cni-bin-dir" },
        { mountPath: "/host/etc/cni/net.d", name: "cni-net-dir" },
        ...(etcd ? [etcdMount] : []),
      ],
      securityContext: privileged,
    },
    {
      // Mounts bpffs and cgroup2 for the eBPF dataplane; best effort, harmless with iptables.
      name: c.version.bpffsInitContainer,
      image: img("node"),
      imagePullPolicy: "IfNotPresent",
      command: ["calico-node", "-init", "-best-effort"],
      volumeMounts: [
        { mountPath: "/sys/fs", name: "sys-fs", mountPropagation: "Bidirectional" },
        { mountPath: "/var/run/calico", name: "var-run-calico", mountPropagation: "Bidirectional" },
        { mountPath: "/nodeproc", name: "nodeproc", readOnly: true },
      ],
      securityContext: privileged,
    },
  ];
}

/** The calico-node container: Felix (and BIRD with backend bird), its probes and mounts. */
function calicoNodeContainer(c: ResolvedCalico): Env {
  const etcd = c.spec.datastore === "etcd";
  const bird = c.backend === "bird";
  return {
    name: "calico-node",
    image: calicoImage(c.version, "node", c.spec.registry),
    imagePullPolicy: "IfNotPresent",
    envFrom: servicesEndpoint,
    env: nodeEnv(c),
    securityContext: privileged,
    resources: { requests: { cpu: "250m" } },
    lifecycle: { preStop: { exec: { command: ["/bin/calico-node", "-shutdown"] } } },
    // BIRD checks only where BIRD runs: with backend vxlan/none they would never pass.
    livenessProbe: {
      exec: { command: ["/bin/calico-node", "-felix-live", ...(bird ? ["-bird-live"] : [])] },
      periodSeconds: 10,
      initialDelaySeconds: 10,
      failureThreshold: 6,
      timeoutSeconds: 10,
    },
    readinessProbe: {
      exec: { command: ["/bin/calico-node", "-felix-ready", ...(bird ? ["-bird-ready"] : [])] },
      periodSeconds: 10,
      timeoutSeconds: 10,
    },
    volumeMounts: [
      { mountPath: "/host/etc/cni/net.d", name: "cni-net-dir", readOnly: false },
      { mountPath: "/lib/modules", name: "lib-modules", readOnly: true },
      { mountPath: "/run/xtables.lock", name: "xtables-lock", readOnly: false },
      { mountPath: "/var/run/calico", name: "var-run-calico", readOnly: false },
      { mountPath: "/var/lib/calico", name: "var-lib-calico", readOnly: false },
      ...(etcd ? [etcdMount] : []),
      { name: "policysync", mountPath: "/var/run/nodeagent" },
      { name: "bpffs", mountPath: "/sys/fs/bpf" },
      { name: "cni-log-dir", mountPath: "/var/log/calico/cni", readOnly: true },
    ],
  };
}

/** The pod's volumes: host paths, and the etcd Secret or the host-local IPAM directory. */
function calicoNodeVolumes(c: ResolvedCalico): Env[] {
  const etcd = c.spec.datastore === "etcd";
  return [
    hostPath("lib-modules", "/lib/modules"),
    hostPath("var-run-calico", "/var/run/calico", "DirectoryOrCreate"),
    hostPath("var-lib-calico", "/var/lib/calico", "DirectoryOrCreate"),
    hostPath("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
    hostPath("sys-fs", "/sys/fs/", "DirectoryOrCreate"),
    hostPath("bpffs", "/sys/fs/bpf", "Directory"),
    hostPath("nodeproc", "/proc"),
    hostPath("cni-bin-dir", "/opt/cni/bin", "DirectoryOrCreate"),
    hostPath("cni-net-dir", "/etc/cni/net.d"),
    hostPath("cni-log-dir", "/var/log/calico/cni"),
    // Secret files readable by root only (0400).
    etcd ? etcdCerts(0o400) : hostPath("host-local-net-dir", "/var/lib/cni/networks"),
    hostPath("policysync", "/var/run/nodeagent", "DirectoryOrCreate"),
  ];
}

/** The calico-node DaemonSet: one privileged pod per Linux node on the host network. */
export function calicoNode(c: ResolvedCalico): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "calico-node", namespace: NS, labels: labels("calico-node") },
    spec: {
      selector: { matchLabels: labels("calico-node") },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: labels("calico-node") },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          hostNetwork: true,
          tolerations: [
            { effect: "NoSchedule", operator: "Exists" },
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { effect: "NoExecute", operator: "Exists" },
          ],
          serviceAccountName: "calico-node",
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          // Force deletion on termination: a calico-node restart must not wait.
          terminationGracePeriodSeconds: 0,
          priorityClassName: "system-node-critical",
          initContainers: calicoNodeInitContainers(c),
          containers: [calicoNodeContainer(c)],
          volumes: calicoNodeVolumes(c),
        },
      },
    },
  };
}
