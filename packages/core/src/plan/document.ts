/**
 * The plan document: what `podnet render` writes to plan.json and `podnet plan --json`
 * prints. One builder, so the two cannot drift: the pod CIDR plan, the node subnet
 * allocation a later run keeps, and each component's resolved facts (flannel's interface,
 * public IP and pod MTU per node; Calico's pools, encapsulation and autodetection).
 * Never key material: the components' summaries leave keys, tokens and PSKs out.
 */
import type { IpFamily } from "../shared/cidr.js";
import type { Problem } from "../shared/problems.js";
import { allocationOf } from "./allocation.js";
import type { CidrPlan, PerFamily, PreviousAllocation } from "./types.js";

/** What flannel records about one node, in both modes. */
export interface FlannelNodeFacts {
  /** The interface flanneld uses (`--iface`). */
  readonly interface: string;
  /** The addresses flanneld advertises (its PublicIP / PublicIPv6), per family. */
  readonly addresses: PerFamily<string>;
  /** FLANNEL_MTU: the MTU pods get. */
  readonly podMtu: number;
  /** MTU of the chosen interface. @default - absent when the spec gives none */
  readonly interfaceMtu?: number;
}

/** The flannel facts of a plan document (the rest of flannel's summary rides along). */
export interface FlannelPlanFacts {
  readonly mode: string;
  readonly version: string;
  readonly backend: { readonly type: string };
  /** Per node name. */
  readonly nodes: Readonly<Record<string, FlannelNodeFacts>>;
}

/** One Calico IP pool, defaults filled in. */
export interface CalicoPoolFacts {
  readonly name: string;
  readonly family: IpFamily;
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: string;
  readonly vxlanMode: string;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
}

/** The node address Calico's autodetection picks, for one family. */
export interface CalicoAutodetectionFacts {
  /** IP_AUTODETECTION_METHOD value, e.g. `interface=ens33`. */
  readonly method: string;
  readonly explicit: boolean;
  /** Per node name: the interface and address the method picks. */
  readonly nodes: Readonly<Record<string, { readonly interface: string; readonly address: string; readonly mtu?: number }>>;
}

/** The Calico facts of a plan document (the rest of Calico's summary rides along). */
export interface CalicoPlanFacts {
  readonly version: string;
  readonly install: string;
  readonly backend: string;
  readonly ipPools: readonly CalicoPoolFacts[];
  readonly autodetection: Readonly<Partial<Record<IpFamily, CalicoAutodetectionFacts>>>;
  readonly mtu: { readonly value: number; readonly auto: boolean; readonly largestSafe: number | null };
}

/** Each component's summary, by component. */
export interface PlanComponents {
  readonly prep?: Readonly<Record<string, unknown>>;
  readonly flannel?: FlannelPlanFacts & Readonly<Record<string, unknown>>;
  readonly calico?: CalicoPlanFacts & Readonly<Record<string, unknown>>;
}

/** plan.json, and the output of `podnet plan --json`. */
export interface PlanDocument {
  readonly apiVersion: "podnet/v1";
  readonly kind: "Plan";
  readonly plan: CidrPlan;
  /** Node name -> subnet per family: what `--previous` reads back. */
  readonly allocation: PreviousAllocation;
  readonly components: PlanComponents;
  readonly warnings: readonly Problem[];
}

/** Builds the plan document from the plan, the components' summaries (in render order) and the warnings. */
export function planDocument(
  plan: CidrPlan,
  summaries: readonly (PlanComponents | undefined)[],
  warnings: readonly Problem[],
): PlanDocument {
  const components: PlanComponents = Object.assign({}, ...summaries);
  return { apiVersion: "podnet/v1", kind: "Plan", plan, allocation: allocationOf(plan), components, warnings };
}

/** A pool's encapsulation as people say it: "IPIP Always", "VXLAN CrossSubnet", "none". */
export function calicoEncapsulation(pool: Pick<CalicoPoolFacts, "ipipMode" | "vxlanMode">): string {
  const on = [
    ...(pool.ipipMode !== "Never" ? [`IPIP ${pool.ipipMode}`] : []),
    ...(pool.vxlanMode !== "Never" ? [`VXLAN ${pool.vxlanMode}`] : []),
  ];
  return on.join(", ") || "none";
}
