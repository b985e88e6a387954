/**
 * Calico's own resources either install path may need: IP pools beyond the
 * ones calico-node or the operator create, BGPConfiguration `default`,
 * FelixConfiguration `default` and BGPPeers. With the Kubernetes datastore
 * they are crd.projectcalico.org/v1 objects for kubectl; with etcd they are
 * projectcalico.org/v3 objects for `calicoctl apply` (same fields).
 */

import type { K8sObject } from "../shared/manifest.js";
import type { ResolvedPool } from "./pools.js";
import type { ResolvedCalico } from "./validation.js";

/** apiVersion of Calico resources for the datastore in use. */
export function calicoResourceApiVersion(c: Pick<ResolvedCalico, "spec">): string {
  return c.spec.datastore === "etcd" ? "projectcalico.org/v3" : "crd.projectcalico.org/v1";
}

/** An IPPool resource (every field explicit: the CRD's defaults differ from calico-node's, e.g. natOutgoing). */
export function ipPoolResource(pool: ResolvedPool, apiVersion: string): K8sObject {
  return {
    apiVersion,
    kind: "IPPool",
    metadata: { name: pool.name },
    spec: {
      cidr: pool.cidr.text,
      blockSize: pool.blockSize,
      ipipMode: pool.ipipMode,
      vxlanMode: pool.vxlanMode,
      natOutgoing: pool.natOutgoing,
      nodeSelector: pool.nodeSelector,
    },
  };
}

function felixConfiguration(c: ResolvedCalico, apiVersion: string): K8sObject | undefined {
  const spec: Record<string, unknown> = {};
  if (c.wireguard.ipv4) spec.wireguardEnabled = true;
  if (c.wireguard.ipv6) spec.wireguardEnabledV6 = true;
  if (c.spec.mtu !== undefined) {
    // The tunnel MTUs in use; calico-node's FELIX_*MTU env (manifest path, or the operator from Installation.mtu) carries the same value.
    const v6 = c.pools.some((p) => p.family === "ipv6");
    if (c.encapsulation.ipip) spec.ipipMTU = c.spec.mtu;
    if (c.encapsulation.vxlanV4) spec.vxlanMTU = c.spec.mtu;
    if (c.encapsulation.vxlanV6) spec.vxlanMTUV6 = c.spec.mtu;
    if (c.wireguard.ipv4) spec.wireguardMTU = c.spec.mtu;
    if (c.wireguard.ipv6 && v6) spec.wireguardMTUV6 = c.spec.mtu;
  }
  return Object.keys(spec).length === 0 ? undefined : { apiVersion, kind: "FelixConfiguration", metadata: { name: "default" }, spec };
}

/**
 * Resources to apply once Calico runs. Pools: on the manifest path the first
 * pool of each family comes from calico-node's env, the rest are IPPools; on
 * the operator path every pool is in the Installation, so none are here.
 */
export function calicoResourceObjects(c: ResolvedCalico): K8sObject[] {
  const apiVersion = calicoResourceApiVersion(c);
  const pools = c.spec.install === "manifest" ? c.pools.filter((p) => !p.primary).map((p) => ipPoolResource(p, apiVersion)) : [];
  const bgp: K8sObject[] = c.bgp.configured
    ? [
        {
          apiVersion,
          kind: "BGPConfiguration",
          metadata: { name: "default" },
          spec: { asNumber: c.bgp.asNumber, nodeToNodeMeshEnabled: c.bgp.nodeToNodeMesh, listenPort: c.bgp.listenPort },
        },
      ]
    : [];
  const felix = felixConfiguration(c, apiVersion);
  const peers = c.bgp.peers.map(
    (peer): K8sObject => ({
      apiVersion,
      kind: "BGPPeer",
      metadata: { name: peer.name },
      spec: {
        ...(peer.peerIP !== undefined ? { peerIP: peer.peerIP } : {}),
        ...(peer.asNumber !== undefined ? { asNumber: peer.asNumber } : {}),
        ...(peer.node !== undefined ? { node: peer.node } : {}),
        ...(peer.nodeSelector !== undefined ? { nodeSelector: peer.nodeSelector } : {}),
        ...(peer.peerSelector !== undefined ? { peerSelector: peer.peerSelector } : {}),
      },
    }),
  );
  return [...pools, ...bgp, ...(felix ? [felix] : []), ...peers];
}
