/**
 * `podnet diff OLD NEW`: what a change of spec does to every artifact
 * (manifests by kind and name, node files by path, extra files, plan.json),
 * which changes disrupt running pods, and the migration each needs. The guard
 * (diff/guard.ts) turns the disruptive ones into problems that the Pulumi and
 * cdk8s front ends raise unless `allowDisruptiveChange` names them.
 *
 * The new spec is planned with the old plan's node subnets as `previous`,
 * exactly as `podnet render` does over an earlier output folder.
 */

import { allocationOf, type CidrPlan } from "../plan/index.js";
import { objectKey } from "../shared/manifest.js";
import { type Problem, show } from "../shared/problems.js";
import { type RenderBundle, type RenderContext, renderSpec } from "../spec/bundle.js";
import { type PodnetConfig, podnetSpecSchema } from "../spec/schema.js";
import { FACT_PATHS, factChanges, fieldReason, type SpecChange } from "./rules.js";

export type { SpecChange } from "./rules.js";

/** One artifact that is added, removed or changed. */
export interface ArtifactChange {
  /**
   * Which artifact, as laid out by `podnet render`: `manifests/flannel.yaml ConfigMap/kube-flannel/kube-flannel-cfg`,
   * `nodes/cp1/root/etc/systemd/system/flanneld.service`, `nodes/cp1 flannel/unit command "start"`, `etcd/write-config.sh`.
   */
  readonly artifact: string;
  readonly change: "added" | "removed" | "changed";
  /** For a changed artifact: the changed fields (`data.net-conf.json`, `content`, `mode`). Values are never listed. */
  readonly fields?: readonly string[];
}

/** A changed value of plan.json. */
export interface PlanJsonChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** The artifacts that change between two specs: manifests, node files and node commands. */
export interface ArtifactDiff {
  readonly manifests: readonly ArtifactChange[];
  readonly nodeFiles: readonly ArtifactChange[];
  readonly nodeCommands: readonly ArtifactChange[];
  readonly files: readonly ArtifactChange[];
  readonly planJson: readonly PlanJsonChange[];
}

/** A problem of one of the two specs. */
export interface DiffProblem extends Problem {
  readonly side: "old" | "new";
}

/** The result of `diffSpecs`: each spec change with its effect and migration, and the changed artifacts. */
export interface SpecDiff {
  /** Spec changes with their effect, disruptive ones first, then by path. */
  readonly changes: readonly SpecChange[];
  readonly artifacts: ArtifactDiff;
  /** Problems that stop the diff (either spec invalid); then `changes` and `artifacts` are empty. */
  readonly errors: readonly DiffProblem[];
  readonly warnings: readonly DiffProblem[];
}

/** What `diffSpecs` needs beside the two specs: the old allocation and the certificate files each spec names. */
export interface DiffOptions {
  /** Node subnets the old spec was planned with (its plan.json allocation). @default - none */
  readonly previous?: RenderContext["previous"];
  /** Certificate files the old spec names, as `renderSpec` takes them. @default - none */
  readonly oldContext?: RenderContext;
  /** Certificate files the new spec names. @default - none */
  readonly newContext?: RenderContext;
}

/** Renders both sides: the new side keeps the old plan's node subnets, as `podnet render` does. */
export function renderBoth(oldSpec: unknown, newSpec: unknown, options: DiffOptions) {
  const before = renderSpec(oldSpec, { ...options.oldContext, ...(options.previous ? { previous: options.previous } : {}) });
  const after = before.value
    ? renderSpec(newSpec, { ...options.newContext, previous: allocationOf(before.value.plan) })
    : renderSpec(newSpec, options.newContext ?? {});
  return { before, after };
}

const EMPTY_ARTIFACTS: ArtifactDiff = { manifests: [], nodeFiles: [], nodeCommands: [], files: [], planJson: [] };

/** Compares two specs: spec changes with their effect, and the artifact changes. */
export function diffSpecs(oldSpec: unknown, newSpec: unknown, options: DiffOptions = {}): SpecDiff {
  const { before, after } = renderBoth(oldSpec, newSpec, options);
  if (!before.value) {
    return {
      changes: [],
      artifacts: EMPTY_ARTIFACTS,
      errors: [...side("old", before.errors), ...side("new", after.errors)],
      warnings: [...side("old", before.warnings), ...side("new", after.warnings)],
    };
  }
  if (!after.value) {
    return { changes: [], artifacts: EMPTY_ARTIFACTS, errors: side("new", after.errors), warnings: side("new", after.warnings) };
  }
  const a = normalized(oldSpec);
  const b = normalized(newSpec);
  return {
    changes: specChanges({ spec: a, plan: before.value.plan }, { spec: b, plan: after.value.plan }),
    artifacts: artifactDiff(before.value, after.value),
    errors: [],
    warnings: side("new", after.warnings),
  };
}

function side(s: "old" | "new", problems: readonly Problem[]): DiffProblem[] {
  return problems.map((p) => ({ ...p, side: s }));
}

/** The spec with defaults applied (only called on specs that rendered, so parsing succeeds). */
export function normalized(input: unknown): PodnetConfig {
  return podnetSpecSchema.parse(input);
}

/** Fact changes (disruptive or not) plus every other field change of the spec. */
export function specChanges(before: { spec: PodnetConfig; plan: CidrPlan }, after: { spec: PodnetConfig; plan: CidrPlan }): SpecChange[] {
  const facts = factChanges(before, after);
  const leaves: Leaf[] = [];
  leafDiff(before.spec, after.spec, "", leaves);
  const plain = leaves
    .filter((l) => !FACT_PATHS.some((re) => re.test(l.path)))
    .map(
      (l): SpecChange => ({
        path: l.path,
        from: redact(l.path, l.from),
        to: redact(l.path, l.to),
        disruptive: false,
        ...fieldReason(l.path, l.from, l.to),
      }),
    );
  const all = [...facts.map((c) => ({ ...c, from: redact(c.path, c.from), to: redact(c.path, c.to) })), ...plain];
  return all.sort((x, y) => Number(y.disruptive) - Number(x.disruptive) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

interface Leaf {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** JSON with sorted keys: equal values give equal text. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isObject(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : typeof x === "bigint"
        ? x.toString()
        : x,
  );
}

/** Arrays of objects with unique string `name`s are compared by name, not position. */
function names(list: readonly unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const e of list) {
    const n = isObject(e) ? e.name : undefined;
    if (typeof n !== "string" || out.includes(n)) return undefined;
    out.push(n);
  }
  return out;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Collects the leaf differences of two values; named list entries are addressed as `[name]`. */
function leafDiff(a: unknown, b: unknown, path: string, out: Leaf[]): void {
  if (canonical(a) === canonical(b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) leafDiff(a[k], b[k], join(path, k), out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length > 0 && b.length > 0) {
    const na = names(a);
    const nb = names(b);
    if (na && nb) {
      for (const n of [...na, ...nb.filter((x) => !na.includes(x))]) {
        leafDiff(a[na.indexOf(n)], b[nb.indexOf(n)], `${path}[${n}]`, out);
      }
      return;
    }
  }
  out.push({ path, from: a, to: b });
}

/** Keys whose values are key material or tokens: shown as `(secret)`. */
const SECRET_KEY = /(psk|token|password|secret|privatekey$|^key$|keypem$)/i;
const SECRET_TEXT = /-----BEGIN [A-Z ]*PRIVATE KEY-----|-----BEGIN [A-Z ]*KEY-----/;

/** Replaces secret values (by key name or PEM content) anywhere in a value. */
export function redact(path: string, value: unknown): unknown {
  const last =
    path
      .split(/[.[\]]/)
      .filter(Boolean)
      .pop() ?? "";
  if (value !== undefined && SECRET_KEY.test(last)) return "(secret)";
  if (typeof value === "string") return SECRET_TEXT.test(value) ? "(secret)" : value;
  if (Array.isArray(value)) return value.map((v, i) => redact(`${path}[${i}]`, v));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(join(path, k), v)]));
  return value;
}

function changeOf<T>(before: Map<string, T>, after: Map<string, T>, fields: (a: T, b: T) => string[]): ArtifactChange[] {
  const out: ArtifactChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(key);
    const b = after.get(key);
    if (a === undefined) out.push({ artifact: key, change: "added" });
    else if (b === undefined) out.push({ artifact: key, change: "removed" });
    else {
      const f = fields(a, b);
      if (f.length > 0) out.push({ artifact: key, change: "changed", fields: f });
    }
  }
  return out;
}

function manifestMap(bundle: RenderBundle): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [file, objects] of Object.entries(bundle.manifests)) for (const o of objects) m.set(`manifests/${file} ${objectKey(o)}`, o);
  return m;
}

interface FileLike {
  readonly content: string;
  readonly mode: string;
}

function fileFields(a: FileLike, b: FileLike): string[] {
  return [...(a.content !== b.content ? ["content"] : []), ...(a.mode !== b.mode ? ["mode"] : [])];
}

function artifactDiff(a: RenderBundle, b: RenderBundle): ArtifactDiff {
  const nodeFiles = (bundle: RenderBundle): Map<string, FileLike> =>
    new Map(bundle.nodes.flatMap((n) => n.units.flatMap((u) => u.files.map((f) => [`nodes/${n.node}/root${f.path}`, f] as const))));
  const nodeCommands = (bundle: RenderBundle): Map<string, string> =>
    new Map(
      bundle.nodes.flatMap((n) =>
        n.units.flatMap((u) => u.commands.map((c) => [`nodes/${n.node} ${u.id} command ${show(c.name)}`, canonical(c)] as const)),
      ),
    );
  const planLeaves: Leaf[] = [];
  leafDiff(a.planJson, b.planJson, "", planLeaves);
  return {
    manifests: changeOf(manifestMap(a), manifestMap(b), (x, y) => {
      const leaves: Leaf[] = [];
      leafDiff(x, y, "", leaves);
      return leaves.map((l) => l.path);
    }),
    nodeFiles: changeOf(nodeFiles(a), nodeFiles(b), fileFields),
    nodeCommands: changeOf(nodeCommands(a), nodeCommands(b), (x, y) => (x === y ? [] : ["script"])),
    files: changeOf(new Map(Object.entries(a.files)), new Map(Object.entries(b.files)), fileFields),
    planJson: planLeaves
      // a node that keeps its subnet is recorded as "previous" once a previous plan exists: same subnet, no change
      .filter((l) => !(/\.subnetSource\.ipv[46]$/.test(l.path) && l.from === "allocated" && l.to === "previous"))
      .map((l) => ({ path: l.path, from: redact(l.path, l.from), to: redact(l.path, l.to) })),
  };
}
