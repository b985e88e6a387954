/**
 * Guards for what a Pulumi component or cdk8s construct is handed before any
 * option is read: `undefined` args, or a string where the plan belongs, are
 * a NetworkPlanError naming the path, not a TypeError from destructuring.
 */
import { Problems, show } from "./problems.js";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function kindOf(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `${typeof v} ${show(v)}`;
}

/**
 * Throws a NetworkPlanError unless `args` is an object and, with `plan`, its `plan` field is an
 * object (a PodCidrPlan component or construct, a computed plan, or the plan's options).
 * `what` names the argument in messages: "args" (Pulumi) or "props" (cdk8s).
 */
export function checkComponentArgs(component: string, what: "args" | "props", args: unknown, opts: { readonly plan?: boolean } = {}): void {
  const p = new Problems();
  if (!isObject(args)) {
    p.error(
      what,
      "component.args",
      `${what}: ${component} needs an object of options, got ${kindOf(args)}; pass e.g. ${opts.plan ? "{ plan }" : "{ cluster: { podCidrs: [...], serviceCidrs: [...] }, nodes: [...] }"}`,
    );
  } else if (opts.plan && !isObject(args.plan)) {
    p.error(
      "plan",
      "component.plan",
      `plan: ${component} needs a PodCidrPlan, a computed plan or the plan's options (an object), got ${kindOf(args.plan)}; pass e.g. plan: new PodCidrPlan(...)`,
    );
  }
  p.throwIfErrors();
}
