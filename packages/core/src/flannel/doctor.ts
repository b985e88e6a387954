/**
 * What flannel expects on each node for doctor, from the component's own
 * planners (either mode): the interface it selects, the pod MTU, its devices
 * and routes, subnet.env, the CNI config and, with etcd, the leases.
 */

import type { ComponentDoctor } from "../component/contract.js";
import {
  type DoctorHints,
  DoctorNetwork,
  type ExpectedDevice,
  type ExpectedRoute,
  type FlannelLeaseExpectation,
  type NetworkNodeExpectation,
} from "../component/expectations.js";
import { publicAddresses } from "../component/public-addresses.js";
import type { HostRequirements } from "../host/requirements.js";
import type { CidrPlan } from "../plan/index.js";
import { containsAddress, type IpFamily, parseAddress, parseCidr } from "../shared/cidr.js";
import { Problems } from "../shared/problems.js";
import { parseSection } from "../shared/result.js";
import { backendDevices, FLANNEL_VXLAN_DEFAULT_PORT, FLANNEL_VXLAN_DEFAULT_VNI } from "./backend.js";
import { FLANNEL_CONFLIST_NAME, FLANNEL_SUBNET_FILE } from "./cni-conf.js";
import { flannelSubnetKey } from "./etcd.js";
import { checkFlannelSelectors, type FlannelNodeInterface, selectFlannelInterfaces } from "./interfaces.js";
import { buildFlannelNetwork } from "./network.js";
import { type FlannelNetworkConfig, flannelNetworkSchema } from "./options.js";
import { type FlannelSystemdPlan, planFlannelSystemd } from "./systemd/plan.js";

/** The bridge flannel's CNI plugin delegates to (flannel cni-plugin: bridge name defaults to `cni0`). */
export const FLANNEL_CNI_BRIDGE = "cni0";

interface FlannelPart {
  readonly config: FlannelNetworkConfig;
  readonly host: HostRequirements;
  readonly selections: ReadonlyMap<string, FlannelNodeInterface>;
  readonly podMtu: ReadonlyMap<string, number>;
  readonly subnetFile: string;
  readonly datastore: "kube-subnet-mgr" | "etcd";
  readonly authoritative: boolean;
  /** kube-controller-manager assigns the subnets (registration order): the plan's are a prediction. */
  readonly predicted: boolean;
  readonly source: string;
  readonly cni: boolean;
  readonly systemd?: FlannelSystemdPlan;
  readonly leases?: FlannelLeaseExpectation;
}

function flannelPart(c: FlannelNetworkConfig, plan: CidrPlan, p: Problems): FlannelPart | undefined {
  const before = p.errors.length;
  let systemd: FlannelSystemdPlan | undefined;
  let daemonset: { readonly host: HostRequirements; readonly podMtu: Readonly<Record<string, number>> } | undefined;
  if (c.mode === "systemd") systemd = planFlannelSystemd({ config: c, plan, base: "flannel" }, p);
  else {
    const n = buildFlannelNetwork(c, plan, p);
    if (n) daemonset = { host: n.hostRequirements, podMtu: n.podMtu };
  }
  if (p.errors.length > before) return undefined;
  const parts = systemd ? { host: systemd.hostRequirements, podMtu: systemd.podMtu } : daemonset;
  if (!parts) return undefined;
  // The same interface selection the component made (its problems were reported above).
  const scratch = new Problems();
  const selections = checkFlannelSelectors(c, "flannel", scratch) ? selectFlannelInterfaces(plan, c, "flannel", scratch) : [];
  const host = parts.host;
  const s = systemd?.systemd;
  const etcd = systemd?.etcd;
  const datastore = s?.datastore === "etcd" ? "etcd" : "kube-subnet-mgr";
  const reserved = etcd !== undefined && etcd.reservations.length > 0;
  const leases = etcd && s?.etcd ? leaseExpectation(etcd, s.etcd, plan, selections, reserved) : undefined;
  return {
    config: c,
    host,
    selections: new Map(selections.map((x) => [x.node, x])),
    podMtu: new Map(Object.entries(parts.podMtu)),
    subnetFile: s?.subnetFile ?? FLANNEL_SUBNET_FILE,
    datastore,
    // Without reservations flanneld picks any free subnet in etcd; the Node's spec.podCIDR is the plan's.
    authoritative: datastore === "kube-subnet-mgr" || reserved,
    predicted: datastore === "kube-subnet-mgr",
    source:
      datastore === "etcd"
        ? reserved
          ? "its etcd reservation"
          : "flannel's etcd allocation"
        : "the plan's prediction (kube-controller-manager assigns the Node's spec.podCIDRs in registration order)",
    cni: s?.containerRuntime !== "docker",
    ...(systemd ? { systemd } : {}),
    ...(leases ? { leases } : {}),
  };
}

/** Where flannel's etcd leases are and which key each node of the plan should hold. */
function leaseExpectation(
  etcd: NonNullable<FlannelSystemdPlan["etcd"]>,
  spec: NonNullable<NonNullable<FlannelSystemdPlan["systemd"]>["etcd"]>,
  plan: CidrPlan,
  selections: readonly FlannelNodeInterface[],
  reserved: boolean,
): FlannelLeaseExpectation {
  return {
    api: etcd.api,
    endpoints: etcd.endpoints,
    prefix: etcd.prefix,
    reserved,
    // tls file names are CLI-only (Pulumi passes `tls: {}` and the PEM material).
    ...(spec.tls?.caFile && spec.tls.certFile && spec.tls.keyFile
      ? { tls: { caFile: spec.tls.caFile, certFile: spec.tls.certFile, keyFile: spec.tls.keyFile } }
      : {}),
    nodes: plan.nodes.map((n) => {
      const sel = selections.find((x) => x.node === n.name);
      const v6 = plan.families.includes("ipv6");
      return {
        node: n.name,
        key: `${etcd.prefix}/subnets/${flannelSubnetKey(n.podCidrs.ipv4, v6 ? n.podCidrs.ipv6 : undefined)}`,
        ...(sel?.addresses.ipv4 ? { publicIp: sel.addresses.ipv4 } : {}),
        ...(sel?.addresses.ipv6 ? { publicIpv6: sel.addresses.ipv6 } : {}),
      };
    }),
  };
}

/** What flannel expects on one node of the plan. */
function flannelNodeExpectation(flannel: FlannelPart, plan: CidrPlan, name: string, index: number): NetworkNodeExpectation {
  const node = plan.nodes[index];
  if (!node) return { notes: [] };
  const notes: string[] = [];
  const sel = flannel.selections.get(name);
  const mtu = flannel.podMtu.get(name);
  const c = flannel.config;
  if (!sel)
    notes.push(
      "flannel's interface on this node cannot be known from the spec (iface-can-reach); interface, address and host-gw routes are not checked",
    );
  if (c.enableNFTables) notes.push("flannel runs in nftables mode: the masquerade probes read iptables rules only");
  return {
    subnet: {
      planned: node.podCidrs,
      authoritative: flannel.authoritative,
      ...(flannel.predicted ? { predicted: true } : {}),
      source: flannel.source,
      length: Object.fromEntries(plan.families.map((f) => [f, plan.nodeMaskSize[f]])),
    },
    flannel: {
      subnetFile: flannel.subnetFile,
      ...(mtu !== undefined ? { mtu } : {}),
      ipMasq: c.ipMasq,
      datastore: flannel.datastore,
      nftables: c.enableNFTables,
      backend: c.backend.type,
    },
    ...(sel ? { publicAddresses: publicAddresses(plan, index, sel.interface, sel.addresses) } : {}),
    masquerade: { egress: c.ipMasq, by: "flanneld --ip-masq" },
    ...(flannel.cni ? { cni: { confDir: c.cniConfDir, file: FLANNEL_CONFLIST_NAME, pluginType: "flannel" } } : {}),
    devices: flannelDevices(c, plan, sel, mtu),
    routes: flannelRoutes(c, plan, name, flannel.selections, flannel.predicted),
    notes,
    unmanaged: flannel.cni ? [FLANNEL_CNI_BRIDGE] : [],
  };
}

/** flannel's wording in doctor's findings. */
const FLANNEL_HINTS: DoctorHints = {
  addressPicker: "flannel",
  deviceFix: (expected) =>
    expected.flannel?.datastore === "etcd"
      ? "flanneld creates it at start: check systemctl status flanneld and journalctl -u flanneld"
      : "flanneld creates it at start: check the kube-flannel pod on this node (kubectl -n kube-flannel logs)",
  routeFix: (expected, peer) =>
    `flanneld adds this route when it sees node "${peer}"'s lease: check flanneld runs on both nodes and restart it on node "${expected.node}"`,
  cniWriter: "the kube-flannel pod's install-cni step (or flannel/config in mode systemd)",
  cniShadowedTip: "; flannel.systemd.moveConflictingCniConfigs: true does it at install",
};

/** flannel's doctor planning: the same planners the component renders with, either mode. */
export const flannelDoctor: ComponentDoctor = {
  hints: FLANNEL_HINTS,
  expect(section, plan, p) {
    const c = parseSection(flannelNetworkSchema, section, ["flannel"], p, { reportInput: true });
    const part = c ? flannelPart(c, plan, p) : undefined;
    if (!part) return undefined;
    return {
      network: DoctorNetwork.FLANNEL,
      hostRequirements: part.host,
      ...(part.leases ? { leases: part.leases } : {}),
      node: (name, index) => flannelNodeExpectation(part, plan, name, index),
    };
  },
};

const FLANNEL_KIND: Readonly<Record<string, string>> = { vxlan: "vxlan", wireguard: "wireguard", ipip: "ipip", udp: "tun" };

function flannelDevice(c: FlannelNetworkConfig, family: IpFamily): string | undefined {
  return backendDevices(c.backend, { ipv4: family === "ipv4", ipv6: family === "ipv6" })[0];
}

function flannelDevices(
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  sel: FlannelNodeInterface | undefined,
  mtu: number | undefined,
): ExpectedDevice[] {
  const kind = FLANNEL_KIND[c.backend.type];
  if (!kind) return [];
  const out: ExpectedDevice[] = [];
  for (const family of plan.families) {
    const name = flannelDevice(c, family);
    if (!name || out.some((d) => d.name === name)) continue;
    const vxlan = c.backend.type === "vxlan";
    out.push({
      name,
      kind,
      family,
      ...(mtu !== undefined ? { mtu } : {}),
      ...(vxlan ? { vni: c.backend.vni ?? FLANNEL_VXLAN_DEFAULT_VNI, port: c.backend.port || FLANNEL_VXLAN_DEFAULT_PORT } : {}),
      ...(vxlan && sel
        ? { underlay: { interface: sel.interface, ...(sel.addresses[family] ? { address: sel.addresses[family] } : {}) } }
        : {}),
      // flannel's vxlan backend puts the subnet's network address on the device as a /32 (/128).
      ...(vxlan ? { holdsSubnetAddress: true } : {}),
      purpose: `flannel ${c.backend.type} backend${family === "ipv6" ? " (IPv6)" : ""}`,
    });
  }
  return out;
}

/** True when `address` lies in the network of the node's flannel interface for the family. */
function sameNetwork(sel: FlannelNodeInterface, family: IpFamily, address: string | undefined): boolean {
  const net = sel.networks[family];
  const parsedNet = net ? parseCidr(net) : undefined;
  const addr = address ? parseAddress(address) : undefined;
  return !!(parsedNet?.ok && addr?.ok && containsAddress(parsedNet.value, addr.value.family, addr.value.value));
}

function flannelRoutes(
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  name: string,
  selections: ReadonlyMap<string, FlannelNodeInterface>,
  predicted: boolean,
): ExpectedRoute[] {
  const own = selections.get(name);
  const out: ExpectedRoute[] = [];
  const type = c.backend.type;
  for (const peer of plan.nodes) {
    if (peer.name === name) continue;
    const ps = selections.get(peer.name);
    for (const family of plan.families) {
      const subnet = peer.podCidrs[family];
      if (!subnet) continue;
      const peerAddress = ps?.addresses[family];
      const direct =
        own !== undefined && (type === "host-gw" || (c.backend.directRouting === true && sameNetwork(own, family, peerAddress)));
      if (direct) {
        if (!own || !peerAddress) continue;
        out.push({
          peer: peer.name,
          family,
          subnet,
          ...(predicted ? { predicted } : {}),
          device: own.interface,
          gateway: "peer",
          peerAddress,
          why:
            type === "host-gw"
              ? "flannel host-gw routes each node subnet via that node's address"
              : "flannel DirectRouting routes same-network peers directly",
        });
        continue;
      }
      if (type === "host-gw") continue; // interface unknown (reported in notes)
      const device = flannelDevice(c, family);
      if (!device) continue;
      const gateway = type === "vxlan" ? "subnet" : type === "ipip" ? "peer" : "none";
      if (gateway === "peer" && !peerAddress) continue;
      out.push({
        peer: peer.name,
        family,
        subnet,
        ...(predicted ? { predicted } : {}),
        device,
        gateway,
        ...(peerAddress ? { peerAddress } : {}),
        why: `flannel ${type} routes each node subnet through ${device}`,
      });
    }
  }
  return out;
}
