/** The addresses a network advertises on a node, with the spec interface they belong to. */

import type { CidrPlan, PerFamily } from "../plan/index.js";
import type { ExpectedPublicAddress } from "./expectations.js";

/** Per family: `iface` with its address and, when the spec lists the interface, its MTU and path. */
export function publicAddresses(plan: CidrPlan, index: number, iface: string, addresses: PerFamily<string>): ExpectedPublicAddress[] {
  const node = plan.nodes[index];
  const i = node?.interfaces.findIndex((x) => x.name === iface) ?? -1;
  const planned = i >= 0 ? node?.interfaces[i] : undefined;
  return plan.families.flatMap((f) => {
    const address = addresses[f];
    if (address === undefined) return [];
    return [{ family: f, interface: iface, address, ...(planned ? { mtu: planned.mtu } : {}), path: `nodes[${index}].interfaces[${i}]` }];
  });
}
