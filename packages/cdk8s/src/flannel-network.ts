/**
 * cdk8s construct for flannel: the kube-flannel objects rendered by the core
 * from the PodCidrPlan. Bad props throw in the constructor with every
 * problem; warnings become `podnet:warning` metadata.
 */
import {
  type FlannelNetworkOptions,
  formatProblem,
  type HostRequirements,
  type FlannelNetwork as Network,
  type PodCidrPlan as Plan,
  type PodCidrPlanOptions,
  type Problem,
  planPodCidrs,
  renderFlannelNetwork,
} from "@podnet/core";
import { ApiObject, type ApiObjectProps, Chart, JsonPatch } from "cdk8s";
import { Construct } from "constructs";
import { PodCidrPlan } from "./pod-cidr-plan.js";

export interface FlannelNetworkProps extends FlannelNetworkOptions {
  /**
   * The network plan: a PodCidrPlan construct, a plan computed elsewhere, or
   * the plan's options (then it is planned here).
   */
  readonly plan: PodCidrPlan | Plan | PodCidrPlanOptions;
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

/** The kube-flannel install (Namespace, RBAC, ConfigMap, DaemonSet) for the plan's cluster. */
export class FlannelNetwork extends Construct {
  /** Everything the core rendered: objects, net-conf, per-node interface and MTU, summary. */
  readonly network: Network;
  /** Warnings from planning (when planned here) and from flannel's checks. */
  readonly warnings: readonly Problem[];
  readonly namespace: string;
  readonly daemonSetName: string;
  /** Node name -> pod MTU (FLANNEL_MTU). */
  readonly podMtu: Readonly<Record<string, number>>;
  /** Firewall openings, devices and modules for NodeNetworkPrep. */
  readonly hostRequirements: HostRequirements;
  /** The objects in apply order. */
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: FlannelNetworkProps) {
    super(scope, id);
    const { plan, ...options } = props;
    const planned = resolvePlan(plan);
    const r = renderFlannelNetwork(options, planned.plan);
    this.network = r.network;
    this.warnings = [...planned.warnings, ...r.warnings];
    this.namespace = r.network.namespace;
    this.daemonSetName = r.network.daemonSetName;
    this.podMtu = r.network.podMtu;
    this.hostRequirements = r.network.hostRequirements;
    for (const w of this.warnings) this.node.addMetadata("podnet:warning", formatProblem(w));

    const chartNamespace = Chart.of(this).namespace;
    this.apiObjects = r.network.objects.map((o) => {
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

function resolvePlan(plan: FlannelNetworkProps["plan"]): { plan: Plan; warnings: readonly Problem[] } {
  if (plan instanceof PodCidrPlan) return { plan: plan.plan, warnings: [] };
  if ("families" in plan) return { plan, warnings: [] };
  return planPodCidrs(plan);
}
