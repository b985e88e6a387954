/**
 * What Calico needs from the hosts, as data for NodeNetworkPrep: firewall
 * openings for the features in use, the devices NetworkManager must leave
 * alone, the interfaces to trust and the kernel modules to load.
 */

import type { FirewallNeed, HostRequirements } from "../host/requirements.js";
import { TYPHA_PORT } from "./manifest-parts.js";
import type { ResolvedCalico } from "./validation.js";

/** VXLAN UDP port (FelixConfiguration vxlanPort default, IANA 4789). */
export const CALICO_VXLAN_PORT = 4789;
/** WireGuard listening ports (FelixConfiguration wireguardListeningPort / ...V6 defaults). */
export const CALICO_WIREGUARD_PORT = { ipv4: 51820, ipv6: 51821 } as const;
/** etcd client port when an endpoint names none (etcd's IANA port). */
const ETCD_PORT = 2379;

/**
 * Interface names Calico creates. NetworkManager must leave every one alone
 * (Calico docs "Configure NetworkManager"): the full list is always given, since
 * a later switch of encapsulation must not need a host change.
 */
export const CALICO_UNMANAGED_DEVICES: readonly string[] = [
  "cali*",
  "tunl*",
  "vxlan.calico",
  "vxlan-v6.calico",
  "wireguard.cali",
  "wg-v6.cali",
];

/** What Calico needs from the hosts, for NodeNetworkPrep: firewall openings for the features in use, devices NetworkManager must leave alone, interfaces to trust, kernel modules. */
export function calicoHostRequirements(c: ResolvedCalico): HostRequirements {
  const firewall: FirewallNeed[] = [];
  if (c.backend === "bird") firewall.push({ protocol: "tcp", port: c.bgp.listenPort, purpose: "Calico BGP (BIRD) between nodes" });
  if (c.encapsulation.ipip) firewall.push({ protocol: "ipip", purpose: "Calico IP-in-IP (IP protocol 4) between nodes" });
  if (c.encapsulation.vxlanV4 || c.encapsulation.vxlanV6)
    firewall.push({ protocol: "udp", port: CALICO_VXLAN_PORT, purpose: "Calico VXLAN between nodes" });
  // The operator always runs Typha; on the manifest path only when enabled.
  if (c.spec.install === "operator" || c.typha.enabled)
    firewall.push({ protocol: "tcp", port: TYPHA_PORT, purpose: "Calico Typha (Felix connects to it)" });
  if (c.wireguard.ipv4 && c.wireguard.ipv6) {
    firewall.push({
      protocol: "udp",
      port: CALICO_WIREGUARD_PORT.ipv4,
      portEnd: CALICO_WIREGUARD_PORT.ipv6,
      purpose: "Calico WireGuard (IPv4 and IPv6)",
    });
  } else if (c.wireguard.ipv4) {
    firewall.push({ protocol: "udp", port: CALICO_WIREGUARD_PORT.ipv4, purpose: "Calico WireGuard (IPv4)" });
  } else if (c.wireguard.ipv6) {
    firewall.push({ protocol: "udp", port: CALICO_WIREGUARD_PORT.ipv6, purpose: "Calico WireGuard (IPv6)" });
  }
  if (c.etcd) {
    const ports = [...new Set(c.etcd.endpoints.map((e) => Number(new URL(e).port) || ETCD_PORT))].sort((a, b) => a - b);
    for (const port of ports) firewall.push({ protocol: "tcp", port, purpose: "etcd clients (Calico datastore)", nodes: "etcd" });
  }
  const trusted = ["cali+"];
  if (c.encapsulation.ipip) trusted.push("tunl0");
  if (c.encapsulation.vxlanV4) trusted.push("vxlan.calico");
  if (c.encapsulation.vxlanV6) trusted.push("vxlan-v6.calico");
  if (c.wireguard.ipv4) trusted.push("wireguard.cali");
  if (c.wireguard.ipv6) trusted.push("wg-v6.cali");
  // ipsets back Calico's policy rules (calicoctl node checksystem).
  const modules = ["ip_set", "xt_set"];
  if (c.encapsulation.ipip) modules.push("ipip");
  if (c.encapsulation.vxlanV4 || c.encapsulation.vxlanV6) modules.push("vxlan");
  if (c.wireguard.ipv4 || c.wireguard.ipv6) modules.push("wireguard");
  return {
    component: "calico",
    firewall,
    unmanagedDevices: CALICO_UNMANAGED_DEVICES,
    trustedInterfaces: trusted,
    kernelModules: modules,
    // natOutgoing: Felix masquerades pod traffic leaving the pools.
    masquerade: c.pools.some((p) => p.natOutgoing),
  };
}
