/**
 * Stale flannel subnet leases in etcd (`<prefix>/subnets/<ip>-<len>`): the
 * trouble of seed 004, where flanneld kept reusing an old lease for its
 * PublicIP until the key was deleted by hand. Pure: the CLI lists the keys
 * with etcdctl and deletes only what this returns, after printing it, with
 * `--yes`.
 */

import type { FlannelLeaseExpectation } from "../component/expectations.js";
import { parseCidr } from "../shared/cidr.js";

export type { FlannelLeaseExpectation } from "../component/expectations.js";

/** One key under `<prefix>/subnets/` as listed from etcd. */
export interface FlannelLease {
  readonly key: string;
  readonly value: string;
}

export interface StaleLease {
  readonly key: string;
  readonly value: string;
  /** The plan's node the lease belongs to (by its PublicIP), when any. */
  readonly node?: string;
  readonly publicIp?: string;
  /** Why it is stale. */
  readonly reason: string;
}

export interface LeaseReview {
  readonly stale: readonly StaleLease[];
  /** Leases that match the plan. */
  readonly kept: readonly { readonly key: string; readonly node: string }[];
  /** Keys doctor does not recognise as flannel leases; never deleted. */
  readonly ignored: readonly { readonly key: string; readonly reason: string }[];
}

/** `10.244.1.0-24` or `10.244.1.0-24&fd00:0:0:1::-64` -> the subnets, or undefined. */
export function parseSubnetKeySegment(segment: string): string[] | undefined {
  const parts = segment.split("&");
  const out: string[] = [];
  for (const p of parts) {
    const dash = p.lastIndexOf("-");
    if (dash <= 0) return undefined;
    const c = parseCidr(`${p.slice(0, dash)}/${p.slice(dash + 1)}`);
    if (!c.ok) return undefined;
    out.push(c.value.text);
  }
  return out.length > 0 && out.length <= 2 ? out : undefined;
}

function publicIpOf(value: string): string | undefined {
  try {
    const v = JSON.parse(value) as { PublicIP?: unknown };
    return typeof v.PublicIP === "string" ? v.PublicIP : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sorts the listed leases into stale, kept and ignored. A lease is stale when
 * its PublicIP belongs to no node of the plan (a removed node), or (with
 * reservations) when it is not the key its node should hold, or when the key
 * of a node's planned subnet is held by another address.
 */
export function reviewFlannelLeases(expected: FlannelLeaseExpectation, leases: readonly FlannelLease[]): LeaseReview {
  const base = `${expected.prefix}/subnets/`;
  const byKey = new Map(expected.nodes.map((n) => [n.key, n]));
  const byIp = new Map(expected.nodes.flatMap((n) => (n.publicIp ? [[n.publicIp, n] as const] : [])));
  const stale: StaleLease[] = [];
  const kept: Array<{ key: string; node: string }> = [];
  const ignored: Array<{ key: string; reason: string }> = [];
  for (const lease of [...leases].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (!lease.key.startsWith(base) || !parseSubnetKeySegment(lease.key.slice(base.length))) {
      ignored.push({ key: lease.key, reason: `not a flannel subnet key under ${base}` });
      continue;
    }
    const ip = publicIpOf(lease.value);
    if (ip === undefined) {
      ignored.push({ key: lease.key, reason: "its value has no PublicIP" });
      continue;
    }
    const owner = byIp.get(ip);
    const planned = byKey.get(lease.key);
    if (planned && planned.publicIp !== undefined && planned.publicIp !== ip) {
      stale.push({
        key: lease.key,
        value: lease.value,
        ...(owner ? { node: owner.node } : {}),
        publicIp: ip,
        reason: `node "${planned.node}" (${planned.publicIp}) should hold this subnet, but the lease is for ${ip}${owner ? ` (node "${owner.node}")` : ", no node of the spec"}`,
      });
    } else if (!owner) {
      stale.push({
        key: lease.key,
        value: lease.value,
        publicIp: ip,
        reason: `${ip} is no node of the spec (a removed node, or a changed address)`,
      });
    } else if (expected.reserved && lease.key !== owner.key) {
      stale.push({
        key: lease.key,
        value: lease.value,
        node: owner.node,
        publicIp: ip,
        reason: `node "${owner.node}" (${ip}) should hold ${owner.key.slice(base.length)}; flanneld keeps reusing this old lease instead (seed 004)`,
      });
    } else kept.push({ key: lease.key, node: owner.node });
  }
  return { stale, kept, ignored };
}
