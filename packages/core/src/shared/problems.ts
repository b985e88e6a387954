/**
 * Problems found while validating a spec: every check reports into one
 * collector, and the collector throws once with all of them.
 */

/** One problem: where it is, a stable code, and a message a user can act on. */
export interface Problem {
  /** Path into the spec, e.g. `nodes[2].interfaces[0].addresses[1]`. */
  readonly path: string;
  /** Stable machine-readable code, e.g. `cidr.host-bits`. */
  readonly code: string;
  /** Names the path, the bad value, the rule and the fix. */
  readonly message: string;
}

/** Thrown once, carrying every error found; warnings travel alongside. */
export class NetworkPlanError extends Error {
  readonly problems: readonly Problem[];
  readonly warnings: readonly Problem[];

  constructor(problems: readonly Problem[], warnings: readonly Problem[] = []) {
    super(
      `${problems.length} problem${problems.length === 1 ? "" : "s"} in the network spec:\n${problems
        .map((p) => `  ${formatProblem(p)}`)
        .join("\n")}`,
    );
    this.name = "NetworkPlanError";
    this.problems = problems;
    this.warnings = warnings;
  }
}

/** `path: message`, the one-line form every front end prints. */
export function formatProblem(p: Problem): string {
  return p.message.startsWith(p.path) || p.path === "" ? p.message : `${p.path}: ${p.message}`;
}

/** Collects errors and warnings from every check. */
export class Problems {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];

  error(path: string, code: string, message: string): void {
    this.errors.push({ path, code, message });
  }

  warn(path: string, code: string, message: string): void {
    this.warnings.push({ path, code, message });
  }

  /** Adds another collector's findings (e.g. a sub-component's). */
  merge(other: { readonly errors: readonly Problem[]; readonly warnings: readonly Problem[] }): void {
    this.errors.push(...other.errors);
    this.warnings.push(...other.warnings);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Throws a NetworkPlanError with every error collected so far, if any. */
  throwIfErrors(): void {
    if (this.errors.length > 0) throw new NetworkPlanError([...this.errors], [...this.warnings]);
  }
}

/** Formats a path from segments: `["nodes", 2, "name"]` -> `nodes[2].name`. */
export function joinPath(segments: ReadonlyArray<string | number>): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out;
}

/** JSON rendering of a value for messages: strings quoted, long values cut. */
export function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
