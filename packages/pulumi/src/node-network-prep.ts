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
  type PodCidrPlanOptions,
  planNodeNetworkPrep,
  planPodCidrs,
} from "@podnet/core";
import { checkComponentArgs } from "@podnet/core/internal";
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createVerify, planVerify } from "./component-verify.js";
import { NodeRunner } from "./node-runner.js";
import { PodCidrPlan } from "./pod-cidr-plan.js";
import { logWarnings, validated } from "./problems.js";

export interface NodeNetworkPrepArgs extends NodeNetworkPrepOptions {
  /** The network plan: a PodCidrPlan component, a plan computed elsewhere, or the plan's options. */
  readonly plan: PodCidrPlan | CidrPlan | PodCidrPlanOptions;
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

export class NodeNetworkPrep extends pulumi.ComponentResource {
  /** The core's result: per-node units and firewall plans, modules, sysctls (plain values). */
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
    const r = validated("NodeNetworkPrep", () => {
      const planned =
        plan instanceof PodCidrPlan ? { plan: plan.plan, warnings: [] } : "families" in plan ? { plan, warnings: [] } : planPodCidrs(plan);
      const keys =
        typeof privateKey === "object" && !pulumi.Output.isInstance(privateKey) && !(privateKey instanceof Promise)
          ? privateKey
          : undefined;
      const errors = planned.plan.nodes.flatMap((n) => [
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
      const out = planNodeNetworkPrep({
        plan: planned.plan,
        options,
        hostRequirements: hostRequirements ?? [],
        scope: scope ?? scopeOf(name),
      });
      const checks = verify
        ? planVerify(
            "NodeNetworkPrep",
            planned.plan,
            { prep: options, hostRequirements: hostRequirements ?? [] },
            { privateKey, ...(sudo !== undefined ? { sudo } : {}) },
          )
        : undefined;
      return { result: out.result, warnings: [...planned.warnings, ...out.warnings], plan: planned.plan, keys, checks };
    });
    super("podnet:index:NodeNetworkPrep", name, {}, opts);
    logWarnings(this, r.warnings);
    this.result = r.result;
    const nodes: Record<string, NodeRunner> = {};
    for (const prep of r.result.nodes) {
      const node = r.plan.nodes.find((n) => n.name === prep.node);
      const ssh = node?.ssh as NonNullable<NonNullable<typeof node>["ssh"]>;
      nodes[prep.node] = new NodeRunner(
        `${name}-${prep.node}`,
        {
          state: prep.state,
          connection: {
            host: ssh.host,
            port: ssh.port,
            user: ssh.user,
            privateKey: r.keys ? (r.keys[prep.node] as pulumi.Input<string>) : (privateKey as pulumi.Input<string>),
          },
          ...(sudo !== undefined ? { sudo } : {}),
        },
        { parent: this, ...(opts?.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}) },
      );
    }
    this.nodes = nodes;
    if (r.checks) {
      const installs = Object.values(nodes).map((runner) => runner.install);
      this.verify = createVerify(name, r.checks, (node) => (nodes[node] ? [nodes[node].installSha256] : []), {
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
