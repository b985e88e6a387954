/**
 * Plans for the Calico tests, built through the real planner: the seed
 * runbook's kubeadm hosts, single-NIC LANs in IPv4, IPv6 and dual-stack,
 * and large clusters for the Typha and BGP mesh rules.
 */

import type { CidrPlan } from "../src/index.js";
import { type NodeOptions, planPodCidrs } from "../src/index.js";

export const V4 = { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
export const V6 = { podCidrs: ["fd00:10:244::/56"], serviceCidrs: ["fd00:10:96::/112"] };
export const DUAL = { podCidrs: ["172.16.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] };

/** `count` single-NIC nodes (ens33) on 192.168.79.0/24 (and fd00:192:168:79::/64 with `v6`). */
export function lanNodes(count: number, opts: { v4?: boolean; v6?: boolean; mtu?: number } = {}): NodeOptions[] {
  const v4 = opts.v4 ?? true;
  return Array.from({ length: count }, (_, i) => ({
    name: `n${i + 1}`,
    interfaces: [
      {
        name: "ens33",
        addresses: [...(v4 ? [`192.168.79.${128 + i}/24`] : []), ...(opts.v6 ? [`fd00:192:168:79::${128 + i}/64`] : [])],
        mtu: opts.mtu ?? 1500,
      },
    ],
  }));
}

/** The seed runbook's master: ens33 (NAT, default route), virbr0 and docker0; plus workers. */
export function seedNodes(workers = 2): NodeOptions[] {
  return [
    {
      name: "k8s-master-01",
      roles: ["control-plane", "etcd"],
      interfaces: [
        { name: "ens33", addresses: ["192.168.79.128/24"], defaultRoute: true },
        { name: "virbr0", addresses: ["192.168.122.1/24"] },
        { name: "docker0", addresses: ["172.17.0.1/16"] },
      ],
    },
    ...Array.from({ length: workers }, (_, i) => ({
      name: `k8s-node-0${i + 1}`,
      interfaces: [{ name: "ens33", addresses: [`192.168.79.${129 + i}/24`] }],
    })),
  ];
}

/** `count` nodes on one 10.1.0.0/16 LAN: large clusters (Typha, BGP mesh, capacity). */
export function bigNodes(count: number): NodeOptions[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `w${i + 1}`,
    interfaces: [{ name: "eth0", addresses: [`10.1.${(i + 1) >> 8}.${(i + 1) & 255}/16`] }],
  }));
}

export function planOf(cluster: { podCidrs: string[]; serviceCidrs: string[] } & Record<string, unknown>, nodes: NodeOptions[]): CidrPlan {
  return planPodCidrs({ cluster, nodes }).value;
}

/** Named plans for table rows. */
export const PLANS: Record<string, () => CidrPlan> = {
  v4: () => planOf(V4, lanNodes(3)),
  dual: () => planOf(DUAL, lanNodes(3, { v6: true })),
  v6only: () => planOf(V6, lanNodes(2, { v4: false, v6: true })),
  seed: () => planOf(V4, seedNodes()),
  reserved: () => planOf({ ...V4, reservedCidrs: ["172.17.0.0/16"] }, lanNodes(3)),
  tiny4: () => planOf({ ...V4, maxPodsPerNode: 6 }, lanNodes(4)),
  single: () => planOf(V4, lanNodes(1)),
  twoNic: () =>
    planOf(V4, [
      {
        name: "m1",
        interfaces: [
          { name: "ens33", addresses: ["192.168.79.128/24"] },
          { name: "ens34", addresses: ["10.10.0.5/24"] },
        ],
      },
    ]),
  big12: () => planOf(V4, bigNodes(12)),
  big30: () => planOf(V4, bigNodes(30)),
  big51: () => planOf(V4, bigNodes(51)),
  big101: () => planOf(V4, bigNodes(101)),
  /** 12 nodes with eth0 and a docker0 bridge each: first-found relies on Calico's exclusions everywhere. */
  docker12: () =>
    planOf(
      V4,
      bigNodes(12).map((n, i) => ({ ...n, interfaces: [...n.interfaces, { name: "docker0", addresses: [`172.17.${i}.1/24`] }] })),
    ),
};
