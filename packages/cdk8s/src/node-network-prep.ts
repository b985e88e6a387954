/**
 * cdk8s construct for NodeNetworkPrep, for clusters where podnet cannot reach
 * the nodes over SSH. It emits the host files that are the same on every node
 * (modules-load.d, sysctl.d, NetworkManager conf.d) and their install.sh /
 * uninstall.sh as a ConfigMap, plus, when asked, a privileged DaemonSet that
 * runs that install.sh in the host's namespaces with `nsenter`.
 *
 * Trade-offs of the DaemonSet, compared with NodeNetworkPrep over SSH
 * (Pulumi component or `podnet render` bundles):
 * - It runs only once the node is already in the cluster, i.e. after kubelet
 *   and the container runtime work; flannel/calico pods may start before it
 *   finished (their DaemonSets do not wait for it).
 * - It needs a privileged pod with hostPID and the host's bash, and a
 *   namespace whose Pod Security admission allows that (`privileged`).
 * - firewalld and the CNI plugins are left out: they differ per node (roles,
 *   architecture), and opening the firewall from a pod that needs the network
 *   to be scheduled is backwards. Use the SSH path or `podnet render` for them.
 * - Deleting the DaemonSet does not undo anything: run the ConfigMap's
 *   uninstall.sh on the node (`nsenter -t 1 -a -- bash -s < uninstall.sh`).
 */
import {
  type CidrPlan,
  formatProblem,
  type HostRequirements,
  type NodeNetworkPrepOptions,
  type NodeNetworkPrepResult,
  type PodCidrPlanOptions,
  type Problem,
  planNodeNetworkPrep,
  planPodCidrs,
  renderNodeScripts,
} from "@podnet/core";
import { checkComponentArgs, sha256Hex } from "@podnet/core/internal";
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { PodCidrPlan } from "./pod-cidr-plan.js";

/** Props of `NodeNetworkPrep`: what the nodes need (modules, sysctls, firewall, CNI plugins) and how it is applied. */
export interface NodeNetworkPrepProps extends NodeNetworkPrepOptions {
  /** The network plan: a PodCidrPlan construct, a plan computed elsewhere, or the plan's options. */
  readonly plan: PodCidrPlan | CidrPlan | PodCidrPlanOptions;
  /** What the network components need (FlannelNetwork / CalicoNetwork `hostRequirements`). @default [] */
  readonly hostRequirements?: readonly HostRequirements[];
  /** Namespace of the ConfigMap and DaemonSet. @default "kube-system" */
  readonly namespace?: string;
  /** Also emit the privileged DaemonSet that applies the files on every node. @default false */
  readonly daemonSet?: boolean;
  /**
   * Image of the init container that runs nsenter (needs `sh` and util-linux `nsenter`).
   * Pin it by digest in production.
   * @default "docker.io/library/debian:bookworm-slim"
   */
  readonly image?: string;
  /** Image of the container that keeps the pod running. @default "registry.k8s.io/pause:3.10" */
  readonly pauseImage?: string;
}

/** Name of the ConfigMap and DaemonSet. */
export const NODE_PREP_NAME = "podnet-node-prep";

/** Where the ConfigMap is mounted in the init container. */
const MOUNT = "/podnet";

/** ConfigMap keys for the host files (keys cannot hold `/`). */
const KEYS: Readonly<Record<string, string>> = {
  "/etc/modules-load.d/podnet.conf": "modules-load.d.podnet.conf",
  "/etc/sysctl.d/podnet.conf": "sysctl.d.podnet.conf",
  "/etc/NetworkManager/conf.d/podnet.conf": "NetworkManager.conf.d.podnet.conf",
};

/** The node preparation's host files in a ConfigMap, and optionally a privileged DaemonSet that applies them on every node. */
export class NodeNetworkPrep extends Construct {
  /** The core's result (per-node units, modules, sysctls). */
  readonly result: NodeNetworkPrepResult;
  /** Warnings from planning (when planned here) and from the preparation's checks. */
  readonly warnings: readonly Problem[];
  /** The ConfigMap with the host files (modules, sysctls, NetworkManager). */
  readonly configMap: ApiObject;
  /** The DaemonSet that applies them, when `daemonSet: true`. */
  readonly daemonSet?: ApiObject;

  /** Checks the props (every problem in one NetworkPlanError) and adds the objects to `scope`. */
  constructor(scope: Construct, id: string, props: NodeNetworkPrepProps) {
    super(scope, id);
    checkComponentArgs("NodeNetworkPrep", "props", props, { plan: true });
    const { plan, hostRequirements, namespace = "kube-system", daemonSet = false, image, pauseImage, ...options } = props;
    const planned =
      plan instanceof PodCidrPlan
        ? { value: plan.plan, warnings: [] }
        : "families" in plan
          ? { value: plan, warnings: [] }
          : planPodCidrs(plan);
    const r = planNodeNetworkPrep({ plan: planned.value, options, hostRequirements: hostRequirements ?? [], scope: NODE_PREP_NAME });
    this.result = r.value;
    this.warnings = [...planned.warnings, ...r.warnings];
    for (const w of this.warnings) this.node.addMetadata("podnet:warning", formatProblem(w));

    const scripts = renderNodeScripts({ node: "daemonset", scope: NODE_PREP_NAME, units: r.value.commonUnits });
    const data: Record<string, string> = { "install.sh": scripts.install, "uninstall.sh": scripts.uninstall };
    for (const u of r.value.commonUnits) for (const f of u.files) data[KEYS[f.path] ?? f.path.slice(1).replaceAll("/", ".")] = f.content;
    const labels = { "app.kubernetes.io/name": NODE_PREP_NAME, "app.kubernetes.io/part-of": "podnet" };
    this.configMap = new ApiObject(this, "config", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: NODE_PREP_NAME, namespace, labels },
      data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1))),
    });
    if (!daemonSet) return;
    this.daemonSet = new ApiObject(this, "daemonset", {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: NODE_PREP_NAME, namespace, labels },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": NODE_PREP_NAME } },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          // The annotation changes with the script, so a changed ConfigMap rolls the DaemonSet.
          metadata: { labels, annotations: { "podnet.io/install-sha256": sha256Hex(scripts.install) } },
          spec: {
            hostPID: true,
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            tolerations: [{ operator: "Exists" }],
            nodeSelector: { "kubernetes.io/os": "linux" },
            automountServiceAccountToken: false,
            initContainers: [
              {
                name: "apply",
                image: image ?? "docker.io/library/debian:bookworm-slim",
                // The script is read from the ConfigMap before nsenter switches to the host's mount namespace.
                command: ["/bin/sh", "-c", `exec nsenter --target 1 --mount --uts --ipc --net --pid -- bash -s <${MOUNT}/install.sh`],
                securityContext: { privileged: true },
                volumeMounts: [{ name: "config", mountPath: MOUNT, readOnly: true }],
              },
            ],
            containers: [
              { name: "pause", image: pauseImage ?? "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "1m", memory: "8Mi" } } },
            ],
            volumes: [{ name: "config", configMap: { name: NODE_PREP_NAME, defaultMode: 0o644 } }],
          },
        },
      },
    });
  }
}
