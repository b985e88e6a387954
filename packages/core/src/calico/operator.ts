/**
 * The operator path: the custom resources tigera-operator reconciles
 * (`Installation default`, `APIServer default`, optionally Goldmane and
 * Whisker) and how the operator itself is installed: its Helm chart with
 * values carrying the same Installation spec, or the pinned manifests.
 */

import type { K8sObject } from "../shared/manifest.js";
import type { ResolvedPool } from "./pools.js";
import type { ResolvedCalico } from "./validation.js";
import type { PinnedManifest } from "./versions.js";

const OPERATOR_API = "operator.tigera.io/v1";
/** Namespace the operator runs in (tigera-operator.yaml; the Helm docs install the chart there too). */
export const TIGERA_OPERATOR_NAMESPACE = "tigera-operator";

/** Installation `encapsulation` for a pool's IPIP/VXLAN modes. */
export function operatorEncapsulation(pool: Pick<ResolvedPool, "ipipMode" | "vxlanMode">): string {
  if (pool.ipipMode === "Always") return "IPIP";
  if (pool.ipipMode === "CrossSubnet") return "IPIPCrossSubnet";
  if (pool.vxlanMode === "Always") return "VXLAN";
  if (pool.vxlanMode === "CrossSubnet") return "VXLANCrossSubnet";
  return "None";
}

/** `Installation.spec` from the resolved options. */
export function installationSpec(c: ResolvedCalico): Record<string, unknown> {
  const network: Record<string, unknown> = {
    // BIRD runs only with BGP enabled; VXLAN and policy-only setups turn it off.
    bgp: c.backend === "bird" ? "Enabled" : "Disabled",
    ipPools: c.pools.map((p) => ({
      name: p.name,
      cidr: p.cidr.text,
      blockSize: p.blockSize,
      encapsulation: operatorEncapsulation(p),
      natOutgoing: p.natOutgoing ? "Enabled" : "Disabled",
      nodeSelector: p.nodeSelector,
    })),
  };
  if (c.autodetection.ipv4) network.nodeAddressAutodetectionV4 = c.autodetection.ipv4.method.operator;
  if (c.autodetection.ipv6) network.nodeAddressAutodetectionV6 = c.autodetection.ipv6.method.operator;
  if (c.spec.mtu !== undefined) network.mtu = c.spec.mtu;
  if (c.spec.linuxDataplane !== undefined) network.linuxDataplane = c.spec.linuxDataplane;
  return {
    cni: { type: "Calico", ipam: { type: "Calico" } },
    calicoNetwork: network,
    // The operator wants "<host>[:port]/" with the trailing slash.
    ...(c.spec.registry !== undefined ? { registry: `${c.spec.registry}/` } : {}),
    ...(c.spec.controlPlaneReplicas !== undefined ? { controlPlaneReplicas: c.spec.controlPlaneReplicas } : {}),
    ...(c.spec.overrides ?? {}),
  };
}

/** The operator's custom resources, in apply order. */
export function calicoOperatorObjects(c: ResolvedCalico): K8sObject[] {
  const named = (kind: string, extra: Record<string, unknown> = {}): K8sObject => ({
    apiVersion: OPERATOR_API,
    kind,
    metadata: { name: "default" },
    ...extra,
  });
  return [
    named("Installation", { spec: installationSpec(c) }),
    ...(c.spec.apiServer ? [named("APIServer", { spec: {} })] : []),
    ...(c.spec.goldmane ? [named("Goldmane")] : []),
    ...(c.spec.whisker ? [named("Whisker")] : []),
  ];
}

/** How to install tigera-operator for this release. */
export interface CalicoOperatorInstall {
  /** The Helm chart, pinned, with values that render the same Installation and APIServer. */
  readonly helm: {
    readonly repo: string;
    readonly chart: string;
    readonly version: string;
    readonly namespace: string;
    readonly values: Readonly<Record<string, unknown>>;
  };
  /** The pinned upstream manifests, in apply order: CRDs, then the operator. */
  readonly manifests: readonly PinnedManifest[];
}

/**
 * Helm values for charts/tigera-operator: `installation` keys other than
 * `enabled` and `kubernetesProvider` go into Installation.spec as written.
 */
export function calicoOperatorInstall(c: ResolvedCalico): CalicoOperatorInstall {
  const values: Record<string, unknown> = {
    installation: { enabled: true, kubernetesProvider: "", ...installationSpec(c) },
    apiServer: { enabled: c.spec.apiServer },
    goldmane: { enabled: c.spec.goldmane },
    whisker: { enabled: c.spec.whisker },
    // podnet renders FelixConfiguration itself when options need one.
    defaultFelixConfiguration: { enabled: false },
    ...(c.spec.registry !== undefined ? { tigeraOperator: { registry: c.spec.registry } } : {}),
  };
  const v = c.version;
  return {
    helm: { repo: v.helm.repo, chart: v.helm.chart, version: v.helm.version, namespace: TIGERA_OPERATOR_NAMESPACE, values },
    manifests: [v.crds, v.operator],
  };
}
