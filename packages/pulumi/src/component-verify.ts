/**
 * The `verify` option of the Pulumi components (NodeNetworkPrep,
 * FlannelNetwork, CalicoNetwork): doctor's expectations for the component's
 * own part of the plan, computed with the component's validation (before any
 * child exists), then one `doctorVerifyCommand` per node, named
 * `<name>-<node>-doctor` (a suffix no node step of the components ends with).
 */

import type { CidrPlan } from "@podnet/core";
import {
  type DoctorPlan,
  type DoctorSections,
  NetworkPlanError,
  type Problem,
  planDoctorForPlan,
  renderDoctorCheckScript,
} from "@podnet/core";
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { doctorVerifyCommand } from "./doctor-verify.js";
import type { FlannelSystemdHostArgs } from "./flannel-systemd.js";
import type { NodeConnectionArgs } from "./node-runner.js";

/** How the verify step reaches the nodes: `nodes[].ssh` gives host, port and user; FlannelNetwork's `hosts` the key. */
export type VerifyHostArgs = Pick<FlannelSystemdHostArgs, "privateKey" | "sudo">;

/** What the verify step needs, known before any child is created. */
export interface PlannedVerify {
  readonly doctor: DoctorPlan;
  readonly connections: Readonly<Record<string, NodeConnectionArgs>>;
  readonly sudo?: boolean;
}

/** A warning for `verify: true` that cannot verify (no host connections given). */
export function verifySkipped(why: string): Problem {
  return {
    path: "verify",
    code: "verify.no-hosts",
    message: `verify: true, but ${why}; no verify step is created. Give hosts: { privateKey } (and nodes[].ssh), or run \`podnet doctor\` after the rollout`,
  };
}

/**
 * Doctor's expectations and the node connections. Throws NetworkPlanError or
 * InputPropertiesError (a node without ssh, a missing key); call inside `validated()`.
 */
export function planVerify(component: string, plan: CidrPlan, sections: DoctorSections, hosts: VerifyHostArgs): PlannedVerify {
  const pk = hosts.privateKey;
  const keys =
    typeof pk === "object" && !pulumi.Output.isInstance(pk) && !(pk instanceof Promise)
      ? (pk as Readonly<Record<string, pulumi.Input<string>>>)
      : undefined;
  const errors: { propertyPath: string; reason: string }[] = [];
  const connections: Record<string, NodeConnectionArgs> = {};
  for (const n of plan.nodes) {
    const key = keys ? keys[n.name] : (pk as pulumi.Input<string>);
    if (!n.ssh)
      errors.push({
        propertyPath: `plan.nodes[${n.index}].ssh`,
        reason: `plan.nodes[${n.index}].ssh: verify needs node "${n.name}" reachable over ssh; set nodes[].ssh.host or leave verify off`,
      });
    if (key === undefined)
      errors.push({
        propertyPath: `hosts.privateKey.${n.name}`,
        reason: `hosts.privateKey: no key for node "${n.name}"; give one key for all nodes or one per node name`,
      });
    if (n.ssh && key !== undefined) connections[n.name] = { host: n.ssh.host, port: n.ssh.port, user: n.ssh.user, privateKey: key };
  }
  if (errors.length > 0)
    throw new pulumi.InputPropertiesError({ message: `${component}: ${errors.length} problem${errors.length === 1 ? "" : "s"}`, errors });
  const check = planDoctorForPlan(plan, sections);
  if (!check.value) throw new NetworkPlanError(check.errors, check.warnings);
  // Render every node's script now, so a value unfit for a script fails before any child exists.
  for (const e of check.value.nodes) renderDoctorCheckScript(e);
  return { doctor: check.value, connections, ...(hosts.sudo !== undefined ? { sudo: hosts.sudo } : {}) };
}

/** One verify command per node (`<name>-<node>-doctor`), with that node's extra triggers. */
export function createVerify(
  name: string,
  v: PlannedVerify,
  triggers: (node: string) => readonly pulumi.Input<unknown>[],
  opts: pulumi.CustomResourceOptions,
): Record<string, command.remote.Command> {
  const out: Record<string, command.remote.Command> = {};
  for (const expected of v.doctor.nodes) {
    const connection = v.connections[expected.node];
    if (!connection) continue;
    out[expected.node] = doctorVerifyCommand(
      `${name}-${expected.node}-doctor`,
      { expected, connection, ...(v.sudo !== undefined ? { sudo: v.sudo } : {}), triggers: triggers(expected.node) },
      opts,
    );
  }
  return out;
}
