/**
 * What the cluster itself says about its nodes, for doctor: the Node objects
 * of `kubectl get nodes -o json` (a v1 List of Node, as kubectl prints it).
 * In the kube subnet manager modes kube-controller-manager assigns node
 * subnets in registration order, so the plan's subnets are a prediction; the
 * Node's `spec.podCIDRs` is what flanneld really takes. `applyClusterFacts`
 * turns the prediction into the cluster's assignment before the checks run.
 *
 * Pure: the CLI reads the JSON (a file, or kubectl on a control-plane node).
 */
import { z } from "zod";
import type { PerFamily } from "../plan/index.js";
import { FAMILY_LABEL, type IpFamily, parseAddress, parseCidr } from "../shared/cidr.js";
import type { DoctorPlan } from "./expected.js";
import type { ExpectedNodeState, ExpectedRoute, Finding } from "./model.js";

/** One Node as the cluster knows it. */
export interface ClusterNode {
  readonly name: string;
  /** `spec.podCIDRs` (or the older single `spec.podCIDR`) per family; empty before kube-controller-manager assigned one. */
  readonly podCidrs: PerFamily<string>;
  /** `status.addresses` of type InternalIP, per family. */
  readonly internalIps: Readonly<Partial<Record<IpFamily, readonly string[]>>>;
}

/** The cluster's view of its nodes, by name. */
export interface ClusterFacts {
  /** Where the facts come from, for messages ("nodes.json", "kubectl on node cp1"). */
  readonly source: string;
  readonly nodes: ReadonlyMap<string, ClusterNode>;
}

// The fields of core/v1 Node that doctor reads (k8s.io/api/core/v1 types.go: NodeSpec.PodCIDR,
// NodeSpec.PodCIDRs, NodeStatus.Addresses with NodeAddressType); other fields are ignored.
const nodeSchema = z.object({
  apiVersion: z.literal("v1").optional(),
  kind: z.literal("Node").optional(),
  metadata: z.object({ name: z.string().min(1) }),
  spec: z
    .object({
      podCIDR: z.string().optional(),
      podCIDRs: z.array(z.string()).optional(),
    })
    .optional(),
  status: z
    .object({
      addresses: z.array(z.object({ type: z.string(), address: z.string() })).optional(),
    })
    .optional(),
});

// kubectl prints a list of several objects as `kind: List`; the API server's own list kind is NodeList.
const nodeListSchema = z.object({
  apiVersion: z.literal("v1"),
  kind: z.enum(["List", "NodeList"]),
  items: z.array(nodeSchema),
});

export interface ClusterFactsResult {
  readonly facts?: ClusterFacts;
  /** What is wrong with the document, each with its JSON path. */
  readonly problems: readonly string[];
}

/** Parses the output of `kubectl get nodes -o json`; problems name the JSON path of each bad field. */
export function parseClusterFacts(data: unknown, source: string): ClusterFactsResult {
  const r = nodeListSchema.safeParse(data);
  if (!r.success) {
    return {
      problems: r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(document)"}: ${i.message}`),
    };
  }
  const problems: string[] = [];
  const nodes = new Map<string, ClusterNode>();
  r.data.items.forEach((item, i) => {
    const name = item.metadata.name;
    if (nodes.has(name)) problems.push(`items.${i}.metadata.name: node "${name}" is listed twice`);
    const podCidrs: Partial<Record<IpFamily, string>> = {};
    const cidrs = item.spec?.podCIDRs ?? (item.spec?.podCIDR ? [item.spec.podCIDR] : []);
    cidrs.forEach((text, j) => {
      const c = parseCidr(text);
      const at = item.spec?.podCIDRs ? `items.${i}.spec.podCIDRs.${j}` : `items.${i}.spec.podCIDR`;
      if (!c.ok) problems.push(`${at}: ${JSON.stringify(text)} ${c.reason}`);
      else if (podCidrs[c.value.family]) problems.push(`${at}: a second ${FAMILY_LABEL[c.value.family]} pod CIDR ${c.value.text}`);
      else podCidrs[c.value.family] = c.value.text;
    });
    const internalIps: Partial<Record<IpFamily, string[]>> = {};
    for (const a of item.status?.addresses ?? []) {
      if (a.type !== "InternalIP") continue;
      const p = parseAddress(a.address);
      if (p.ok) internalIps[p.value.family] = [...(internalIps[p.value.family] ?? []), p.value.text];
    }
    nodes.set(name, { name, podCidrs, internalIps });
  });
  return problems.length > 0 ? { problems } : { facts: { source, nodes }, problems: [] };
}

/** The plan with each node's subnet and the routes to it taken from the cluster, and what differs from the plan. */
export interface ClusterApplied {
  readonly doctor: DoctorPlan;
  /** Information per node (never faults): the cluster assigned another subnet than planned, a node is not registered. */
  readonly info: ReadonlyMap<string, readonly Finding[]>;
}

/**
 * In the kube subnet manager modes, replaces the predicted subnets with the
 * Node's `spec.podCIDRs`: each node's own subnet and every route to it. With
 * the etcd datastore (or Calico) the plan is kept: there the plan's
 * reservations are what flanneld must hold.
 */
export function applyClusterFacts(doctor: DoctorPlan, facts: ClusterFacts): ClusterApplied {
  const info = new Map<string, Finding[]>();
  const add = (node: string, f: Omit<Finding, "node">) => info.set(node, [...(info.get(node) ?? []), { node, ...f }]);
  const assigned = (name: string, families: readonly IpFamily[]): PerFamily<string> | undefined => {
    const c = facts.nodes.get(name);
    if (!c) return undefined;
    const out: Partial<Record<IpFamily, string>> = {};
    for (const f of families) if (c.podCidrs[f]) out[f] = c.podCidrs[f];
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const nodes = doctor.nodes.map((e): ExpectedNodeState => {
    const sub = e.subnet;
    if (!sub?.predicted) return e;
    const got = assigned(e.node, e.families);
    if (!got) {
      add(e.node, {
        check: "subnet",
        code: facts.nodes.has(e.node) ? "subnet.unassigned" : "node.unregistered",
        expected: `a Node "${e.node}" with spec.podCIDRs (kube-controller-manager assigns them at registration)`,
        found: facts.nodes.has(e.node)
          ? `Node "${e.node}" has no spec.podCIDRs in ${facts.source}`
          : `no Node "${e.node}" in ${facts.source}`,
        fix: facts.nodes.has(e.node)
          ? "kube-controller-manager needs --allocate-node-cidrs=true and a --cluster-cidr matching cluster.podCidrs; its log names the node when the CIDR range is full"
          : `join the node (kubeadm join), or check that its kubelet registers as "${e.node}" (--hostname-override)`,
      });
      return { ...e, routes: e.routes.map((r) => routeFor(r, assigned(r.peer, [r.family]), facts)) };
    }
    const differs = e.families.filter((f) => got[f] !== undefined && got[f] !== sub.planned[f]);
    if (differs.length > 0) {
      add(e.node, {
        check: "subnet",
        code: "subnet.assigned-differs",
        expected: differs.map((f) => `${FAMILY_LABEL[f]} ${sub.planned[f] ?? "-"} (the plan's prediction)`).join(", "),
        found: differs.map((f) => `${got[f]} in the Node's spec.podCIDRs (${facts.source})`).join(", "),
        fix: "nothing to do: kube-controller-manager assigns node subnets in registration order; doctor checks against the cluster's assignment. To make the plan match, pin nodes[].podCidrs to the assigned subnets",
      });
    }
    return {
      ...e,
      subnet: { ...sub, planned: { ...sub.planned, ...got }, predicted: false, source: `the Node's spec.podCIDRs in ${facts.source}` },
      routes: e.routes.map((r) => routeFor(r, assigned(r.peer, [r.family]), facts)),
    };
  });
  return { doctor: { ...doctor, nodes }, info };
}

function routeFor(r: ExpectedRoute, peer: PerFamily<string> | undefined, facts: ClusterFacts): ExpectedRoute {
  if (!r.predicted) return r;
  const subnet = peer?.[r.family];
  if (!subnet) return r;
  return { ...r, subnet, predicted: false, why: `${r.why}; node "${r.peer}" holds ${subnet} (${facts.source})` };
}
