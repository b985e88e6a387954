/**
 * BGP settings of CalicoNetwork: BGPConfiguration `default` (AS number, node
 * mesh, listen port) and BGPPeers (routers, route reflectors), checked
 * against the plan's nodes.
 */

import type { CidrPlan } from "../plan/index.js";
import { parseAddress } from "../shared/cidr.js";
import { DNS1123_SUBDOMAIN } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import type { CalicoBackend, CalicoNetworkConfig } from "./options.js";
import { checkCalicoSelector } from "./selector.js";

/** Calico BGP defaults (BGPConfiguration reference). */
export const BGP_DEFAULTS = { asNumber: 64512, nodeToNodeMesh: true, listenPort: 179 } as const;
/** Largest 4-byte AS number (RFC 6793). */
const ASN_MAX = 4294967295;
/** Calico guidance: a full node-to-node mesh for 100 nodes or less, route reflectors beyond. */
const MESH_LIMIT = 100;

export interface ResolvedBgp {
  readonly asNumber: number;
  readonly nodeToNodeMesh: boolean;
  readonly listenPort: number;
  /** True when any BGPConfiguration field was given: render `BGPConfiguration default`. */
  readonly configured: boolean;
  readonly peers: NonNullable<CalicoNetworkConfig["bgp"]>["peers"];
}

/** Reports an AS number outside the 2- or 4-byte range. */
function checkAsn(v: number | undefined, path: string, p: Problems): void {
  if (v !== undefined && (v < 1 || v > ASN_MAX)) {
    p.error(
      path,
      "calico.bgp.asn",
      `${path}: ${v} is outside 1-${ASN_MAX} (a 2- or 4-byte AS number); private ASNs are 64512-65534 and 4200000000-4294967294`,
    );
  }
}

/** Checks one BGPPeer: name (valid, unique), AS number, target (peerIP or peerSelector), selectors and node scope. */
function checkPeer(
  peer: ResolvedBgp["peers"][number],
  at: string,
  names: Set<string>,
  nodeNames: ReadonlySet<string>,
  plan: CidrPlan,
  p: Problems,
): void {
  if (!DNS1123_SUBDOMAIN.test(peer.name))
    p.error(
      `${at}.name`,
      "calico.bgp.peer-name",
      `${at}.name: ${show(peer.name)} is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")`,
    );
  else if (names.has(peer.name))
    p.error(`${at}.name`, "calico.bgp.peer-name-duplicate", `${at}.name: "${peer.name}" is used twice; BGPPeer names must be unique`);
  names.add(peer.name);
  checkAsn(peer.asNumber, `${at}.asNumber`, p);
  if ((peer.peerIP === undefined) === (peer.peerSelector === undefined)) {
    p.error(
      at,
      "calico.bgp.peer-target",
      `${at}: set exactly one of peerIP (a router or external route reflector, with asNumber) or peerSelector (in-cluster route reflectors)`,
    );
  }
  if (peer.peerIP !== undefined) {
    if (!parseAddress(peer.peerIP).ok)
      p.error(`${at}.peerIP`, "calico.bgp.peer-ip", `${at}.peerIP: ${show(peer.peerIP)} is not an IPv4 or IPv6 address`);
    if (peer.asNumber === undefined)
      p.error(`${at}.asNumber`, "calico.bgp.peer-asn", `${at}.asNumber: is required with peerIP (the peer's AS number)`);
  }
  for (const key of ["nodeSelector", "peerSelector"] as const) {
    const selector = peer[key];
    if (selector !== undefined) checkCalicoSelector(selector, `${at}.${key}`, p);
  }
  if (peer.node !== undefined && peer.nodeSelector !== undefined) {
    p.error(at, "calico.bgp.peer-scope", `${at}: sets both node "${peer.node}" and nodeSelector; use one`);
  }
  if (peer.node !== undefined && plan.nodes.length > 0 && !nodeNames.has(peer.node)) {
    p.error(
      `${at}.node`,
      "calico.bgp.peer-node",
      `${at}.node: "${peer.node}" is not a node of the plan (${[...nodeNames].map((n) => `"${n}"`).join(", ")})`,
    );
  }
}

/** Checks `bgp` (ASNs, port, peers) and warns about mesh size; `base` is the path prefix with its dot, or empty. */
export function checkBgp(spec: CalicoNetworkConfig, plan: CidrPlan, backend: CalicoBackend, base: string, p: Problems): ResolvedBgp {
  const b = spec.bgp;
  checkAsn(b?.asNumber, `${base}bgp.asNumber`, p);
  if (b?.listenPort !== undefined && (b.listenPort < 1 || b.listenPort > 65535)) {
    p.error(
      `${base}bgp.listenPort`,
      "calico.bgp.port",
      `${base}bgp.listenPort: ${b.listenPort} is outside 1-65535; BGP's standard port is 179`,
    );
  }
  const names = new Set<string>();
  const nodeNames = new Set(plan.nodes.map((n) => n.name));
  (b?.peers ?? []).forEach((peer, i) => {
    checkPeer(peer, `${base}bgp.peers[${i}]`, names, nodeNames, plan, p);
  });
  const mesh = b?.nodeToNodeMesh ?? BGP_DEFAULTS.nodeToNodeMesh;
  if (backend === "bird" && mesh && plan.nodes.length > MESH_LIMIT) {
    p.warn(
      `${base}bgp.nodeToNodeMesh`,
      "calico.bgp.mesh-large",
      `${base}bgp.nodeToNodeMesh: a full mesh of ${plan.nodes.length} nodes opens ${(plan.nodes.length * (plan.nodes.length - 1)) / 2} BGP sessions; Calico recommends it for 100 nodes or less, use route reflectors (BGPPeer with peerSelector) and nodeToNodeMesh: false`,
    );
  }
  if (backend === "bird" && !mesh && (b?.peers.length ?? 0) === 0) {
    p.warn(
      `${base}bgp.nodeToNodeMesh`,
      "calico.bgp.no-peers",
      `${base}bgp.nodeToNodeMesh: false with no peers: nodes exchange no routes; add BGPPeers (route reflectors or routers)`,
    );
  }
  return {
    asNumber: b?.asNumber ?? BGP_DEFAULTS.asNumber,
    nodeToNodeMesh: mesh,
    listenPort: b?.listenPort ?? BGP_DEFAULTS.listenPort,
    configured: b !== undefined && (b.asNumber !== undefined || b.nodeToNodeMesh !== undefined || b.listenPort !== undefined),
    peers: b?.peers ?? [],
  };
}
