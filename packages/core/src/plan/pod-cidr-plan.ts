/**
 * PodCidrPlan: the single source of truth for pod and service CIDRs, per-node
 * subnets, capacity and the flags every Kubernetes component must agree on.
 *
 * Node subnets are stable: a node keeps a pinned subnet (`nodes[].podCidrs`)
 * or the one it had in the previous plan (`previous`, e.g. read back from a
 * rendered `plan.json`); only nodes with neither get a new subnet, the lowest
 * free one, in spec order. So adding or removing a node never moves another.
 *
 * The checks and passes live beside this file (cidrs, nodes, overlaps, capacity,
 * allocation, services, flags); this file holds the entry points and puts them together.
 */
import { familyBits, type IpFamily } from "../shared/cidr.js";
import { DNS1123_SUBDOMAIN } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import { type Checked, checkWith, type Planned, plannedOf } from "../shared/result.js";
import { allocate, allocationBounds, checkPinFamilies, type NodeSubnets } from "./allocation.js";
import { checkCapacity, checkKubeadmSizes } from "./capacity.js";
import { checkFamilyMatch, type FamilyCidrs, parseCidrList } from "./cidrs.js";
import { componentFlags } from "./flags.js";
import { checkNodes, type NodeBase } from "./nodes.js";
import type { PodCidrPlanConfig, PodCidrPlanOptions } from "./options.js";
import { podCidrPlanSchema } from "./options.js";
import { checkOverlaps, reservedNetworks, type Sourced } from "./overlaps.js";
import { serviceIps } from "./services.js";
import type { CidrPlan, FamilyCapacity, PerFamily, PlanContext, PlanInput, PlannedNode } from "./types.js";

/**
 * Validates the options and builds the plan; throws one NetworkPlanError
 * with every problem when the network is broken.
 */
export function planPodCidrs(options: PodCidrPlanOptions, context: PlanContext = {}): Planned<CidrPlan> {
  return plannedOf(checkPodCidrPlan(options, context));
}

/** Like planPodCidrs, but returns the problems instead of throwing. */
export function checkPodCidrPlan(options: unknown, context: PlanContext = {}): Checked<CidrPlan> {
  return checkWith(podCidrPlanSchema, options, [], (config, p) => buildPlan(config, p, context));
}

/**
 * The plan behind a {@link PlanInput}. Options are planned here (throws
 * NetworkPlanError), keeping `context.previous` node subnets; a given plan
 * comes back as is, with no warnings (its holder reported them).
 */
export function resolvePlan(input: PlanInput, context: PlanContext = {}): Planned<CidrPlan> {
  if ("families" in input) return { value: input, warnings: [] };
  if ("plan" in input) return { value: input.plan, warnings: [] };
  return planPodCidrs(input, context);
}

/** Runs every check in spec order (problems go to `p`); the plan when there is no error. */
function buildPlan(input: PodCidrPlanConfig, p: Problems, context: PlanContext): CidrPlan | undefined {
  const { cluster } = input;
  const pods = parseCidrList(cluster.podCidrs, "cluster.podCidrs", p);
  const services = parseCidrList(cluster.serviceCidrs, "cluster.serviceCidrs", p);
  const families = [...pods.keys()];
  // Pod and service lists cover the same families.
  checkFamilyMatch(pods, services, p);
  checkKubeadmSizes(pods, services, cluster.nodeMaskSize, p);
  const reserved = reservedNetworks(cluster.reservedCidrs, p);
  // Nodes: names, interfaces, addresses.
  const ifaceNets = new Map<string, Sourced>();
  const nodesOut = checkNodes(input.nodes, p, ifaceNets);
  // Overlaps: pods and services against each other and everything else.
  checkOverlaps(cluster, pods, services, reserved, ifaceNets, p);
  const { capacity, subnets } = planFamilies(input, pods, services, context, p);
  checkPinFamilies(input.nodes, pods, p);
  const { kubernetesServiceIp, dnsServiceIp } = serviceIps(services, families, cluster.dnsServiceIp, p);
  checkClusterDomain(cluster.clusterDomain, p);

  if (!p.ok) return undefined;

  const ordered = (m: FamilyCidrs) => [...m.values()].sort((a, b) => a.index - b.index).map((v) => v.cidr.text);
  const perFamily = (m: FamilyCidrs): PerFamily<string> => Object.fromEntries([...m].map(([f, v]) => [f, v.cidr.text]));
  const plan: Omit<CidrPlan, "flags"> = {
    families,
    dualStack: families.length === 2,
    podCidrs: ordered(pods),
    serviceCidrs: ordered(services),
    podCidr: perFamily(pods),
    serviceCidr: perFamily(services),
    nodeMaskSize: { ipv4: cluster.nodeMaskSize.ipv4, ipv6: cluster.nodeMaskSize.ipv6 },
    maxPodsPerNode: cluster.maxPodsPerNode,
    clusterDomain: cluster.clusterDomain,
    reservedCidrs: reserved.map((r) => r.cidr.text),
    kubernetesServiceIp,
    dnsServiceIp: dnsServiceIp ?? "",
    capacity,
    nodes: plannedNodes(nodesOut, families, subnets),
  };
  return { ...plan, flags: componentFlags(plan) };
}

/** Capacity and node subnets, per pod family: the subnets only where the node mask fits the pod CIDR. */
function planFamilies(
  input: PodCidrPlanConfig,
  pods: FamilyCidrs,
  services: FamilyCidrs,
  context: PlanContext,
  p: Problems,
): { capacity: Record<string, FamilyCapacity>; subnets: NodeSubnets } {
  const { cluster } = input;
  const capacity: Record<string, FamilyCapacity> = {};
  const subnets: NodeSubnets = { cidrs: new Map(), sources: new Map() };
  for (const [family, pod] of pods) {
    const mask = cluster.nodeMaskSize[family];
    const svc = services.get(family);
    const fc = checkCapacity(family, pod.cidr, mask, cluster.maxPodsPerNode, input.nodes.length, svc?.cidr, p);
    if (fc) capacity[family] = fc;
    if (mask >= pod.cidr.prefix && mask <= Math.min(pod.cidr.prefix + 16, familyBits(family))) {
      const range = allocationBounds(pod.cidr, mask, context.allocation?.[family]);
      allocate(family, pod.cidr, mask, range, input.nodes, context.previous, p, subnets);
    }
  }
  return { capacity, subnets };
}

function checkClusterDomain(clusterDomain: string, p: Problems): void {
  if (clusterDomain.length > 253 || !DNS1123_SUBDOMAIN.test(clusterDomain)) {
    p.error(
      "cluster.clusterDomain",
      "cluster.domain",
      `cluster.clusterDomain: ${show(clusterDomain)} is not a DNS-1123 subdomain (lowercase labels of letters, digits and "-" joined by "."), e.g. "cluster.local"`,
    );
  }
}

/** The checked nodes with their subnets, `podCidrList` ordered like `cluster.podCidrs`. */
function plannedNodes(nodes: readonly NodeBase[], families: readonly IpFamily[], subnets: NodeSubnets): PlannedNode[] {
  return nodes.map((n, i) => {
    const own = subnets.cidrs.get(i) ?? {};
    return {
      ...n,
      podCidrs: own,
      podCidrList: families.map((f) => own[f]).filter((x): x is string => x !== undefined),
      subnetSource: subnets.sources.get(i) ?? {},
    };
  });
}
