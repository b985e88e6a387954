/**
 * The `plan` arg of FlannelNetwork, CalicoNetwork and NodeNetworkPrep: a
 * PodCidrPlan component, a plan computed elsewhere, or the plan's options
 * (whose late leaves may be Outputs, see late.ts).
 */
import {
  type CidrPlan,
  type FlannelNetworkOptions,
  type PlanContext,
  type Planned,
  type PodCidrPlanOptions,
  planPodCidrs,
} from "@podnet/core";
import { flannelPlanning } from "@podnet/core/internal";
import type * as pulumi from "@pulumi/pulumi";
import { checkKnown, checkResolved, type Inputs, splitArgs } from "./late.js";
import { PodCidrPlan } from "./pod-cidr-plan.js";

/** What a component takes as its plan. */
export type PlanArg = PodCidrPlan | CidrPlan | Inputs<PodCidrPlanOptions>;

/** A component's plan: its shape now, and a way to the plan on resolved values when some are late. */
export interface ComponentPlan {
  /** The plan from the known values (placeholders at late leaves). */
  readonly shape: Planned<CidrPlan>;
  /** Problem paths of the late leaves. */
  readonly latePaths: readonly string[];
  /** The plan on resolved values, its problems failing `resource`; undefined when nothing is late. */
  readonly late?: (component: string, resource: pulumi.Resource) => pulumi.Output<CidrPlan>;
}

/**
 * The plan behind a component's `plan` arg; options are planned here (keeping `context.previous`
 * subnets, with `flannel`'s constraints when given). Throws NetworkPlanError for known problems.
 */
export function componentPlan(component: string, input: PlanArg, context: PlanContext, flannel?: FlannelNetworkOptions): ComponentPlan {
  if (input instanceof PodCidrPlan) {
    const p = input.planned;
    const late = p.late;
    return { shape: { value: p.shape.value, warnings: [] }, latePaths: p.latePaths, ...(late ? { late: () => late } : {}) };
  }
  if ("families" in input) return { shape: { value: input as CidrPlan, warnings: [] }, latePaths: [] };
  const split = splitArgs<PodCidrPlanOptions>(component, input);
  const plan = (options: PodCidrPlanOptions): Planned<CidrPlan> => {
    const f = flannelPlanning(options, flannel, context);
    return planPodCidrs(f.options, f.context);
  };
  const shape = checkKnown(split.latePaths, () => plan(split.known));
  const resolved = split.resolved;
  return {
    shape,
    latePaths: split.latePaths,
    ...(resolved ? { late: (c: string, r: pulumi.Resource) => resolved.apply((o) => checkResolved(c, r, () => plan(o).value)) } : {}),
  };
}
