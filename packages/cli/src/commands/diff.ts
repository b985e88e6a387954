/**
 * `podnet diff OLD NEW [--json] [--allow-disruptive-change PATH...]`: what the
 * change from OLD to NEW does to every artifact, and which changes disrupt
 * running pods, with the migration steps. Exit 0: nothing disruptive (or all
 * allowed); 1: disruptive changes; 2: usage, unreadable or invalid spec.
 */
import { type DiffOptions, diffSpecs, formatProblem, type SpecDiff } from "@podnet/core";
import { allows } from "@podnet/core/internal";
import { loadSpecFile } from "../load-spec.js";
import type { Io } from "../output.js";
import { stableJson } from "../stable-json.js";
import type { ContextOf } from "./map.js";

/** The `podnet diff` flags the command itself reads (`--previous` is read by the caller). */
export interface DiffCommandOptions {
  readonly json?: boolean;
  readonly allowDisruptiveChange?: readonly string[];
}

function value(v: unknown): string {
  return v === undefined ? "(none)" : JSON.stringify(v);
}

/** The readable form of a diff. */
export function diffLines(diff: SpecDiff, allowed: readonly string[] = []): string[] {
  const lines: string[] = [];
  const disruptive = diff.changes.filter((c) => c.disruptive);
  lines.push(`Spec changes: ${diff.changes.length} (${disruptive.length} disruptive)`);
  for (const c of diff.changes) {
    const allow = c.disruptive ? allowed.find((e) => allows(e, c.path)) : undefined;
    const tag = c.disruptive ? (allow !== undefined ? "DISRUPTIVE (allowed) " : "DISRUPTIVE ") : "";
    lines.push(`  ${tag}${c.path}: ${value(c.from)} -> ${value(c.to)}`);
    lines.push(`    ${c.reason}`);
    c.migration.forEach((m, i) => {
      lines.push(`    ${i + 1}. ${m}`);
    });
  }
  const a = diff.artifacts;
  const groups: Array<[string, typeof a.manifests]> = [
    ["Manifests", a.manifests],
    ["Node files", a.nodeFiles],
    ["Node commands", a.nodeCommands],
    ["Other files", a.files],
  ];
  for (const [title, list] of groups) {
    if (list.length === 0) continue;
    lines.push("", `${title}: ${list.length}`);
    for (const c of list)
      lines.push(
        `  ${c.change.padEnd(7)} ${c.artifact}${c.fields ? ` (${c.fields.slice(0, 8).join(", ")}${c.fields.length > 8 ? ", ..." : ""})` : ""}`,
      );
  }
  if (a.planJson.length > 0) {
    lines.push("", `plan.json: ${a.planJson.length} value${a.planJson.length === 1 ? "" : "s"} change`);
    for (const c of a.planJson.slice(0, 50)) lines.push(`  ${c.path}: ${value(c.from)} -> ${value(c.to)}`);
    if (a.planJson.length > 50) lines.push(`  ... and ${a.planJson.length - 50} more`);
  }
  return lines;
}

/** The `podnet diff` action; returns the exit code. */
export function diffCommand(
  io: Io,
  oldFile: string,
  newFile: string,
  opts: DiffCommandOptions,
  options: Pick<DiffOptions, "previous"> = {},
  contextOf: ContextOf = () => ({}),
): number {
  const oldSpec = loadSpecFile(oldFile);
  const newSpec = loadSpecFile(newFile);
  const diff = diffSpecs(oldSpec, newSpec, {
    ...options,
    oldContext: contextOf(oldSpec, oldFile),
    newContext: contextOf(newSpec, newFile),
  });
  const allowed = opts.allowDisruptiveChange ?? [];
  if (diff.errors.length > 0) {
    for (const e of diff.errors) io.err(`error: ${e.side === "old" ? oldFile : newFile}: ${formatProblem(e)}`);
    const bad = [...new Set(diff.errors.map((e) => (e.side === "old" ? oldFile : newFile)))];
    io.err(`cannot diff: ${bad.length === 1 ? `${bad[0]} must be a valid spec` : `${bad.join(" and ")} must be valid specs`}`);
    return 2;
  }
  for (const w of diff.warnings) io.err(`warning: ${newFile}: ${formatProblem(w)}`);
  if (opts.json) io.out(stableJson(diff).trimEnd());
  else for (const line of diffLines(diff, allowed)) io.out(line);
  const blocking = diff.changes.filter((c) => c.disruptive && !allowed.some((e) => allows(e, c.path)));
  if (blocking.length > 0) {
    io.err(
      `${blocking.length} disruptive change${blocking.length === 1 ? "" : "s"}: ${blocking.map((c) => c.path).join(", ")} (follow the migration steps, then pass --allow-disruptive-change PATH)`,
    );
    return 1;
  }
  return 0;
}
