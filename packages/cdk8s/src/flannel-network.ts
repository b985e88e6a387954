/**
 * cdk8s construct for flannel: the kube-flannel objects rendered by the core
 * from the PodCidrPlan. Bad props, and changes from `previous` that disrupt
 * running pods, throw in the constructor with every problem; warnings become
 * `podnet:warning` metadata.
 */
import {
  allocationOf,
  type CalicoNetworkOptions,
  type CidrPlan,
  type FlannelNetworkOptions,
  type FlannelNetworkRender,
  formatProblem,
  type HostRequirements,
  NetworkPlanError,
  type PodCidrPlanOptions,
  type Problem,
  renderFlannelNetwork,
  resolvePlan,
} from "@podnet/core";
import { checkComponentArgs, checkComponentChanges } from "@podnet/core/internal";
import { ApiObject, type ApiObjectProps, Chart, JsonPatch } from "cdk8s";
import { Construct } from "constructs";
import type { PodCidrPlan } from "./pod-cidr-plan.js";

/** Props of `FlannelNetwork`: flannel's options (as in a spec's `flannel:` section), the plan, and the change check. */
export interface FlannelNetworkProps extends FlannelNetworkOptions {
  /**
   * The network plan: a PodCidrPlan construct, a plan computed elsewhere, or
   * the plan's options (then it is planned here).
   */
  readonly plan: PodCidrPlan | CidrPlan | PodCidrPlanOptions;
  /**
   * What was applied last: its plan (a PodCidrPlan's `plan`, or the `plan` field of an earlier
   * plan.json) and its options. Changes that disrupt running pods (Network, backend type, VNI,
   * node subnet moves) then throw unless `allowDisruptiveChange` names them.
   * When `plan` is given as options, nodes keep their previous subnets.
   * @default - no change check
   */
  readonly previous?: { readonly plan: CidrPlan; readonly flannel?: FlannelNetworkOptions; readonly calico?: CalicoNetworkOptions };
  /**
   * Disruptive changes from `previous` to allow, by the path `podnet diff` prints
   * (e.g. "flannel.backend.vni", "nodes[node1].podCidrs.ipv4"), a parent path, or "*".
   * @default - none
   */
  readonly allowDisruptiveChange?: readonly string[];
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

/** The kube-flannel install (Namespace, RBAC, ConfigMap, DaemonSet) for the plan's cluster. */
export class FlannelNetwork extends Construct {
  /** Everything the core rendered: objects, net-conf, per-node interface and MTU, summary. */
  readonly network: FlannelNetworkRender;
  /** Warnings from planning (when planned here) and from flannel's checks. */
  readonly warnings: readonly Problem[];
  /** Namespace of the flannel objects (kube-flannel unless the options change it). */
  readonly namespace: string;
  /** Name of the flannel DaemonSet. */
  readonly daemonSetName: string;
  /** Node name -> pod MTU (FLANNEL_MTU). */
  readonly podMtu: Readonly<Record<string, number>>;
  /** Firewall openings, devices and modules for NodeNetworkPrep. */
  readonly hostRequirements: HostRequirements;
  /** The objects in apply order. */
  readonly apiObjects: readonly ApiObject[];

  /** Checks the props (every problem in one NetworkPlanError) and adds the objects to `scope`. */
  constructor(scope: Construct, id: string, props: FlannelNetworkProps) {
    super(scope, id);
    checkComponentArgs("FlannelNetwork", "props", props, { plan: true });
    const { plan, previous, allowDisruptiveChange, ...options } = props;
    const planned = resolvePlan(plan, previous ? { previous: allocationOf(previous.plan) } : {});
    const r = renderFlannelNetwork(options, planned.value);
    const guard = checkComponentChanges(previous, { plan: planned.value, flannel: options }, allowDisruptiveChange);
    if (guard.errors.length > 0) throw new NetworkPlanError(guard.errors, [...planned.warnings, ...r.warnings, ...guard.warnings]);
    this.network = r.value;
    this.warnings = [...planned.warnings, ...r.warnings, ...guard.warnings];
    this.namespace = r.value.namespace;
    this.daemonSetName = r.value.daemonSetName;
    this.podMtu = r.value.podMtu;
    this.hostRequirements = r.value.hostRequirements;
    for (const w of this.warnings) this.node.addMetadata("podnet:warning", formatProblem(w));

    const chartNamespace = Chart.of(this).namespace;
    this.apiObjects = r.value.objects.map((o) => {
      const obj = new ApiObject(this, `${o.kind}-${o.metadata.name}`.toLowerCase(), structuredClone(o) as unknown as ApiObjectProps);
      // A chart-wide namespace must not land on cluster-scoped objects.
      if (chartNamespace !== undefined && CLUSTER_SCOPED.has(o.kind)) obj.addJsonPatch(JsonPatch.remove("/metadata/namespace"));
      return obj;
    });

    // Cluster-scoped names (ClusterRole "flannel") allow one flannel per app.
    this.node.addValidation({
      validate: () => {
        const all = this.node.root.node.findAll().filter((c): c is FlannelNetwork => c instanceof FlannelNetwork);
        return all.length > 1 && all[0] === this
          ? [
              `${all.length} FlannelNetwork constructs (${all.map((c) => c.node.path).join(", ")}) would render the same cluster-scoped objects (ClusterRole "flannel"); a cluster runs one flannel, keep one`,
            ]
          : [];
      },
    });
  }
}
