/**
 * What a change of spec does to running pods: the facts that cannot change in
 * place (pod and service CIDRs, node subnets, Flannel's Network, backend,
 * VNI and datastore, including the etcd API its release speaks, Calico's pool
 * CIDR, block size and encapsulation), each
 * with the reason and the migration steps it needs.
 *
 * Facts are compared with every default filled in, so writing a default out
 * (`vni: 1`) is no change, and a change that only moves a default is one.
 */
import type { CalicoNetworkConfig } from "../calico/options.js";
import { resolvePools } from "../calico/pools.js";
import { FLANNEL_VXLAN_DEFAULT_VNI } from "../flannel/backend.js";
import { FLANNEL_ETCD_V3_SINCE, type FlannelEtcdApi, flannelEtcdApi, parseFlannelTag } from "../flannel/etcd.js";
import { DEFAULT_FLANNEL_VERSION } from "../flannel/versions.js";
import type { CidrPlan } from "../plan/pod-cidr-plan.js";
import { FAMILY_LABEL } from "../shared/cidr.js";
import { Problems } from "../shared/problems.js";
import type { PodnetConfig } from "../spec/schema.js";

/** One change of the spec and what it does. */
export interface SpecChange {
  /**
   * Stable path of what changed, e.g. `cluster.podCidrs`, `nodes[node1].podCidrs.ipv4`,
   * `flannel.backend.vni`, `calico.ipPools[default-ipv4-ippool].cidr`. Named list
   * entries are addressed by name. `allowDisruptiveChange` takes these paths.
   */
  readonly path: string;
  /** Value before (absent when added); secrets are shown as `(secret)`. */
  readonly from: unknown;
  /** Value after (absent when removed); secrets are shown as `(secret)`. */
  readonly to: unknown;
  /** True when running pods lose connectivity or addresses, or nodes must be re-registered. */
  readonly disruptive: boolean;
  /** What the change does. */
  readonly reason: string;
  /** Steps to carry the change out safely, in order (empty when it applies in place). */
  readonly migration: readonly string[];
}

/** The parts of a spec the rules compare, with defaults resolved. */
export interface SpecFacts {
  readonly spec: PodnetConfig;
  readonly plan: CidrPlan;
}

/** Reads a section that a component adds to the spec schema (absent from older schemas). */
function section<T>(spec: PodnetConfig, name: string): T | undefined {
  return (spec as unknown as Record<string, T | undefined>)[name];
}

interface FlannelFacts {
  readonly mode: string;
  readonly version: string;
  readonly datastore: string;
  /** etcd API flanneld speaks (etcd datastore only): part of the datastore, the v2 and v3 keyspaces are separate. */
  readonly etcdApi?: FlannelEtcdApi;
  readonly backendType: string;
  readonly vni?: number;
  readonly etcdPrefix?: string;
  readonly subnetLen?: number;
  readonly ipv6SubnetLen?: number;
}

interface FlannelSection {
  readonly mode?: string;
  readonly version?: string;
  readonly backend?: { readonly type?: string; readonly vni?: number };
  readonly subnetLen?: number;
  readonly ipv6SubnetLen?: number;
  readonly systemd?: { readonly datastore?: string; readonly etcd?: { readonly prefix?: string } };
}

/** flannel's default `--etcd-prefix` (flannel main.go). */
const FLANNEL_DEFAULT_ETCD_PREFIX = "/coreos.com/network";

function flannelFacts(spec: PodnetConfig): FlannelFacts | undefined {
  const f = section<FlannelSection>(spec, "flannel");
  if (!f) return undefined;
  const mode = f.mode ?? "daemonset";
  const systemd = f.systemd;
  // The DaemonSet always uses the kube subnet manager; systemd mode names its datastore.
  const datastore = mode === "daemonset" ? "kube-subnet-mgr" : (systemd?.datastore ?? "etcd");
  const backendType = f.backend?.type ?? "vxlan";
  const etcd = datastore === "etcd";
  const version = f.version ?? DEFAULT_FLANNEL_VERSION;
  return {
    mode,
    version,
    datastore,
    etcdApi: etcd && parseFlannelTag(version) ? flannelEtcdApi(version) : undefined,
    backendType,
    vni: backendType === "vxlan" ? (f.backend?.vni ?? FLANNEL_VXLAN_DEFAULT_VNI) : undefined,
    etcdPrefix: etcd ? (systemd?.etcd?.prefix ?? FLANNEL_DEFAULT_ETCD_PREFIX) : undefined,
    // SubnetLen only matters where flannel allocates (etcd); the kube subnet manager ignores it.
    subnetLen: etcd ? f.subnetLen : undefined,
    ipv6SubnetLen: etcd ? f.ipv6SubnetLen : undefined,
  };
}

interface PoolFacts {
  readonly name: string;
  readonly cidr: string;
  readonly blockSize: number;
  readonly encapsulation: string;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
}

function encapsulation(ipipMode: string, vxlanMode: string): string {
  if (ipipMode !== "Never") return `IPIP ${ipipMode}`;
  if (vxlanMode !== "Never") return `VXLAN ${vxlanMode}`;
  return "None";
}

function calicoFacts(facts: SpecFacts): { install: string; datastore: string; pools: PoolFacts[] } | undefined {
  const c = section<CalicoNetworkConfig>(facts.spec, "calico");
  if (!c) return undefined;
  const pools = resolvePools(c, facts.plan, "calico", new Problems()).map((p) => ({
    name: p.name,
    cidr: p.cidr.text,
    blockSize: p.blockSize,
    encapsulation: encapsulation(p.ipipMode, p.vxlanMode),
    natOutgoing: p.natOutgoing,
    nodeSelector: p.nodeSelector,
  }));
  return { install: c.install ?? "operator", datastore: c.datastore ?? "kubernetes", pools };
}

/** Context for migration texts: which components the new spec uses. */
interface Uses {
  readonly flannel?: FlannelFacts;
  readonly calico: boolean;
}

function drainSteps(what: string): string[] {
  return [
    `For each node, one at a time: kubectl drain NODE --ignore-daemonsets --delete-emptydir-data, then kubectl delete node NODE (${what}).`,
    "On the node, remove the stale pod network state: ip link delete cni0; ip link delete flannel.1 (or the overlay device in use); rm -f /run/flannel/subnet.env; then restart the container runtime and the kubelet so the node re-registers.",
  ];
}

function cniSteps(uses: Uses, network: string): string[] {
  const out: string[] = [];
  if (uses.flannel?.datastore === "etcd") {
    out.push(
      `Flannel (etcd): run the new etcd/write-config.sh with allowNetworkChange so ${uses.flannel.etcdPrefix}/config holds Network ${network}, and delete the old leases: etcdctl del --prefix ${uses.flannel.etcdPrefix}/subnets/.`,
    );
  } else if (uses.flannel) {
    out.push(`Flannel: apply the new manifests (net-conf.json Network ${network}) and restart every flannel pod or unit.`);
  }
  if (uses.calico) {
    out.push(
      "Calico: create a pool in the new range, mark the old pool disabled: true, recreate the workloads, check that no pod uses the old range (calicoctl ipam show), then delete the old pool.",
    );
  }
  return out;
}

/** Compares the disruptive facts of two valid specs. */
export function factChanges(before: SpecFacts, after: SpecFacts): SpecChange[] {
  const out: SpecChange[] = [];
  const a = before.plan;
  const b = after.plan;
  const uses: Uses = { flannel: flannelFacts(after.spec), calico: section(after.spec, "calico") !== undefined };
  const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);

  if (!same(a.podCidrs, b.podCidrs)) {
    out.push({
      path: "cluster.podCidrs",
      from: a.podCidrs,
      to: b.podCidrs,
      disruptive: true,
      reason:
        "every node's pod subnet moves and every pod gets a new address; a Node's spec.podCIDR cannot change once set, kube-controller-manager's --cluster-cidr, kube-proxy's clusterCIDR and the CNI's network all follow the pod CIDR",
      migration: [
        "Plan a maintenance window: every pod is recreated with an address in the new range.",
        `Set kubeadm networking.podSubnet, kube-controller-manager --cluster-cidr and kube-proxy clusterCIDR to ${b.podCidrs.join(",")} (podnet plan prints the flags) and restart them.`,
        ...cniSteps(uses, b.podCidrs.join(",")),
        ...drainSteps("spec.podCIDR is immutable; re-registering assigns a subnet of the new range"),
        "Uncordon each node (kubectl uncordon NODE) and check it with podnet doctor before the next.",
      ],
    });
  } else {
    for (const f of a.families) {
      if (b.families.includes(f) && a.nodeMaskSize[f] !== b.nodeMaskSize[f]) {
        out.push({
          path: `cluster.nodeMaskSize.${f}`,
          from: a.nodeMaskSize[f],
          to: b.nodeMaskSize[f],
          disruptive: true,
          reason: `every node's ${FAMILY_LABEL[f]} subnet changes size, so every node gets a new subnet and its pods new addresses`,
          migration: [
            `Set kube-controller-manager --node-cidr-mask-size-${f}=${b.nodeMaskSize[f]} and restart it.`,
            ...cniSteps(uses, b.podCidrs.join(",")),
            ...drainSteps("spec.podCIDR is immutable; re-registering assigns a subnet of the new size"),
            "Uncordon each node and check it with podnet doctor before the next.",
          ],
        });
      }
    }
  }

  const svcChanged = !same(a.serviceCidrs, b.serviceCidrs);
  if (svcChanged) {
    out.push({
      path: "cluster.serviceCidrs",
      from: a.serviceCidrs,
      to: b.serviceCidrs,
      disruptive: true,
      reason:
        "Service ClusterIPs cannot change: every Service must be recreated, and pods keep the old DNS server and Service addresses until recreated",
      migration: [
        `Set kube-apiserver and kube-controller-manager --service-cluster-ip-range (kubeadm networking.serviceSubnet) to ${b.serviceCidrs.join(",")}.`,
        `Reissue the API server certificate with the new kubernetes Service IP ${Object.values(b.kubernetesServiceIp).join(", ")} in its SANs (kubeadm init phase certs apiserver).`,
        "Delete and recreate every Service that has a ClusterIP (the apiserver recreates the kubernetes Service itself).",
        `Recreate the cluster DNS Service with clusterIP ${b.dnsServiceIp}, set the kubelet clusterDNS on every node to it and restart the kubelets.`,
        "Restart every pod so resolv.conf and the *_SERVICE_HOST variables point at the new addresses.",
      ],
    });
  }
  if (!svcChanged && a.dnsServiceIp !== b.dnsServiceIp) {
    out.push({
      path: "cluster.dnsServiceIp",
      from: a.dnsServiceIp,
      to: b.dnsServiceIp,
      disruptive: true,
      reason: "pods keep the old DNS server in resolv.conf until recreated, and a Service's ClusterIP cannot change",
      migration: [
        `Recreate the cluster DNS Service (kube-dns) with clusterIP ${b.dnsServiceIp}.`,
        "Set the kubelet clusterDNS on every node to the new address and restart the kubelets.",
        "Restart every pod so resolv.conf names the new DNS server.",
      ],
    });
  }
  if (a.clusterDomain !== b.clusterDomain) {
    out.push({
      path: "cluster.clusterDomain",
      from: a.clusterDomain,
      to: b.clusterDomain,
      disruptive: true,
      reason: "pods search the old domain until recreated, and names like kubernetes.default.svc.<domain> stop resolving",
      migration: [
        `Reissue the API server certificate with kubernetes.default.svc.${b.clusterDomain} in its SANs.`,
        `Change the CoreDNS Corefile's kubernetes ${b.clusterDomain} zone, and the kubelet clusterDomain on every node; restart the kubelets.`,
        "Restart every pod so resolv.conf searches the new domain.",
      ],
    });
  }

  out.push(...subnetMoves(before, after, uses));
  out.push(...flannelChanges(flannelFacts(before.spec), uses.flannel));
  out.push(...calicoChanges(calicoFacts(before), calicoFacts(after)));
  return out;
}

/** Nodes that keep their name but get another subnet (pin changed, or a pin took their subnet). */
function subnetMoves(before: SpecFacts, after: SpecFacts, uses: Uses): SpecChange[] {
  const out: SpecChange[] = [];
  const a = before.plan;
  const b = after.plan;
  for (const node of b.nodes) {
    const old = a.nodes.find((n) => n.name === node.name);
    if (!old) continue;
    for (const f of b.families) {
      // A changed pod CIDR or node mask moves every node; that change carries the steps.
      if (a.podCidr[f] !== b.podCidr[f] || a.nodeMaskSize[f] !== b.nodeMaskSize[f]) continue;
      const from = old.podCidrs[f];
      const to = node.podCidrs[f];
      if (from === undefined || to === undefined || from === to) continue;
      const lease = uses.flannel?.datastore === "etcd" ? `${uses.flannel.etcdPrefix}/subnets/${from.replace("/", "-")}` : undefined;
      out.push({
        path: `nodes[${node.name}].podCidrs.${f}`,
        from,
        to,
        disruptive: true,
        reason: `node "${node.name}" keeps its name but its ${FAMILY_LABEL[f]} subnet moves (${node.subnetSource[f] === "pinned" ? "its pin changed" : "another node now pins its old subnet"}); its pods get new addresses and the node must be re-registered`,
        migration: [
          `kubectl drain ${node.name} --ignore-daemonsets --delete-emptydir-data`,
          `kubectl delete node ${node.name} (spec.podCIDR is immutable; the node re-registers with ${to}).`,
          `On ${node.name}: ip link delete cni0; ip link delete flannel.1 (or the overlay device in use); rm -f /run/flannel/subnet.env — otherwise the bridge keeps ${from} ("cni0 already has an IP address different from ...").`,
          ...(lease ? [`Delete the stale flannel lease: etcdctl del ${lease}`] : []),
          `Restart the container runtime and the kubelet on ${node.name}, then kubectl uncordon ${node.name}.`,
        ],
      });
    }
  }
  return out;
}

function flannelChanges(a: FlannelFacts | undefined, b: FlannelFacts | undefined): SpecChange[] {
  if (!a && !b) return [];
  if (!a || !b) {
    return [
      {
        path: "flannel",
        from: a ? "flannel" : undefined,
        to: b ? "flannel" : undefined,
        disruptive: true,
        reason: b
          ? "the pod network is replaced by Flannel: pods on other CNIs lose connectivity"
          : "Flannel is removed: pods lose cross-node connectivity",
        migration: [
          "Drain each node, remove the old CNI's configuration from /etc/cni/net.d and its devices, install the new network (podnet render), and restart the kubelet.",
          "Recreate every pod: pods keep the old CNI's addresses and routes until they are.",
        ],
      },
    ];
  }
  const out: SpecChange[] = [];
  const restartAll =
    "Restart flannel on every node at the same time (kubectl -n kube-flannel rollout restart ds/kube-flannel-ds, or systemctl restart flanneld on each node): nodes on the old and the new setting cannot reach each other's pods.";
  if (a.mode !== b.mode || a.datastore !== b.datastore) {
    out.push({
      path: a.mode !== b.mode ? "flannel.mode" : "flannel.systemd.datastore",
      from: `${a.mode} (${a.datastore} datastore)`,
      to: `${b.mode} (${b.datastore} datastore)`,
      disruptive: true,
      reason:
        "the node subnet leases move between datastores (etcd keys vs the Nodes' spec.podCIDR): flannel may hand nodes other subnets, and running it both ways at once makes nodes disagree",
      migration: [
        "Stop flannel on every node (delete the DaemonSet, or systemctl stop flanneld).",
        b.datastore === "etcd"
          ? `Write the network config to etcd with the rendered etcd/write-config.sh (prefix ${b.etcdPrefix}); keep reserveSubnets on so each node gets its plan subnet back.`
          : "Apply the kube-subnet-mgr RBAC (podnet render) and make sure kube-controller-manager allocates node CIDRs (--allocate-node-cidrs).",
        "On every node: rm -f /run/flannel/subnet.env, then start the new flannel (apply the manifests, or install.sh for systemd mode).",
        "Recreate the pods of every node whose subnet changed (compare /run/flannel/subnet.env with the plan, or run podnet doctor).",
      ],
    });
  } else {
    if (a.etcdApi !== b.etcdApi) out.push(etcdApiChange(a, b));
    if (a.etcdPrefix !== b.etcdPrefix) {
      out.push({
        path: "flannel.systemd.etcd.prefix",
        from: a.etcdPrefix,
        to: b.etcdPrefix,
        disruptive: true,
        reason: "flannel finds no config and no leases under the new prefix: nodes may get other subnets",
        migration: [
          `Write the config under ${b.etcdPrefix} first (etcd/write-config.sh), with the old leases copied or the plan reservations on.`,
          restartAll,
          `Delete the old keys afterwards: etcdctl del --prefix ${a.etcdPrefix}/`,
        ],
      });
    }
  }
  // flannel.version is a fact path (so a release change across the etcd API is not listed
  // twice); any other release change is listed here, as applying in place.
  if (a.version !== b.version && (a.etcdApi === b.etcdApi || a.datastore !== b.datastore)) {
    out.push({
      path: "flannel.version",
      from: a.version,
      to: b.version,
      disruptive: false,
      reason: "flannel restarts with the new release (rolling); pods keep their addresses",
      migration: [],
    });
  }
  if (a.backendType !== b.backendType) {
    out.push({
      path: "flannel.backend.type",
      from: a.backendType,
      to: b.backendType,
      disruptive: true,
      reason: `a ${a.backendType} node cannot exchange pod traffic with a ${b.backendType} node; cross-node pod traffic stops until every node runs the new backend`,
      migration: [
        `Open what ${b.backendType} needs in every node's firewall first (podnet render: the prep unit lists the ports).`,
        "Apply the new net-conf.json (podnet render; with the etcd datastore etcd/write-config.sh with allowNetworkChange).",
        restartAll,
        `Remove the old backend's device on each node (e.g. ip link delete flannel.${a.vni ?? FLANNEL_VXLAN_DEFAULT_VNI} for vxlan, flannel-wg for wireguard); pods keep their addresses.`,
      ],
    });
  } else if (a.vni !== b.vni) {
    out.push({
      path: "flannel.backend.vni",
      from: a.vni,
      to: b.vni,
      disruptive: true,
      reason: `the VXLAN device becomes flannel.${b.vni}: nodes on VNI ${a.vni} and VNI ${b.vni} cannot reach each other's pods`,
      migration: [
        "Apply the new net-conf.json (podnet render; with the etcd datastore etcd/write-config.sh with allowNetworkChange).",
        restartAll,
        `On each node: ip link delete flannel.${a.vni}.`,
      ],
    });
  }
  for (const [key, from, to] of [
    ["subnetLen", a.subnetLen, b.subnetLen],
    ["ipv6SubnetLen", a.ipv6SubnetLen, b.ipv6SubnetLen],
  ] as const) {
    if (a.datastore === "etcd" && b.datastore === "etcd" && from !== to) {
      out.push({
        path: `flannel.${key}`,
        from,
        to,
        disruptive: true,
        reason: "every lease in etcd has the old subnet size: flannel must hand every node a new subnet",
        migration: [
          "Run etcd/write-config.sh with allowNetworkChange, then delete every lease under the prefix's subnets/.",
          ...drainSteps("its pods move to the new subnet").slice(1),
          restartAll,
        ],
      });
    }
  }
  return out;
}

/** flannel.version crosses v0.18.0 with the etcd datastore: the etcd API, and with it the keyspace, changes. */
function etcdApiChange(a: FlannelFacts, b: FlannelFacts): SpecChange {
  const ctl = (api: FlannelEtcdApi | undefined) => `ETCDCTL_API=${api === "v2" ? 2 : 3} etcdctl`;
  const clearOld =
    a.etcdApi === "v2" ? `${ctl(a.etcdApi)} rm -r ${a.etcdPrefix}/subnets` : `${ctl(a.etcdApi)} del --prefix ${a.etcdPrefix}/subnets/`;
  return {
    path: "flannel.version",
    from: `${a.version} (etcd ${a.etcdApi} API)`,
    to: `${b.version} (etcd ${b.etcdApi} API)`,
    disruptive: true,
    reason: `flannel speaks the etcd v2 API before ${FLANNEL_ETCD_V3_SINCE} and the v3 API from it on; their keyspaces are separate, so the new flanneld sees neither the network config nor the subnet leases the old one wrote under ${b.etcdPrefix}: it does not start until the config is written again, and nodes on the old and the new release do not see each other's leases (no routes between them)`,
    migration: [
      `Write the network config with the ${b.etcdApi} API before the new release starts: run the new bundle's etcd/write-config.sh (it uses ${ctl(b.etcdApi)}); keep reserveSubnets on so each node gets its plan subnet back${b.etcdApi === "v2" ? ", and start every etcd member with --enable-v2=true (etcd 3.4/3.5; etcd 3.6 has no v2 API)" : ""}.`,
      `Stop flanneld on every node, then install the new release on all of them (install.sh) and start it: leases are not visible across the APIs, so nodes on ${a.version} and ${b.version} cannot route to each other's pods.`,
      "On every node compare /run/flannel/subnet.env with the plan (podnet doctor) and recreate the pods of any node whose subnet changed.",
      `Delete the old leases, which nothing reads any more: ${clearOld} (and the old config at ${a.etcdPrefix}/config).`,
    ],
  };
}

function calicoChanges(a: ReturnType<typeof calicoFacts>, b: ReturnType<typeof calicoFacts>): SpecChange[] {
  if (!a && !b) return [];
  if (!a || !b) {
    return [
      {
        path: "calico",
        from: a ? "calico" : undefined,
        to: b ? "calico" : undefined,
        disruptive: true,
        reason: b
          ? "the pod network is replaced by Calico: pods on the old CNI lose connectivity"
          : "Calico is removed: pods lose connectivity and policy",
        migration: [
          "Drain each node, remove the old CNI's configuration from /etc/cni/net.d and its devices, install the new network, and restart the kubelet.",
          "Recreate every pod: pods keep the old CNI's addresses and routes until they are.",
        ],
      },
    ];
  }
  const out: SpecChange[] = [];
  if (a.install !== b.install || a.datastore !== b.datastore) {
    out.push({
      path: a.install !== b.install ? "calico.install" : "calico.datastore",
      from: `${a.install} (${a.datastore})`,
      to: `${b.install} (${b.datastore})`,
      disruptive: true,
      reason:
        "Calico's state (pools, IPAM blocks, policies) lives in the datastore; another install path or datastore starts from an empty one",
      migration: [
        "Export the Calico resources (calicoctl get ippools,bgpconfigurations,felixconfigurations,networkpolicies -o yaml).",
        "Install the new path, import the resources into the new datastore, and migrate IPAM (calicoctl datastore migrate for etcd to Kubernetes).",
        "Restart calico-node on every node, then recreate the workloads.",
      ],
    });
  }
  const newPool = (name: string, what: string): string[] => [
    `${what} cannot change on an existing IPPool (libcalico-go: cidr and blockSize are immutable).`,
    `Create a new pool with the new settings, mark pool ${name} disabled: true, recreate (rolling restart) the workloads so they get addresses from the new pool.`,
    "Check that no pod still uses the old pool (calicoctl ipam show --show-blocks), then delete it.",
  ];
  for (const pa of a.pools) {
    const pb = b.pools.find((p) => p.name === pa.name);
    const path = `calico.ipPools[${pa.name}]`;
    if (!pb) {
      out.push({
        path,
        from: pa.cidr,
        to: undefined,
        disruptive: true,
        reason: `pods with addresses from pool ${pa.name} keep them, but Calico stops routing and allocating them`,
        migration: [
          `Mark pool ${pa.name} disabled: true first and recreate the workloads that use it.`,
          "Check that no pod still uses it (calicoctl ipam show --show-blocks), then remove it.",
        ],
      });
      continue;
    }
    if (pa.cidr !== pb.cidr) {
      out.push({
        path: `${path}.cidr`,
        from: pa.cidr,
        to: pb.cidr,
        disruptive: true,
        reason: "a pool's CIDR is immutable: pods must move to a new pool",
        migration: newPool(pa.name, "The CIDR"),
      });
    }
    if (pa.blockSize !== pb.blockSize) {
      out.push({
        path: `${path}.blockSize`,
        from: pa.blockSize,
        to: pb.blockSize,
        disruptive: true,
        reason: "a pool's block size is immutable: the existing blocks are affine to nodes",
        migration: newPool(pa.name, "The block size"),
      });
    }
    if (pa.encapsulation !== pb.encapsulation) {
      out.push({
        path: `${path}.encapsulation`,
        from: pa.encapsulation,
        to: pb.encapsulation,
        disruptive: true,
        reason: "Felix reprograms the routes and tunnel devices of every node: cross-node pod traffic drops while nodes disagree",
        migration: [
          `Open what ${pb.encapsulation} needs on every node first (VXLAN 4789/udp, IPIP IP protocol 4, BGP 179/tcp; podnet render lists them).`,
          `Change pool ${pa.name}'s ipipMode/vxlanMode in one step (apply the rendered pool or Installation).`,
          "Watch calico-node become ready on every node; then remove the old tunnel device if unused (tunl0 or vxlan.calico) and turn BGP off if nothing needs it.",
        ],
      });
    }
    for (const key of ["natOutgoing", "nodeSelector"] as const) {
      if (pa[key] !== pb[key]) {
        out.push({
          path: `${path}.${key}`,
          from: pa[key],
          to: pb[key],
          disruptive: false,
          reason: "applied by Calico in place",
          migration: [],
        });
      }
    }
  }
  for (const pb of b.pools) {
    if (!a.pools.some((p) => p.name === pb.name)) {
      out.push({
        path: `calico.ipPools[${pb.name}]`,
        from: undefined,
        to: pb.cidr,
        disruptive: false,
        reason: "a new pool is created; new pods may get addresses from it",
        migration: [],
      });
    }
  }
  return out;
}

/** Spec paths the fact rules own; plain field changes below them are not listed again. */
export const FACT_PATHS: readonly RegExp[] = [
  /^cluster\.(podCidrs|serviceCidrs|nodeMaskSize|dnsServiceIp|clusterDomain)(\.|\[|$)/,
  /^nodes\[[^\]]*\]\.podCidrs(\.|\[|$)/,
  /^flannel\.(mode|version|backend\.(type|vni)|systemd\.(datastore|etcd\.prefix)|subnetLen|ipv6SubnetLen)$/,
  /^calico\.(install|datastore|ipPools)(\.|\[|$)/,
  /^(flannel|calico)$/,
];

/** What a plain field change does (nothing here is disruptive by itself). */
export function fieldReason(path: string, from: unknown, to: unknown): { reason: string; migration: string[] } {
  const node = /^nodes\[([^\]]*)\]/.exec(path)?.[1];
  if (/^nodes\[[^\]]*\]$/.test(path)) {
    if (from === undefined)
      return {
        reason: `node "${node}" is added; it gets the lowest free subnet and no other node moves`,
        migration: [`Run the new bundle on ${node} (nodes/${node}/install.sh, or pulumi up).`],
      };
    if (to === undefined) {
      return {
        reason: `node "${node}" is removed; its subnet is freed`,
        migration: [
          `kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data`,
          `Run nodes/${node}/uninstall.sh from the previous bundle on it, then kubectl delete node ${node}.`,
        ],
      };
    }
  }
  if (/\.interfaces\[[^\]]*\]\.mtu$/.test(path))
    return { reason: "the pod MTU derived from it changes; pods get it when recreated", migration: [] };
  if (/\.interfaces/.test(path))
    return {
      reason: "node addresses or interfaces change; flannel and calico-node pick them up when restarted on that node",
      migration: [],
    };
  if (/^nodes\[[^\]]*\]\.ssh/.test(path)) return { reason: "only how podnet connects to the node", migration: [] };
  if (path === "cluster.maxPodsPerNode") return { reason: "kubelet maxPods changes; restart the kubelets", migration: [] };
  if (path.startsWith("cluster.reservedCidrs")) return { reason: "only what validation checks against", migration: [] };
  if (/^flannel\.(network|ipv6Network)$/.test(path))
    return { reason: "restates the plan's pod CIDR; the Network changes only with cluster.podCidrs", migration: [] };
  if (path.startsWith("flannel."))
    return { reason: "flannel restarts with the new setting (rolling); pods keep their addresses", migration: [] };
  if (path.startsWith("calico."))
    return { reason: "applied by Calico in place (rolling restart of calico-node where needed)", migration: [] };
  return { reason: "applies in place", migration: [] };
}
