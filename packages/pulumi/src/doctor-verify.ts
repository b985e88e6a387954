/**
 * The optional verify step of the Pulumi components: `podnet doctor`'s checks
 * as a `remote.Command` per node that runs after the network is applied.
 *
 * Pulumi cannot run doctor's diagnosis in the program (the facts exist only
 * once the engine has run the command), so the command runs a self-checking
 * script generated from the node's expectations (core
 * `renderDoctorCheckScript`): read-only, it prints one line per fault with
 * doctor's code and exits 1, which fails the deployment with the faults in
 * the error. The script's sha256 is a trigger, so a change of expectations
 * verifies again; pass the node runners' `installSha256` in `triggers` to
 * verify after every reinstall too.
 *
 * ```ts
 * const check = planDoctorForPlan(plan.plan, { flannel: args, prep: prepArgs });
 * doctorVerifyCommands(`${name}-verify`, { doctor: check.value, connections }, { parent: this, dependsOn: runners });
 * ```
 */
import { type DoctorPlan, type ExpectedNodeState, renderDoctorCheckScript } from "@podnet/core";
import { nodeScriptCommand, sha256Hex } from "@podnet/core/internal";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { NodeConnectionArgs } from "./node-runner.js";
import { validated } from "./problems.js";

/** What one doctor verify command checks, and how it reaches the node. */
export interface DoctorVerifyArgs {
  /** What the node must have (`expectedNodeState(planDoctorForPlan(...).value, node)`). */
  readonly expected: ExpectedNodeState;
  readonly connection: NodeConnectionArgs;
  /** Run through `sudo -n` (passwordless sudo). @default - true when `connection.user` is a plain string other than "root" */
  readonly sudo?: boolean;
  /** More values whose change runs the check again (e.g. NodeRunner `installSha256`). @default [] */
  readonly triggers?: readonly pulumi.Input<unknown>[];
}

/** The self-check of one node as a `remote.Command`; its failure lists the faults. Validates before creating anything. */
export function doctorVerifyCommand(name: string, args: DoctorVerifyArgs, opts?: pulumi.CustomResourceOptions): command.remote.Command {
  const script = validated("DoctorVerify", () => renderDoctorCheckScript(args.expected));
  const user = args.connection.user ?? "root";
  const run = nodeScriptCommand({ sudo: args.sudo ?? (typeof user === "string" && user !== "root") });
  const sha = sha256Hex(script);
  return new command.remote.Command(
    name,
    {
      connection: {
        host: args.connection.host,
        port: args.connection.port ?? 22,
        user,
        privateKey: pulumi.secret(args.connection.privateKey),
      },
      create: run,
      update: run,
      stdin: script,
      triggers: [sha, ...(args.triggers ?? [])],
    },
    opts,
  );
}

/** What doctorVerifyCommands checks on every node of a doctor plan. */
export interface DoctorVerifyNodesArgs {
  /** From `planDoctor` / `planDoctorForPlan`. */
  readonly doctor: DoctorPlan;
  /** How to reach each node, by node name; nodes without one are not verified. */
  readonly connections: Readonly<Record<string, NodeConnectionArgs>>;
  readonly sudo?: boolean;
  /** Per node: more trigger values (e.g. that node's NodeRunner `installSha256`). */
  readonly triggers?: Readonly<Record<string, readonly pulumi.Input<unknown>[]>>;
}

/** One verify command per node with a connection, named `<name>-<node>`. */
export function doctorVerifyCommands(
  name: string,
  args: DoctorVerifyNodesArgs,
  opts?: pulumi.CustomResourceOptions,
): Record<string, command.remote.Command> {
  const unknown = Object.keys(args.connections).filter((n) => !args.doctor.nodes.some((e) => e.node === n));
  if (unknown.length > 0) {
    throw new pulumi.InputPropertiesError({
      message: `DoctorVerify: ${unknown.length} connection${unknown.length === 1 ? "" : "s"} for nodes the plan does not have`,
      errors: unknown.map((n) => ({
        propertyPath: `connections.${n}`,
        reason: `connections.${n}: no node "${n}" in the plan (nodes: ${args.doctor.nodes.map((e) => e.node).join(", ")})`,
      })),
    });
  }
  const out: Record<string, command.remote.Command> = {};
  for (const expected of args.doctor.nodes) {
    const connection = args.connections[expected.node];
    if (!connection) continue;
    out[expected.node] = doctorVerifyCommand(
      `${name}-${expected.node}`,
      { expected, connection, ...(args.sudo !== undefined ? { sudo: args.sudo } : {}), triggers: args.triggers?.[expected.node] ?? [] },
      opts,
    );
  }
  return out;
}
