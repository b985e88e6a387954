/**
 * What doctor expects on each node, derived from the spec through the
 * components' own planners (FlannelNetwork in both modes, CalicoNetwork,
 * NodeNetworkPrep): nothing is re-derived here that a component already
 * computes, so doctor follows their choices (interface, MTU, devices, ports).
 */

import { CALICO_VXLAN_PORT } from "../calico/host.js";
import { checkCalicoNetwork } from "../calico/network.js";
import { CALICO_OVERHEAD, type ResolvedCalico } from "../calico/validation.js";
import { backendDevices, FLANNEL_VXLAN_DEFAULT_PORT, FLANNEL_VXLAN_DEFAULT_VNI } from "../flannel/backend.js";
import { FLANNEL_CONFLIST_NAME, FLANNEL_SUBNET_FILE } from "../flannel/cni-conf.js";
import { flannelSubnetKey } from "../flannel/etcd.js";
import { checkFlannelSelectors, type FlannelNodeInterface, selectFlannelInterfaces } from "../flannel/interfaces.js";
import { buildFlannelNetwork } from "../flannel/network.js";
import { type FlannelNetworkConfig, type FlannelNetworkOptions, flannelNetworkSchema } from "../flannel/options.js";
import { type FlannelSystemdPlan, planFlannelSystemd } from "../flannel/systemd/plan.js";
import type { HostRequirements } from "../host/requirements.js";
import type { CidrPlan, PerFamily, PlanContext } from "../plan/pod-cidr-plan.js";
import { checkNodeNetworkPrep, type NodeNetworkPrepResult } from "../prep/node-network-prep.js";
import type { NodeNetworkPrepOptions } from "../prep/options.js";
import { containsAddress, type IpFamily, parseAddress, parseCidr } from "../shared/cidr.js";
import { type Problem, Problems } from "../shared/problems.js";
import { zodProblems } from "../shared/zod-problems.js";
import { checkSpecPlan } from "../spec/bundle.js";
import { podnetSpecSchema } from "../spec/schema.js";
import type { DoctorCollectOptions } from "./collect.js";
import type { DoctorNetwork, ExpectedDevice, ExpectedNodeState, ExpectedRoute } from "./doctor.js";
import type { FlannelLeaseExpectation } from "./leases.js";

/** Calico's CNI config file name (calico-node's install-cni `CNI_CONF_NAME`, see calico/manifests.ts). */
export const CALICO_CONFLIST_NAME = "10-calico.conflist";
/** Calico's CNI config directory (install-cni writes to the host's /etc/cni/net.d). */
export const CALICO_CNI_CONF_DIR = "/etc/cni/net.d";
/** Felix `vxlanVNI` default (FelixConfiguration reference: 4096). */
export const CALICO_VXLAN_VNI = 4096;
/** The bridge flannel's CNI plugin delegates to (flannel cni-plugin: bridge name defaults to `cni0`). */
export const FLANNEL_CNI_BRIDGE = "cni0";

/** Everything doctor needs for a spec: per-node expectations, the collection script's inputs, etcd leases. */
export interface DoctorPlan {
  readonly plan: CidrPlan;
  readonly network: DoctorNetwork;
  readonly nodes: readonly ExpectedNodeState[];
  /** Inputs of the collection script (the union over all nodes). */
  readonly collect: DoctorCollectOptions;
  /** flannel with the etcd datastore: where the leases are and which ones the plan wants. */
  readonly leases?: FlannelLeaseExpectation;
}

/** The result of `planDoctor`: what doctor expects on every node when the spec is valid, and the problems. */
export interface DoctorPlanCheck {
  readonly doctor?: DoctorPlan;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/** Validates the spec the way `podnet validate` does and derives what every node should have. */
export function planDoctor(input: unknown, context: PlanContext = {}): DoctorPlanCheck {
  const parsed = podnetSpecSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { errors: zodProblems(parsed.error.issues, input, podnetSpecSchema), warnings: [] };
  const spec = parsed.data;
  const planCheck = checkSpecPlan(spec, input, context);
  if (!planCheck.plan) return { errors: planCheck.errors, warnings: planCheck.warnings };
  const r = planDoctorForPlan(planCheck.plan, { flannel: spec.flannel, calico: spec.calico, prep: spec.prep });
  return { ...r, warnings: [...planCheck.warnings, ...r.warnings] };
}

/** The network sections doctor follows (the spec's `flannel:`, `calico:` and `prep:`, or a front end's options). */
export interface DoctorSections {
  readonly flannel?: FlannelNetworkOptions;
  readonly calico?: unknown;
  readonly prep?: NodeNetworkPrepOptions;
  /** Host needs of networks not given as a section (what a NodeNetworkPrep component receives). @default [] */
  readonly hostRequirements?: readonly HostRequirements[];
}

/** Like planDoctor, from a computed plan and the component options (what a Pulumi or cdk8s front end holds). */
export function planDoctorForPlan(plan: CidrPlan, sections: DoctorSections): DoctorPlanCheck {
  const p = new Problems();
  let flannel: FlannelPart | undefined;
  if (sections.flannel !== undefined) {
    const f = flannelNetworkSchema.safeParse(sections.flannel, { reportInput: true });
    if (!f.success) p.errors.push(...zodProblems(f.error.issues, sections.flannel, flannelNetworkSchema, ["flannel"]));
    else flannel = flannelPart(f.data, plan, p);
  }
  const calico = sections.calico !== undefined ? calicoPart(sections.calico, plan, p) : undefined;
  if (sections.flannel !== undefined && sections.calico !== undefined) {
    p.error("calico", "calico.flannel-conflict", "calico: and flannel: are both set; a cluster runs one pod network, remove one of them");
  }
  const reqs = [flannel?.host, calico?.host, ...(sections.hostRequirements ?? [])].filter((h): h is HostRequirements => h !== undefined);
  const prepCheck = checkNodeNetworkPrep({ plan, options: sections.prep ?? { cniPlugins: false }, hostRequirements: reqs });
  p.merge(prepCheck);
  if (!p.ok || !prepCheck.result) return { errors: p.errors, warnings: p.warnings };
  const prep = prepCheck.result;
  const network: DoctorNetwork = flannel ? "flannel" : calico ? "calico" : "none";
  const nodes = plan.nodes.map((n) => nodeState(n.name, n.index, plan, network, flannel, calico, prep, sections.prep !== undefined));
  return {
    doctor: { plan, network, nodes, collect: collectOptions(nodes), ...(flannel?.leases ? { leases: flannel.leases } : {}) },
    errors: [],
    warnings: p.warnings,
  };
}

/** The expectations of one node (undefined when the spec has no such node). */
export function expectedNodeState(doctor: DoctorPlan, node: string): ExpectedNodeState | undefined {
  return doctor.nodes.find((n) => n.node === node);
}

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
  const leases: FlannelLeaseExpectation | undefined =
    etcd && s?.etcd
      ? {
          api: etcd.api,
          endpoints: etcd.endpoints,
          prefix: etcd.prefix,
          reserved,
          // tls file names are CLI-only (Pulumi passes `tls: {}` and the PEM material).
          ...(s.etcd.tls?.caFile && s.etcd.tls.certFile && s.etcd.tls.keyFile
            ? { tls: { caFile: s.etcd.tls.caFile, certFile: s.etcd.tls.certFile, keyFile: s.etcd.tls.keyFile } }
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
        }
      : undefined;
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

interface CalicoPart {
  readonly resolved: ResolvedCalico;
  readonly host: HostRequirements;
}

function calicoPart(section: unknown, plan: CidrPlan, p: Problems): CalicoPart | undefined {
  const r = checkCalicoNetwork(section, plan, "calico");
  p.errors.push(...r.errors);
  p.warnings.push(...r.warnings);
  return r.render ? { resolved: r.render.resolved, host: r.render.hostRequirements } : undefined;
}

function nodeState(
  name: string,
  index: number,
  plan: CidrPlan,
  network: DoctorNetwork,
  flannel: FlannelPart | undefined,
  calico: CalicoPart | undefined,
  prep: NodeNetworkPrepResult,
  hasPrep: boolean,
): ExpectedNodeState {
  const node = plan.nodes[index];
  const notes: string[] = [];
  const base = {
    node: name,
    index,
    network,
    families: plan.families,
    clusterCidrs: plan.podCidr,
    sysctls: prep.sysctl.map((s) => ({ key: s.key, value: s.value, reason: s.reason })),
    kernelModules: prep.kernelModules.map((m) => ({ name: m.name, reason: m.reason })),
    networkManagerPatterns: prep.unmanagedDevices,
  };
  const fw = prep.nodes.find((n) => n.node === name)?.firewall;
  const firewalld = fw
    ? {
        firewalld: {
          zone: fw.zone,
          ports: fw.ports,
          protocols: fw.protocols,
          trustedZone: fw.trustedZone,
          sources: fw.sources,
          interfaces: fw.interfaces,
          openings: fw.openings,
        },
      }
    : {};
  let devices: ExpectedDevice[] = [];
  let routes: ExpectedRoute[] = [];
  let extra: Partial<ExpectedNodeState> = {};
  if (flannel && node) {
    const sel = flannel.selections.get(name);
    const mtu = flannel.podMtu.get(name);
    const c = flannel.config;
    if (!sel)
      notes.push(
        "flannel's interface on this node cannot be known from the spec (iface-can-reach); interface, address and host-gw routes are not checked",
      );
    devices = flannelDevices(c, plan, sel, mtu);
    routes = flannelRoutes(c, plan, name, flannel.selections, flannel.predicted);
    extra = {
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
    };
    if (c.enableNFTables) notes.push("flannel runs in nftables mode: the masquerade probes read iptables rules only");
  } else if (calico && node) {
    const c = calico.resolved;
    const addresses: Record<string, string> = {};
    let iface: string | undefined;
    const perFamily: PublicAddress[] = [];
    for (const f of plan.families) {
      const choice = c.autodetection[f]?.nodes.find((x) => x.node === name);
      if (!choice) continue;
      addresses[f] = choice.address;
      iface = choice.interface;
      perFamily.push(...publicAddresses(plan, index, choice.interface, { [f]: choice.address }));
    }
    if (!iface)
      notes.push("Calico's address autodetection cannot be resolved from the spec on this node; its interface and address are not checked");
    devices = calicoDevices(c, name);
    const pools: Record<string, string> = {};
    for (const pool of c.pools) if (!pools[pool.family]) pools[pool.family] = pool.cidr.text;
    notes.push("Calico routes go to IPAM blocks that Calico assigns at run time; per-node routes are not checked");
    extra = {
      publicAddresses: perFamily,
      masquerade: { egress: false, by: "the Calico IPPool natOutgoing setting", pools },
      cni: { confDir: CALICO_CNI_CONF_DIR, file: CALICO_CONFLIST_NAME, pluginType: "calico" },
    };
  }
  // Without a network section (host needs passed in), the exact device names among the patterns.
  const literal = network === "none" ? prep.unmanagedDevices.filter((d) => !d.includes("*")) : [];
  const unmanaged =
    prep.unmanagedDevices.length > 0
      ? [...new Set([...devices.map((d) => d.name), ...(flannel?.cni ? [FLANNEL_CNI_BRIDGE] : []), ...literal])]
      : [];
  if (!hasPrep) notes.push("the spec has no prep: section; sysctls and kernel modules are checked against NodeNetworkPrep's defaults");
  return { ...base, ...firewalld, ...extra, devices, routes, networkManagerUnmanaged: unmanaged, notes };
}

type PublicAddress = NonNullable<ExpectedNodeState["publicAddresses"]>[number];

function publicAddresses(plan: CidrPlan, index: number, iface: string, addresses: PerFamily<string>): PublicAddress[] {
  const node = plan.nodes[index];
  const i = node?.interfaces.findIndex((x) => x.name === iface) ?? -1;
  const planned = i >= 0 ? node?.interfaces[i] : undefined;
  return plan.families.flatMap((f) => {
    const address = addresses[f];
    if (address === undefined) return [];
    return [{ family: f, interface: iface, address, ...(planned ? { mtu: planned.mtu } : {}), path: `nodes[${index}].interfaces[${i}]` }];
  });
}

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

function calicoDevices(c: ResolvedCalico, name: string): ExpectedDevice[] {
  const out: ExpectedDevice[] = [];
  const explicit = c.mtu.value > 0 ? c.mtu.value : undefined;
  const underlay = (f: IpFamily) => c.autodetection[f]?.nodes.find((x) => x.node === name);
  const mtu = (f: IpFamily, overhead: number): Pick<ExpectedDevice, "mtu" | "maxMtu"> => {
    if (explicit !== undefined) return { mtu: explicit };
    const u = underlay(f);
    return u ? { maxMtu: u.mtu - overhead } : {};
  };
  if (c.encapsulation.ipip)
    out.push({ name: "tunl0", kind: "ipip", family: "ipv4", ...mtu("ipv4", CALICO_OVERHEAD.ipip), purpose: "Calico IP-in-IP" });
  if (c.encapsulation.vxlanV4) {
    out.push({
      name: "vxlan.calico",
      kind: "vxlan",
      family: "ipv4",
      port: CALICO_VXLAN_PORT,
      vni: CALICO_VXLAN_VNI,
      ...mtu("ipv4", CALICO_OVERHEAD.vxlanV4),
      purpose: "Calico VXLAN",
    });
  }
  if (c.encapsulation.vxlanV6) {
    out.push({
      name: "vxlan-v6.calico",
      kind: "vxlan",
      family: "ipv6",
      port: CALICO_VXLAN_PORT,
      vni: CALICO_VXLAN_VNI,
      ...mtu("ipv6", CALICO_OVERHEAD.vxlanV6),
      purpose: "Calico VXLAN (IPv6)",
    });
  }
  if (c.wireguard.ipv4)
    out.push({
      name: "wireguard.cali",
      kind: "wireguard",
      family: "ipv4",
      ...mtu("ipv4", CALICO_OVERHEAD.wireguardV4),
      purpose: "Calico WireGuard",
    });
  if (c.wireguard.ipv6)
    out.push({
      name: "wg-v6.cali",
      kind: "wireguard",
      family: "ipv6",
      ...mtu("ipv6", CALICO_OVERHEAD.wireguardV6),
      purpose: "Calico WireGuard (IPv6)",
    });
  return out;
}

function collectOptions(nodes: readonly ExpectedNodeState[]): DoctorCollectOptions {
  const uniq = (xs: Iterable<string>) => [...new Set(xs)].sort();
  return {
    subnetFiles: uniq(nodes.flatMap((n) => (n.flannel ? [n.flannel.subnetFile] : []))),
    cniConfDirs: uniq(nodes.flatMap((n) => (n.cni ? [n.cni.confDir] : []))),
    cniFiles: uniq(nodes.flatMap((n) => (n.cni ? [`${n.cni.confDir}/${n.cni.file}`] : []))),
    sysctlKeys: uniq(nodes.flatMap((n) => n.sysctls.map((s) => s.key))),
    kernelModules: uniq(nodes.flatMap((n) => n.kernelModules.map((m) => m.name))),
    firewalldZones: uniq(nodes.flatMap((n) => (n.firewalld ? [n.firewalld.zone, n.firewalld.trustedZone] : []))),
  };
}
