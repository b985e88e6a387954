/**
 * FlannelNetwork: flannel rendered from the PodCidrPlan, so `Network` and
 * kube-controller-manager's `--cluster-cidr` cannot disagree, with every
 * option checked against the node inventory before deploy.
 *
 * Mode `daemonset` (default) gives upstream's kube-flannel objects. Mode
 * `systemd` (flanneld as a host binary) dispatches to its own renderer.
 */

import type { ComponentArtifacts } from "../component/contract.js";
import type { HostRequirements } from "../host/requirements.js";
import type { FlannelPlanFacts } from "../plan/document.js";
import type { CidrPlan } from "../plan/index.js";
import type { K8sObject } from "../shared/manifest.js";
import { NetworkPlanError, type Problems } from "../shared/problems.js";
import { type Checked, checkWith, type Planned, plannedOf } from "../shared/result.js";
import { flanneldDaemonSetArgs } from "./args.js";
import { flannelCniConf, flannelCniConfJson } from "./cni-conf.js";
import { FLANNEL_NAMES } from "./daemonset/daemonset.js";
import { flannelManifests } from "./daemonset/manifests.js";
import { flannelHostRequirements } from "./host-requirements.js";
import { checkFlannelSelectors, type FlannelNodeInterface, selectFlannelInterfaces } from "./interfaces.js";
import { type FlannelNetConf, flannelNetConf, flannelNetConfJson } from "./net-conf.js";
import { checkFlannelNodes, type FlannelNodeMtu } from "./node-checks.js";
import { type FlannelMode, type FlannelNetworkConfig, type FlannelNetworkOptions, flannelNetworkSchema } from "./options.js";
import { type FlannelNodeSummary, flannelNetworkSummary, flannelNodeSummaries } from "./summary.js";
import { type FlannelSpecFiles, flannelSystemdSpecComponent } from "./systemd/spec.js";
import { checkFlannelConfig } from "./validation.js";
import { type FlannelVersion, type FlannelVersionInfo, flannelImages, lookupFlannelVersion } from "./versions.js";

/** Problem paths of flannel options start here (the spec's `flannel:` section). */
export const FLANNEL_PATH = "flannel";

/** Manifest file of the render bundle (`manifests/flannel.yaml`). */
export const FLANNEL_MANIFEST_FILE = "flannel.yaml";

/** The rendered network. */
export interface FlannelNetworkRender {
  readonly mode: FlannelMode;
  readonly version: FlannelVersion;
  /** The options with defaults applied. */
  readonly config: FlannelNetworkConfig;
  readonly namespace: string;
  readonly daemonSetName: string;
  readonly images: { readonly flannel: string; readonly cniPlugin: string };
  /** Resolved healthz port; 0 = off. */
  readonly healthzPort: number;
  readonly netConf: FlannelNetConf;
  readonly cniConf: Readonly<Record<string, unknown>>;
  /** flanneld arguments. */
  readonly args: readonly string[];
  /** Cluster objects in apply order. */
  readonly objects: readonly K8sObject[];
  /** Set when net-conf.json lives in a Secret (wireguard PSK) instead of the ConfigMap. */
  readonly netConfSecretName?: string;
  /** Per node, in plan order; nodes whose interface cannot be known statically are absent. */
  readonly nodes: readonly FlannelNodeSummary[];
  /** Node name -> pod MTU. */
  readonly podMtu: Readonly<Record<string, number>>;
  readonly hostRequirements: HostRequirements;
  /** Non-secret facts for plan.json (never the PSK). */
  readonly summary: FlannelPlanFacts & Readonly<Record<string, unknown>>;
}

/** Validates the options against the plan and renders; returns the problems instead of throwing. */
export function checkFlannelNetwork(options: unknown, plan: CidrPlan): Checked<FlannelNetworkRender> {
  return checkWith(flannelNetworkSchema, options ?? {}, [FLANNEL_PATH], (config, p) => buildFlannelNetwork(config, plan, p));
}

/** Validates and renders; throws one NetworkPlanError with every problem. */
export function renderFlannelNetwork(options: FlannelNetworkOptions, plan: CidrPlan): Planned<FlannelNetworkRender> {
  return plannedOf(checkFlannelNetwork(options, plan));
}

/** Stands in for a late wireguard PSK during validation; never deployed (the Secret is built from the real key). */
export const FLANNEL_PSK_PLACEHOLDER = `${"A".repeat(43)}=`;

/**
 * The options a front end validates when the wireguard PSK arrives late (argument `psk`, e.g. a
 * Pulumi secret): backend.psk set to a placeholder.
 * @throws NetworkPlanError at path `psk` when the backend is not wireguard or already has backend.psk
 */
export function flannelOptionsWithLatePsk(options: FlannelNetworkOptions): FlannelNetworkOptions {
  if (options.backend?.type !== "wireguard" || options.backend.psk !== undefined) {
    const shown = JSON.stringify({ ...options.backend, psk: options.backend?.psk === undefined ? undefined : "(secret)" });
    throw new NetworkPlanError([
      {
        path: "psk",
        code: "flannel.psk-late",
        message: `psk: applies to backend type "wireguard" without backend.psk, but backend is ${shown}; give the key once, with type "wireguard"`,
      },
    ]);
  }
  return { ...options, backend: { ...options.backend, psk: FLANNEL_PSK_PLACEHOLDER } };
}

/** Apply order of the DaemonSet mode's objects, as the kinds each waits for: the Namespace first, RBAC before the pods, config before the DaemonSet. */
export function flannelApplyDependencies(kind: string): readonly string[] {
  const want: Record<string, readonly string[]> = {
    ClusterRoleBinding: ["ClusterRole"],
    ServiceAccount: ["Namespace"],
    ConfigMap: ["Namespace"],
    Secret: ["Namespace"],
    DaemonSet: ["Namespace", "ServiceAccount", "ClusterRoleBinding", "ConfigMap", "Secret"],
  };
  return Object.hasOwn(want, kind) ? (want[kind] ?? []) : [];
}

/** The bundle part for `podnet render` (spec section already schema-checked). */
export function flannelComponent(
  config: FlannelNetworkConfig,
  plan: CidrPlan,
  p: Problems,
  context: FlannelSpecFiles = {},
): ComponentArtifacts | undefined {
  // Mode "systemd" (flanneld as a host binary) renders node units: flannel-systemd.ts.
  if (config.mode === "systemd") return flannelSystemdSpecComponent(config, plan, p, context);
  const network = buildFlannelNetwork(config, plan, p);
  if (!network) return undefined;
  return {
    manifests: { [FLANNEL_MANIFEST_FILE]: network.objects },
    hostRequirements: network.hostRequirements,
    summary: { flannel: network.summary },
  };
}

/** Validates a parsed config against the plan and renders it; problems go into `p`. */
export function buildFlannelNetwork(c: FlannelNetworkConfig, plan: CidrPlan, p: Problems): FlannelNetworkRender | undefined {
  const base = FLANNEL_PATH;
  const found = lookupFlannelVersion(c.version, `${base}.version`);
  const info: FlannelVersionInfo | undefined = "info" in found ? found.info : undefined;
  if ("message" in found) p.error(`${base}.version`, "flannel.version-unknown", found.message);
  if (c.mode === "systemd") {
    // Mode systemd (flanneld as a host binary) renders node units in flannel/systemd/, not cluster objects.
    p.error(
      `${base}.mode`,
      "flannel.mode-unavailable",
      `${base}.mode: "systemd" (flanneld as a host binary) renders node units, not cluster objects: use podnet render or the Pulumi FlannelNetwork component, or "daemonset" here`,
    );
  }
  checkFlannelConfig(c, plan, info, base, p);
  // Selection runs only on valid selectors: a bad regexp is one problem, not one per node.
  const selections = checkFlannelSelectors(c, base, p) ? selectFlannelInterfaces(plan, c, base, p) : [];
  const mtus = checkFlannelNodes(selections, c, plan, base, p);
  if (plan.nodes.length === 0) {
    p.warn(
      base,
      "flannel.no-nodes",
      `${base}: the plan lists no nodes, so interface, address and MTU checks were skipped; add the nodes under nodes:`,
    );
  }
  if (!p.ok || !info) return undefined;
  return assemble(c, plan, info, selections, mtus);
}

/** Renders a validated config: net-conf, flanneld arguments, the cluster objects, host needs and the summary. */
function assemble(
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  info: FlannelVersionInfo,
  selections: readonly FlannelNodeInterface[],
  mtus: readonly FlannelNodeMtu[],
): FlannelNetworkRender {
  const namespace = c.namespace ?? info.namespace;
  const createNamespace = c.createNamespace ?? namespace !== "kube-system";
  const healthzPort = c.healthzPort ?? info.healthzPort ?? 0;
  const images = flannelImages(info, c);
  const ipv4 = plan.podCidr.ipv4;
  const ipv6 = plan.podCidr.ipv6;
  const netConf = flannelNetConf({
    ...(ipv4 !== undefined ? { network: ipv4 } : {}),
    ...(ipv6 !== undefined ? { ipv6Network: ipv6 } : {}),
    enableNFTables: c.enableNFTables,
    backend: c.backend,
  });
  const cniConf = flannelCniConf();
  const args = flanneldDaemonSetArgs(c, healthzPort);
  const netConfInSecret = c.backend.psk !== undefined;
  const objects = flannelManifests({
    config: c,
    info,
    namespace,
    images,
    args,
    healthzPort,
    netConfInSecret,
    createNamespace,
    cniConfJson: flannelCniConfJson(),
    netConfJson: flannelNetConfJson(netConf),
  });
  const hostRequirements = flannelHostRequirements({
    backend: c.backend,
    ipv4: ipv4 !== undefined,
    ipv6: ipv6 !== undefined,
    healthzPort,
    enableNFTables: c.enableNFTables,
    ipMasq: c.ipMasq,
  });
  const nodes = flannelNodeSummaries(selections, mtus);
  const podMtu = Object.fromEntries(nodes.map((n) => [n.node, n.podMtu]));
  const summary = flannelNetworkSummary({
    config: c,
    version: info.version,
    namespace,
    images,
    plan,
    args,
    healthzPort,
    nodes,
    hostRequirements,
  });
  return {
    mode: c.mode,
    version: info.version,
    config: c,
    namespace,
    daemonSetName: FLANNEL_NAMES.daemonSet,
    images,
    healthzPort,
    netConf,
    cniConf,
    args,
    objects,
    ...(netConfInSecret ? { netConfSecretName: FLANNEL_NAMES.netConfSecret } : {}),
    nodes,
    podMtu,
    hostRequirements,
    summary,
  };
}
