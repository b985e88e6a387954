/**
 * The PodCidrPlan's types: the plan itself, its nodes, capacity and component flags, and
 * what the planner takes besides the options (an earlier allocation, an allocation range).
 */
import type { IpFamily } from "../shared/cidr.js";
import type { NodeArch, NodeConfig, NodeRole, PodCidrPlanOptions } from "./options.js";

/** A value per address family. */
export interface PerFamily<T> {
  readonly ipv4?: T;
  readonly ipv6?: T;
}

/** Node subnets from an earlier plan, by node name. */
export type PreviousAllocation = Readonly<Record<string, PerFamily<string>>>;

/** One address of a node interface, parsed. */
export interface PlannedAddress {
  readonly family: IpFamily;
  /** Address without prefix, canonical. */
  readonly address: string;
  /** The masked network the address sits in. */
  readonly network: string;
  /** As written in the spec, canonicalised: `192.168.1.31/24`. */
  readonly cidr: string;
}

/** A node interface as planned: name, MTU, default-route flag and addresses. */
export interface PlannedInterface {
  readonly name: string;
  readonly mtu: number;
  readonly defaultRoute: boolean;
  readonly addresses: readonly PlannedAddress[];
}

/** Where a node's subnet came from. */
export type SubnetSource = "pinned" | "previous" | "allocated";

/** A node of the plan, with its pod subnets and where they came from. */
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

/** How full one family's pod and service CIDRs are. */
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

/** The validated plan: CIDRs, node subnets, capacity and the component flags derived from them. */
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

/** What the planner takes besides the options. */
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

/**
 * How a component is given its plan: a plan computed elsewhere (e.g. `plan`
 * of a plan.json), a front end's PodCidrPlan construct or component (which
 * holds one in `plan`), or the options to plan from.
 */
export type PlanInput = CidrPlan | { readonly plan: CidrPlan } | PodCidrPlanOptions;
