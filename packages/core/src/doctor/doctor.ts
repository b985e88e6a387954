/**
 * `podnet doctor`: what the plan and the components expect on each node
 * (ExpectedNodeState, from doctor/expected.ts), what a node really has
 * (NodeFacts, parsed from the read-only collection script's output in
 * doctor/facts.ts), and the comparison of both: one Finding per fault, each
 * with what was expected, what was found and the fix.
 *
 * Everything here is pure: the CLI runs the script over SSH and hands the
 * output in; the Pulumi verify step runs a self-checking variant
 * (doctor/check-script.ts) built from the same expectations.
 */

import type { PerFamily } from "../plan/pod-cidr-plan.js";
import type { IpFamily } from "../shared/cidr.js";
import { checkCni } from "./checks/cni.js";
import { checkFirewalld, checkMasquerade, checkModules, checkNetworkManager, checkSysctls } from "./checks/host.js";
import { checkAddress, checkDevices, checkRoutes, checkSubnet } from "./checks/net.js";
import type { NodeFacts } from "./facts.js";

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
  readonly publicAddresses?: readonly {
    readonly family: IpFamily;
    readonly interface: string;
    readonly address: string;
    /** The interface MTU in the spec (`nodes[].interfaces[].mtu`). */
    readonly mtu?: number;
    /** Spec path of that interface, for fixes. */
    readonly path: string;
  }[];
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

/** One fault on one node. */
export interface Finding {
  readonly node: string;
  /** Stable code, e.g. `route.missing`. */
  readonly code: string;
  /** The check that found it, e.g. `routes`. */
  readonly check: string;
  readonly expected: string;
  readonly found: string;
  readonly fix: string;
}

/** A check that could not run on a node, and why. */
export interface Unchecked {
  readonly node: string;
  readonly check: string;
  readonly reason: string;
}

/** The result for one node. */
export interface NodeDiagnosis {
  readonly node: string;
  readonly findings: readonly Finding[];
  /** Information that is no fault (it never changes the exit code), e.g. `subnet.assigned-differs`. */
  readonly info: readonly Finding[];
  readonly unchecked: readonly Unchecked[];
  /** Names of the checks that ran. */
  readonly checks: readonly string[];
}

/** What other nodes really have, for routes to their subnets. */
export interface DiagnoseContext {
  /** Observed subnets of other nodes (from their subnet.env), by node name. */
  readonly peerSubnets?: Readonly<Record<string, PerFamily<string>>>;
}

/** Collects the findings of the checks of one node. */
export class DiagnosisBuilder {
  readonly findings: Finding[] = [];
  readonly info: Finding[] = [];
  readonly unchecked: Unchecked[] = [];
  readonly checks: string[] = [];

  constructor(readonly node: string) {}

  ran(check: string): void {
    if (!this.checks.includes(check)) this.checks.push(check);
  }

  find(check: string, code: string, expected: string, found: string, fix: string): void {
    this.ran(check);
    this.findings.push({ node: this.node, code, check, expected, found, fix });
  }

  /** Information, not a fault. */
  inform(check: string, code: string, expected: string, found: string, fix: string): void {
    this.ran(check);
    this.info.push({ node: this.node, code, check, expected, found, fix });
  }

  cannot(check: string, reason: string): void {
    this.unchecked.push({ node: this.node, check, reason });
  }

  result(): NodeDiagnosis {
    return { node: this.node, findings: this.findings, info: this.info, unchecked: this.unchecked, checks: this.checks };
  }
}

/**
 * Compares what a node has with what the plan expects. Never throws on odd
 * facts: a section that is missing or unparsable becomes an Unchecked entry.
 */
export function diagnose(expected: ExpectedNodeState, facts: NodeFacts, context: DiagnoseContext = {}): NodeDiagnosis {
  const d = new DiagnosisBuilder(expected.node);
  const mtuMismatch = checkAddress(expected, facts, d);
  const subnet = checkSubnet(expected, facts, d, mtuMismatch);
  checkDevices(expected, facts, subnet, d);
  const routes = checkRoutes(expected, facts, context, d);
  checkMasquerade(expected, facts, subnet, routes, d);
  checkSysctls(expected, facts, d);
  checkModules(expected, facts, d);
  checkNetworkManager(expected, facts, d);
  checkFirewalld(expected, facts, d);
  checkCni(expected, facts, d);
  return d.result();
}

/** Exit code of a doctor run: 2 when something could not be checked, else 1 with findings, else 0. */
export function doctorExitCode(
  results: readonly { readonly findings: readonly unknown[]; readonly unchecked: readonly unknown[] }[],
  unreachable = 0,
): 0 | 1 | 2 {
  if (unreachable > 0 || results.some((r) => r.unchecked.length > 0)) return 2;
  return results.some((r) => r.findings.length > 0) ? 1 : 0;
}
