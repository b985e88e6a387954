/**
 * Values that arrive late: node addresses, SSH hosts, users and ports, etcd
 * endpoints and the API server URL may be `pulumi.Input`s (e.g. `vm.privateIp`).
 * The structure (node names, their count, modes, CIDRs) stays plain.
 *
 * A component splits its args into the known part, where every late leaf holds
 * a placeholder, and the late leaves. The known part is checked before any
 * child exists (problems at a late leaf's path are left to the second check);
 * the children are created from that check's shape. Once the late values
 * resolve, the full core check runs on the real args: a problem fails the
 * deployment with a ResourceError naming path, value, rule and fix, and every
 * child takes its inputs from that check's result, so none is created after it
 * fails. During `pulumi preview` the late values are unknown and every child
 * still registers.
 */
import { formatProblem, NetworkPlanError, type Problem } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";

type Leaf = string | number | boolean;
/** A leaf, or every leaf of an array, as a `pulumi.Input`. */
type InputLeaves<T> = T extends readonly (infer U)[] ? readonly InputLeaves<U>[] : T extends Leaf ? pulumi.Input<T> : T;

/**
 * `T` with its late leaves as `pulumi.Input`s: `addresses[]`, `ssh.host`/`user`/`port`,
 * `endpoints[]` and `apiServer`; everything else stays as in `T`.
 */
export type Inputs<T> = T extends Leaf
  ? T
  : T extends readonly (infer U)[]
    ? readonly Inputs<U>[]
    : T extends object
      ? {
          readonly [K in keyof T]: K extends "addresses" | "endpoints" | "apiServer"
            ? InputLeaves<T[K]>
            : K extends "ssh"
              ?
                  | {
                      readonly [P in keyof NonNullable<T[K]>]: P extends "host" | "user" | "port"
                        ? InputLeaves<NonNullable<T[K]>[P]>
                        : NonNullable<T[K]>[P];
                    }
                  | Extract<T[K], undefined>
              : Inputs<T[K]>;
        }
      : T;

/** Where late values may go, and the placeholder used while they are unknown (`i` numbers the leaf). */
const LATE: readonly { readonly path: RegExp; readonly placeholder: (i: number, holder: Holder) => Leaf }[] = [
  { path: /\.addresses\[\d+\]$/, placeholder: (i) => `${placeholderIp(i)}/32` },
  { path: /(^|\.)ssh\.host$/, placeholder: (i) => placeholderIp(i) },
  { path: /(^|\.)ssh\.user$/, placeholder: () => "root" },
  { path: /(^|\.)ssh\.port$/, placeholder: () => 22 },
  { path: /(^|\.)endpoints\[\d+\]$/, placeholder: (i, holder) => `${endpointScheme(holder)}://${placeholderIp(i)}:2379` },
  { path: /(^|\.)apiServer$/, placeholder: (i) => `https://${placeholderIp(i)}:6443` },
];

/** The object holding a late leaf (for an array element, the object holding the array). */
type Holder = Readonly<Record<string, unknown>> | undefined;

/** An endpoint placeholder's scheme: the other endpoints' scheme, else https with `tls`, else http (as etcd's checks expect). */
function endpointScheme(holder: Holder): string {
  const known = (holder?.endpoints as unknown[] | undefined)?.find((e): e is string => typeof e === "string");
  if (known) return known.startsWith("https://") ? "https" : "http";
  return holder?.tls !== undefined ? "https" : "http";
}

/** A distinct address per leaf from 198.18.0.0/15 (benchmarking, never a real cluster's). */
function placeholderIp(i: number): string {
  const n = i + 1;
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
}

/** One late leaf: its path in problem notation and as keys, and its value. */
interface LateLeaf {
  readonly path: string;
  readonly keys: readonly (string | number)[];
  readonly value: pulumi.Output<unknown>;
}

/** Args split into the known part (placeholders at late leaves) and, when there are late leaves, the resolved args. */
export interface SplitArgs<A> {
  /** The args with a placeholder at each late leaf (the args themselves when nothing is late). */
  readonly known: A;
  /** Problem paths of the late leaves. */
  readonly latePaths: readonly string[];
  /** The args with every late value resolved; undefined when nothing is late. */
  readonly resolved?: pulumi.Output<A>;
}

const isLate = (v: unknown): boolean => pulumi.Output.isInstance(v) || v instanceof Promise;

/** Splits args (see {@link SplitArgs}); an Output where the structure must be plain is an InputPropertiesError. */
export function splitArgs<A>(component: string, args: Inputs<A> | A, base = ""): SplitArgs<A> {
  const leaves: LateLeaf[] = [];
  const wrong: { propertyPath: string; reason: string }[] = [];
  const walk = (v: unknown, path: string, keys: (string | number)[], holder?: Holder): unknown => {
    if (isLate(v)) {
      const rule = LATE.find((r) => r.path.test(path));
      if (!rule) {
        wrong.push({
          propertyPath: path,
          reason: `${path}: an Output is not accepted here; only node addresses, ssh host/user/port, etcd endpoints and apiServer may arrive late (node names, counts, modes and CIDRs must be plain values)`,
        });
        return undefined;
      }
      leaves.push({ path, keys, value: pulumi.output(v as pulumi.Input<unknown>) });
      return rule.placeholder(leaves.length - 1, holder);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`, [...keys, i], holder));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, path === "" ? k : `${path}.${k}`, [...keys, k], o)]));
    }
    return v;
  };
  const known = walk(args, base, []) as A;
  if (wrong.length > 0)
    throw new pulumi.InputPropertiesError({
      message: `${component}: ${wrong.length} value${wrong.length === 1 ? "" : "s"} must be plain`,
      errors: wrong,
    });
  if (leaves.length === 0) return { known: args as A, latePaths: [] };
  const resolved = pulumi.all(leaves.map((l) => l.value)).apply((values) => {
    const out = structuredClone(known) as unknown;
    for (const [i, l] of leaves.entries()) setAt(out, l.keys, values[i]);
    return out as A;
  });
  return { known, latePaths: leaves.map((l) => l.path), resolved };
}

function setAt(root: unknown, keys: readonly (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[keys[keys.length - 1] as string | number] = value;
}

/** True when a problem at `path` may come from a placeholder: the path is a late leaf, lies under one, or contains one. */
export function touchesLate(path: string, latePaths: readonly string[]): boolean {
  const under = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return latePaths.some((l) => under(path, l) || under(l, path));
}

/**
 * Runs the check on the known part: problems off the late paths throw as today (InputPropertiesError,
 * through `validated`); problems a placeholder may cause are dropped (the check on the resolved args
 * reports them). When every problem touches a late leaf, they are thrown as found: the placeholders
 * are valid values, so that means the structure itself does not plan.
 */
export function checkKnown<T>(latePaths: readonly string[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (latePaths.length === 0) throw e;
    if (e instanceof NetworkPlanError) {
      const left = e.problems.filter((p) => !touchesLate(p.path, latePaths));
      if (left.length > 0) throw new NetworkPlanError(left, e.warnings);
      throw e;
    }
    if (pulumi.InputPropertiesError.isInstance(e)) {
      const errors = (e as unknown as { errors: { propertyPath: string; reason: string }[] }).errors;
      const left = errors.filter((x) => !touchesLate(x.propertyPath, latePaths));
      if (left.length > 0) throw new pulumi.InputPropertiesError({ message: e.message, errors: left });
      throw e;
    }
    throw e;
  }
}

/** The message a failed check on resolved values fails the deployment with: every problem, formatted. */
export function problemsMessage(component: string, problems: readonly Pick<Problem, "path" | "message">[] | readonly Problem[]): string {
  const lines = problems.map((p) => ("code" in p ? formatProblem(p as Problem) : p.message));
  return `${component}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the network spec\n${lines.map((l) => `  - ${l}`).join("\n")}`;
}

/** Runs the core check on resolved values; its problems become a ResourceError on `resource` (the deployment fails). */
export function checkResolved<T>(component: string, resource: pulumi.Resource, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NetworkPlanError) throw new pulumi.ResourceError(problemsMessage(component, e.problems), resource);
    if (pulumi.InputPropertiesError.isInstance(e)) {
      const errors = (e as unknown as { errors: { propertyPath: string; reason: string }[] }).errors;
      throw new pulumi.ResourceError(
        problemsMessage(
          component,
          errors.map((x) => ({ path: x.propertyPath, message: x.reason })),
        ),
        resource,
      );
    }
    throw e;
  }
}

/**
 * A component's checked result: the shape (from the known part) that decides which children exist,
 * and, with late values, the result of the check on the resolved args. `value` picks a child input:
 * plain when nothing is late, else an Output of the checked result (never resolved when the check fails).
 */
export class Checked<R> {
  constructor(
    /** The result computed from the known part: decides which children exist. */
    readonly shape: R,
    /** The result on the resolved args; undefined when nothing is late. */
    readonly late?: pulumi.Output<R>,
  ) {}

  /** A child input from the result. */
  value<T>(f: (r: R) => T): pulumi.Input<T> {
    return this.late ? this.late.apply((r) => f(r)) : f(this.shape);
  }

  /** A child input as an Output. */
  output<T>(f: (r: R) => T): pulumi.Output<T> {
    return pulumi.output(this.value(f)) as pulumi.Output<T>;
  }

  /** Each top-level field of an object as its own input (Kubernetes resource args). */
  fields(f: (r: R) => Record<string, unknown> | undefined): Record<string, unknown> {
    const shape = f(this.shape) ?? {};
    if (!this.late) return { ...shape };
    return Object.fromEntries(Object.keys(shape).map((k) => [k, this.value((r) => f(r)?.[k])]));
  }
}
