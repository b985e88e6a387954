/**
 * The disruptive-change guard the Pulumi and cdk8s front ends run at synth
 * time: every disruptive change is an error unless `allowDisruptiveChange`
 * names it.
 */

import type { SpecChange } from "../component/contract.js";
import type { CidrPlan } from "../plan/index.js";
import { type Problem, show } from "../shared/problems.js";
import { COMPONENTS } from "../spec/registry.js";
import type { PodnetConfig } from "../spec/schema.js";
import { type DiffOptions, normalized, redact, renderBoth, specChanges } from "./diff.js";
import { factChanges } from "./rules.js";

/** True when an `allowDisruptiveChange` entry names the change: its path, a parent of it, or `*`. */
export function allows(entry: string, path: string): boolean {
  return entry === "*" || entry === path || path.startsWith(`${entry}.`) || path.startsWith(`${entry}[`);
}

export interface DisruptiveCheck {
  /** `change.disruptive` for every disruptive change not allowed; `change.previous-invalid` when the previous spec does not plan. */
  readonly errors: readonly Problem[];
  /** `change.disruptive-allowed` for allowed ones (with their migration), `change.allow-unused` for entries that allow nothing. */
  readonly warnings: readonly Problem[];
  /** Every change found, for front ends that show them. */
  readonly changes: readonly SpecChange[];
}

/**
 * The guard the Pulumi and cdk8s front ends run at synth time: every
 * disruptive change from `previous` to `next` is an error unless
 * `allowDisruptiveChange` names its path (or a parent path, or `*`).
 * A `next` that does not validate yields nothing here: the component reports
 * its own problems.
 */
export function checkDisruptiveChanges(
  previous: unknown,
  next: unknown,
  allowDisruptiveChange: readonly string[] = [],
  options: DiffOptions = {},
): DisruptiveCheck {
  if (previous === undefined) return { errors: [], warnings: [], changes: [] };
  const { before, after } = renderBoth(previous, next, options);
  if (!before.value) {
    const first = before.errors[0];
    return {
      errors: [
        {
          path: "previous",
          code: "change.previous-invalid",
          message: `previous: the previous spec does not validate (${before.errors.length} error${before.errors.length === 1 ? "" : "s"}, first: ${first ? `${first.path}: ${first.message}` : "unknown"}); pass the spec that was last applied, or drop previous to skip the change check`,
        },
      ],
      warnings: [],
      changes: [],
    };
  }
  if (!after.value) return { errors: [], warnings: [], changes: [] };
  const changes = specChanges({ spec: normalized(previous), plan: before.value.plan }, { spec: normalized(next), plan: after.value.plan });
  return guard(changes, allowDisruptiveChange);
}

/** Turns changes into the guard's problems: disruptive ones not allowed are errors. */
function guard(changes: readonly SpecChange[], allowDisruptiveChange: readonly string[]): DisruptiveCheck {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const used = new Set<string>();
  for (const c of changes.filter((x) => x.disruptive)) {
    const entry = allowDisruptiveChange.find((e) => allows(e, c.path));
    const steps = c.migration.map((m, i) => `(${i + 1}) ${m}`).join(" ");
    if (entry !== undefined) {
      used.add(entry);
      warnings.push({
        path: c.path,
        code: "change.disruptive-allowed",
        message: `${c.path}: changes from ${show(c.from)} to ${show(c.to)}, allowed by allowDisruptiveChange "${entry}"; ${c.reason}. Migration: ${steps}`,
      });
    } else {
      errors.push({
        path: c.path,
        code: "change.disruptive",
        message: `${c.path}: changes from ${show(c.from)} to ${show(c.to)}, which disrupts running pods: ${c.reason}. Carry out the migration (podnet diff OLD NEW prints the steps), then allow it with allowDisruptiveChange: ["${c.path}"]`,
      });
    }
  }
  allowDisruptiveChange.forEach((e, i) => {
    if (!used.has(e)) {
      warnings.push({
        path: `allowDisruptiveChange[${i}]`,
        code: "change.allow-unused",
        message: `allowDisruptiveChange[${i}]: ${show(e)} matches no disruptive change; remove it so a later disruptive change is not let through unseen`,
      });
    }
  });
  return { errors, warnings, changes };
}

/**
 * What a Pulumi component or cdk8s construct compares: the plan it was given
 * (a PodCidrPlan, or `plan` from an earlier plan.json) and its own options as
 * written (`flannel` for FlannelNetwork, `calico` for CalicoNetwork).
 */
export interface ComponentState {
  readonly plan: CidrPlan;
  /** FlannelNetwork options. @default - no flannel */
  readonly flannel?: unknown;
  /** CalicoNetwork options. @default - no calico */
  readonly calico?: unknown;
}

/** The network components' options of a front end's state, parsed; undefined when one does not validate. */
function networkSections(state: ComponentState): PodnetConfig | undefined {
  const given = state as unknown as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const c of COMPONENTS) {
    if (c.kind !== "network" || given[c.key] === undefined) continue;
    const r = c.schema.safeParse(given[c.key]);
    if (!r.success) return undefined;
    out[c.key] = r.data;
  }
  return out as unknown as PodnetConfig;
}

/**
 * The guard for front ends that hold a plan and component options rather
 * than a whole spec: the same disruptive facts as `checkDisruptiveChanges`
 * (pod and service CIDRs, node subnets, Flannel Network/backend/VNI/datastore,
 * Calico pools), compared between the previous and the next state.
 * Options that do not validate are left to the component (next) or reported
 * as `change.previous-invalid` (previous).
 */
export function checkComponentChanges(
  previous: ComponentState | undefined,
  next: ComponentState,
  allowDisruptiveChange: readonly string[] = [],
): DisruptiveCheck {
  if (previous === undefined) return { errors: [], warnings: [], changes: [] };
  const a = networkSections(previous);
  const b = networkSections(next);
  if (!a) {
    return {
      errors: [
        {
          path: "previous",
          code: "change.previous-invalid",
          message:
            "previous: the previous component options do not validate; pass the options that were last applied, or drop previous to skip the change check",
        },
      ],
      warnings: [],
      changes: [],
    };
  }
  if (!b) return { errors: [], warnings: [], changes: [] };
  return guard(
    factChanges({ spec: a, plan: previous.plan }, { spec: b, plan: next.plan }).map((c) => ({
      ...c,
      from: redact(c.path, c.from),
      to: redact(c.path, c.to),
    })),
    allowDisruptiveChange,
  );
}
