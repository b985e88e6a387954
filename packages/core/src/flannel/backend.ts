/**
 * Facts about each flannel backend: encapsulation overhead, ports, devices,
 * kernel modules, which backend keys apply. Shared by the DaemonSet and the
 * systemd paths.
 */

import type { FirewallNeed } from "../host/requirements.js";
import type { FlannelBackend, FlannelBackendConfig } from "./options.js";

/**
 * Bytes flannel subtracts from the interface (or `MTU`) for the pod MTU.
 * @see flannel pkg/backend: vxlan 50 (outer IPv4 20 + UDP 8 + VXLAN 8 + Ethernet 14),
 *   wireguard 80 (IPv6 40 + UDP 8 + WireGuard 32), ipip 20 (outer IPv4), udp 28 (IPv4 20 + UDP 8), host-gw 0.
 */
export const FLANNEL_BACKEND_OVERHEAD: Readonly<Record<FlannelBackend, number>> = {
  vxlan: 50,
  "host-gw": 0,
  wireguard: 80,
  ipip: 20,
  udp: 28,
};

/** Linux kernel default VXLAN port, used when flannel's `Port` is 0 (not the IANA 4789). */
export const FLANNEL_VXLAN_DEFAULT_PORT = 8472;
/** flannel wireguard `ListenPort` default. @see flannel pkg/backend/wireguard */
export const FLANNEL_WIREGUARD_DEFAULT_PORT = 51820;
/** flannel wireguard `ListenPortV6` default. @see flannel pkg/backend/wireguard */
export const FLANNEL_WIREGUARD_DEFAULT_PORT_V6 = 51821;
/** flannel udp backend `Port` default. @see flannel pkg/backend/udp */
export const FLANNEL_UDP_DEFAULT_PORT = 8285;
/** flannel vxlan `VNI` default on Linux. */
export const FLANNEL_VXLAN_DEFAULT_VNI = 1;
/** VNIs are 24-bit (RFC 7348 §5). */
export const VXLAN_VNI_MAX = 16_777_215;

/** Backends that carry IPv6 (and so dual-stack); flannel forces the others to IPv4. */
export const FLANNEL_DUAL_STACK_BACKENDS: readonly FlannelBackend[] = ["vxlan", "wireguard", "host-gw"];

/** Backends upstream calls experimental or deprecated (a warning, never an error). */
export const FLANNEL_DISCOURAGED_BACKENDS: Readonly<Partial<Record<FlannelBackend, string>>> = {
  udp: "is deprecated upstream and meant for debugging only (user-space forwarding, linux/amd64 builds only); use vxlan",
  ipip: "is experimental upstream; vxlan is the supported overlay",
};

/** Backend keys (podnet names) each type understands. */
export const FLANNEL_BACKEND_KEYS: Readonly<Record<FlannelBackend, readonly (keyof FlannelBackendConfig)[]>> = {
  vxlan: ["vni", "port", "gbp", "directRouting", "mtu"],
  "host-gw": [],
  wireguard: ["listenPort", "listenPortV6", "psk", "mode", "persistentKeepaliveInterval", "mtu"],
  ipip: ["directRouting"],
  udp: ["port"],
};

/** net-conf.json key for each podnet backend key. */
export const FLANNEL_BACKEND_JSON_KEYS: Readonly<Record<Exclude<keyof FlannelBackendConfig, "type">, string>> = {
  vni: "VNI",
  port: "Port",
  gbp: "GBP",
  directRouting: "DirectRouting",
  mtu: "MTU",
  listenPort: "ListenPort",
  listenPortV6: "ListenPortV6",
  psk: "PSK",
  mode: "Mode",
  persistentKeepaliveInterval: "PersistentKeepaliveInterval",
};

/**
 * wireguard `Mode` "separate" (the default) runs flannel-wg and flannel-wg-v6 on ListenPort and
 * ListenPortV6; "auto", "ipv4" and "ipv6" run one device, flannel-wg, on ListenPort for both families.
 * @see flannel pkg/backend/wireguard/wireguard.go (RegisterNetwork)
 */
function wireguardSeparate(backend: FlannelBackendConfig): boolean {
  return (backend.mode ?? "separate") === "separate";
}

/** Firewall openings a backend needs between nodes. */
export function backendFirewallNeeds(backend: FlannelBackendConfig, ipv6: boolean): FirewallNeed[] {
  switch (backend.type) {
    case "vxlan": {
      const port = backend.port ?? FLANNEL_VXLAN_DEFAULT_PORT;
      return [{ protocol: "udp", port, purpose: `flannel vxlan overlay (VNI ${backend.vni ?? FLANNEL_VXLAN_DEFAULT_VNI})` }];
    }
    case "wireguard": {
      const out: FirewallNeed[] = [
        { protocol: "udp", port: backend.listenPort ?? FLANNEL_WIREGUARD_DEFAULT_PORT, purpose: "flannel wireguard tunnel" },
      ];
      if (ipv6 && wireguardSeparate(backend)) {
        out.push({
          protocol: "udp",
          port: backend.listenPortV6 ?? FLANNEL_WIREGUARD_DEFAULT_PORT_V6,
          purpose: "flannel wireguard tunnel (IPv6)",
        });
      }
      return out;
    }
    case "udp":
      return [{ protocol: "udp", port: backend.port ?? FLANNEL_UDP_DEFAULT_PORT, purpose: "flannel udp overlay" }];
    case "ipip":
      return [{ protocol: "ipip", purpose: "flannel ipip overlay (IP protocol 4)" }];
    case "host-gw":
      return [];
  }
}

/** Devices the backend creates (exact names, for trusted firewall zones). */
export function backendDevices(backend: FlannelBackendConfig, families: { ipv4: boolean; ipv6: boolean }): string[] {
  const vni = backend.vni ?? FLANNEL_VXLAN_DEFAULT_VNI;
  switch (backend.type) {
    case "vxlan":
      return [...(families.ipv4 ? [`flannel.${vni}`] : []), ...(families.ipv6 ? [`flannel-v6.${vni}`] : [])];
    case "wireguard":
      if (!wireguardSeparate(backend)) return ["flannel-wg"];
      return [...(families.ipv4 ? ["flannel-wg"] : []), ...(families.ipv6 ? ["flannel-wg-v6"] : [])];
    case "ipip":
      return ["flannel.ipip"];
    case "udp":
      return ["flannel0"];
    case "host-gw":
      return [];
  }
}

/** Kernel modules the backend's data plane uses. */
export function backendKernelModules(type: FlannelBackend): string[] {
  return { vxlan: ["vxlan"], wireguard: ["wireguard"], ipip: ["ipip"], udp: ["tun"], "host-gw": [] }[type];
}
