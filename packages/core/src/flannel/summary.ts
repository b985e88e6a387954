/**
 * The non-secret facts of a rendered DaemonSet-mode network: per node (interface,
 * addresses, MTUs) and for plan.json (never the wireguard PSK).
 */

import type { HostRequirements } from "../host/requirements.js";
import type { FlannelPlanFacts } from "../plan/document.js";
import type { CidrPlan, PerFamily } from "../plan/index.js";
import { FLANNEL_BACKEND_OVERHEAD } from "./backend.js";
import type { FlannelNodeInterface } from "./interfaces.js";
import type { FlannelNodeMtu } from "./node-checks.js";
import type { FlannelBackendConfig, FlannelNetworkConfig } from "./options.js";

/** What flannel does on one node, as far as the inventory tells. */
export interface FlannelNodeSummary {
  readonly node: string;
  readonly interface: string;
  readonly selectedBy: FlannelNodeInterface["selectedBy"];
  /** Addresses flannel advertises (PublicIP / PublicIPv6). */
  readonly addresses: PerFamily<string>;
  readonly interfaceMtu: number;
  /** FLANNEL_MTU: the MTU pods get. */
  readonly podMtu: number;
}

/** One summary per node whose interface and pod MTU are known, in plan order. */
export function flannelNodeSummaries(selections: readonly FlannelNodeInterface[], mtus: readonly FlannelNodeMtu[]): FlannelNodeSummary[] {
  const byNode = new Map(mtus.map((m) => [m.node, m]));
  return selections.flatMap((s) => {
    const m = byNode.get(s.node);
    return m
      ? [
          {
            node: s.node,
            interface: s.interface,
            selectedBy: s.selectedBy,
            addresses: s.addresses,
            interfaceMtu: m.interfaceMtu,
            podMtu: m.podMtu,
          },
        ]
      : [];
  });
}

/** What the DaemonSet-mode summary is made of. */
export interface FlannelNetworkSummaryInput {
  readonly config: FlannelNetworkConfig;
  readonly version: string;
  readonly namespace: string;
  readonly images: { readonly flannel: string; readonly cniPlugin: string };
  readonly plan: CidrPlan;
  readonly args: readonly string[];
  readonly healthzPort: number;
  readonly nodes: readonly FlannelNodeSummary[];
  readonly hostRequirements: HostRequirements;
}

/** The plan.json facts of a DaemonSet-mode network. */
export function flannelNetworkSummary(input: FlannelNetworkSummaryInput): FlannelPlanFacts & Readonly<Record<string, unknown>> {
  const { config: c, plan } = input;
  const ipv4 = plan.podCidr.ipv4;
  const ipv6 = plan.podCidr.ipv6;
  return {
    mode: c.mode,
    version: input.version,
    namespace: input.namespace,
    images: input.images,
    networks: { ...(ipv4 !== undefined ? { ipv4 } : {}), ...(ipv6 !== undefined ? { ipv6 } : {}) },
    backend: publicBackend(c.backend),
    backendOverhead: FLANNEL_BACKEND_OVERHEAD[c.backend.type],
    args: input.args,
    healthzPort: input.healthzPort,
    nodes: Object.fromEntries(input.nodes.map(({ node, ...rest }) => [node, rest])),
    hostRequirements: input.hostRequirements,
  };
}

/** Backend settings safe to print: the PSK is replaced by a marker. */
function publicBackend(b: FlannelBackendConfig): FlannelPlanFacts["backend"] & Record<string, unknown> {
  const { psk, ...rest } = b;
  return psk === undefined ? rest : { ...rest, psk: "(secret)" };
}
