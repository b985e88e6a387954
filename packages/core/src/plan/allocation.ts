/**
 * Node subnet allocation, one family at a time, in three passes: pinned subnets first,
 * then each node's subnet of the previous plan while it still fits, then the lowest free
 * subnet of the allocation range for everyone else, in spec order. So adding or removing
 * a node never moves another.
 */
import { type Cidr, contains, FAMILY_LABEL, type IpFamily, nthSubnet, parseCidr, subnetCount, subnetIndex } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { parseCidrChecked } from "./cidrs.js";
import type { NodeConfig } from "./options.js";
import type { AllocationRange, CidrPlan, PreviousAllocation, SubnetSource } from "./types.js";

/** The node subnets of every family and where each came from, by node index. */
export interface NodeSubnets {
  readonly cidrs: Map<number, Record<string, string>>;
  readonly sources: Map<number, Record<string, SubnetSource>>;
}

/** Checks each node's pins: a valid CIDR, at most one per family, of a family the cluster has. */
export function checkPinFamilies(nodes: readonly NodeConfig[], pods: ReadonlyMap<IpFamily, unknown>, p: Problems): void {
  nodes.forEach((node, i) => {
    const seen = new Set<IpFamily>();
    (node.podCidrs ?? []).forEach((text, k) => {
      const path = `nodes[${i}].podCidrs[${k}]`;
      const r = parseCidr(text);
      if (!r.ok) {
        parseCidrChecked(text, path, p);
        return;
      }
      if (seen.has(r.value.family)) {
        p.error(
          path,
          "node.pin-family-duplicate",
          `${path}: node "${node.name}" pins two ${FAMILY_LABEL[r.value.family]} subnets; pin at most one per family`,
        );
      }
      seen.add(r.value.family);
      if (!pods.has(r.value.family)) {
        p.error(
          path,
          "node.pin-family",
          `${path}: "${r.value.text}" is ${FAMILY_LABEL[r.value.family]} but cluster.podCidrs has no ${FAMILY_LABEL[r.value.family]} CIDR`,
        );
      }
    });
  });
}

/** Subnet indexes [lo, hi] the planner allocates from, with the range's label. */
export interface Bounds {
  readonly lo: number;
  readonly hi: number;
  readonly label?: string;
  readonly path?: string;
  /** Text of the lowest and highest allowed subnet, for messages. */
  readonly text?: string;
}

/** The subnet indexes of the pod CIDR an allocation range allows; the whole pod CIDR without a (usable) range. */
export function allocationBounds(pod: Cidr, mask: number, range: AllocationRange | undefined): Bounds {
  const total = Number(subnetCount(pod, mask));
  const whole: Bounds = { lo: 0, hi: total - 1 };
  if (!range) return whole;
  const index = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const r = parseCidr(`${text}/${mask}`);
    return r.ok && contains(pod, r.value) ? Number(subnetIndex(pod, r.value)) : Number.NaN;
  };
  const min = index(range.min);
  const max = index(range.max);
  const lo = min ?? (range.excludeFirst ? 1 : 0);
  const hi = max ?? total - 1;
  // A bad bound is the component's error to report; allocate as if there were none.
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) return whole;
  return {
    lo,
    hi,
    label: range.label,
    path: range.path,
    text: `${nthSubnet(pod, mask, BigInt(lo)).text}..${nthSubnet(pod, mask, BigInt(hi)).text}`,
  };
}

/** One family's allocation under way: the pod CIDR, its node mask and range, and which node holds which subnet. */
interface Allocation {
  readonly family: IpFamily;
  readonly pod: Cidr;
  readonly mask: number;
  readonly range: Bounds;
  readonly nodes: readonly NodeConfig[];
  readonly p: Problems;
  /** Subnet index -> node index. */
  readonly owner: Map<number, number>;
  readonly out: NodeSubnets;
}

/** Gives node `i` the subnet `c` of the allocation's family. */
function assign(a: Allocation, i: number, c: Cidr, source: SubnetSource): void {
  const rec = a.out.cidrs.get(i) ?? {};
  rec[a.family] = c.text;
  a.out.cidrs.set(i, rec);
  const src = a.out.sources.get(i) ?? {};
  src[a.family] = source;
  a.out.sources.set(i, src);
}

/** Allocates one family's node subnets into `out`: pins, then previous subnets, then the lowest free ones. */
export function allocate(
  family: IpFamily,
  pod: Cidr,
  mask: number,
  range: Bounds,
  nodes: readonly NodeConfig[],
  previous: PreviousAllocation | undefined,
  p: Problems,
  out: NodeSubnets,
): void {
  const a: Allocation = { family, pod, mask, range, nodes, p, owner: new Map(), out };
  placePins(a);
  const pending = keepPrevious(a, previous);
  fillLowest(a, pending);
}

/** Pass 1: each node's pin of this family, when it is a free /mask subnet of the pod CIDR. */
function placePins(a: Allocation): void {
  const { family, pod, mask, nodes, p, owner } = a;
  nodes.forEach((node, i) => {
    const pins = (node.podCidrs ?? []).map((text, k) => ({ text, k, r: parseCidr(text) }));
    const pin = pins.find((x) => x.r.ok && x.r.value.family === family);
    if (!pin?.r.ok) return;
    const path = `nodes[${i}].podCidrs[${pin.k}]`;
    const c = pin.r.value;
    if (!contains(pod, c)) {
      p.error(
        path,
        "node.pin-outside",
        `${path}: "${c.text}" of node "${node.name}" is not inside the ${FAMILY_LABEL[family]} pod CIDR "${pod.text}"; pin a subnet of "${pod.text}"`,
      );
      return;
    }
    if (c.prefix !== mask) {
      p.error(
        path,
        "node.pin-mask",
        `${path}: "${c.text}" of node "${node.name}" is a /${c.prefix} but cluster.nodeMaskSize.${family} is ${mask}; pin a /${mask}`,
      );
      return;
    }
    const idx = Number(subnetIndex(pod, c));
    const other = owner.get(idx);
    if (other !== undefined) {
      p.error(
        path,
        "node.pin-collision",
        `${path}: "${c.text}" of node "${node.name}" is also pinned by nodes[${other}] ("${nodes[other]?.name}"); each node needs its own subnet`,
      );
      return;
    }
    owner.set(idx, i);
    assign(a, i, c, "pinned");
  });
}

/** Pass 2: each unpinned node keeps its previous subnet while it still fits; returns the nodes still without one. */
function keepPrevious(a: Allocation, previous: PreviousAllocation | undefined): number[] {
  const { family, pod, mask, range, nodes, p, owner } = a;
  const pending: number[] = [];
  nodes.forEach((node, i) => {
    if (a.out.cidrs.get(i)?.[family]) return;
    const prev = previous?.[node.name]?.[family];
    if (prev === undefined) {
      pending.push(i);
      return;
    }
    const r = parseCidr(prev);
    const fits = r.ok && contains(pod, r.value) && r.value.prefix === mask;
    const idx = fits ? Number(subnetIndex(pod, r.value)) : -1;
    const inRange = idx >= range.lo && idx <= range.hi;
    if (!fits || !inRange || owner.has(idx)) {
      const why = !fits
        ? `no longer fits "${pod.text}" with /${mask} node subnets`
        : !inRange
          ? `lies outside ${range.label} (${range.text})`
          : "is now pinned by another node";
      p.warn(
        `nodes[${i}]`,
        "node.subnet-moved",
        `nodes[${i}]: node "${node.name}" had ${FAMILY_LABEL[family]} subnet ${show(prev)} in the previous plan, which ${why}; it gets a new subnet, and its pods must be recreated`,
      );
      pending.push(i);
      return;
    }
    owner.set(idx, i);
    assign(a, i, (r as { value: Cidr }).value, "previous");
  });
  return pending;
}

/** Pass 3: everyone else gets the lowest free subnet of the range, in spec order. */
function fillLowest(a: Allocation, pending: readonly number[]): void {
  const { family, pod, mask, range, nodes, p, owner } = a;
  const total = Number(subnetCount(pod, mask));
  let next = range.lo;
  for (const i of pending) {
    while (next <= range.hi && owner.has(next)) next++;
    if (next > range.hi) {
      if (total < nodes.length) return; // the whole pod CIDR is too small: capacity error already reported
      const inRange = [...owner.keys()].filter((k) => k >= range.lo && k <= range.hi).length;
      const need = inRange + pending.length - pending.indexOf(i);
      const held = range.hi - range.lo + 1;
      p.error(
        range.path ?? "cluster.podCidrs",
        "capacity.range",
        `${range.path}: ${range.label} (${range.text}) holds ${held} /${mask} subnet${held === 1 ? "" : "s"} but ${need} nodes need one there; widen the range or use a longer cluster.nodeMaskSize.${family}`,
      );
      return;
    }
    owner.set(next, i);
    assign(a, i, nthSubnet(pod, mask, BigInt(next)), "allocated");
    next++;
  }
}

/** The previous allocation recorded in a plan (what `plan.json` holds), to feed the next plan. */
export function allocationOf(plan: Pick<CidrPlan, "nodes">): PreviousAllocation {
  return Object.fromEntries(plan.nodes.map((n) => [n.name, n.podCidrs]));
}
