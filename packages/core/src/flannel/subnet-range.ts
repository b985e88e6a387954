/**
 * flannel's subnet rules for one family (CheckNetworkConfig: SubnetLen, SubnetMin, SubnetMax)
 * checked against the plan's node subnets.
 * @see flannel pkg/subnet/config.go
 */
import type { CidrPlan } from "../plan/index.js";
import {
  type Cidr,
  contains,
  FAMILY_LABEL,
  familyBits,
  type IpFamily,
  nthSubnet,
  parseAddress,
  parseCidr,
  subnetCount,
  subnetIndex,
} from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";

/** Effective subnet settings of one family, as flannel computes them. */
export interface FlannelSubnetRange {
  readonly family: IpFamily;
  readonly network: Cidr;
  readonly subnetLen: number;
  /** First and last subnet flannel hands out. */
  readonly min: Cidr;
  readonly max: Cidr;
}

/**
 * flannel's CheckNetworkConfig for one family, plus what podnet adds: SubnetLen equals the
 * plan's node mask (the single source of truth), the range holds every node, and with
 * reservations every node's plan subnet lies inside SubnetMin..SubnetMax.
 */
export function checkFlannelSubnetRange(
  plan: CidrPlan,
  family: IpFamily,
  given: { readonly subnetLen?: number; readonly subnetMin?: string; readonly subnetMax?: string },
  reserve: boolean,
  base: string,
  p: Problems,
): FlannelSubnetRange | undefined {
  const networkText = plan.podCidr[family];
  if (!networkText) return undefined;
  const network = parseCidr(networkText);
  if (!network.ok) return undefined;
  const net = network.value;
  const keys = family === "ipv4" ? IPV4_KEYS : IPV6_KEYS;
  const len = checkSubnetLen(plan, family, net, given.subnetLen, keys, `${base}.${keys.len}`, p);
  if (len === undefined) return undefined;
  const count = subnetCount(net, len);
  // flannel skips the Network's first subnet by default: SubnetMin = second subnet, SubnetMax = last.
  const min = boundary(net, len, given.subnetMin, `${base}.${keys.min}`, nthSubnet(net, len, 1n), p);
  const max = boundary(net, len, given.subnetMax, `${base}.${keys.max}`, nthSubnet(net, len, count - 1n), p);
  if (!min || !max) return undefined;
  const lo = subnetIndex(net, min);
  const hi = subnetIndex(net, max);
  if (lo > hi) {
    p.error(
      `${base}.${keys.min}`,
      "flannel.etcd.subnet-min-max",
      `${base}.${keys.min}: "${min.text}" lies after ${base}.${keys.max} "${max.text}"; SubnetMin must not exceed SubnetMax`,
    );
    return undefined;
  }
  const available = hi - lo + 1n;
  if (available < BigInt(plan.nodes.length)) {
    p.error(
      `${base}.${keys.min}`,
      "flannel.etcd.subnet-capacity",
      `${base}.${keys.min}: ${min.text}..${max.text} holds ${available} /${len} subnet${available === 1n ? "" : "s"} but the spec has ${plan.nodes.length} nodes; widen SubnetMin..SubnetMax or use a longer cluster.nodeMaskSize.${family}`,
    );
    return undefined;
  }
  const reported = p.errors.length;
  checkNodesInRange(
    plan,
    family,
    { net, len, lo, hi, min, max },
    given.subnetMin === undefined,
    reserve,
    `${base}.${keys.min}..${keys.max}`,
    p,
  );
  if (p.errors.length > reported) return undefined;
  return { family, network: net, subnetLen: len, min, max };
}

function boundary(net: Cidr, len: number, text: string | undefined, path: string, fallback: Cidr, p: Problems): Cidr | undefined {
  if (text === undefined) return fallback;
  const addr = parseAddress(text);
  if (!addr.ok || addr.value.family !== net.family) {
    p.error(
      path,
      "flannel.etcd.subnet-bound",
      `${path}: ${show(text)} is not an ${FAMILY_LABEL[net.family]} address; give the first address of a subnet, e.g. "${fallback.text.split("/")[0]}"`,
    );
    return undefined;
  }
  const block = parseCidr(`${addr.value.text}/${len}`);
  const masked = block.ok ? block : parseCidr(block.suggestion ?? "");
  const cidrOf = masked.ok ? masked.value : undefined;
  // flannel: "SubnetMin|SubnetMax is not in the range of the Network".
  if (!cidrOf || !contains(net, cidrOf)) {
    p.error(
      path,
      "flannel.etcd.subnet-bound-outside",
      `${path}: ${show(text)} is not inside Network "${net.text}"; pick an address of the Network, e.g. "${fallback.text.split("/")[0]}"`,
    );
    return undefined;
  }
  // flannel: "SubnetMin is not on a SubnetLen boundary".
  if (!block.ok) {
    p.error(
      path,
      "flannel.etcd.subnet-bound-aligned",
      `${path}: ${show(text)} is not on a /${len} boundary; did you mean "${cidrOf.text.split("/")[0]}"?`,
    );
    return undefined;
  }
  return cidrOf;
}

function firstFreeIn(used: ReadonlySet<string>, net: Cidr, len: number, lo: bigint, hi: bigint): string | undefined {
  // at most used.size subnets are taken, so one of the first used.size + 1 is free
  for (let i = lo; i <= hi && i <= lo + BigInt(used.size); i++) {
    const c = nthSubnet(net, len, i).text;
    if (!used.has(c)) return c;
  }
  return undefined;
}

/** Problem keys of one family's subnet settings. */
interface RangeKeys {
  readonly len: string;
  readonly min: string;
  readonly max: string;
  readonly json: string;
}

const IPV4_KEYS: RangeKeys = { len: "subnetLen", min: "subnetMin", max: "subnetMax", json: "SubnetLen" };
const IPV6_KEYS: RangeKeys = { len: "ipv6SubnetLen", min: "ipv6SubnetMin", max: "ipv6SubnetMax", json: "IPv6SubnetLen" };

/** The SubnetLen to use (the plan's node mask unless given), or undefined after reporting why flannel refuses it. */
function checkSubnetLen(
  plan: CidrPlan,
  family: IpFamily,
  net: Cidr,
  givenLen: number | undefined,
  keys: RangeKeys,
  lenPath: string,
  p: Problems,
): number | undefined {
  const bits = familyBits(family);
  const mask = plan.nodeMaskSize[family];
  const len = givenLen ?? mask;
  let ok = true;
  if (givenLen !== undefined && givenLen !== mask) {
    p.error(
      lenPath,
      "flannel.etcd.subnet-len-mask",
      `${lenPath}: ${givenLen} differs from cluster.nodeMaskSize.${family} ${mask}; flannel's ${keys.json} and the plan's node subnets must be the same size (set both to the same value, e.g. ${givenLen})`,
    );
    ok = false;
  }
  // flannel: "SubnetLen must be less than /31" (IPv6: /127).
  if (len > bits - 2) {
    p.error(
      lenPath,
      "flannel.etcd.subnet-len-max",
      `${lenPath}: ${keys.json} /${len} is too long; flannel requires ${keys.json} <= ${bits - 2} (each node needs room for a bridge and pods); use a shorter cluster.nodeMaskSize.${family}`,
    );
    ok = false;
  }
  // flannel: "network must be able to accommodate at least four subnets".
  if (len < net.prefix + 2) {
    p.error(
      lenPath,
      "flannel.etcd.subnet-len-min",
      `${lenPath}: ${keys.json} /${len} leaves fewer than four subnets in ${FAMILY_LABEL[family]} Network "${net.text}"; flannel requires ${keys.json} >= ${net.prefix + 2} (the Network prefix + 2)`,
    );
    ok = false;
  }
  return ok ? len : undefined;
}

/** A flannel subnet range with its first and last index in the Network. */
interface IndexedRange {
  readonly net: Cidr;
  readonly len: number;
  readonly lo: bigint;
  readonly hi: bigint;
  readonly min: Cidr;
  readonly max: Cidr;
}

/** Reports each node whose plan subnet lies outside the range: an error with reservations, else a warning. */
function checkNodesInRange(
  plan: CidrPlan,
  family: IpFamily,
  range: IndexedRange,
  defaultMin: boolean,
  reserve: boolean,
  widen: string,
  p: Problems,
): void {
  const { net, len, lo, hi, min, max } = range;
  const taken = new Set(plan.nodes.flatMap((n) => (n.podCidrs[family] ? [n.podCidrs[family]] : [])));
  for (const node of plan.nodes) {
    const text = node.podCidrs[family];
    const sub = text ? parseCidr(text) : undefined;
    if (!sub?.ok) continue;
    const idx = subnetIndex(net, sub.value);
    if (idx >= lo && idx <= hi) continue;
    const path = `nodes[${node.index}].podCidrs`;
    // Each hint is a subnet no node holds and no earlier hint suggested, so following them all works.
    const first = firstFreeIn(taken, net, len, lo, hi);
    if (first) taken.add(first);
    const why =
      idx === 0n && defaultMin
        ? `flannel never hands out the first subnet of "${net.text}" (SubnetMin defaults to the second, ${min.text})`
        : `flannel only hands out ${min.text}..${max.text}`;
    if (reserve) {
      p.error(
        path,
        "flannel.etcd.subnet-outside-range",
        `${path}: node "${node.name}" has ${FAMILY_LABEL[family]} subnet "${sub.value.text}" but ${why}, so its reservation would be ignored; pin the node's podCidrs to a free subnet of the range${first ? `, e.g. ["${first}"]` : ""}, or widen ${widen} to include it`,
      );
    } else {
      p.warn(
        path,
        "flannel.etcd.subnet-outside-range",
        `${path}: node "${node.name}" has ${FAMILY_LABEL[family]} subnet "${sub.value.text}" but ${why}; flanneld will pick another subnet for it`,
      );
    }
  }
}
