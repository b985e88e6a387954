/**
 * The two result shapes of every public entry point, and the one safeParse -> problems -> build
 * skeleton behind them.
 *
 * - `Checked<T>`: an entry point that reports problems instead of throwing (every `check*`, and
 *   the spec-level `renderSpec`, `planDoctor`, `planDoctorForPlan`). `value` is there exactly when
 *   `errors` is empty.
 * - `Planned<T>`: an entry point that throws one NetworkPlanError with every problem (`planPodCidrs`,
 *   `resolvePlan`, `renderFlannelNetwork`, `renderCalicoNetwork`, `planNodeNetworkPrep`).
 *
 * Problem paths start at the spec's root (`flannel.backend.port`, `calico.ipPools[0].cidr`,
 * `nodes[2].interfaces[0]`, `prep.firewall`): a section's entry point reports under its section
 * key, also when a front end calls it directly.
 */
import type { z } from "zod";
import { NetworkPlanError, type Problem, Problems } from "./problems.js";
import { PARSE_OPTIONS, zodProblems } from "./zod-problems.js";

/** The result of an entry point that returns its problems: the value when there is no error, and every problem. */
export interface Checked<T> {
  /** Present exactly when `errors` is empty. */
  readonly value?: T;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/** The result of an entry point that throws NetworkPlanError on an error: the value and the warnings. */
export interface Planned<T> {
  readonly value: T;
  readonly warnings: readonly Problem[];
}

/**
 * Parses `input` with `schema`; on failure every issue goes to `p` with paths under `base`,
 * and the result is undefined. `options`: zod's parse options (@default PARSE_OPTIONS).
 */
export function parseSection<T>(
  schema: z.ZodType<T>,
  input: unknown,
  base: readonly string[],
  p: Problems,
  options: z.core.ParseContext<z.core.$ZodIssue> = PARSE_OPTIONS,
): T | undefined {
  const parsed = schema.safeParse(input, options);
  if (parsed.success) return parsed.data;
  p.errors.push(...zodProblems(parsed.error.issues, input, schema, base));
  return undefined;
}

/**
 * The skeleton of every `check*` entry point: parse `input` with `schema` (paths under `base`),
 * build from the parsed options into one collector, and return the value only when there is no error.
 */
export function checkWith<C, T>(
  schema: z.ZodType<C>,
  input: unknown,
  base: readonly string[],
  build: (config: C, p: Problems) => T | undefined,
): Checked<T> {
  const parsing = new Problems();
  const config = parseSection(schema, input, base, parsing);
  if (config === undefined) return { errors: parsing.errors, warnings: [] };
  const p = new Problems();
  const value = build(config, p);
  return checkedOf(value, p);
}

/** The Checked result of a collector: `value` only when there is no error. */
export function checkedOf<T>(
  value: T | undefined,
  p: { readonly errors: readonly Problem[]; readonly warnings: readonly Problem[] },
): Checked<T> {
  return p.errors.length === 0 && value !== undefined
    ? { value, errors: [], warnings: p.warnings }
    : { errors: p.errors, warnings: p.warnings };
}

/** The Planned result of a Checked one; throws one NetworkPlanError with every problem when there is an error. */
export function plannedOf<T>(r: Checked<T>): Planned<T> {
  if (r.value === undefined || r.errors.length > 0) throw new NetworkPlanError(r.errors, r.warnings);
  return { value: r.value, warnings: r.warnings };
}
