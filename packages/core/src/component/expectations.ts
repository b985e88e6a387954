/**
 * What doctor expects on a node, as the components describe it: the overlay
 * devices, the routes to other nodes' subnets, the subnet file, the CNI
 * config, the masquerade owner. The components (layer 2) build these parts;
 * doctor (layer 4) compares them with what a node really has.
 */

import type { HostRequirements } from "../host/requirements.js";
import type { PerFamily } from "../plan/index.js";
import type { IpFamily } from "../shared/cidr.js";

/** The pod network a spec runs. */
export const DoctorNetwork = { FLANNEL: "flannel", CALICO: "calico", NONE: "none" } as const;
export type DoctorNetwork = (typeof DoctorNetwork)[keyof typeof DoctorNetwork];

/** An overlay device the network creates on the node. */
export interface ExpectedDevice {
  readonly name: string;
  /** `ip -d link` kind: vxlan, ipip, wireguard, tun. */
  readonly kind: string;
  readonly family?: IpFamily;
  /** Exact MTU the device must have. @default - not checked */
  readonly mtu?: number;
  /** Largest MTU that fits (Calico with MTU auto-detection). @default - not checked */
  readonly maxMtu?: number;
  /** VXLAN network identifier. */
  readonly vni?: number;
  /** VXLAN UDP port. */
  readonly port?: number;
  /** The interface (and its address) the device must send through. */
  readonly underlay?: { readonly interface: string; readonly address?: string };
  /** The device carries the network address of the node's subnet as a host address (flannel vxlan). */
  readonly holdsSubnetAddress?: boolean;
  readonly purpose: string;
}

/** How a route to another node's subnet must look. */
export interface ExpectedRoute {
  /** The other node. */
  readonly peer: string;
  readonly family: IpFamily;
  /** The peer's subnet in the plan (its observed one replaces it when known). */
  readonly subnet: string;
  /**
   * True when `subnet` is only the plan's prediction (kube-controller-manager assigns node
   * subnets in registration order): the route is checked against the subnet the peer really
   * holds (its subnet.env, or the cluster's Node), never against the prediction.
   */
  readonly predicted?: boolean;
  readonly device: string;
  /**
   * Next hop: `subnet` = the network address of the peer's subnet (flannel vxlan),
   * `peer` = the peer's address (host-gw, DirectRouting, ipip), `none` = on the device.
   */
  readonly gateway: "subnet" | "peer" | "none";
  readonly peerAddress?: string;
  readonly why: string;
}

/** One interface a network sends through on a node, and the address it advertises there. */
export interface ExpectedPublicAddress {
  readonly family: IpFamily;
  readonly interface: string;
  readonly address: string;
  /** The interface MTU in the spec (`nodes[].interfaces[].mtu`). */
  readonly mtu?: number;
  /** Spec path of that interface, for fixes. */
  readonly path: string;
}

/** Everything doctor expects on one node. */
export interface ExpectedNodeState {
  readonly node: string;
  /** Position in the spec's `nodes:` (for fixes that name a path). */
  readonly index: number;
  readonly network: DoctorNetwork;
  readonly families: readonly IpFamily[];
  /** The cluster's pod CIDR per family (flannel's Network). */
  readonly clusterCidrs: PerFamily<string>;
  /**
   * The node's subnet. `authoritative`: the node must have exactly `planned`
   * (etcd reservations, pinned kube subnets); otherwise a subnet of the right size
   * inside the cluster CIDR is fine.
   */
  readonly subnet?: {
    readonly planned: PerFamily<string>;
    readonly authoritative: boolean;
    /** Where the subnet comes from, for messages: "etcd reservation", "the Node's spec.podCIDR". */
    readonly source: string;
    /**
     * True when `planned` is a prediction: kube-controller-manager assigns node subnets in
     * registration order (kube subnet manager modes), so a node holding another subnet is
     * information until the cluster's Node objects say otherwise (see doctor/cluster.ts).
     */
    readonly predicted?: boolean;
    /** Prefix length of node subnets per family. */
    readonly length: PerFamily<number>;
  };
  /** flanneld's subnet file and what must be in it. */
  readonly flannel?: {
    readonly subnetFile: string;
    readonly mtu?: number;
    readonly ipMasq: boolean;
    readonly datastore: "kube-subnet-mgr" | "etcd";
    readonly nftables: boolean;
    readonly backend: string;
  };
  /** Per family: the interface the network sends through and the address it advertises there. */
  readonly publicAddresses?: readonly ExpectedPublicAddress[];
  readonly devices: readonly ExpectedDevice[];
  readonly routes: readonly ExpectedRoute[];
  /** Pod addresses for the masquerade probes: the node's own pod range and where others live. */
  readonly masquerade?: {
    /** Pods leaving the cluster must be masqueraded (flannel --ip-masq). */
    readonly egress: boolean;
    /** The CNI's tool for it, for fixes. */
    readonly by: string;
    /** Calico pools (pod ranges without per-node subnets). */
    readonly pools?: PerFamily<string>;
  };
  readonly sysctls: readonly { readonly key: string; readonly value: string; readonly reason: string }[];
  readonly kernelModules: readonly { readonly name: string; readonly reason: string }[];
  /** Device names NetworkManager must leave alone (when it is installed); empty = not checked. */
  readonly networkManagerUnmanaged: readonly string[];
  /** Device-name patterns of the network (also matched against the devices present). */
  readonly networkManagerPatterns: readonly string[];
  readonly firewalld?: {
    readonly zone: string;
    readonly ports: readonly string[];
    readonly protocols: readonly string[];
    readonly trustedZone: string;
    readonly sources: readonly string[];
    readonly interfaces: readonly string[];
    readonly openings: readonly { readonly what: string; readonly purpose: string }[];
  };
  readonly cni?: { readonly confDir: string; readonly file: string; readonly pluginType: string };
  /** What doctor cannot derive from the spec on this node (printed with the report). */
  readonly notes: readonly string[];
}

/** Where flannel's etcd leases are and which key each node should hold. */
export interface FlannelLeaseExpectation {
  readonly api: "v2" | "v3";
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** True when podnet reserves each node's subnet (etcd.reserveSubnets): only the planned key is right. */
  readonly reserved: boolean;
  /** The spec's client certificate files (paths as written, relative to the spec's folder). */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly nodes: readonly {
    readonly node: string;
    /** The key of the node's planned subnet. */
    readonly key: string;
    readonly publicIp?: string;
    readonly publicIpv6?: string;
  }[];
}

/** The parts of a node's expectations a pod network component contributes. */
export type NetworkNodeExpectation = Partial<
  Pick<ExpectedNodeState, "subnet" | "flannel" | "publicAddresses" | "devices" | "routes" | "masquerade" | "cni">
> & {
  /** What cannot be derived from the spec on this node. */
  readonly notes: readonly string[];
  /** Devices NetworkManager must leave alone besides the overlay devices (e.g. flannel's cni0 bridge). */
  readonly unmanaged?: readonly string[];
};

/** What a pod network component expects on every node, planned once for the spec. */
export interface NetworkExpectation {
  /** The network's name in ExpectedNodeState.network. */
  readonly network: DoctorNetwork;
  /** Host needs the network passes to NodeNetworkPrep. */
  readonly hostRequirements: HostRequirements;
  /** The expectations of one node of the plan. */
  node(name: string, index: number): NetworkNodeExpectation;
  /** flannel with the etcd datastore: where the leases are and which ones the plan wants. */
  readonly leases?: FlannelLeaseExpectation;
}

/** A network's wording in doctor's findings, so the checks name no network themselves. */
export interface DoctorHints {
  /** What picks the interface and address the network advertises ("flannel", "Calico's address autodetection"). */
  readonly addressPicker: string;
  /** Where to look when one of the network's devices is missing or down. */
  deviceFix(expected: ExpectedNodeState): string;
  /** The first part of the fix for a missing or wrong route to `peer` (the `ip route replace` follows). */
  routeFix(expected: ExpectedNodeState, peer: string): string;
  /** What writes the network's CNI config. */
  readonly cniWriter: string;
  /** Advice added when another CNI config sorts before the network's (e.g. a setting that moves it away). */
  readonly cniShadowedTip: string;
}
