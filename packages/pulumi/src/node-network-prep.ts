/**
 * Pulumi component for NodeNetworkPrep: the host preparation the core derives
 * from the plan and the network's host requirements, applied to every node
 * over SSH by one NodeRunner per node. `pulumi destroy` runs each node's
 * uninstall.sh, which removes exactly what install.sh added.
 */
import {
  type CidrPlan,
  type HostRequirements,
  type NodeNetworkPrepOptions,
  type NodeNetworkPrepResult,
  type NodeState,
  type Planned,
  type Problem,
  planNodeNetworkPrep,
} from "@podnet/core";
import { checkComponentArgs } from "@podnet/core/internal";
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createVerify, type PlannedVerify, planVerify } from "./component-verify.js";
import { Checked, checkKnown, checkResolved } from "./late.js";
import { NodeRunner } from "./node-runner.js";
import { componentPlan, type PlanArg } from "./plan-input.js";
import { logWarnings, validated } from "./problems.js";

/** NodeNetworkPrep's args: the core options, the plan, the SSH key and how to run. */
export interface NodeNetworkPrepArgs extends NodeNetworkPrepOptions {
  /** The network plan: a PodCidrPlan component, a plan computed elsewhere, or the plan's options. */
  readonly plan: PlanArg;
  /** What the network components need (FlannelNetwork / CalicoNetwork `hostRequirements`). @default [] */
  readonly hostRequirements?: readonly HostRequirements[];
  /** SSH private key for every node, or one per node name; always stored as a secret. */
  readonly privateKey: pulumi.Input<string> | Readonly<Record<string, pulumi.Input<string>>>;
  /** Run the scripts with `sudo -n`. @default - when a node's ssh.user is not root */
  readonly sudo?: boolean;
  /**
   * Name of this installer's state on the nodes (`/var/lib/podnet/<scope>`).
   * @default - the component name, lowercased, as a DNS label
   */
  readonly scope?: string;
  /**
   * After the runners, check every node with doctor's self-checking script
   * (`doctorVerifyCommand`): sysctls, modules, NetworkManager, firewalld as prepared.
   * @default false
   */
  readonly verify?: boolean;
}

/** A DNS-1123 label from a Pulumi resource name. */
function scopeOf(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return s === "" ? "prep" : s;
}

/** The args NodeNetworkPrep checks beside the plan and options. */
type PrepExtras = Pick<NodeNetworkPrepArgs, "hostRequirements" | "privateKey" | "sudo" | "verify"> & { readonly scope: string };

/** What the check of a NodeNetworkPrep found. */
interface PrepCheck {
  readonly result: NodeNetworkPrepResult;
  readonly warnings: readonly Problem[];
  readonly plan: CidrPlan;
  readonly keys: Readonly<Record<string, pulumi.Input<string>>> | undefined;
  readonly checks: PlannedVerify | undefined;
}

/** Every node needs ssh, and a key when keys are given per node. */
function checkConnections(plan: CidrPlan, keys: PrepCheck["keys"]): void {
  const errors = plan.nodes.flatMap((n) => [
    ...(n.ssh
      ? []
      : [
          {
            propertyPath: `plan.nodes[${n.index}].ssh`,
            reason: `plan.nodes[${n.index}].ssh: node "${n.name}" has no ssh connection; set nodes[].ssh.host`,
          },
        ]),
    ...(keys && keys[n.name] === undefined
      ? [
          {
            propertyPath: `privateKey.${n.name}`,
            reason: `privateKey: no key for node "${n.name}"; give one key for all nodes or one per node name`,
          },
        ]
      : []),
  ]);
  if (errors.length > 0)
    throw new pulumi.InputPropertiesError({
      message: `NodeNetworkPrep: ${errors.length} problem${errors.length === 1 ? "" : "s"}`,
      errors,
    });
}

/** The core check of a NodeNetworkPrep for one plan; throws NetworkPlanError / InputPropertiesError. */
function checkPrep(planned: Planned<CidrPlan>, options: NodeNetworkPrepOptions, x: PrepExtras, late: boolean): PrepCheck {
  const pk = x.privateKey;
  const keys = typeof pk === "object" && !pulumi.Output.isInstance(pk) && !(pk instanceof Promise) ? pk : undefined;
  checkConnections(planned.value, keys);
  const hostRequirements = x.hostRequirements ?? [];
  const out = planNodeNetworkPrep({ plan: planned.value, options, hostRequirements, scope: x.scope });
  const verify = x.verify && !late;
  const checks = verify
    ? planVerify(
        "NodeNetworkPrep",
        planned.value,
        { prep: options, hostRequirements },
        { privateKey: pk, ...(x.sudo !== undefined ? { sudo: x.sudo } : {}) },
      )
    : undefined;
  const warnings = [...planned.warnings, ...out.warnings, ...(x.verify && late ? [lateVerifySkipped()] : [])];
  return { result: out.value, warnings, plan: planned.value, keys, checks };
}

/** A warning for `verify: true` when node values are Outputs. */
function lateVerifySkipped(): Problem {
  return {
    path: "verify",
    code: "verify.late-values",
    message:
      "verify: true, but node values are Outputs (known only at deployment); no verify step is created. Run `podnet doctor` after the deployment, or give the node values as plain strings",
  };
}

/** One NodeRunner per node, its state and connection from the checked result. */
function createRunners(
  parent: pulumi.ComponentResource,
  name: string,
  checked: Checked<PrepCheck>,
  x: PrepExtras,
  opts?: pulumi.ComponentResourceOptions,
) {
  const nodes: Record<string, NodeRunner> = {};
  for (const prep of checked.shape.result.nodes) {
    const node = prep.node;
    const ssh = (c: PrepCheck) => c.plan.nodes.find((n) => n.name === node)?.ssh as NonNullable<CidrPlan["nodes"][number]["ssh"]>;
    const state = checked.late ? checked.output((c) => c.result.nodes.find((n) => n.node === node)?.state as NodeState) : prep.state;
    const keys = checked.shape.keys;
    nodes[node] = new NodeRunner(
      `${name}-${node}`,
      {
        state,
        connection: {
          host: checked.value((c) => ssh(c).host),
          port: checked.value((c) => ssh(c).port),
          user: checked.value((c) => ssh(c).user),
          privateKey: keys ? (keys[node] as pulumi.Input<string>) : (x.privateKey as pulumi.Input<string>),
        },
        // A late ssh.user has the placeholder "root" here: give `sudo` with a late non-root user.
        sudo: x.sudo ?? ssh(checked.shape).user !== "root",
      },
      { parent, ...(opts?.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}) },
    );
  }
  return nodes;
}

/** Host preparation on every node over SSH (one NodeRunner each); `pulumi destroy` undoes exactly what it added. */
export class NodeNetworkPrep extends pulumi.ComponentResource {
  /** The core's result: per-node units and firewall plans, modules, sysctls (plain values; with late node values, computed with placeholders for them). */
  readonly result: NodeNetworkPrepResult;
  /** One runner per node name. */
  readonly nodes: Readonly<Record<string, NodeRunner>>;
  /** Node name -> what install.sh printed. */
  readonly reports: pulumi.Output<Record<string, string>>;
  /** Node name -> the verify command (with `verify: true`). */
  readonly verify?: Readonly<Record<string, command.remote.Command>>;

  constructor(name: string, args: NodeNetworkPrepArgs, opts?: pulumi.ComponentResourceOptions) {
    validated("NodeNetworkPrep", () => checkComponentArgs("NodeNetworkPrep", "args", args, { plan: true }));
    const { plan, hostRequirements, privateKey, sudo, scope, verify, ...options } = args;
    const x: PrepExtras = { hostRequirements, privateKey, sudo, verify, scope: scope ?? scopeOf(name) };
    const planned = validated("NodeNetworkPrep", () => componentPlan("NodeNetworkPrep", plan, {}));
    const isLate = planned.latePaths.length > 0;
    const shape = validated("NodeNetworkPrep", () => checkKnown(planned.latePaths, () => checkPrep(planned.shape, options, x, isLate)));
    super("podnet:index:NodeNetworkPrep", name, {}, opts);
    logWarnings(this, shape.warnings);
    const late = planned
      .late?.("NodeNetworkPrep", this)
      .apply((p) => checkResolved("NodeNetworkPrep", this, () => checkPrep({ value: p, warnings: [] }, options, x, true)));
    const checked = new Checked(shape, late);
    this.result = shape.result;
    const nodes = createRunners(this, name, checked, x, opts);
    this.nodes = nodes;
    if (shape.checks) {
      const installs = Object.values(nodes).map((runner) => runner.install);
      this.verify = createVerify(name, shape.checks, (node) => (nodes[node] ? [nodes[node].installSha256] : []), {
        parent: this,
        dependsOn: installs,
      });
    }
    this.reports = pulumi.all(Object.fromEntries(Object.entries(nodes).map(([n, runner]) => [n, runner.stdout]))) as pulumi.Output<
      Record<string, string>
    >;
    this.registerOutputs({ reports: this.reports });
  }
}
