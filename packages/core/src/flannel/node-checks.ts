/**
 * FlannelNetwork checks on the selected interfaces: the pod MTU per node,
 * addresses unique across nodes, host-gw L2 adjacency.
 */

import type { CidrPlan } from "../plan/index.js";
import type { Problems } from "../shared/problems.js";
import { FLANNEL_BACKEND_KEYS, FLANNEL_BACKEND_OVERHEAD } from "./backend.js";
import type { FlannelNodeInterface } from "./interfaces.js";
import type { FlannelNetworkConfig } from "./options.js";
import { IPV4_MIN_MTU, IPV6_MIN_MTU } from "./validation.js";

/** What the per-node checks found, for the summary. */
export interface FlannelNodeMtu {
  readonly node: string;
  readonly interface: string;
  readonly interfaceMtu: number;
  /** The pod MTU flannel writes into subnet.env (FLANNEL_MTU). */
  readonly podMtu: number;
}

/** Per node: pod MTU, then addresses unique across nodes, then host-gw L2 adjacency. */
export function checkFlannelNodes(
  selections: readonly FlannelNodeInterface[],
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  base: string,
  p: Problems,
): FlannelNodeMtu[] {
  const b = c.backend;
  const out = podMtus(selections, c, plan, base, p);
  const mtus = [...new Set(out.map((m) => m.podMtu))].sort((x, y) => x - y);
  if (mtus.length > 1) {
    const lowest = out.filter((m) => m.podMtu === mtus[0]).map((m) => m.node);
    p.warn(
      `${base}.backend`,
      "flannel.mtu-mixed",
      `${base}.backend: pod MTUs differ between nodes (${mtus.join(", ")}; lowest on ${lowest.join(", ")}); pods on larger-MTU nodes send packets the others cannot take and rely on path MTU discovery; set ${base}.backend.mtu${FLANNEL_BACKEND_KEYS[b.type].includes("mtu") ? "" : " (vxlan, wireguard)"} or align the interface MTUs`,
    );
  }

  checkUniqueAddresses(selections, plan, base, p);
  if (b.type === "host-gw") checkHostGwL2(selections, plan, base, p);
  return out;
}

/** The pod MTU of each node (interface or backend MTU minus the backend's overhead), reporting those too small. */
function podMtus(
  selections: readonly FlannelNodeInterface[],
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  base: string,
  p: Problems,
): FlannelNodeMtu[] {
  const b = c.backend;
  const overhead = FLANNEL_BACKEND_OVERHEAD[b.type];
  const ipv6 = plan.families.includes("ipv6");
  const out: FlannelNodeMtu[] = [];
  const applies = b.mtu !== undefined && FLANNEL_BACKEND_KEYS[b.type].includes("mtu");
  // An out-of-range MTU is reported by checkBackend; nothing sensible follows from it.
  const explicit = applies && b.mtu !== undefined && b.mtu >= IPV4_MIN_MTU && b.mtu <= 65535 ? b.mtu : undefined;
  if (!applies || explicit !== undefined) {
    const at = `${base}.backend.mtu`;
    const above = explicit !== undefined ? selections.filter((s) => explicit > s.mtu) : [];
    if (above.length > 0) {
      const smallest = Math.min(...above.map((s) => s.mtu));
      p.error(
        at,
        "flannel.mtu-above-interface",
        `${at}: ${explicit} is above the MTU of the interface flannel uses on ${above
          .map((s) => `node "${s.node}" (${s.interface}, ${s.mtu})`)
          .join(", ")}; encapsulated packets would exceed the link; set ${at} to at most ${smallest} or remove it`,
      );
    }
    const minimum = ipv6 ? IPV6_MIN_MTU : IPV4_MIN_MTU;
    const rfc = ipv6 ? "the IPv6 minimum (RFC 8200)" : "the IPv4 minimum (RFC 791)";
    if (explicit !== undefined && explicit - overhead < minimum) {
      p.error(
        at,
        ipv6 ? "flannel.mtu-ipv6" : "flannel.mtu-ipv4",
        `${at}: the pod MTU would be ${explicit - overhead} (${explicit} - ${overhead} ${b.type} overhead), below ${minimum}, ${rfc}; set ${at} to at least ${minimum + overhead}`,
      );
    }
    for (const s of selections) {
      if (above.includes(s)) continue;
      const podMtu = (explicit ?? s.mtu) - overhead;
      if (podMtu < minimum) {
        if (explicit !== undefined) continue; // reported once above
        const where = `nodes[${s.nodeIndex}].interfaces[${s.interfaceIndex}].mtu`;
        p.error(
          where,
          ipv6 ? "flannel.mtu-ipv6" : "flannel.mtu-ipv4",
          `${where}: the pod MTU on node "${s.node}" would be ${podMtu} (${s.interface} MTU ${s.mtu} - ${overhead} ${b.type} overhead), below ${minimum}, ${rfc}; ${ipv6 ? "IPv6 pods would not work; " : ""}raise the MTU of ${s.interface} to at least ${minimum + overhead}`,
        );
        continue;
      }
      out.push({ node: s.node, interface: s.interface, interfaceMtu: s.mtu, podMtu });
    }
  }
  return out;
}

/** No two nodes advertise the same address in one family. */
function checkUniqueAddresses(selections: readonly FlannelNodeInterface[], plan: CidrPlan, base: string, p: Problems): void {
  for (const family of plan.families) {
    const seen = new Map<string, FlannelNodeInterface>();
    for (const s of selections) {
      const addr = s.addresses[family];
      if (addr === undefined) continue;
      const other = seen.get(addr);
      if (other) {
        p.error(
          `nodes[${s.nodeIndex}].interfaces[${s.interfaceIndex}]`,
          "flannel.address-duplicate",
          `nodes[${s.nodeIndex}].interfaces[${s.interfaceIndex}]: flannel would advertise ${addr} (${s.interface}) for node "${s.node}" and for node "${other.node}" (${other.interface}); every node needs its own address or traffic goes to the wrong host; select an interface with a unique address via ${base}.iface`,
        );
      } else seen.set(addr, s);
    }
  }
}

/** host-gw routes straight to the peer, so every node's interface must be in one network per family. */
function checkHostGwL2(selections: readonly FlannelNodeInterface[], plan: CidrPlan, base: string, p: Problems): void {
  for (const family of plan.families) {
    const withNet = selections.filter((s) => s.networks[family] !== undefined);
    const first = withNet[0];
    const apart = withNet.find((s) => s.networks[family] !== first?.networks[family]);
    if (first && apart) {
      p.error(
        `${base}.backend.type`,
        "flannel.host-gw-l2",
        `${base}.backend.type: "host-gw" routes pod traffic straight to the peer node, so all nodes must share one L2 network, but node "${first.node}" uses ${first.addresses[family]} in ${first.networks[family]} and node "${apart.node}" uses ${apart.addresses[family]} in ${apart.networks[family]}; use type "vxlan" with directRouting: true (direct routes where nodes share a subnet, VXLAN elsewhere)`,
      );
    }
  }
}
