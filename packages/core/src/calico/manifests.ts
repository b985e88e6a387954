/**
 * The manifest path: the calico.yaml family generated from resolved options.
 * Kubernetes API datastore with or without Typha, or the etcd datastore.
 * The CRDs are not here: they are a prerequisite (see calico/network.ts).
 *
 * Numbers without their own comment (probe periods and thresholds, the 250m
 * CPU request, grace periods, maxUnavailable 1) are those of the release's
 * calico.yaml / calico-typha.yaml (v3.30.7); test/calico-reference.test.ts
 * compares every field with those files.
 */

import type { IpFamily } from "../shared/cidr.js";
import type { K8sObject } from "../shared/manifest.js";
import type { ResolvedPool } from "./pools.js";
import { calicoRbac, calicoServiceAccounts } from "./rbac.js";
import type { ResolvedCalico } from "./validation.js";
import { calicoImage } from "./versions.js";

const NS = "kube-system";
const CONFIG = "calico-config";
/** Where the etcd Secret is mounted; calico-config's etcd_* keys point here. */
export const CALICO_SECRETS_DIR = "/calico-secrets";
/** Typha's port (Felix connects to it), from calico-typha.yaml. */
export const TYPHA_PORT = 5473;
/** Health ports bound to localhost: Felix 9099, Typha 9098. */
const TYPHA_HEALTH_PORT = 9098;

type Env = Record<string, unknown>;
const value = (name: string, v: string): Env => ({ name, value: v });
const fromConfig = (name: string, key: string): Env => ({ name, valueFrom: { configMapKeyRef: { name: CONFIG, key } } });
const nodeName = (name: string): Env => ({ name, valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
const servicesEndpoint = [{ configMapRef: { name: "kubernetes-services-endpoint", optional: true } }];
const privileged = { privileged: true };
const labels = (app: string) => ({ "k8s-app": app });

/** The CNI conflist calico-config carries; `__X__` placeholders are filled in by install-cni on each node. */
function cniConfig(c: ResolvedCalico): string {
  const v4 = c.pools.some((p) => p.family === "ipv4");
  const v6 = c.pools.some((p) => p.family === "ipv6");
  const datastore =
    c.spec.datastore === "etcd"
      ? {
          etcd_endpoints: "__ETCD_ENDPOINTS__",
          etcd_key_file: "__ETCD_KEY_FILE__",
          etcd_cert_file: "__ETCD_CERT_FILE__",
          etcd_ca_cert_file: "__ETCD_CA_CERT_FILE__",
        }
      : { datastore_type: "kubernetes", nodename: "__KUBERNETES_NODE_NAME__" };
  const ipam: Record<string, string> = { type: "calico-ipam" };
  if (v6) {
    // calico-ipam assigns IPv4 only unless told otherwise (Calico "Configure dual stack or IPv6 only").
    ipam.assign_ipv4 = v4 ? "true" : "false";
    ipam.assign_ipv6 = "true";
  }
  const conf = {
    name: "k8s-pod-network",
    cniVersion: "0.3.1",
    plugins: [
      {
        type: "calico",
        log_level: "info",
        log_file_path: "/var/log/calico/cni/cni.log",
        ...datastore,
        mtu: "__CNI_MTU__",
        ipam,
        policy: { type: "k8s" },
        kubernetes: { kubeconfig: "__KUBECONFIG_FILEPATH__" },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
    ],
  };
  // install-cni substitutes __CNI_MTU__ as a bare number, so it is written without quotes.
  return JSON.stringify(conf, null, 2).replace('"__CNI_MTU__"', "__CNI_MTU__");
}

function configMap(c: ResolvedCalico): K8sObject {
  const etcd = c.etcd
    ? {
        etcd_endpoints: c.etcd.endpoints.join(","),
        etcd_ca: c.etcd.tls ? `${CALICO_SECRETS_DIR}/etcd-ca` : "",
        etcd_cert: c.etcd.tls ? `${CALICO_SECRETS_DIR}/etcd-cert` : "",
        etcd_key: c.etcd.tls ? `${CALICO_SECRETS_DIR}/etcd-key` : "",
      }
    : {};
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: CONFIG, namespace: NS },
    data: {
      ...etcd,
      typha_service_name: c.typha.enabled ? "calico-typha" : "none",
      calico_backend: c.backend,
      veth_mtu: String(c.mtu.value),
      cni_network_config: cniConfig(c),
    },
  };
}

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

const hostPath = (name: string, path: string, type?: string): Env => ({ name, hostPath: { path, ...(type ? { type } : {}) } });
const etcdCerts = (mode: number): Env => ({ name: "etcd-certs", secret: { secretName: "calico-etcd-secrets", defaultMode: mode } });
const etcdMount = { mountPath: CALICO_SECRETS_DIR, name: "etcd-certs" };

function calicoNode(c: ResolvedCalico): K8sObject {
  const etcd = c.spec.datastore === "etcd";
  const img = (component: string) => calicoImage(c.version, component, c.spec.registry);
  const bird = c.backend === "bird";
  const initContainers = [
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
  const container = {
    name: "calico-node",
    image: img("node"),
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
  const volumes = [
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
          initContainers,
          containers: [container],
          volumes,
        },
      },
    },
  };
}

function kubeControllers(c: ResolvedCalico): K8sObject[] {
  const etcd = c.spec.datastore === "etcd";
  const env = etcd
    ? [
        fromConfig("ETCD_ENDPOINTS", "etcd_endpoints"),
        fromConfig("ETCD_CA_CERT_FILE", "etcd_ca"),
        fromConfig("ETCD_KEY_FILE", "etcd_key"),
        fromConfig("ETCD_CERT_FILE", "etcd_cert"),
        // With etcd, kube-controllers also mirrors policies, namespaces and service accounts.
        value("ENABLED_CONTROLLERS", "policy,namespace,serviceaccount,workloadendpoint,node,loadbalancer"),
      ]
    : [value("ENABLED_CONTROLLERS", "node,loadbalancer"), value("DATASTORE_TYPE", "kubernetes")];
  const pdb: K8sObject = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "calico-kube-controllers", namespace: NS, labels: labels("calico-kube-controllers") },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels("calico-kube-controllers") } },
  };
  const deployment: K8sObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "calico-kube-controllers", namespace: NS, labels: labels("calico-kube-controllers") },
    spec: {
      // One active instance only (it does not elect a leader).
      replicas: 1,
      selector: { matchLabels: labels("calico-kube-controllers") },
      strategy: { type: "Recreate" },
      template: {
        metadata: { name: "calico-kube-controllers", namespace: NS, labels: labels("calico-kube-controllers") },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { key: "node-role.kubernetes.io/master", effect: "NoSchedule" },
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
          ],
          serviceAccountName: "calico-kube-controllers",
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          priorityClassName: "system-cluster-critical",
          // With etcd it runs on the host network so it reaches etcd before pod networking exists.
          ...(etcd ? { hostNetwork: true } : {}),
          containers: [
            {
              name: "calico-kube-controllers",
              image: calicoImage(c.version, "kube-controllers", c.spec.registry),
              imagePullPolicy: "IfNotPresent",
              env,
              ...(etcd ? { volumeMounts: [etcdMount] } : {}),
              livenessProbe: {
                exec: { command: ["/usr/bin/check-status", "-l"] },
                periodSeconds: 10,
                initialDelaySeconds: 10,
                failureThreshold: 6,
                timeoutSeconds: 10,
              },
              readinessProbe: { exec: { command: ["/usr/bin/check-status", "-r"] }, periodSeconds: 10 },
              securityContext: { runAsNonRoot: true },
            },
          ],
          // Secret files readable by owner and group (0440): the container runs as non-root.
          ...(etcd ? { volumes: [etcdCerts(0o440)] } : {}),
        },
      },
    },
  };
  return [pdb, deployment];
}

function typha(c: ResolvedCalico): { pdb: K8sObject; service: K8sObject; deployment: K8sObject } {
  const meta = { name: "calico-typha", namespace: NS, labels: labels("calico-typha") };
  const probe = (path: string) => ({ httpGet: { path, port: TYPHA_HEALTH_PORT, host: "localhost" } });
  return {
    pdb: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta,
      spec: { maxUnavailable: 1, selector: { matchLabels: labels("calico-typha") } },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta,
      spec: {
        ports: [{ port: TYPHA_PORT, protocol: "TCP", targetPort: "calico-typha", name: "calico-typha" }],
        selector: labels("calico-typha"),
      },
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta,
      spec: {
        replicas: c.typha.replicas,
        revisionHistoryLimit: 2,
        selector: { matchLabels: labels("calico-typha") },
        // Surge first: Typha binds a host port, so new pods need free nodes.
        strategy: { rollingUpdate: { maxSurge: "100%", maxUnavailable: 1 }, type: "RollingUpdate" },
        template: {
          metadata: { labels: labels("calico-typha"), annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" } },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            hostNetwork: true,
            // Matches TYPHA_SHUTDOWNTIMEOUTSECS: Typha sheds its clients gradually before exiting.
            terminationGracePeriodSeconds: 300,
            tolerations: [
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { effect: "NoSchedule", operator: "Exists" },
              { effect: "NoExecute", operator: "Exists" },
            ],
            serviceAccountName: "calico-node",
            priorityClassName: "system-cluster-critical",
            // 65534 = nobody: Typha runs as non-root.
            securityContext: { fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                image: calicoImage(c.version, "typha", c.spec.registry),
                imagePullPolicy: "IfNotPresent",
                name: "calico-typha",
                ports: [{ containerPort: TYPHA_PORT, name: "calico-typha", protocol: "TCP" }],
                envFrom: servicesEndpoint,
                env: [
                  value("TYPHA_LOGSEVERITYSCREEN", "info"),
                  value("TYPHA_LOGFILEPATH", "none"),
                  value("TYPHA_LOGSEVERITYSYS", "none"),
                  value("TYPHA_CONNECTIONREBALANCINGMODE", "kubernetes"),
                  value("TYPHA_DATASTORETYPE", "kubernetes"),
                  value("TYPHA_HEALTHENABLED", "true"),
                  value("TYPHA_SHUTDOWNTIMEOUTSECS", "300"),
                ],
                livenessProbe: { ...probe("/liveness"), periodSeconds: 30, initialDelaySeconds: 30, timeoutSeconds: 10 },
                securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
                readinessProbe: { ...probe("/readiness"), periodSeconds: 10, timeoutSeconds: 10 },
              },
            ],
          },
        },
      },
    },
  };
}

/** The etcd Secret without data; the front ends (or calico/etcd-secret.sh) supply the TLS files. */
export function calicoEtcdSecret(): K8sObject {
  return { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: "calico-etcd-secrets", namespace: NS } };
}

/** Every object of the manifest path, in apply order (CRDs excluded: they are a prerequisite). */
export function calicoManifestObjects(c: ResolvedCalico): K8sObject[] {
  const [kcPdb, kcDeployment] = kubeControllers(c) as [K8sObject, K8sObject];
  const t = c.typha.enabled ? typha(c) : undefined;
  return [
    kcPdb,
    ...(t ? [t.pdb] : []),
    ...calicoServiceAccounts(),
    ...(c.etcd ? [calicoEtcdSecret()] : []),
    configMap(c),
    ...calicoRbac(c.spec.datastore),
    ...(t ? [t.service] : []),
    calicoNode(c),
    kcDeployment,
    ...(t ? [t.deployment] : []),
  ];
}
