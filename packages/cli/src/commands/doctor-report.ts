/** How `podnet doctor` prints its results: lines for people, one JSON document with --json. */
import type { Finding, NodeDiagnosis, Unchecked } from "@podnet/core";

/** The outcome for one node. */
export interface NodeReport {
  readonly node: string;
  readonly host?: string;
  readonly status: "healthy" | "findings" | "not-checked" | "unreachable";
  readonly findings: readonly Finding[];
  /** Information that is no fault (the exit code ignores it). */
  readonly info: readonly Finding[];
  readonly unchecked: readonly Unchecked[];
  readonly checks: readonly string[];
  /** Why the node could not be reached. */
  readonly error?: string;
}

/** The `podnet doctor --json` document: every node's status and findings, and the exit code. */
export interface DoctorReport {
  readonly apiVersion: "podnet/v1";
  readonly kind: "DoctorReport";
  readonly network: string;
  readonly nodes: readonly NodeReport[];
  readonly notes: readonly string[];
  readonly summary: {
    readonly healthy: number;
    readonly withFindings: number;
    readonly findings: number;
    readonly notChecked: number;
    readonly unreachable: number;
  };
  readonly exitCode: number;
}

/** The report of a node that was checked: healthy, findings or not-checked. */
export function nodeReport(diagnosis: NodeDiagnosis, host?: string): NodeReport {
  const status = diagnosis.findings.length > 0 ? "findings" : diagnosis.unchecked.length > 0 ? "not-checked" : "healthy";
  return {
    node: diagnosis.node,
    ...(host ? { host } : {}),
    status,
    findings: diagnosis.findings,
    info: diagnosis.info,
    unchecked: diagnosis.unchecked,
    checks: diagnosis.checks,
  };
}

/** The report of a node doctor could not collect facts from, with the reason. */
export function unreachableReport(node: string, error: string, host?: string): NodeReport {
  return { node, ...(host ? { host } : {}), status: "unreachable", findings: [], info: [], unchecked: [], checks: [], error };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The report as lines for a terminal. */
export function reportLines(r: DoctorReport): string[] {
  const lines: string[] = [];
  for (const n of r.nodes) {
    const where = n.host ? ` (${n.host})` : "";
    if (n.status === "unreachable") {
      lines.push(`${n.node}${where}: could not check: ${n.error}`);
      continue;
    }
    const head =
      n.findings.length > 0
        ? plural(n.findings.length, "finding")
        : n.unchecked.length > 0
          ? `no findings, but ${plural(n.unchecked.length, "check")} could not run`
          : `healthy (${plural(n.checks.length, "check")}: ${n.checks.join(", ")})`;
    lines.push(`${n.node}${where}: ${head}`);
    for (const f of n.findings) {
      lines.push(`  ${f.code} [${f.check}]`, `    expected: ${f.expected}`, `    found:    ${f.found}`, `    fix:      ${f.fix}`);
    }
    for (const f of n.info) {
      lines.push(`  info ${f.code} [${f.check}]`, `    expected: ${f.expected}`, `    found:    ${f.found}`, `    note:     ${f.fix}`);
    }
    for (const u of n.unchecked) lines.push(`  could not check ${u.check}: ${u.reason}`);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  const s = r.summary;
  lines.push(
    `summary: ${plural(r.nodes.length, "node")}: ${s.healthy} healthy, ${s.withFindings} with findings (${plural(s.findings, "finding")}), ${s.notChecked + s.unreachable} not fully checked${s.unreachable > 0 ? ` (${s.unreachable} unreachable)` : ""}`,
  );
  return lines;
}

/** Assembles the doctor report from the node reports, the plan's notes and the exit code. */
export function buildReport(network: string, nodes: readonly NodeReport[], notes: readonly string[], exitCode: number): DoctorReport {
  return {
    apiVersion: "podnet/v1",
    kind: "DoctorReport",
    network,
    nodes,
    notes,
    summary: {
      healthy: nodes.filter((n) => n.status === "healthy").length,
      withFindings: nodes.filter((n) => n.status === "findings").length,
      findings: nodes.reduce((a, n) => a + n.findings.length, 0),
      notChecked: nodes.filter((n) => n.status === "not-checked").length,
      unreachable: nodes.filter((n) => n.status === "unreachable").length,
    },
    exitCode,
  };
}
