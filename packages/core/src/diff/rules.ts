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
import type { FieldReason, SpecChange } from "../component/contract.js";
import type { CidrPlan } from "../plan/index.js";
import { FAMILY_LABEL } from "../shared/cidr.js";
import { COMPONENTS } from "../spec/registry.js";
import type { PodnetConfig } from "../spec/schema.js";

export type { SpecChange } from "../component/contract.js";

/** The parts of a spec the rules compare, with defaults resolved. */
export interface SpecFacts {
  readonly spec: PodnetConfig;
  readonly plan: CidrPlan;
}

/** Each component's facts of one side, by component key (components without diff rules or section left out). */
type ComponentFacts = ReadonlyMap<string, unknown>;

function componentFacts(facts: SpecFacts): ComponentFacts {
  const sections = facts.spec as unknown as Record<string, unknown>;
  const out = new Map<string, unknown>();
  for (const c of COMPONENTS) {
    const f = c.changes?.facts(sections[c.key], facts.plan);
    if (f !== undefined) out.set(c.key, f);
  }
  return out;
}

function drainSteps(what: string): string[] {
  return [
    `For each node, one at a time: kubectl drain NODE --ignore-daemonsets --delete-emptydir-data, then kubectl delete node NODE (${what}).`,
    "On the node, remove the stale pod network state: ip link delete cni0; ip link delete flannel.1 (or the overlay device in use); rm -f /run/flannel/subnet.env; then restart the container runtime and the kubelet so the node re-registers.",
  ];
}

/** Each network's steps of the new spec when the pod network changes. */
function cniSteps(uses: ComponentFacts, network: string): string[] {
  return COMPONENTS.flatMap((c) => {
    const f = uses.get(c.key);
    return f !== undefined && c.changes?.networkSteps ? c.changes.networkSteps(f, network) : [];
  });
}

const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);

/** The pod CIDRs, or else the node mask per family: every node's subnet moves. */
function podCidrChanges(a: CidrPlan, b: CidrPlan, uses: ComponentFacts): SpecChange[] {
  const out: SpecChange[] = [];
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

  return out;
}

/** The service CIDRs, the DNS service address and the cluster domain. */
function serviceChanges(a: CidrPlan, b: CidrPlan): SpecChange[] {
  const out: SpecChange[] = [];
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

  return out;
}

/** Compares the disruptive facts of two valid specs: the cluster's, then each component's in registry order. */
export function factChanges(before: SpecFacts, after: SpecFacts): SpecChange[] {
  const was = componentFacts(before);
  const uses = componentFacts(after);
  const out = [...podCidrChanges(before.plan, after.plan, uses), ...serviceChanges(before.plan, after.plan)];
  out.push(...subnetMoves(before, after, uses));
  for (const c of COMPONENTS) if (c.changes) out.push(...c.changes.changes(was.get(c.key), uses.get(c.key)));
  return out;
}

/** Nodes that keep their name but get another subnet (pin changed, or a pin took their subnet). */
function subnetMoves(before: SpecFacts, after: SpecFacts, uses: ComponentFacts): SpecChange[] {
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
          ...moveSteps(uses, from),
          `Restart the container runtime and the kubelet on ${node.name}, then kubectl uncordon ${node.name}.`,
        ],
      });
    }
  }
  return out;
}

/** Each network's extra steps when a node's subnet moves away from `from`. */
function moveSteps(uses: ComponentFacts, from: string): string[] {
  return COMPONENTS.flatMap((c) => {
    const f = uses.get(c.key);
    return f !== undefined && c.changes?.subnetMoveSteps ? c.changes.subnetMoveSteps(f, from) : [];
  });
}

/** Spec paths the fact rules own; plain field changes below them are not listed again. */
export const FACT_PATHS: readonly RegExp[] = [
  /^cluster\.(podCidrs|serviceCidrs|nodeMaskSize|dnsServiceIp|clusterDomain)(\.|\[|$)/,
  /^nodes\[[^\]]*\]\.podCidrs(\.|\[|$)/,
  ...COMPONENTS.flatMap((c) => c.changes?.factPaths ?? []),
];

/** What a plain field change does (nothing here is disruptive by itself). */
export function fieldReason(path: string, from: unknown, to: unknown): FieldReason {
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
  for (const c of COMPONENTS) {
    const r = c.changes?.fieldReason(path);
    if (r) return r;
  }
  return { reason: "applies in place", migration: [] };
}
