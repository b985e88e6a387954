/** Doctor check of the interface and address the pod network uses on the node. */

import { FAMILY_LABEL } from "../../shared/cidr.js";
import type { DiagnosisBuilder } from "../builder.js";
import type { AddressFact, LinkFact, NodeFacts } from "../facts.js";
import { doctorHints } from "../hints.js";
import type { ExpectedNodeState, ExpectedPublicAddress } from "../model.js";

/** Checks the interface and address the network uses; returns true when the interface MTU differs from the spec. */
export function checkAddress(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): boolean {
  const want = expected.publicAddresses ?? [];
  if (want.length === 0) return false;
  const check = "interface";
  if (!facts.addresses.ok) {
    d.cannot(check, facts.addresses.reason);
    return false;
  }
  if (!facts.links.ok) {
    d.cannot(check, facts.links.reason);
    return false;
  }
  d.ran(check);
  let mtuMismatch = false;
  const addrs = facts.addresses.value;
  const links = facts.links.value;
  const who = doctorHints(expected).addressPicker;
  const seen = new Set<string>();
  for (const w of want) {
    const link = links.find((l) => l.name === w.interface);
    const onIt = addrs.some((a) => a.interface === w.interface && a.address === w.address);
    if (!onIt) reportMissingAddress(w, link !== undefined, facts.addresses.value, links, who, d);
    if (!link || seen.has(link.name)) continue;
    seen.add(link.name);
    if (!link.up)
      d.find(
        check,
        "interface.down",
        `${link.name} up`,
        `${link.name} is down`,
        `ip link set dev ${link.name} up, and fix the host's network configuration so it comes up at boot`,
      );
    if (w.mtu !== undefined && link.mtu !== w.mtu) {
      mtuMismatch = true;
      d.find(
        check,
        "interface.mtu",
        `${link.name} MTU ${w.mtu} (${w.path}.mtu)`,
        `${link.name} MTU ${link.mtu}`,
        `the pod and overlay MTUs are computed from ${w.path}.mtu: set it to ${link.mtu} in the spec and apply again, or set the host's MTU to ${w.mtu} (ip link set dev ${link.name} mtu ${w.mtu}, and in the host's network configuration)`,
      );
    }
  }
  return mtuMismatch;
}

/** The wanted address is not on its interface: on another one, no such interface, or just missing. */
function reportMissingAddress(
  w: ExpectedPublicAddress,
  hasLink: boolean,
  addrs: readonly AddressFact[],
  links: readonly LinkFact[],
  who: string,
  d: DiagnosisBuilder,
): void {
  const check = "interface";
  const elsewhere = addrs.filter((a) => a.address === w.address).map((a) => a.interface);
  if (elsewhere.length > 0) {
    d.find(
      check,
      "address.wrong-interface",
      `${w.address} on ${w.interface} (${w.path}), the interface ${who} uses`,
      `${w.address} is on ${elsewhere.join(", ")}${
        hasLink
          ? `; ${w.interface} has ${
              addrs
                .filter((a) => a.interface === w.interface && a.family === w.family)
                .map((a) => a.address)
                .join(", ") || "no address"
            }`
          : `; there is no ${w.interface}`
      }`,
      `${who} will not find ${w.address} on ${w.interface} and advertise another address (or fail). Put ${w.address} back on ${w.interface}, or change ${w.path} and the interface selector in the spec to match the host, then restart the network daemon`,
    );
  } else if (!hasLink) {
    d.find(
      check,
      "interface.missing",
      `interface ${w.interface} with ${w.address} (${w.path})`,
      `no interface ${w.interface}; interfaces: ${links.map((l) => l.name).join(", ")}`,
      `rename the interface in ${w.path} to the host's name, or fix the host's network configuration`,
    );
  } else {
    d.find(
      check,
      "address.missing",
      `${w.address} on ${w.interface} (${w.path})`,
      `${w.interface} has ${
        addrs
          .filter((a) => a.interface === w.interface && a.family === w.family)
          .map((a) => `${a.address}/${a.prefix}`)
          .join(", ") || `no ${FAMILY_LABEL[w.family]} address`
      }`,
      `add ${w.address} to ${w.interface} or correct ${w.path}`,
    );
  }
}
