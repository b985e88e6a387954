/**
 * Pulumi component for the network plan: validates before anything is
 * created and exposes the plan as outputs for the other components.
 */
import { type CidrPlan, type PlanContext, type PodCidrPlanOptions, planPodCidrs } from "@podnet/core";
import { checkComponentArgs } from "@podnet/core/internal";
import * as pulumi from "@pulumi/pulumi";
import { logWarnings, validated } from "./problems.js";

export interface PodCidrPlanArgs extends PodCidrPlanOptions {
  /** Node subnets of an earlier plan, kept for nodes that still exist. @default - none */
  readonly previous?: PlanContext["previous"];
}

export class PodCidrPlan extends pulumi.ComponentResource {
  /** The validated plan as a plain value, for other podnet components. */
  readonly plan: CidrPlan;
  readonly podCidrs: pulumi.Output<string[]>;
  readonly serviceCidrs: pulumi.Output<string[]>;
  readonly dnsServiceIp: pulumi.Output<string>;
  /** Node name -> its pod subnets (in pod CIDR order). */
  readonly nodePodCidrs: pulumi.Output<Record<string, string[]>>;
  /** Flags for kubeadm, kube-controller-manager, kube-apiserver, kube-proxy and kubelet. */
  readonly flags: pulumi.Output<CidrPlan["flags"]>;

  constructor(name: string, args: PodCidrPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering: a broken plan creates nothing.
    validated("PodCidrPlan", () => checkComponentArgs("PodCidrPlan", "args", args));
    const { previous, ...options } = args;
    const r = validated("PodCidrPlan", () => planPodCidrs(options, previous ? { previous } : {}));
    super("podnet:index:PodCidrPlan", name, {}, opts);
    this.plan = r.plan;
    logWarnings(this, r.warnings);
    this.podCidrs = pulumi.output([...r.plan.podCidrs]);
    this.serviceCidrs = pulumi.output([...r.plan.serviceCidrs]);
    this.dnsServiceIp = pulumi.output(r.plan.dnsServiceIp);
    this.nodePodCidrs = pulumi.output(Object.fromEntries(r.plan.nodes.map((n) => [n.name, [...n.podCidrList]])));
    this.flags = pulumi.output(r.plan.flags);
    this.registerOutputs({
      podCidrs: this.podCidrs,
      serviceCidrs: this.serviceCidrs,
      dnsServiceIp: this.dnsServiceIp,
      nodePodCidrs: this.nodePodCidrs,
      flags: this.flags,
    });
  }
}
