/**
 * PodCidrPlan: the single source of truth for pod and service CIDRs, per-node
 * subnets, capacity and the flags every Kubernetes component must agree on.
 *
 * Node subnets are stable: a node keeps a pinned subnet (`nodes[].podCidrs`)
 * or the one it had in the previous plan (`previous`, e.g. read back from a
 * rendered `plan.json`); only nodes with neither get a new subnet, the lowest
 * free one, in spec order. So adding or removing a node never moves another.
 */
import {
  type Cidr,
  contains,
  containsAddress,
  FAMILY_LABEL,
  familyBits,
  IPV4_MAPPED,
  type IpFamily,
  ipv4MappedAddress,
  ipv4MappedAlias,
  isPrivate,
  nthAddress,
  nthSubnet,
  overlaps,
  parseAddress,
  parseCidr,
  parseInterfaceAddress,
  SPECIAL_RANGES,
  size,
  subnetCount,
  subnetIndex,
} from "../shared/cidr.js";
import { NetworkPlanError, type Problem, Problems, show } from "../shared/problems.js";
import { PARSE_OPTIONS, zodProblems } from "../shared/zod-problems.js";
import {
  type NodeArch,
  type NodeConfig,
  type NodeRole,
  type PodCidrPlanConfig,
  type PodCidrPlanOptions,
  podCidrPlanSchema,
} from "./options.js";

/** A value per address family. */
export interface PerFamily<T> {
  readonly ipv4?: T;
  readonly ipv6?: T;
}

/** Node subnets from an earlier plan, by node name. */
export type PreviousAllocation = Readonly<Record<string, PerFamily<string>>>;

/** One address of a node interface in the plan. */
export interface PlannedAddress {
  readonly family: IpFamily;
  /** Address without prefix, canonical. */
  readonly address: string;
  /** The masked network the address sits in. */
  readonly network: string;
  /** As written in the spec, canonicalised: `192.168.1.31/24`. */
  readonly cidr: string;
}

/** One interface of a planned node, with its addresses. */
export interface PlannedInterface {
  readonly name: string;
  readonly mtu: number;
  readonly defaultRoute: boolean;
  readonly addresses: readonly PlannedAddress[];
}

/** Where a node's subnet came from. */
export type SubnetSource = "pinned" | "previous" | "allocated";

/** One node of the plan: roles, arch, interfaces, its pod subnet per family and where each subnet came from. */
export interface PlannedNode {
  readonly name: string;
  /** Position in the spec's `nodes` list (for problem paths). */
  readonly index: number;
  readonly roles: readonly NodeRole[];
  readonly arch: NodeArch;
  readonly ssh?: NodeConfig["ssh"];
  readonly interfaces: readonly PlannedInterface[];
  /** The node's pod subnet per family. */
  readonly podCidrs: PerFamily<string>;
  /** The same, ordered like `cluster.podCidrs` (the node's `spec.podCIDRs`). */
  readonly podCidrList: readonly string[];
  readonly subnetSource: PerFamily<SubnetSource>;
}

/** What one family's pod and service CIDRs hold: node subnets, addresses per node, Service IPs. */
export interface FamilyCapacity {
  readonly podCidr: string;
  readonly nodeMaskSize: number;
  /** How many node subnets the pod CIDR holds. */
  readonly nodeSubnets: number;
  readonly nodesPlanned: number;
  /** nodesPlanned / nodeSubnets, 0..1. */
  readonly utilisation: number;
  /** Usable pod addresses per node subnet. */
  readonly addressesPerNode: string;
  readonly serviceCidr: string;
  /** Usable Service IPs. */
  readonly serviceAddresses: string;
}

/** Flags and config fragments for the Kubernetes components, all derived from the plan. */
export interface ComponentFlags {
  readonly kubeadm: {
    readonly networking: { readonly podSubnet: string; readonly serviceSubnet: string; readonly dnsDomain: string };
  };
  readonly kubeControllerManager: Readonly<Record<string, string>>;
  readonly kubeApiserver: Readonly<Record<string, string>>;
  readonly kubeProxy: { readonly clusterCIDR: string };
  readonly kubelet: { readonly maxPods: number; readonly clusterDNS: readonly string[]; readonly clusterDomain: string };
}

/** The validated network plan: pod and service CIDRs per family, node subnets, capacity and the flags every component must agree on. */
export interface CidrPlan {
  /** Families in the order of `cluster.podCidrs` (the first is the primary family). */
  readonly families: readonly IpFamily[];
  readonly dualStack: boolean;
  readonly podCidrs: readonly string[];
  readonly serviceCidrs: readonly string[];
  readonly podCidr: PerFamily<string>;
  readonly serviceCidr: PerFamily<string>;
  readonly nodeMaskSize: { readonly ipv4: number; readonly ipv6: number };
  readonly maxPodsPerNode: number;
  readonly clusterDomain: string;
  readonly reservedCidrs: readonly string[];
  /** The `kubernetes` Service IP per family: the first address of the service CIDR. */
  readonly kubernetesServiceIp: PerFamily<string>;
  readonly dnsServiceIp: string;
  readonly capacity: PerFamily<FamilyCapacity>;
  readonly nodes: readonly PlannedNode[];
  readonly flags: ComponentFlags;
}

/** The result of `planPodCidrs`: the plan and its warnings. */
export interface PlanOutcome {
  readonly plan: CidrPlan;
  readonly warnings: readonly Problem[];
}

/** The result of `checkPodCidrPlan`: the plan when the options are valid, and the problems. */
export interface PlanCheck {
  readonly plan?: CidrPlan;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/** What planning takes beside the options: the previous allocation to keep, and the ranges new node subnets may come from. */
export interface PlanContext {
  /** Subnets of an earlier plan, kept for nodes that still exist. */
  readonly previous?: PreviousAllocation;
  /**
   * Where new node subnets may be allocated, per family: a component that hands out node
   * subnets itself (flannel with etcd reservations) allows only part of the pod CIDR.
   * Pins are honoured anywhere (the component reports the ones it cannot use); a previous
   * subnet outside the range moves.
   * @default - the whole pod CIDR
   */
  readonly allocation?: PerFamily<AllocationRange>;
}

/**
 * Part of the pod CIDR the planner allocates node subnets from. A bound that is not the
 * first address of a node subnet inside the pod CIDR is ignored here (the component that
 * set it reports it).
 */
export interface AllocationRange {
  /** First address of the lowest node subnet allowed. @default - the pod CIDR's first (or second) subnet */
  readonly min?: string;
  /** First address of the highest node subnet allowed. @default - the pod CIDR's last subnet */
  readonly max?: string;
  /** Never hand out the pod CIDR's first node subnet (flannel's default SubnetMin). @default false */
  readonly excludeFirst?: boolean;
  /** How messages name the range, e.g. `flannel's SubnetMin..SubnetMax`. */
  readonly label: string;
  /** Problem path when the range holds too few subnets, e.g. `flannel.subnetMin`. */
  readonly path: string;
}

/** Host-local bridges that carry the same default address on every host (Docker, libvirt, LXC, Podman). */
const LOCAL_BRIDGE = /^(docker[0-9]+|virbr[0-9]+|lxcbr[0-9]+|podman[0-9]+)$/;
/** DNS-1123 label: what Kubernetes accepts as a node name here. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * DNS-1123 subdomain: lowercase labels of at most 63 characters joined by
 * dots, 253 characters in all (Kubernetes object names, label key prefixes,
 * the cluster domain).
 */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** Linux interface names podnet accepts: 1-15 characters, letters, digits, `_`, `.`, `-`. */
export const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** Host names and addresses that may reach an ssh command line. */
export const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
/** POSIX user names. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Validates the options and builds the plan; throws one NetworkPlanError
 * with every problem when the network is broken.
 */
export function planPodCidrs(options: PodCidrPlanOptions, context: PlanContext = {}): PlanOutcome {
  const r = checkPodCidrPlan(options, context);
  if (!r.plan) throw new NetworkPlanError(r.errors, r.warnings);
  return { plan: r.plan, warnings: r.warnings };
}

/** Like planPodCidrs, but returns the problems instead of throwing. */
export function checkPodCidrPlan(options: unknown, context: PlanContext = {}): PlanCheck {
  const parsed = podCidrPlanSchema.safeParse(options, PARSE_OPTIONS);
  if (!parsed.success) {
    return { errors: zodProblems(parsed.error.issues, options, podCidrPlanSchema), warnings: [] };
  }
  const p = new Problems();
  const plan = buildPlan(parsed.data, p, context);
  return p.ok && plan ? { plan, errors: [], warnings: p.warnings } : { errors: p.errors, warnings: p.warnings };
}

interface Sourced {
  readonly cidr: Cidr;
  readonly path: string;
  /** e.g. `(node "n3", eth0)` */
  readonly detail: string;
  readonly shown: string;
  /** How many more places hold the same network (identical node LANs are reported once). */
  more: number;
}

function describe(s: Sourced): string {
  const extra = s.more > 0 ? ` and ${s.more} more interface${s.more === 1 ? "" : "s"} on that network` : "";
  return `${s.path} "${s.shown}"${s.detail ? ` ${s.detail}` : ""}${extra}`;
}

/** Parses a list of CIDRs, at most one per family. */
function parseCidrList(list: readonly string[], path: string, p: Problems): Map<IpFamily, { cidr: Cidr; index: number }> {
  const byFamily = new Map<IpFamily, { cidr: Cidr; index: number }>();
  list.forEach((text, i) => {
    const c = parseCidrChecked(text, `${path}[${i}]`, p);
    if (!c) return;
    const seen = byFamily.get(c.family);
    if (seen) {
      p.error(
        path,
        "cidr.family-duplicate",
        `${path}: has two ${FAMILY_LABEL[c.family]} CIDRs (${show(list[seen.index])} and ${show(text)}); give at most one per family (one IPv4 and one IPv6 = dual-stack)`,
      );
      return;
    }
    byFamily.set(c.family, { cidr: c, index: i });
  });
  return byFamily;
}

/** Parses a CIDR, reporting a bad one with the masked form as the fix. */
export function parseCidrChecked(text: string, path: string, p: Problems): Cidr | undefined {
  const r = parseCidr(text);
  if (r.ok) return r.value;
  if (r.suggestion) {
    p.error(path, "cidr.host-bits", `${path}: ${show(text)} has host bits set; did you mean "${r.suggestion}"?`);
  } else {
    p.error(
      path,
      "cidr.invalid",
      `${path}: ${show(text)} ${r.reason}; write it as address/prefix-length, e.g. "10.244.0.0/16" or "fd00:10:244::/56"`,
    );
  }
  return undefined;
}

function buildPlan(input: PodCidrPlanConfig, p: Problems, context: PlanContext): CidrPlan | undefined {
  const { cluster } = input;
  const pods = parseCidrList(cluster.podCidrs, "cluster.podCidrs", p);
  const services = parseCidrList(cluster.serviceCidrs, "cluster.serviceCidrs", p);
  const families = [...pods.keys()];

  // Pod and service lists cover the same families.
  const podFams = [...pods.keys()].sort();
  const svcFams = [...services.keys()].sort();
  if (pods.size > 0 && services.size > 0 && podFams.join() !== svcFams.join()) {
    const label = (f: IpFamily[]) => f.map((x) => FAMILY_LABEL[x]).join(" and ");
    p.error(
      "cluster.serviceCidrs",
      "cidr.family-mismatch",
      `cluster.serviceCidrs: covers ${label(svcFams)} but cluster.podCidrs covers ${label(podFams)}; give exactly one service CIDR for each pod family`,
    );
  }

  checkKubeadmSizes(pods, services, cluster.nodeMaskSize, p);

  // Reserved networks.
  const reserved: Sourced[] = [];
  cluster.reservedCidrs.forEach((text, i) => {
    const c = parseCidrChecked(text, `cluster.reservedCidrs[${i}]`, p);
    if (c) {
      checkMapped(c, text, `cluster.reservedCidrs[${i}]`, "reserved", p);
      reserved.push({ cidr: c, path: `cluster.reservedCidrs[${i}]`, detail: "(reserved)", shown: c.text, more: 0 });
    }
  });

  // Nodes: names, interfaces, addresses.
  const ifaceNets = new Map<string, Sourced>();
  const nodesOut = checkNodes(input.nodes, p, ifaceNets);

  // Overlaps: pods and services against each other and everything else.
  const subjects: Sourced[] = [];
  const written = new Map<string, string>();
  for (const [, v] of pods) {
    subjects.push({ cidr: v.cidr, path: `cluster.podCidrs[${v.index}]`, detail: "", shown: v.cidr.text, more: 0 });
    written.set(`cluster.podCidrs[${v.index}]`, cluster.podCidrs[v.index] ?? v.cidr.text);
  }
  const podSubjects = subjects.length;
  for (const [, v] of services) {
    subjects.push({ cidr: v.cidr, path: `cluster.serviceCidrs[${v.index}]`, detail: "", shown: v.cidr.text, more: 0 });
    written.set(`cluster.serviceCidrs[${v.index}]`, cluster.serviceCidrs[v.index] ?? v.cidr.text);
  }
  const special: Sourced[] = SPECIAL_RANGES.map((s) => ({ cidr: s.cidr, path: "", detail: "", shown: s.cidr.text, more: 0 }));
  subjects.forEach((a, i) => {
    checkMapped(a.cidr, written.get(a.path) ?? a.shown, a.path, i < podSubjects ? "pod" : "service", p);
    const others: Sourced[] = [...subjects.slice(Math.max(i + 1, podSubjects)), ...reserved, ...ifaceNets.values()];
    for (const b of others) {
      if (overlaps(a.cidr, b.cidr)) {
        p.error(a.path, "cidr.overlap", `${describe(a)} overlaps ${describe(b)}; ${overlapFix(a, b)}`);
      }
    }
    SPECIAL_RANGES.forEach((s, k) => {
      if (overlaps(a.cidr, s.cidr)) {
        p.error(
          a.path,
          "cidr.special",
          `${describe(a)} overlaps the ${s.name} range "${special[k]?.shown}"; pods and Services need ordinary unicast addresses, e.g. "${exampleRange(a.cidr.family)}"`,
        );
      }
    });
    if (!isPrivate(a.cidr)) {
      p.warn(
        a.path,
        "cidr.public",
        `${a.path}: "${a.cidr.text}" is outside private address space (RFC 1918, 100.64.0.0/10, fc00::/7); pods and Services would shadow real Internet addresses`,
      );
    }
  });

  // Capacity and node subnets, per pod family.
  const capacity: Record<string, FamilyCapacity> = {};
  const nodeSubnets = new Map<number, Record<string, string>>();
  const nodeSources = new Map<number, Record<string, SubnetSource>>();
  for (const [family, pod] of pods) {
    const mask = cluster.nodeMaskSize[family];
    const svc = services.get(family);
    const fc = checkCapacity(family, pod.cidr, mask, cluster.maxPodsPerNode, input.nodes.length, svc?.cidr, p);
    if (fc) capacity[family] = fc;
    if (mask >= pod.cidr.prefix && mask <= Math.min(pod.cidr.prefix + 16, familyBits(family))) {
      const range = allocationBounds(pod.cidr, mask, context.allocation?.[family]);
      allocate(family, pod.cidr, mask, range, input.nodes, context.previous, p, nodeSubnets, nodeSources);
    }
  }
  checkPinFamilies(input.nodes, pods, p);

  const { kubernetesServiceIp, dnsServiceIp } = serviceIps(services, families, cluster.dnsServiceIp, p);
  if (cluster.clusterDomain.length > 253 || !DNS1123_SUBDOMAIN.test(cluster.clusterDomain)) {
    p.error(
      "cluster.clusterDomain",
      "cluster.domain",
      `cluster.clusterDomain: ${show(cluster.clusterDomain)} is not a DNS-1123 subdomain (lowercase labels of letters, digits and "-" joined by "."), e.g. "cluster.local"`,
    );
  }

  if (!p.ok) return undefined;

  const podCidrs = [...pods.values()].sort((a, b) => a.index - b.index).map((v) => v.cidr.text);
  const serviceCidrs = [...services.values()].sort((a, b) => a.index - b.index).map((v) => v.cidr.text);
  const perFamily = (m: Map<IpFamily, { cidr: Cidr }>): PerFamily<string> => Object.fromEntries([...m].map(([f, v]) => [f, v.cidr.text]));
  const nodes: PlannedNode[] = nodesOut.map((n, i) => {
    const subnets = nodeSubnets.get(i) ?? {};
    return {
      ...n,
      podCidrs: subnets,
      podCidrList: families.map((f) => subnets[f]).filter((x): x is string => x !== undefined),
      subnetSource: nodeSources.get(i) ?? {},
    };
  });
  const plan: Omit<CidrPlan, "flags"> = {
    families,
    dualStack: families.length === 2,
    podCidrs,
    serviceCidrs,
    podCidr: perFamily(pods),
    serviceCidr: perFamily(services),
    nodeMaskSize: { ipv4: cluster.nodeMaskSize.ipv4, ipv6: cluster.nodeMaskSize.ipv6 },
    maxPodsPerNode: cluster.maxPodsPerNode,
    clusterDomain: cluster.clusterDomain,
    reservedCidrs: reserved.map((r) => r.cidr.text),
    kubernetesServiceIp,
    dnsServiceIp: dnsServiceIp ?? "",
    capacity,
    nodes,
  };
  return { ...plan, flags: componentFlags(plan) };
}

function overlapFix(a: Sourced, b: Sourced): string {
  const kind = a.path.includes("service") ? "service" : "pod";
  if (b.path.startsWith("nodes[")) return `move the ${kind} CIDR outside the node network "${b.cidr.text}"`;
  if (b.path.startsWith("cluster.reservedCidrs")) return `that network is reserved; move the ${kind} CIDR outside "${b.cidr.text}"`;
  return "pods and Services need disjoint ranges; move one of them";
}

/**
 * IPv4-mapped IPv6 space (`::ffff:0:0/96`) aliases IPv4 addresses: a pod, Service, reserved or
 * node network there collides with IPv4 space no overlap check of the IPv6 family can see.
 */
function checkMapped(c: Cidr, written: string, path: string, kind: "pod" | "service" | "reserved", p: Problems): void {
  const alias = ipv4MappedAlias(c);
  if (!alias) return;
  // A CIDR block either lies inside ::ffff:0:0/96 or holds all of it (every IPv4 address).
  const whole = contains(c, IPV4_MAPPED);
  const head = whole
    ? `${path}: ${show(written)} holds the IPv4-mapped IPv6 range ::ffff:0:0/96, an alias of every IPv4 address`
    : `${path}: ${show(written)} is IPv4-mapped IPv6, an alias of the IPv4 network "${alias.text}"`;
  p.error(
    path,
    "cidr.ipv4-mapped",
    kind === "reserved"
      ? `${head}; ${whole ? "reserve" : `reserve "${alias.text}" itself, or`} a real IPv6 range such as fd00::/8`
      : `${head}; ${kind === "pod" ? "pods" : "Services"} need real IPv6 addresses, e.g. the unique local range "${kind === "pod" ? exampleRange("ipv6") : "fd00:10:96::/112"}"`,
  );
}

/** An ordinary private example range of the family, for messages. */
function exampleRange(family: IpFamily): string {
  return family === "ipv4" ? "10.244.0.0/16" : "fd00:10:244::/56";
}

function checkKubeadmSizes(
  pods: Map<IpFamily, { cidr: Cidr; index: number }>,
  services: Map<IpFamily, { cidr: Cidr; index: number }>,
  nodeMaskSize: { ipv4: number; ipv6: number },
  p: Problems,
): void {
  for (const [family, { cidr: c, index }] of services) {
    const path = `cluster.serviceCidrs[${index}]`;
    const hostBits = familyBits(family) - c.prefix;
    // kubeadm / kube-apiserver: at most 20 host bits for the Service IP allocator.
    if (hostBits > 20) {
      p.error(
        path,
        "service.too-large",
        `${path}: "${c.text}" has ${hostBits} host bits; kube-apiserver allows at most 20 (${family === "ipv4" ? "IPv4 /12" : "IPv6 /108"} or longer)`,
      );
    }
    // kubeadm: a service subnet needs room for at least 10 Services' addresses.
    if (size(c) < 10n) {
      p.error(
        path,
        "service.too-small",
        `${path}: "${c.text}" has ${size(c)} address${size(c) === 1n ? "" : "es"}; a service CIDR needs at least 10 (${family === "ipv4" ? "IPv4 /28" : "IPv6 /124"} or shorter)`,
      );
    }
  }
  for (const [family, { cidr: c, index }] of pods) {
    const path = `cluster.podCidrs[${index}]`;
    // kubeadm: a pod subnet needs at least 14 addresses.
    if (size(c) < 14n) {
      p.error(
        path,
        "pod.too-small",
        `${path}: "${c.text}" has ${size(c)} address${size(c) === 1n ? "" : "es"}; a pod CIDR needs at least 14 (${family === "ipv4" ? "IPv4 /28" : "IPv6 /124"} or shorter)`,
      );
    }
    const mask = nodeMaskSize[family];
    const mpath = `cluster.nodeMaskSize.${family}`;
    const hi = Math.min(c.prefix + 16, familyBits(family));
    // kube-controller-manager: node mask between the cluster prefix and cluster prefix + 16.
    if (mask < c.prefix || mask > hi) {
      p.error(
        mpath,
        "node-mask.range",
        `${mpath}: ${mask} does not fit ${FAMILY_LABEL[family]} pod CIDR "${c.text}"; the node mask must be between ${c.prefix} and ${hi} (the pod prefix to the pod prefix + 16)`,
      );
    }
  }
}

function checkCapacity(
  family: IpFamily,
  pod: Cidr,
  mask: number,
  maxPods: number,
  nodeCount: number,
  svc: Cidr | undefined,
  p: Problems,
): FamilyCapacity | undefined {
  if (mask < pod.prefix || mask > familyBits(family)) return undefined;
  const path = `cluster.nodeMaskSize.${family}`;
  const bits = familyBits(family);
  const subnets = subnetCount(pod, mask);
  // The longest node mask any rule allows: kube-controller-manager (pod prefix + 16), the
  // family's width, and room for maxPodsPerNode plus the network and broadcast addresses.
  const podsCap = bits - bitLength(BigInt(maxPods) + 1n);
  const caps: Array<[number, string]> = [
    [pod.prefix + 16, `kube-controller-manager allows at most /${pod.prefix + 16} (the pod prefix + 16)`],
    [podsCap, `maxPodsPerNode ${maxPods} needs /${podsCap} or shorter`],
  ];
  const [cap, capBy] = caps.reduce((a, b) => (b[0] < a[0] ? b : a));
  if (subnets < BigInt(nodeCount)) {
    const needed = pod.prefix + bitLength(BigInt(nodeCount) - 1n);
    const head = `${path}: /${mask} subnets of "${pod.text}" give ${subnets} node subnet${subnets === 1n ? "" : "s"} but the spec has ${nodeCount} nodes`;
    const largerPod = cap - bitLength(BigInt(nodeCount) - 1n);
    p.error(
      path,
      "capacity.nodes",
      needed <= cap
        ? `${head}; use a longer node mask (at least /${needed}) or a larger pod CIDR`
        : `${path}: no node mask fits: ${nodeCount} nodes need /${needed} or longer in "${pod.text}", but ${capBy}; use a larger pod CIDR${largerPod >= 0 ? ` (${FAMILY_LABEL[family]} /${largerPod} or shorter)` : ""} or fewer nodes`,
    );
  } else if (nodeCount > 0 && Number(nodeCount) / Number(subnets) > 0.8) {
    p.warn(
      path,
      "capacity.nodes-high",
      `${path}: ${nodeCount} of ${subnets} ${FAMILY_LABEL[family]} node subnets in "${pod.text}" are used (${Math.round((100 * nodeCount) / Number(subnets))} %); ${
        subnets === BigInt(nodeCount)
          ? "no room for another node"
          : `room for ${subnets - BigInt(nodeCount)} more node${subnets - BigInt(nodeCount) === 1n ? "" : "s"}`
      }; use a longer node mask or a larger pod CIDR before the cluster grows`,
    );
  }
  const perNode = subnetCount(pod, mask) > 0n ? (1n << BigInt(familyBits(family) - mask)) - 2n : 0n;
  if (perNode < BigInt(maxPods)) {
    const needed = podsCap;
    const room = needed >= pod.prefix ? subnetCount(pod, needed) : 0n;
    p.error(
      "cluster.maxPodsPerNode",
      "capacity.pods",
      perNode < 1n
        ? `cluster.maxPodsPerNode: a /${mask} ${FAMILY_LABEL[family]} node subnet has no usable pod addresses; use a node mask of /${needed} or shorter for ${maxPods} pods`
        : needed < pod.prefix
          ? `cluster.maxPodsPerNode: ${maxPods} pods do not fit a /${mask} ${FAMILY_LABEL[family]} node subnet (${perNode} usable addresses), and a /${needed} node subnet would not fit the pod CIDR "${pod.text}"; lower maxPodsPerNode to ${perNode}`
          : room < BigInt(nodeCount)
            ? `cluster.maxPodsPerNode: ${maxPods} pods do not fit a /${mask} ${FAMILY_LABEL[family]} node subnet (${perNode} usable addresses), and /${needed} node subnets, which would fit them, give only ${room} in "${pod.text}" for ${nodeCount} nodes; lower maxPodsPerNode to ${perNode} or use a larger pod CIDR`
            : `cluster.maxPodsPerNode: ${maxPods} pods do not fit a /${mask} ${FAMILY_LABEL[family]} node subnet (${perNode} usable addresses); lower maxPodsPerNode to ${perNode} or use a node mask of /${needed} or shorter`,
    );
  }
  const svcSize = svc ? size(svc) : 0n;
  return {
    podCidr: pod.text,
    nodeMaskSize: mask,
    nodeSubnets: Number(subnets),
    nodesPlanned: nodeCount,
    utilisation: Number(subnets) > 0 ? nodeCount / Number(subnets) : 0,
    addressesPerNode: (perNode < 0n ? 0n : perNode).toString(),
    serviceCidr: svc?.text ?? "",
    // network and (IPv4) broadcast addresses are never allocated
    serviceAddresses: (svcSize > 2n ? svcSize - 2n : 0n).toString(),
  };
}

/** Number of bits needed to write n (0 for 0): the smallest k with 2^k > n. */
function bitLength(n: bigint): number {
  return n <= 0n ? 0 : n.toString(2).length;
}

type NodeBase = Omit<PlannedNode, "podCidrs" | "podCidrList" | "subnetSource">;

function checkNodes(nodes: readonly NodeConfig[], p: Problems, ifaceNets: Map<string, Sourced>): NodeBase[] {
  const names = new Map<string, number>();
  const addresses = new Map<string, { where: string; node: string }>();
  return nodes.map((node, i) => {
    const base = `nodes[${i}]`;
    if (!DNS1123_LABEL.test(node.name)) {
      p.error(
        `${base}.name`,
        "node.name",
        `${base}.name: ${show(node.name)} is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
      );
    } else if (names.has(node.name)) {
      p.error(
        `${base}.name`,
        "node.name-duplicate",
        `${base}.name: "${node.name}" is already used by nodes[${names.get(node.name)}]; node names must be unique`,
      );
    } else {
      names.set(node.name, i);
    }
    const roles = new Set<string>();
    node.roles.forEach((role, r) => {
      if (roles.has(role))
        p.error(`${base}.roles[${r}]`, "node.role-duplicate", `${base}.roles[${r}]: "${role}" is listed twice for node "${node.name}"`);
      roles.add(role);
    });
    if (node.ssh) {
      if (!HOST_NAME.test(node.ssh.host)) {
        p.error(
          `${base}.ssh.host`,
          "node.ssh-host",
          `${base}.ssh.host: ${show(node.ssh.host)} is not a host name or IP address (letters, digits, ".", ":" and "-")`,
        );
      }
      if (!USER_NAME.test(node.ssh.user)) {
        p.error(
          `${base}.ssh.user`,
          "node.ssh-user",
          `${base}.ssh.user: ${show(node.ssh.user)} is not a valid user name (lowercase letters, digits, "_" and "-", starting with a letter or "_")`,
        );
      }
    }
    const ifNames = new Set<string>();
    const interfaces: PlannedInterface[] = node.interfaces.map((iface, k) => {
      const ipath = `${base}.interfaces[${k}]`;
      if (!INTERFACE_NAME.test(iface.name) || iface.name === "." || iface.name === "..") {
        p.error(
          `${ipath}.name`,
          "interface.name",
          `${ipath}.name: ${show(iface.name)} is not a valid Linux interface name (1-15 characters: letters, digits, "_", "." and "-"; no "/", ":" or whitespace)`,
        );
      } else if (ifNames.has(iface.name)) {
        p.error(`${ipath}.name`, "interface.name-duplicate", `${ipath}.name: "${iface.name}" appears twice on node "${node.name}"`);
      }
      ifNames.add(iface.name);
      const addrs: PlannedAddress[] = [];
      iface.addresses.forEach((text, a) => {
        const apath = `${ipath}.addresses[${a}]`;
        const r = parseInterfaceAddress(text);
        if (!r.ok) {
          p.error(
            apath,
            "interface.address",
            `${apath}: ${show(text)} ${r.reason}; write it as address/prefix-length, e.g. "192.168.1.31/24"`,
          );
          return;
        }
        const v = r.value;
        const alias = ipv4MappedAlias(v.network);
        if (alias) {
          const ip = ipv4MappedAddress(v.family, v.value);
          p.error(
            apath,
            "interface.ipv4-mapped",
            `${apath}: ${show(text)} is an IPv4-mapped IPv6 address, an alias of the IPv4 network "${alias.text}"; write ${ip && alias.prefix > 0 ? `the IPv4 address "${ip}/${alias.prefix}"` : "the IPv4 address"} itself, or the interface's real IPv6 address`,
          );
        }
        // A host-local bridge (docker0, virbr0, ...) has the same address on every host by default:
        // it never leaves the node, so the same address on the same bridge name is no conflict.
        const key0 = LOCAL_BRIDGE.test(iface.name) ? `${iface.name}@${v.address}` : v.address;
        const prior = addresses.get(key0);
        const here = `${ipath} (node "${node.name}", ${iface.name})`;
        if (prior && !(LOCAL_BRIDGE.test(iface.name) && prior.node !== node.name)) {
          p.error(
            apath,
            "interface.address-duplicate",
            `${apath}: ${v.address} is also used by ${prior.where}; node addresses must be unique`,
          );
        } else if (!prior) {
          addresses.set(key0, { where: here, node: node.name });
        }
        const key = v.network.text;
        const seen = ifaceNets.get(key);
        if (seen) seen.more++;
        else ifaceNets.set(key, { cidr: v.network, path: ipath, detail: `(node "${node.name}", ${iface.name})`, shown: text, more: 0 });
        addrs.push({ family: v.family, address: v.address, network: v.network.text, cidr: `${v.address}/${v.network.prefix}` });
      });
      return { name: iface.name, mtu: iface.mtu, defaultRoute: iface.defaultRoute ?? node.interfaces.length === 1, addresses: addrs };
    });
    return {
      name: node.name,
      index: i,
      roles: node.roles,
      arch: node.arch,
      ...(node.ssh ? { ssh: node.ssh } : {}),
      interfaces,
    };
  });
}

function checkPinFamilies(nodes: readonly NodeConfig[], pods: Map<IpFamily, { cidr: Cidr }>, p: Problems): void {
  nodes.forEach((node, i) => {
    const seen = new Set<IpFamily>();
    (node.podCidrs ?? []).forEach((text, k) => {
      const path = `nodes[${i}].podCidrs[${k}]`;
      const r = parseCidr(text);
      if (!r.ok) {
        parseCidrChecked(text, path, p);
        return;
      }
      if (seen.has(r.value.family)) {
        p.error(
          path,
          "node.pin-family-duplicate",
          `${path}: node "${node.name}" pins two ${FAMILY_LABEL[r.value.family]} subnets; pin at most one per family`,
        );
      }
      seen.add(r.value.family);
      if (!pods.has(r.value.family)) {
        p.error(
          path,
          "node.pin-family",
          `${path}: "${r.value.text}" is ${FAMILY_LABEL[r.value.family]} but cluster.podCidrs has no ${FAMILY_LABEL[r.value.family]} CIDR`,
        );
      }
    });
  });
}

/** Subnet indexes [lo, hi] the planner allocates from, with the range's label. */
interface Bounds {
  readonly lo: number;
  readonly hi: number;
  readonly label?: string;
  readonly path?: string;
  /** Text of the lowest and highest allowed subnet, for messages. */
  readonly text?: string;
}

function allocationBounds(pod: Cidr, mask: number, range: AllocationRange | undefined): Bounds {
  const total = Number(subnetCount(pod, mask));
  const whole: Bounds = { lo: 0, hi: total - 1 };
  if (!range) return whole;
  const index = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const r = parseCidr(`${text}/${mask}`);
    return r.ok && contains(pod, r.value) ? Number(subnetIndex(pod, r.value)) : Number.NaN;
  };
  const min = index(range.min);
  const max = index(range.max);
  const lo = min ?? (range.excludeFirst ? 1 : 0);
  const hi = max ?? total - 1;
  // A bad bound is the component's error to report; allocate as if there were none.
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) return whole;
  return {
    lo,
    hi,
    label: range.label,
    path: range.path,
    text: `${nthSubnet(pod, mask, BigInt(lo)).text}..${nthSubnet(pod, mask, BigInt(hi)).text}`,
  };
}

function allocate(
  family: IpFamily,
  pod: Cidr,
  mask: number,
  range: Bounds,
  nodes: readonly NodeConfig[],
  previous: PreviousAllocation | undefined,
  p: Problems,
  out: Map<number, Record<string, string>>,
  sources: Map<number, Record<string, SubnetSource>>,
): void {
  const total = Number(subnetCount(pod, mask));
  const owner = new Map<number, number>(); // subnet index -> node index
  const pending: number[] = [];
  const set = (i: number, c: Cidr, source: SubnetSource): void => {
    const rec = out.get(i) ?? {};
    rec[family] = c.text;
    out.set(i, rec);
    const src = sources.get(i) ?? {};
    src[family] = source;
    sources.set(i, src);
  };
  // 1. Pins.
  nodes.forEach((node, i) => {
    const pins = (node.podCidrs ?? []).map((text, k) => ({ text, k, r: parseCidr(text) }));
    const pin = pins.find((x) => x.r.ok && x.r.value.family === family);
    if (!pin?.r.ok) return;
    const path = `nodes[${i}].podCidrs[${pin.k}]`;
    const c = pin.r.value;
    if (!contains(pod, c)) {
      p.error(
        path,
        "node.pin-outside",
        `${path}: "${c.text}" of node "${node.name}" is not inside the ${FAMILY_LABEL[family]} pod CIDR "${pod.text}"; pin a subnet of "${pod.text}"`,
      );
      return;
    }
    if (c.prefix !== mask) {
      p.error(
        path,
        "node.pin-mask",
        `${path}: "${c.text}" of node "${node.name}" is a /${c.prefix} but cluster.nodeMaskSize.${family} is ${mask}; pin a /${mask}`,
      );
      return;
    }
    const idx = Number(subnetIndex(pod, c));
    const other = owner.get(idx);
    if (other !== undefined) {
      p.error(
        path,
        "node.pin-collision",
        `${path}: "${c.text}" of node "${node.name}" is also pinned by nodes[${other}] ("${nodes[other]?.name}"); each node needs its own subnet`,
      );
      return;
    }
    owner.set(idx, i);
    set(i, c, "pinned");
  });
  // 2. Previous allocation, when it still fits.
  nodes.forEach((node, i) => {
    if (out.get(i)?.[family]) return;
    const prev = previous?.[node.name]?.[family];
    if (prev === undefined) {
      pending.push(i);
      return;
    }
    const r = parseCidr(prev);
    const fits = r.ok && contains(pod, r.value) && r.value.prefix === mask;
    const idx = fits ? Number(subnetIndex(pod, r.value)) : -1;
    const inRange = idx >= range.lo && idx <= range.hi;
    if (!fits || !inRange || owner.has(idx)) {
      const why = !fits
        ? `no longer fits "${pod.text}" with /${mask} node subnets`
        : !inRange
          ? `lies outside ${range.label} (${range.text})`
          : "is now pinned by another node";
      p.warn(
        `nodes[${i}]`,
        "node.subnet-moved",
        `nodes[${i}]: node "${node.name}" had ${FAMILY_LABEL[family]} subnet ${show(prev)} in the previous plan, which ${why}; it gets a new subnet, and its pods must be recreated`,
      );
      pending.push(i);
      return;
    }
    owner.set(idx, i);
    set(i, (r as { value: Cidr }).value, "previous");
  });
  // 3. Everyone else: lowest free subnet of the range, in spec order.
  let next = range.lo;
  for (const i of pending) {
    while (next <= range.hi && owner.has(next)) next++;
    if (next > range.hi) {
      if (total < nodes.length) return; // the whole pod CIDR is too small: capacity error already reported
      const inRange = [...owner.keys()].filter((k) => k >= range.lo && k <= range.hi).length;
      const need = inRange + pending.length - pending.indexOf(i);
      const held = range.hi - range.lo + 1;
      p.error(
        range.path ?? "cluster.podCidrs",
        "capacity.range",
        `${range.path}: ${range.label} (${range.text}) holds ${held} /${mask} subnet${held === 1 ? "" : "s"} but ${need} nodes need one there; widen the range or use a longer cluster.nodeMaskSize.${family}`,
      );
      return;
    }
    owner.set(next, i);
    set(i, nthSubnet(pod, mask, BigInt(next)), "allocated");
    next++;
  }
}

function serviceIps(
  services: Map<IpFamily, { cidr: Cidr; index: number }>,
  families: readonly IpFamily[],
  dnsText: string | undefined,
  p: Problems,
): { kubernetesServiceIp: PerFamily<string>; dnsServiceIp: string | undefined } {
  const kubernetesServiceIp: Record<string, string> = {};
  for (const [f, v] of services) kubernetesServiceIp[f] = nthAddress(v.cidr, 1n);
  const primary = families.map((f) => services.get(f)).find((x) => x !== undefined);
  if (dnsText === undefined) {
    // kubeadm's choice: the tenth address of the (first) service CIDR.
    return { kubernetesServiceIp, dnsServiceIp: primary ? nthAddress(primary.cidr, 10n) : undefined };
  }
  const path = "cluster.dnsServiceIp";
  const r = parseAddress(dnsText);
  if (!r.ok) {
    p.error(path, "dns.invalid", `${path}: ${show(dnsText)} is not a valid IPv4 or IPv6 address`);
    return { kubernetesServiceIp, dnsServiceIp: undefined };
  }
  const mapped = ipv4MappedAddress(r.value.family, r.value.value);
  if (mapped !== undefined) {
    p.error(
      path,
      "dns.ipv4-mapped",
      `${path}: ${show(dnsText)} is an IPv4-mapped IPv6 address, an alias of ${mapped}; write the IPv4 address ${mapped} itself, or an address of the IPv6 service CIDR`,
    );
    return { kubernetesServiceIp, dnsServiceIp: undefined };
  }
  const svc = services.get(r.value.family);
  if (!svc || !containsAddress(svc.cidr, r.value.family, r.value.value)) {
    p.error(
      path,
      "dns.outside",
      `${path}: ${r.value.text} is not inside the service CIDR${svc ? ` "${svc.cidr.text}"` : "s"}; pick an address of the service CIDR, e.g. ${primary ? nthAddress(primary.cidr, 10n) : "10.96.0.10"}`,
    );
  } else if (r.value.value === svc.cidr.first) {
    p.error(
      path,
      "dns.network",
      `${path}: ${r.value.text} is the network address of "${svc.cidr.text}"; use e.g. ${nthAddress(svc.cidr, 10n)}`,
    );
  } else if (r.value.value === svc.cidr.first + 1n) {
    p.error(
      path,
      "dns.kubernetes",
      `${path}: ${r.value.text} is the first address of "${svc.cidr.text}", which the kubernetes Service takes; use e.g. ${nthAddress(svc.cidr, 10n)}`,
    );
  } else if (r.value.family === "ipv4" && r.value.value === svc.cidr.last) {
    p.error(
      path,
      "dns.broadcast",
      `${path}: ${r.value.text} is the broadcast address of "${svc.cidr.text}"; use e.g. ${nthAddress(svc.cidr, 10n)}`,
    );
  }
  return { kubernetesServiceIp, dnsServiceIp: r.value.text };
}

function componentFlags(plan: Omit<CidrPlan, "flags">): ComponentFlags {
  const pods = plan.podCidrs.join(",");
  const svcs = plan.serviceCidrs.join(",");
  const kcm: Record<string, string> = {
    "allocate-node-cidrs": "true",
    "cluster-cidr": pods,
    "service-cluster-ip-range": svcs,
  };
  for (const f of plan.families) kcm[`node-cidr-mask-size-${f}`] = String(plan.nodeMaskSize[f]);
  return {
    kubeadm: { networking: { podSubnet: pods, serviceSubnet: svcs, dnsDomain: plan.clusterDomain } },
    kubeControllerManager: kcm,
    kubeApiserver: { "service-cluster-ip-range": svcs },
    kubeProxy: { clusterCIDR: pods },
    kubelet: { maxPods: plan.maxPodsPerNode, clusterDNS: [plan.dnsServiceIp], clusterDomain: plan.clusterDomain },
  };
}

/** The previous allocation recorded in a plan (what `plan.json` holds), to feed the next plan. */
export function allocationOf(plan: Pick<CidrPlan, "nodes">): PreviousAllocation {
  return Object.fromEntries(plan.nodes.map((n) => [n.name, n.podCidrs]));
}

/** `--flag=value` arguments for a component, sorted by flag name. */
export function flagArgs(flags: Readonly<Record<string, string>>): string[] {
  return Object.keys(flags)
    .sort()
    .map((k) => `--${k}=${flags[k]}`);
}

/**
 * How a component is given its plan: a plan computed elsewhere (e.g. `plan`
 * of a plan.json), a front end's PodCidrPlan construct or component (which
 * holds one in `plan`), or the options to plan from.
 */
export type PlanInput = CidrPlan | { readonly plan: CidrPlan } | PodCidrPlanOptions;

/**
 * The plan behind a {@link PlanInput}. Options are planned here (throws
 * NetworkPlanError), keeping `context.previous` node subnets; a given plan
 * comes back as is, with no warnings (its holder reported them).
 */
export function resolvePlan(input: PlanInput, context: PlanContext = {}): PlanOutcome {
  if ("families" in input) return { plan: input, warnings: [] };
  if ("plan" in input) return { plan: input.plan, warnings: [] };
  return planPodCidrs(input, context);
}
