/**
 * What Calico expects on each node for doctor, from the component's own
 * resolution: the autodetected interface and address, its tunnel devices and
 * their MTUs, the CNI config and the masquerading pools.
 */

import type { ComponentDoctor } from "../component/contract.js";
import {
  type DoctorHints,
  DoctorNetwork,
  type ExpectedDevice,
  type ExpectedPublicAddress,
  type NetworkNodeExpectation,
} from "../component/expectations.js";
import { publicAddresses } from "../component/public-addresses.js";
import type { CidrPlan } from "../plan/index.js";
import type { IpFamily } from "../shared/cidr.js";
import { CALICO_VXLAN_PORT } from "./host.js";
import { checkCalicoNetwork } from "./network.js";
import { CALICO_OVERHEAD, type ResolvedCalico } from "./validation.js";

/** Calico's CNI config file name (calico-node's install-cni `CNI_CONF_NAME`, see calico/manifests.ts). */
export const CALICO_CONFLIST_NAME = "10-calico.conflist";
/** Calico's CNI config directory (install-cni writes to the host's /etc/cni/net.d). */
export const CALICO_CNI_CONF_DIR = "/etc/cni/net.d";
/** Felix `vxlanVNI` default (FelixConfiguration reference: 4096). */
export const CALICO_VXLAN_VNI = 4096;

/** What Calico expects on one node of the plan. */
function calicoNodeExpectation(c: ResolvedCalico, plan: CidrPlan, name: string, index: number): NetworkNodeExpectation {
  if (!plan.nodes[index]) return { notes: [] };
  const notes: string[] = [];
  let iface: string | undefined;
  const perFamily: ExpectedPublicAddress[] = [];
  for (const f of plan.families) {
    const choice = c.autodetection[f]?.nodes.find((x) => x.node === name);
    if (!choice) continue;
    iface = choice.interface;
    perFamily.push(...publicAddresses(plan, index, choice.interface, { [f]: choice.address }));
  }
  if (!iface)
    notes.push("Calico's address autodetection cannot be resolved from the spec on this node; its interface and address are not checked");
  const pools: Record<string, string> = {};
  for (const pool of c.pools) if (!pools[pool.family]) pools[pool.family] = pool.cidr.text;
  notes.push("Calico routes go to IPAM blocks that Calico assigns at run time; per-node routes are not checked");
  return {
    publicAddresses: perFamily,
    masquerade: { egress: false, by: "the Calico IPPool natOutgoing setting", pools },
    cni: { confDir: CALICO_CNI_CONF_DIR, file: CALICO_CONFLIST_NAME, pluginType: "calico" },
    devices: calicoDevices(c, name),
    notes,
  };
}

/** Calico's wording in doctor's findings. */
const CALICO_HINTS: DoctorHints = {
  addressPicker: "Calico's address autodetection",
  deviceFix: () =>
    "calico-node creates it: check the calico-node pod on this node (kubectl -n calico-system logs, or kube-system on the manifest path)",
  routeFix: () => "the network daemon adds it",
  cniWriter: "calico-node's install-cni step",
  cniShadowedTip: "",
};

/** Calico's doctor planning: the same resolution the component renders from. */
export const calicoDoctor: ComponentDoctor = {
  hints: CALICO_HINTS,
  expect(section, plan, p) {
    const r = checkCalicoNetwork(section, plan);
    p.errors.push(...r.errors);
    p.warnings.push(...r.warnings);
    if (!r.value) return undefined;
    const resolved = r.value.resolved;
    return {
      network: DoctorNetwork.CALICO,
      hostRequirements: r.value.hostRequirements,
      node: (name, index) => calicoNodeExpectation(resolved, plan, name, index),
    };
  },
};

function calicoDevices(c: ResolvedCalico, name: string): ExpectedDevice[] {
  const out: ExpectedDevice[] = [];
  const explicit = c.mtu.value > 0 ? c.mtu.value : undefined;
  const underlay = (f: IpFamily) => c.autodetection[f]?.nodes.find((x) => x.node === name);
  const mtu = (f: IpFamily, overhead: number): Pick<ExpectedDevice, "mtu" | "maxMtu"> => {
    if (explicit !== undefined) return { mtu: explicit };
    const u = underlay(f);
    return u ? { maxMtu: u.mtu - overhead } : {};
  };
  const device = (name: string, kind: string, family: IpFamily, overhead: number, purpose: string): ExpectedDevice => ({
    name,
    kind,
    family,
    ...(kind === "vxlan" ? { port: CALICO_VXLAN_PORT, vni: CALICO_VXLAN_VNI } : {}),
    ...mtu(family, overhead),
    purpose,
  });
  if (c.encapsulation.ipip) out.push(device("tunl0", "ipip", "ipv4", CALICO_OVERHEAD.ipip, "Calico IP-in-IP"));
  if (c.encapsulation.vxlanV4) out.push(device("vxlan.calico", "vxlan", "ipv4", CALICO_OVERHEAD.vxlanV4, "Calico VXLAN"));
  if (c.encapsulation.vxlanV6) out.push(device("vxlan-v6.calico", "vxlan", "ipv6", CALICO_OVERHEAD.vxlanV6, "Calico VXLAN (IPv6)"));
  if (c.wireguard.ipv4) out.push(device("wireguard.cali", "wireguard", "ipv4", CALICO_OVERHEAD.wireguardV4, "Calico WireGuard"));
  if (c.wireguard.ipv6) out.push(device("wg-v6.cali", "wireguard", "ipv6", CALICO_OVERHEAD.wireguardV6, "Calico WireGuard (IPv6)"));
  return out;
}
