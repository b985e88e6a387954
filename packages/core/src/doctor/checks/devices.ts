/** Doctor check of the overlay devices the pod network creates on the node. */

import type { DoctorHints } from "../../component/expectations.js";
import { FAMILY_LABEL, nthAddress } from "../../shared/cidr.js";
import type { DiagnosisBuilder } from "../builder.js";
import type { LinkFact, NodeFacts } from "../facts.js";
import { doctorHints } from "../hints.js";
import type { ExpectedDevice, ExpectedNodeState } from "../model.js";
import type { SubnetState } from "./subnet.js";

/** Checks every overlay device the network creates on the node. */
export function checkDevices(expected: ExpectedNodeState, facts: NodeFacts, state: SubnetState, d: DiagnosisBuilder): void {
  if (expected.devices.length === 0) return;
  const check = "overlay";
  if (!facts.links.ok) {
    d.cannot(check, facts.links.reason);
    return;
  }
  d.ran(check);
  const links = facts.links.value;
  const hints = doctorHints(expected);
  for (const dev of expected.devices) checkDevice(expected, facts, state, dev, links, hints, d);
}

/** One overlay device: present, of its kind, VXLAN id/port/underlay, MTU, up, its subnet address. */
function checkDevice(
  expected: ExpectedNodeState,
  facts: NodeFacts,
  state: SubnetState,
  dev: ExpectedDevice,
  links: readonly LinkFact[],
  hints: DoctorHints,
  d: DiagnosisBuilder,
): void {
  const check = "overlay";
  const link = links.find((l) => l.name === dev.name);
  if (!link) {
    d.find(
      check,
      "overlay.missing",
      `${dev.kind} device ${dev.name} (${dev.purpose})`,
      `no ${dev.name}; links: ${links.map((l) => l.name).join(", ") || "none"}`,
      hints.deviceFix(expected),
    );
    return;
  }
  if (link.kind !== undefined && link.kind !== dev.kind) {
    d.find(
      check,
      "overlay.kind",
      `${dev.name} of kind ${dev.kind}`,
      `${dev.name} is a ${link.kind} device`,
      `another tool created ${dev.name}: delete it (ip link del ${dev.name}) and restart the network daemon so it creates the right one`,
    );
    return;
  }
  if (link.vxlan) checkVxlan(expected, dev, link.vxlan, d);
  if (dev.mtu !== undefined && link.mtu !== dev.mtu && !state.mtuMismatch) {
    d.find(
      check,
      "overlay.mtu",
      `${dev.name} MTU ${dev.mtu} (${dev.purpose}: the interface MTU minus the encapsulation overhead)`,
      `${dev.name} MTU ${link.mtu}`,
      `packets of pods near the link MTU are dropped or fragmented: ip link set dev ${dev.name} mtu ${dev.mtu} now, and restart the network daemon so it configures it itself; if the interface MTU changed, update nodes[${expected.index}].interfaces in the spec first`,
    );
  } else if (dev.maxMtu !== undefined && link.mtu > dev.maxMtu && !state.mtuMismatch) {
    d.find(
      check,
      "overlay.mtu",
      `${dev.name} MTU at most ${dev.maxMtu} (the interface MTU minus the encapsulation overhead)`,
      `${dev.name} MTU ${link.mtu}`,
      `set the Calico MTU (calico.mtu) to at most ${dev.maxMtu}, or leave it to auto-detection and restart calico-node`,
    );
  }
  if (!link.up)
    d.find(check, "overlay.down", `${dev.name} up`, `${dev.name} is down`, `ip link set dev ${dev.name} up; ${hints.deviceFix(expected)}`);
  checkSubnetAddress(dev, facts, state, d);
}

/** A VXLAN device's id, port and underlay. */
function checkVxlan(expected: ExpectedNodeState, dev: ExpectedDevice, vxlan: NonNullable<LinkFact["vxlan"]>, d: DiagnosisBuilder): void {
  const check = "overlay";
  if (dev.vni !== undefined && vxlan.id !== undefined && vxlan.id !== dev.vni) {
    d.find(
      check,
      "overlay.vni",
      `${dev.name} with VNI ${dev.vni}`,
      `VNI ${vxlan.id}`,
      `nodes on different VNIs cannot reach each other: the device is from an older config; ip link del ${dev.name} and restart the network daemon`,
    );
  }
  if (dev.port !== undefined && vxlan.port !== undefined && vxlan.port !== dev.port) {
    d.find(
      check,
      "overlay.port",
      `${dev.name} on UDP port ${dev.port}`,
      `UDP port ${vxlan.port}`,
      `the firewall opens ${dev.port}; ip link del ${dev.name} and restart the network daemon so it uses the configured port`,
    );
  }
  const u = dev.underlay;
  if (
    u &&
    ((vxlan.link !== undefined && vxlan.link !== u.interface) ||
      (u.address !== undefined && vxlan.local !== undefined && vxlan.local !== u.address))
  ) {
    d.find(
      check,
      "overlay.underlay",
      `${dev.name} sending from ${u.address ?? "?"} on ${u.interface}`,
      `${dev.name} sends from ${vxlan.local ?? "?"} on ${vxlan.link ?? "?"}`,
      `flannel picked another interface than the spec: check the iface selector (flannel.iface / ifaceRegex) and ${expected.publicAddresses?.[0]?.path ?? "the node's interfaces"}, then restart flanneld`,
    );
  }
}

/** flannel vxlan: the device carries the network address of the node's subnet. */
function checkSubnetAddress(dev: ExpectedDevice, facts: NodeFacts, state: SubnetState, d: DiagnosisBuilder): void {
  const check = "overlay";
  if (!dev.holdsSubnetAddress || !dev.family || !facts.addresses.ok) return;
  const sub = state.subnets[dev.family];
  if (sub) {
    const want = nthAddress(sub, 0n);
    const has = facts.addresses.value.filter((a) => a.interface === dev.name && a.family === dev.family);
    if (!has.some((a) => a.address === want)) {
      d.find(
        check,
        "overlay.address",
        `${want}/${dev.family === "ipv4" ? 32 : 128} on ${dev.name} (the network address of the node's subnet ${sub.text})`,
        has.length > 0
          ? `${dev.name} has ${has.map((a) => `${a.address}/${a.prefix}`).join(", ")}`
          : `${dev.name} has no ${FAMILY_LABEL[dev.family]} address`,
        `the device keeps an address of an old lease ("link has incompatible addresses", flannel issue 1060): ip link del ${dev.name} and restart flanneld`,
      );
    }
  }
}
