/**
 * Pulumi component for the network plan: validates before anything is
 * created and exposes the plan as outputs for the other components.
 */
import {
  type CidrPlan,
  type FlannelNetworkOptions,
  type PlanContext,
  type Planned,
  type PodCidrPlanOptions,
  planPodCidrs,
} from "@podnet/core";
import { checkComponentArgs, flannelPlanning } from "@podnet/core/internal";
import * as pulumi from "@pulumi/pulumi";
import { checkKnown, checkResolved, type Inputs, splitArgs } from "./late.js";
import { logWarnings, validated } from "./problems.js";

/** PodCidrPlan's args: the plan options (node addresses and ssh values may be Inputs). */
export interface PodCidrPlanArgs extends Inputs<PodCidrPlanOptions> {
  /** Node subnets of an earlier plan, kept for nodes that still exist. @default - none */
  readonly previous?: PlanContext["previous"];
  /**
   * The FlannelNetwork options this plan serves. With `mode: "systemd"` and the etcd datastore,
   * node subnets are then allocated inside flannel's SubnetMin..SubnetMax, and `subnetLen` /
   * `ipv6SubnetLen` become the node mask where `cluster.nodeMaskSize` leaves it out (as the CLI
   * plans a spec with a `flannel:` section). Other modes and datastores change nothing.
   * @default - the whole pod CIDR
   */
  readonly flannel?: FlannelNetworkOptions;
}

/** The planned PodCidrPlan: the shape from the known args, and the plan on the resolved args when some arrive late. */
export interface PlannedPodCidrs {
  /** The plan from the known args (placeholders at late leaves): node names and order are final. */
  readonly shape: Planned<CidrPlan>;
  /** The plan on the resolved args; undefined when nothing is late. */
  readonly late?: pulumi.Output<CidrPlan>;
  /** Problem paths of the late leaves. */
  readonly latePaths: readonly string[];
}

/** The network plan (CIDRs, node subnets, flags), validated before any child exists; see the README's Pulumi section for Outputs. */
export class PodCidrPlan extends pulumi.ComponentResource {
  readonly #plan: CidrPlan;
  /** The plan with late values resolved (the plan itself when every value is known). */
  readonly planOutput: pulumi.Output<CidrPlan>;
  /** The planned shape and late plan, for the other podnet components. */
  readonly planned: PlannedPodCidrs;
  readonly podCidrs: pulumi.Output<string[]>;
  readonly serviceCidrs: pulumi.Output<string[]>;
  readonly dnsServiceIp: pulumi.Output<string>;
  /** Node name -> its pod subnets (in pod CIDR order). */
  readonly nodePodCidrs: pulumi.Output<Record<string, string[]>>;
  /** Flags for kubeadm, kube-controller-manager, kube-apiserver, kube-proxy and kubelet. */
  readonly flags: pulumi.Output<CidrPlan["flags"]>;

  constructor(name: string, args: PodCidrPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    validated("PodCidrPlan", () => checkComponentArgs("PodCidrPlan", "args", args));
    const { previous, flannel, ...given } = args;
    const split = splitArgs<PodCidrPlanOptions>("PodCidrPlan", given);
    // Validate before registering: a broken plan creates nothing.
    const plan = (options: PodCidrPlanOptions): Planned<CidrPlan> => {
      const f = flannelPlanning(options, flannel, previous ? { previous } : {});
      return planPodCidrs(f.options, f.context);
    };
    const shape = validated("PodCidrPlan", () => checkKnown(split.latePaths, () => plan(split.known)));
    super("podnet:index:PodCidrPlan", name, {}, opts);
    const late = split.resolved?.apply((o) => checkResolved("PodCidrPlan", this, () => plan(o)).value);
    this.#plan = shape.value;
    this.planned = { shape, ...(late ? { late } : {}), latePaths: split.latePaths };
    logWarnings(this, shape.warnings);
    this.planOutput = late ?? pulumi.output(shape.value);
    const from = <T>(f: (p: CidrPlan) => T): pulumi.Output<T> => (late ? late.apply(f) : pulumi.output(f(shape.value))) as pulumi.Output<T>;
    this.podCidrs = from((p) => [...p.podCidrs]);
    this.serviceCidrs = from((p) => [...p.serviceCidrs]);
    this.dnsServiceIp = from((p) => p.dnsServiceIp);
    this.nodePodCidrs = from((p) => Object.fromEntries(p.nodes.map((n) => [n.name, [...n.podCidrList]])));
    this.flags = from((p) => p.flags);
    this.registerOutputs({
      podCidrs: this.podCidrs,
      serviceCidrs: this.serviceCidrs,
      dnsServiceIp: this.dnsServiceIp,
      nodePodCidrs: this.nodePodCidrs,
      flags: this.flags,
    });
  }

  /**
   * The validated plan as a plain value, for other podnet components. When some args are
   * Outputs the plan is only known once they resolve: use `planOutput` then (reading `plan` throws).
   */
  get plan(): CidrPlan {
    if (this.planned.late)
      throw new Error(
        "PodCidrPlan: the plan depends on Outputs (late node addresses or ssh values); use planOutput, or pass the component itself to the other podnet components",
      );
    return this.#plan;
  }
}
