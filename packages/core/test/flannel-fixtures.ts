/**
 * Plans for the flannel tests: small node inventories in IPv4, IPv6 and
 * dual-stack, built through the real planner.
 */

import type { CidrPlan } from "../src/index.js";
import { type NodeOptions, planPodCidrs } from "../src/index.js";

export const V4 = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
export const V6 = { podCidrs: ["fd00:10:244::/56"], serviceCidrs: ["fd00:10:96::/112"] };
export const DUAL = { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] };

/** `count` single-NIC nodes on 192.168.1.0/24 (and fd00:192:168:1::/64 when `v6`). */
export function lanNodes(count: number, opts: { v4?: boolean; v6?: boolean; mtu?: number } = {}): NodeOptions[] {
  const v4 = opts.v4 ?? true;
  return Array.from({ length: count }, (_, i) => ({
    name: `n${i + 1}`,
    interfaces: [
      {
        name: "eth0",
        addresses: [...(v4 ? [`192.168.1.${31 + i}/24`] : []), ...(opts.v6 ? [`fd00:192:168:1::${31 + i}/64`] : [])],
        mtu: opts.mtu ?? 1500,
      },
    ],
  }));
}

/** Nodes with a NAT interface (the same address everywhere is not allowed by the planner, so it differs) and a private LAN. */
export function twoNicNodes(count: number): NodeOptions[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `n${i + 1}`,
    interfaces: [
      { name: "eth0", addresses: [`10.0.${2 + i}.15/24`], defaultRoute: true },
      { name: "eth1", addresses: [`192.168.56.${11 + i}/24`] },
    ],
  }));
}

export function planOf(cluster: { podCidrs: string[]; serviceCidrs: string[] }, nodes: NodeOptions[]): CidrPlan {
  return planPodCidrs({ cluster, nodes }).value;
}

export type DeepMutable<T> = { -readonly [K in keyof T]: DeepMutable<T[K]> };

/** A deep copy to tamper with (a plan from elsewhere, e.g. a hand-edited plan.json). */
export function tampered(plan: CidrPlan, edit: (p: DeepMutable<CidrPlan>) => void): CidrPlan {
  const copy = JSON.parse(JSON.stringify(plan)) as DeepMutable<CidrPlan>;
  edit(copy);
  return copy;
}
