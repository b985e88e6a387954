/**
 * `podnet doctor`: what the plan and the components expect on each node
 * (ExpectedNodeState, from doctor/expected.ts), what a node really has
 * (NodeFacts, parsed from the read-only collection script's output in
 * doctor/facts.ts), and the comparison of both: one Finding per fault, each
 * with what was expected, what was found and the fix.
 *
 * Everything here is pure: the CLI runs the script over SSH and hands the
 * output in; the Pulumi verify step runs a self-checking variant
 * (doctor/check-script.ts) built from the same expectations.
 */

import { DiagnosisBuilder } from "./builder.js";
import { checkAddress } from "./checks/address.js";
import { checkCni } from "./checks/cni.js";
import { checkDevices } from "./checks/devices.js";
import { checkFirewalld, checkMasquerade, checkModules, checkNetworkManager, checkSysctls } from "./checks/host.js";
import { checkRoutes } from "./checks/net.js";
import { checkSubnet } from "./checks/subnet.js";
import type { NodeFacts } from "./facts.js";
import type { DiagnoseContext, ExpectedNodeState, NodeDiagnosis } from "./model.js";

/**
 * Compares what a node has with what the plan expects. Never throws on odd
 * facts: a section that is missing or unparsable becomes an Unchecked entry.
 */
export function diagnose(expected: ExpectedNodeState, facts: NodeFacts, context: DiagnoseContext = {}): NodeDiagnosis {
  const d = new DiagnosisBuilder(expected.node);
  const mtuMismatch = checkAddress(expected, facts, d);
  const subnet = checkSubnet(expected, facts, d, mtuMismatch);
  checkDevices(expected, facts, subnet, d);
  const routes = checkRoutes(expected, facts, context, d);
  checkMasquerade(expected, facts, subnet, routes, d);
  checkSysctls(expected, facts, d);
  checkModules(expected, facts, d);
  checkNetworkManager(expected, facts, d);
  checkFirewalld(expected, facts, d);
  checkCni(expected, facts, d);
  return d.result();
}

/** Exit code of a doctor run: 2 when something could not be checked, else 1 with findings, else 0. */
export function doctorExitCode(
  results: readonly { readonly findings: readonly unknown[]; readonly unchecked: readonly unknown[] }[],
  unreachable = 0,
): 0 | 1 | 2 {
  if (unreachable > 0 || results.some((r) => r.unchecked.length > 0)) return 2;
  return results.some((r) => r.findings.length > 0) ? 1 : 0;
}
