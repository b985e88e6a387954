/**
 * What a front end's plan needs from a FlannelNetwork's options: the CLI plans a
 * spec with its `flannel:` section in view (`checkSpecPlan`); a Pulumi or cdk8s
 * program plans its PodCidrPlan first, so the component hands the options over here.
 */

import type { PlanContext } from "../plan/index.js";
import type { PodCidrPlanOptions } from "../plan/options.js";
import type { Problem } from "../shared/problems.js";
import { flannelPlanConstraints } from "./etcd.js";
import { type FlannelNetworkOptions, flannelNetworkSchema } from "./options.js";

/**
 * Plan options and context with flannel's constraints applied: with mode systemd and the etcd
 * datastore, SubnetLen as the node mask where `cluster.nodeMaskSize` leaves it out, and new node
 * subnets inside SubnetMin..SubnetMax. Options flannel's schema rejects change nothing (the
 * component reports them).
 */
export function flannelPlanning(
  options: PodCidrPlanOptions,
  flannel: FlannelNetworkOptions | undefined,
  context: PlanContext = {},
): { readonly options: PodCidrPlanOptions; readonly context: PlanContext } {
  const parsed = flannel === undefined ? undefined : flannelNetworkSchema.safeParse(flannel);
  if (!parsed?.success) return { options, context };
  const written = (options.cluster as { nodeMaskSize?: { ipv4?: number; ipv6?: number } } | undefined)?.nodeMaskSize;
  const c = flannelPlanConstraints(parsed.data, { ipv4: written?.ipv4 !== undefined, ipv6: written?.ipv6 !== undefined });
  if (Object.keys(c.nodeMaskSize).length === 0 && Object.keys(c.allocation).length === 0) return { options, context };
  const cluster = { ...options.cluster, nodeMaskSize: { ...written, ...c.nodeMaskSize } };
  return {
    options: { ...options, cluster } as PodCidrPlanOptions,
    context: { ...context, allocation: { ...c.allocation, ...context.allocation } },
  };
}

/**
 * Problems of a component handed a plan made elsewhere (a PodCidrPlan component or construct, a
 * computed plan): a node subnet outside flannel's SubnetMin..SubnetMax also names the fix that
 * needs no pins, planning with the flannel options.
 */
export function withFlannelPlanHint(problems: readonly Problem[]): Problem[] {
  return problems.map((p) =>
    p.code === "flannel.etcd.subnet-outside-range"
      ? {
          ...p,
          message: `${p.message}; or let podnet plan inside the range: give the PodCidrPlan flannel: <these FlannelNetwork options>, or pass the plan's options as FlannelNetwork's plan`,
        }
      : p,
  );
}
