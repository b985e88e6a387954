/**
 * cdk8s construct for the network plan. Bad props fail in the constructor;
 * other constructs (FlannelNetwork, CalicoNetwork) read `plan`.
 */
import {
  type CidrPlan,
  type FlannelNetworkOptions,
  formatProblem,
  type PlanContext,
  type PodCidrPlanOptions,
  type Problem,
  planPodCidrs,
} from "@podnet/core";
import { checkComponentArgs, flannelPlanning } from "@podnet/core/internal";
import { Construct } from "constructs";

/** Props of `PodCidrPlan`: the cluster's networks and nodes (as in a spec), and node subnets to keep. */
export interface PodCidrPlanProps extends PodCidrPlanOptions {
  /** Node subnets of an earlier plan, kept for nodes that still exist. @default - none */
  readonly previous?: PlanContext["previous"];
  /**
   * The FlannelNetwork options this plan serves. With `mode: "systemd"` and the etcd datastore,
   * node subnets are then allocated inside flannel's SubnetMin..SubnetMax, and `subnetLen` /
   * `ipv6SubnetLen` become the node mask where `cluster.nodeMaskSize` leaves it out.
   * @default - the whole pod CIDR
   */
  readonly flannel?: FlannelNetworkOptions;
}

/** The network plan (pod and service CIDRs, node subnets, capacity) as a construct; bad props throw a NetworkPlanError listing every problem. */
export class PodCidrPlan extends Construct {
  /** The validated plan: CIDRs, node subnets, capacity, component flags. */
  readonly plan: CidrPlan;
  /** Warnings found while planning (they never stop synth). */
  readonly warnings: readonly Problem[];

  constructor(scope: Construct, id: string, props: PodCidrPlanProps) {
    super(scope, id);
    checkComponentArgs("PodCidrPlan", "props", props);
    const { previous, flannel, ...given } = props;
    const f = flannelPlanning(given, flannel, previous ? { previous } : {});
    const r = planPodCidrs(f.options, f.context);
    this.plan = r.value;
    this.warnings = r.warnings;
    for (const w of r.warnings) this.node.addMetadata("podnet:warning", formatProblem(w));
  }
}
