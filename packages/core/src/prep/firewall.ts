/**
 * What the host firewall must let through, whichever firewall podnet manages: the openings
 * of Kubernetes, the network components and `extraPorts`, the trusted interfaces, the pod
 * and service sources, and whether the node's zone masquerades.
 */
import type { NodeUnit } from "../host/node-state.js";
import { type FirewallNeed, firewallNeedText, type HostRequirements } from "../host/requirements.js";
import type { CidrPlan } from "../plan/index.js";
import type { Problems } from "../shared/problems.js";
import type { PrepPath } from "./checks.js";
import { type FirewalldPlan, firewalldCommand, KUBERNETES_FIREWALL_NEEDS } from "./firewalld.js";
import type { NodeNetworkPrepConfig } from "./options.js";

/** The firewall's inputs, the same for every node (firewalld picks the openings by role). */
export interface FirewallSetup {
  readonly needs: readonly FirewallNeed[];
  readonly trustedInterfaces: readonly string[];
  readonly masquerade: boolean;
  /** The components that NAT pod egress. */
  readonly masqueradeBy: readonly string[];
  /** Pod and service CIDRs. */
  readonly sources: readonly string[];
}

/** Collects the openings and trusted interfaces; masquerade follows `prep.masquerade`, else the components. */
export function firewallSetup(o: NodeNetworkPrepConfig, reqs: readonly HostRequirements[], plan: CidrPlan): FirewallSetup {
  const needs: FirewallNeed[] = [
    ...KUBERNETES_FIREWALL_NEEDS,
    ...reqs.flatMap((r) => r.firewall.map((n) => ({ ...n, purpose: `${r.component}: ${n.purpose}` }))),
    ...o.extraPorts.map((e) => ({
      protocol: e.protocol,
      port: e.port,
      ...(e.portEnd !== undefined ? { portEnd: e.portEnd } : {}),
      purpose: e.purpose,
      nodes: e.nodes,
    })),
  ];
  const trustedInterfaces = [...new Set(reqs.flatMap((r) => r.trustedInterfaces))];
  // An explicit prep.masquerade wins; otherwise on where the network NATs pod egress.
  const masqueradeBy = reqs.filter((r) => r.masquerade === true).map((r) => r.component);
  const masquerade = o.masquerade ?? masqueradeBy.length > 0;
  const sources = [...plan.podCidrs, ...plan.serviceCidrs];
  return { needs, trustedInterfaces, masquerade, masqueradeBy, sources };
}

/** With `firewall: none`, warns with every opening per node role and the sources to accept. */
export function warnFirewallNone(setup: FirewallSetup, at: PrepPath, p: Problems): void {
  const { needs, sources } = setup;
  const perRole = (["all", "control-plane", "etcd"] as const)
    .map((scope) => {
      const list = needs.filter((n) => (n.nodes ?? "all") === scope).map((n) => `${firewallNeedText(n)} (${n.purpose})`);
      return list.length > 0 ? `${scope === "all" ? "all nodes" : `${scope} nodes`}: ${list.join(", ")}` : "";
    })
    .filter(Boolean);
  p.warn(
    at("firewall"),
    "prep.firewall-none",
    `${at("firewall")}: "none", so podnet leaves the host firewall alone; make sure these are open: ${perRole.join("; ")}; and that traffic from ${sources.join(", ")} is accepted`,
  );
}

/** The node unit that applies one node's firewalld plan. */
export function firewalldUnit(fw: FirewalldPlan): NodeUnit {
  return {
    id: "prep/firewalld",
    description: `firewalld: ${fw.ports.length + fw.protocols.length} openings in zone ${fw.zone}, pod traffic trusted in ${fw.trustedZone}`,
    files: [],
    commands: [firewalldCommand(fw)],
  };
}

/** Why masquerade is on or off, for the summary. */
export function masqueradeReason(o: NodeNetworkPrepConfig, setup: FirewallSetup, at: PrepPath): string {
  return o.masquerade !== undefined
    ? `${at("masquerade")}: ${o.masquerade}`
    : setup.masqueradeBy.length > 0
      ? `${setup.masqueradeBy.join(", ")} masquerades pod egress`
      : "no network masquerades pod egress";
}
