/** Collects a node's findings while the checks run. */

import type { Finding, NodeDiagnosis, Unchecked } from "./model.js";

/** Collects the findings of the checks of one node. */
export class DiagnosisBuilder {
  readonly findings: Finding[] = [];
  readonly info: Finding[] = [];
  readonly unchecked: Unchecked[] = [];
  readonly checks: string[] = [];

  constructor(readonly node: string) {}

  ran(check: string): void {
    if (!this.checks.includes(check)) this.checks.push(check);
  }

  find(check: string, code: string, expected: string, found: string, fix: string): void {
    this.ran(check);
    this.findings.push({ node: this.node, code, check, expected, found, fix });
  }

  /** Information, not a fault. */
  inform(check: string, code: string, expected: string, found: string, fix: string): void {
    this.ran(check);
    this.info.push({ node: this.node, code, check, expected, found, fix });
  }

  cannot(check: string, reason: string): void {
    this.unchecked.push({ node: this.node, check, reason });
  }

  result(): NodeDiagnosis {
    return { node: this.node, findings: this.findings, info: this.info, unchecked: this.unchecked, checks: this.checks };
  }
}
