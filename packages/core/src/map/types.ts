/**
 * The types of the network map's model: the networks of a spec grouped per
 * address family, with their overlaps (built by map/model.ts, drawn by map/map.ts).
 */

import type { Cidr, IpFamily } from "../shared/cidr.js";
import type { Problem } from "../shared/problems.js";

/** A Calico IP pool (or any block-allocating pool) to draw inside the pod CIDR. */
export interface NetworkMapPool {
  /** Pool name, e.g. `default-ipv4-ippool`. */
  readonly name: string;
  /** Pool CIDR, strictly masked. */
  readonly cidr: string;
  /** Prefix length of the blocks the pool hands to nodes (Calico default 26 / 122). */
  readonly blockSize: number;
  /** Blocks known to be affine to a node, by node name (drawn in the node's colour). @default - none */
  readonly nodeBlocks?: Readonly<Record<string, readonly string[]>>;
  /** IP-in-IP mode (`Always`, `CrossSubnet`, `Never`). @default "Never" */
  readonly ipipMode?: string;
  /** VXLAN mode (`Always`, `CrossSubnet`, `Never`). @default "Never" */
  readonly vxlanMode?: string;
  /** Calico selector of the nodes that use the pool. @default "all()" */
  readonly nodeSelector?: string;
}

/** Optional inputs of the network map beyond the plan. */
export interface NetworkMapExtras {
  /** Heading of the picture. @default "podnet network map" */
  readonly title?: string;
  /** Calico pools, drawn with their blocks. @default - none */
  readonly pools?: readonly NetworkMapPool[];
  /**
   * The pod network is Calico: calico-ipam hands out the pools' blocks on demand and never uses
   * kube-controller-manager's per-node podCIDRs, so no node subnets are drawn.
   * @default false
   */
  readonly calico?: boolean;
  /** Problems to list on the map (the spec's validation errors). @default - none */
  readonly problems?: readonly Problem[];
}

/** What a network on the map is, which decides its colour and which overlaps count. */
export type MapNetKind = "pod" | "service" | "host" | "reserved" | "pool" | "node-subnet" | "special";

/** One network on the map. */
export interface MapNet {
  readonly kind: MapNetKind;
  readonly cidr: Cidr;
  /** Where it comes from, for labels: `cluster.podCidrs[0]`, `node "cp1" eth0`, `link-local`. */
  readonly label: string;
}

/** Two networks sharing the addresses of `shared`. */
export interface MapOverlap {
  readonly a: MapNet;
  readonly b: MapNet;
  readonly shared: Cidr;
}

/** One node's pod subnet (its podCIDR) in the pod CIDR. */
export interface MapNodeSubnet {
  readonly node: string;
  /** Index of the node in the spec, which picks its colour. */
  readonly nodeIndex: number;
  readonly cidr: Cidr;
  /** `pinned`, `previous` or `allocated`. */
  readonly source: string;
}

/** One node interface address inside a host network. */
export interface MapHostMember {
  readonly node: string;
  readonly iface: string;
  readonly address: bigint;
  readonly addressText: string;
}

/** A host network with the node addresses that lie in it. */
export interface MapHostNet {
  readonly net: MapNet;
  readonly members: readonly MapHostMember[];
}

/** A Calico pool as drawn: its network, block size, modes and the blocks known per node. */
export interface MapPool {
  readonly net: MapNet;
  readonly name: string;
  readonly blockSize: number;
  /** Encapsulation modes and node selector; absent when not known (a pool of an invalid spec). */
  readonly ipipMode?: string;
  readonly vxlanMode?: string;
  readonly nodeSelector?: string;
  readonly nodeBlocks: ReadonlyArray<{ readonly node: string; readonly nodeIndex: number; readonly cidr: Cidr }>;
}

/** Every network of one address family, sorted for drawing, with their overlaps. */
export interface MapFamily {
  readonly family: IpFamily;
  readonly pods: readonly MapNet[];
  readonly services: readonly MapNet[];
  readonly nodeMask?: number;
  readonly nodeSubnets: readonly MapNodeSubnet[];
  readonly hosts: readonly MapHostNet[];
  readonly reserved: readonly MapNet[];
  readonly pools: readonly MapPool[];
  readonly kubernetesIp?: { readonly value: bigint; readonly text: string };
  readonly dnsIp?: { readonly value: bigint; readonly text: string };
  readonly overlaps: readonly MapOverlap[];
}

/** A value that could not be drawn, with the reason. */
export interface MapUnparsed {
  readonly path: string;
  readonly value: string;
  readonly reason: string;
}

/** Everything the network map draws, per family, plus what could not be drawn and the problems to list. */
export interface NetworkMapModel {
  readonly title: string;
  readonly valid: boolean;
  /** Calico's IPAM (pool blocks on demand) instead of one subnet per node. */
  readonly calico: boolean;
  readonly families: readonly MapFamily[];
  readonly nodeCount: number;
  readonly maxPodsPerNode: number;
  readonly clusterDomain: string;
  readonly unparsed: readonly MapUnparsed[];
  readonly problems: readonly Problem[];
}
