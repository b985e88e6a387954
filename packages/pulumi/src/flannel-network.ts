/**
 * Pulumi component for flannel: the kube-flannel objects rendered by the core
 * from the PodCidrPlan, created with @pulumi/kubernetes as children of this
 * component. Everything is validated before the first child exists,
 * including the change guard: changes from `previous` that disrupt running
 * pods fail unless `allowDisruptiveChange` names them.
 */
import {
  allocationOf,
  type CalicoNetworkOptions,
  type CidrPlan,
  type FlannelNetworkOptions,
  NetworkPlanError,
  type Planned,
  type Problem,
  renderFlannelNetwork,
} from "@podnet/core";
import {
  checkComponentArgs,
  checkComponentChanges,
  type FlannelSystemdPlan,
  flannelApplyDependencies,
  flannelNetConfJson,
  flannelOptionsWithLatePsk,
  WIREGUARD_KEY,
  withFlannelPlanHint,
  withWireguardPsk,
} from "@podnet/core/internal";
import type * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createVerify, type PlannedVerify, planVerify, verifySkipped } from "./component-verify.js";
import {
  createFlannelSystemd,
  type FlannelSystemdHostArgs,
  type FlannelSystemdResources,
  prepareFlannelSystemd,
} from "./flannel-systemd.js";
import { Checked, checkKnown, checkResolved, type Inputs, splitArgs } from "./late.js";
import { componentPlan, type PlanArg } from "./plan-input.js";
import { PodCidrPlan } from "./pod-cidr-plan.js";
import { logWarnings, validated } from "./problems.js";

/** FlannelNetwork's args: the core options (late values as Inputs), the plan, and what only Pulumi needs. */
export interface FlannelNetworkArgs extends Inputs<FlannelNetworkOptions> {
  /**
   * The network plan: a PodCidrPlan component, a plan computed elsewhere, or the plan's options.
   * Given as options, it is planned with this network's constraints (mode systemd with etcd:
   * node subnets inside SubnetMin..SubnetMax); a PodCidrPlan component needs `flannel` for that.
   */
  readonly plan: PlanArg;
  /**
   * wireguard pre-shared key arriving late (e.g. from config or another
   * resource); stored only in a Secret, as a Pulumi secret. Use instead of `backend.psk`.
   * @default - none
   */
  readonly psk?: pulumi.Input<string>;
  /**
   * Mode "systemd": SSH keys and the PEM material for the nodes (flannel-systemd.ts).
   * DaemonSet mode: only `privateKey` and `sudo`, for `verify`. @default - none
   */
  readonly hosts?: FlannelSystemdHostArgs;
  /**
   * Check every node with doctor's self-checking script (`doctorVerifyCommand`) once flannel is
   * applied; sysctls and modules against NodeNetworkPrep's defaults, as `podnet doctor` does
   * without a `prep:` section. Mode "systemd": after every node's last step. DaemonSet mode: only
   * with `hosts`, after the DaemonSet resource; the Kubernetes provider may not wait for the
   * rollout, so `podnet doctor` after the rollout is the reliable check there.
   * @default false
   */
  readonly verify?: boolean;
  /**
   * What was applied last: its plan (a PodCidrPlan's `plan`, or the `plan` field of an earlier
   * plan.json) and its options. Changes that disrupt running pods (Network, backend type, VNI,
   * datastore, node subnet moves) then fail validation unless `allowDisruptiveChange` names them.
   * When `plan` is given as options, nodes keep their previous subnets.
   * @default - no change check
   */
  readonly previous?: { readonly plan: CidrPlan; readonly flannel?: FlannelNetworkOptions; readonly calico?: CalicoNetworkOptions };
  /**
   * Disruptive changes from `previous` to allow, by the path `podnet diff` prints
   * (e.g. "flannel.backend.vni", "nodes[n1].podCidrs.ipv4"), a parent path, or "*".
   * @default - none
   */
  readonly allowDisruptiveChange?: readonly string[];
}

/** Kubernetes resource constructors by kind. */
const KINDS: Record<string, new (name: string, args: never, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource> = {
  Namespace: k8s.core.v1.Namespace,
  ClusterRole: k8s.rbac.v1.ClusterRole,
  ClusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding,
  ServiceAccount: k8s.core.v1.ServiceAccount,
  ConfigMap: k8s.core.v1.ConfigMap,
  Secret: k8s.core.v1.Secret,
  DaemonSet: k8s.apps.v1.DaemonSet,
} as never;

/** What the check of a FlannelNetwork found: the mode's result and the warnings. */
type FlannelCheck =
  | { readonly mode: "systemd"; readonly sp: FlannelSystemdPlan; readonly warnings: readonly Problem[]; readonly checks?: PlannedVerify }
  | {
      readonly mode: "daemonset";
      readonly network: FlannelRender["value"];
      readonly warnings: readonly Problem[];
      readonly checks?: PlannedVerify;
    };

type FlannelRender = ReturnType<typeof renderFlannelNetwork>;

/** The args a FlannelNetwork checks beside the plan and options. */
type FlannelExtras = Pick<FlannelNetworkArgs, "psk" | "hosts" | "previous" | "allowDisruptiveChange" | "verify">;

/** The core check of a FlannelNetwork for one plan and options; throws NetworkPlanError / InputPropertiesError. */
function checkFlannel(planned: Planned<CidrPlan>, options: FlannelNetworkOptions, x: FlannelExtras, late: boolean): FlannelCheck {
  const g = checkComponentChanges(x.previous, { plan: planned.value, flannel: options }, x.allowDisruptiveChange);
  if (g.errors.length > 0) throw new NetworkPlanError(g.errors, g.warnings);
  const verifyLate = x.verify && late ? [lateVerifySkipped()] : [];
  const verify = x.verify && !late;
  if (options.mode === "systemd") {
    // flanneld as a host binary: node units over SSH instead of cluster objects.
    const out = prepareFlannelSystemd(planned.value, options, x.hosts);
    const checks = verify
      ? planVerify("FlannelNetwork", planned.value, { flannel: options }, x.hosts as FlannelSystemdHostArgs)
      : undefined;
    const warnings = [...planned.warnings, ...out.warnings, ...g.warnings, ...verifyLate];
    return { mode: "systemd", sp: out.sp, warnings, ...(checks ? { checks } : {}) };
  }
  const withKey = x.psk !== undefined ? flannelOptionsWithLatePsk(options) : options;
  const out = renderFlannelNetwork(withKey, planned.value);
  const warnings = [...planned.warnings, ...out.warnings, ...g.warnings, ...verifyLate];
  if (verify && !x.hosts) warnings.push(verifySkipped("hosts is not set"));
  const checks = verify && x.hosts ? planVerify("FlannelNetwork", planned.value, { flannel: withKey }, x.hosts) : undefined;
  return { mode: "daemonset", network: out.value, warnings, ...(checks ? { checks } : {}) };
}

/** The kube-flannel objects under `parent`, each applied after what it needs; the psk only inside the Secret. */
function createDaemonSetObjects(
  parent: pulumi.ComponentResource,
  name: string,
  checked: Checked<FlannelCheck>,
  secretKey: pulumi.Input<string> | undefined,
): Record<string, pulumi.CustomResource> {
  const network = (c: FlannelCheck) => (c.mode === "daemonset" ? c.network : undefined) as FlannelRender["value"];
  const created: Record<string, pulumi.CustomResource> = {};
  for (const o of network(checked.shape).objects) {
    const Kind = KINDS[o.kind];
    if (!Kind) throw new pulumi.ResourceError(`FlannelNetwork: internal: no resource type for ${o.kind}`, parent);
    const dependsOn = flannelApplyDependencies(o.kind).flatMap((k) => (created[k] ? [created[k]] : []));
    const object = (c: FlannelCheck) => network(c).objects.find((x) => x.kind === o.kind) as Record<string, unknown> | undefined;
    let inputs = checked.fields(object);
    if (o.kind === "Secret" && secretKey !== undefined) {
      const netConf = pulumi.all([pulumi.secret(secretKey), checked.output((c) => network(c).netConf)]).apply(([key, conf]) => {
        if (!WIREGUARD_KEY.test(key)) {
          throw new pulumi.ResourceError(
            'FlannelNetwork: psk is not a WireGuard key (32 bytes in base64: 44 characters ending in "="; not shown, it is secret); generate one with "wg genpsk"',
            parent,
          );
        }
        return flannelNetConfJson(withWireguardPsk(conf, key));
      });
      inputs = { ...inputs, stringData: { "net-conf.json": netConf } };
    }
    created[o.kind] = new Kind(`${name}-${o.kind.toLowerCase()}`, inputs as never, { parent, dependsOn });
  }
  return created;
}

/** A warning for `verify: true` when node values are Outputs. */
function lateVerifySkipped(): Problem {
  return {
    path: "verify",
    code: "verify.late-values",
    message:
      "verify: true, but node values are Outputs (known only at deployment); no verify step is created. Run `podnet doctor` after the rollout, or give the node values as plain strings",
  };
}

/** flannel for the plan's cluster: the kube-flannel DaemonSet objects, or (mode systemd) flanneld on every node over SSH. */
export class FlannelNetwork extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly daemonSetName: pulumi.Output<string>;
  /** Node name -> pod MTU (FLANNEL_MTU). */
  readonly podMtu: pulumi.Output<Record<string, number>>;
  /** Firewall openings, devices and modules for NodeNetworkPrep, as a plain value. */
  readonly hostRequirements: ReturnType<typeof renderFlannelNetwork>["value"]["hostRequirements"];
  /** The children, by kind. */
  readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
  /** Mode "systemd": per-node commands, the client certificate, the datastore step. */
  readonly systemd?: FlannelSystemdResources;
  /** Node name -> the verify command (with `verify: true`). */
  readonly verify?: Readonly<Record<string, command.remote.Command>>;

  constructor(name: string, args: FlannelNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    validated("FlannelNetwork", () => checkComponentArgs("FlannelNetwork", "args", args, { plan: true }));
    const { plan, psk, hosts, previous, allowDisruptiveChange, verify, ...given } = args;
    const extras: FlannelExtras = { psk, hosts, previous, allowDisruptiveChange, verify };
    const split = splitArgs<FlannelNetworkOptions>("FlannelNetwork", given, "flannel");
    const context = previous ? { previous: allocationOf(previous.plan) } : {};
    const planned = validated("FlannelNetwork", () => componentPlan("FlannelNetwork", plan, context, split.known));
    const latePaths = [...planned.latePaths, ...split.latePaths];
    const isLate = latePaths.length > 0;
    const shape = validated("FlannelNetwork", () =>
      withRangeHint(plan, () => checkKnown(latePaths, () => checkFlannel(planned.shape, split.known, extras, isLate))),
    );
    super("podnet:index:FlannelNetwork", name, {}, opts);
    logWarnings(this, shape.warnings);
    const late = isLate
      ? pulumi
          .all([planned.late ? planned.late("FlannelNetwork", this) : planned.shape.value, split.resolved ?? split.known])
          .apply(([p, o]) =>
            checkResolved("FlannelNetwork", this, () =>
              withRangeHint(plan, () => checkFlannel({ value: p as CidrPlan, warnings: [] }, o as FlannelNetworkOptions, extras, true)),
            ),
          )
      : undefined;
    const checked = new Checked<FlannelCheck>(shape, late as pulumi.Output<FlannelCheck> | undefined);
    if (shape.mode === "systemd") {
      const sp = new Checked(
        shape.sp,
        late?.apply((c) => (c as { sp: FlannelSystemdPlan }).sp),
      );
      this.systemd = createFlannelSystemd(this, name, sp, hosts as FlannelSystemdHostArgs, {
        ...(opts?.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}),
      });
      const nodes = this.systemd.nodes;
      const triggers = (node: string) => {
        const n = nodes[node];
        return n ? [n.binaries.triggers, n.config.triggers, n.start.triggers, n.verify.triggers] : [];
      };
      if (shape.checks)
        this.verify = createVerify(name, shape.checks, triggers, { parent: this, dependsOn: Object.values(nodes).map((n) => n.verify) });
      this.hostRequirements = shape.sp.hostRequirements;
      this.resources = this.systemd.objects;
      this.namespace = pulumi.output(shape.sp.kube?.namespace ?? "");
      this.daemonSetName = pulumi.output("");
      this.podMtu = checked.output((c) => ({ ...(c as { sp: FlannelSystemdPlan }).sp.podMtu }));
      this.registerOutputs({ namespace: this.namespace, podMtu: this.podMtu });
      return;
    }
    const network = (c: FlannelCheck) => (c as { network: FlannelRender["value"] }).network;
    this.hostRequirements = network(shape).hostRequirements;
    const created = createDaemonSetObjects(this, name, checked, psk !== undefined ? psk : given.backend?.psk);
    this.resources = created;
    if (shape.checks && created.DaemonSet)
      this.verify = createVerify(name, shape.checks, () => [], { parent: this, dependsOn: [created.DaemonSet] });
    this.namespace = pulumi.output(network(shape).namespace);
    this.daemonSetName = pulumi.output(network(shape).daemonSetName);
    this.podMtu = checked.output((c) => ({ ...network(c).podMtu }));
    this.registerOutputs({ namespace: this.namespace, daemonSetName: this.daemonSetName, podMtu: this.podMtu });
  }
}

/** Runs a check; given a plan made elsewhere, a node subnet outside flannel's range also names the fix without pins. */
function withRangeHint<T>(plan: PlanArg, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof NetworkPlanError) || !(plan instanceof PodCidrPlan || "families" in plan)) throw e;
    throw new NetworkPlanError(withFlannelPlanHint(e.problems), e.warnings);
  }
}
