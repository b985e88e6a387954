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
  type PodCidrPlanOptions,
  renderFlannelNetwork,
  resolvePlan,
} from "@podnet/core";
import {
  checkComponentArgs,
  checkComponentChanges,
  flannelApplyDependencies,
  flannelNetConfJson,
  flannelOptionsWithLatePsk,
  WIREGUARD_KEY,
  withWireguardPsk,
} from "@podnet/core/internal";
import type * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createVerify, planVerify, verifySkipped } from "./component-verify.js";
import {
  createFlannelSystemd,
  type FlannelSystemdHostArgs,
  type FlannelSystemdResources,
  prepareFlannelSystemd,
} from "./flannel-systemd.js";
import type { PodCidrPlan } from "./pod-cidr-plan.js";
import { logWarnings, validated } from "./problems.js";

export interface FlannelNetworkArgs extends FlannelNetworkOptions {
  /** The network plan: a PodCidrPlan component, a plan computed elsewhere, or the plan's options. */
  readonly plan: PodCidrPlan | CidrPlan | PodCidrPlanOptions;
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

export class FlannelNetwork extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly daemonSetName: pulumi.Output<string>;
  /** Node name -> pod MTU (FLANNEL_MTU). */
  readonly podMtu: pulumi.Output<Record<string, number>>;
  /** Firewall openings, devices and modules for NodeNetworkPrep, as a plain value. */
  readonly hostRequirements: ReturnType<typeof renderFlannelNetwork>["network"]["hostRequirements"];
  /** The children, by kind. */
  readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
  /** Mode "systemd": per-node commands, the client certificate, the datastore step. */
  readonly systemd?: FlannelSystemdResources;
  /** Node name -> the verify command (with `verify: true`). */
  readonly verify?: Readonly<Record<string, command.remote.Command>>;

  constructor(name: string, args: FlannelNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    validated("FlannelNetwork", () => checkComponentArgs("FlannelNetwork", "args", args, { plan: true }));
    const { plan, psk, hosts, previous, allowDisruptiveChange, verify, ...options } = args;
    const context = previous ? { previous: allocationOf(previous.plan) } : {};
    /** The change guard; disruptive changes not allowed throw (validated() maps them). */
    const guard = (next: CidrPlan) => {
      const g = checkComponentChanges(previous, { plan: next, flannel: options }, allowDisruptiveChange);
      if (g.errors.length > 0) throw new NetworkPlanError(g.errors, g.warnings);
      return g.warnings;
    };
    if (options.mode === "systemd") {
      // flanneld as a host binary: node units over SSH instead of cluster objects.
      const sys = validated("FlannelNetwork", () => {
        const planned = resolvePlan(plan, context);
        const out = prepareFlannelSystemd(planned.plan, options, hosts);
        const warnings = [...planned.warnings, ...out.warnings, ...guard(planned.plan)];
        const checks = verify
          ? planVerify("FlannelNetwork", planned.plan, { flannel: options }, hosts as FlannelSystemdHostArgs)
          : undefined;
        return { sp: out.sp, warnings, checks };
      });
      super("podnet:index:FlannelNetwork", name, {}, opts);
      logWarnings(this, sys.warnings);
      this.systemd = createFlannelSystemd(this, name, sys.sp, hosts as FlannelSystemdHostArgs, {
        ...(opts?.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}),
      });
      if (sys.checks) {
        const steps = Object.values(this.systemd.nodes);
        const triggers = (node: string) => {
          const n = this.systemd?.nodes[node];
          return n ? [n.binaries.triggers, n.config.triggers, n.start.triggers, n.verify.triggers] : [];
        };
        this.verify = createVerify(name, sys.checks, triggers, { parent: this, dependsOn: steps.map((n) => n.verify) });
      }
      this.hostRequirements = sys.sp.hostRequirements;
      this.resources = this.systemd.objects;
      this.namespace = pulumi.output(sys.sp.kube?.namespace ?? "");
      this.daemonSetName = pulumi.output("");
      this.podMtu = pulumi.output({ ...sys.sp.podMtu });
      this.registerOutputs({ namespace: this.namespace, podMtu: this.podMtu });
      return;
    }
    const lateKey = psk !== undefined;
    const r = validated("FlannelNetwork", () => {
      const planned = resolvePlan(plan, context);
      const withKey = lateKey ? flannelOptionsWithLatePsk(options) : options;
      const out = renderFlannelNetwork(withKey, planned.plan);
      const warnings = [...planned.warnings, ...out.warnings, ...guard(planned.plan)];
      if (verify && !hosts) warnings.push(verifySkipped("hosts is not set"));
      const checks = verify && hosts ? planVerify("FlannelNetwork", planned.plan, { flannel: withKey }, hosts) : undefined;
      return { network: out.network, warnings, checks };
    });
    super("podnet:index:FlannelNetwork", name, {}, opts);
    logWarnings(this, r.warnings);
    const network = r.network;
    this.hostRequirements = network.hostRequirements;

    const secretKey = lateKey ? psk : options.backend?.psk;
    const created: Record<string, pulumi.CustomResource> = {};
    for (const o of network.objects) {
      const Kind = KINDS[o.kind];
      if (!Kind) throw new pulumi.ResourceError(`FlannelNetwork: internal: no resource type for ${o.kind}`, this);
      const dependsOn = flannelApplyDependencies(o.kind).flatMap((k) => (created[k] ? [created[k]] : []));
      let inputs: Record<string, unknown> = { ...o };
      if (o.kind === "Secret" && secretKey !== undefined) {
        const netConf = pulumi.secret(secretKey).apply((key) => {
          if (!WIREGUARD_KEY.test(key)) {
            throw new pulumi.ResourceError(
              'FlannelNetwork: psk is not a WireGuard key (32 bytes in base64: 44 characters ending in "="; not shown, it is secret); generate one with "wg genpsk"',
              this,
            );
          }
          return flannelNetConfJson(withWireguardPsk(network.netConf, key));
        });
        inputs = { ...o, stringData: { "net-conf.json": netConf } };
      }
      created[o.kind] = new Kind(`${name}-${o.kind.toLowerCase()}`, inputs as never, { parent: this, dependsOn });
    }
    this.resources = created;
    if (r.checks && created.DaemonSet)
      this.verify = createVerify(name, r.checks, () => [], { parent: this, dependsOn: [created.DaemonSet] });
    this.namespace = pulumi.output(network.namespace);
    this.daemonSetName = pulumi.output(network.daemonSetName);
    this.podMtu = pulumi.output({ ...network.podMtu });
    this.registerOutputs({ namespace: this.namespace, daemonSetName: this.daemonSetName, podMtu: this.podMtu });
  }
}
