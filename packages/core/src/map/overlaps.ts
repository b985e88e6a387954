/**
 * The overlaps between the networks of one family that must not share
 * addresses (the same rules the plan and the Calico checks apply).
 */

import { contains, SPECIAL_RANGES } from "../shared/cidr.js";
import type { MapNet, MapNetKind, MapOverlap } from "./types.js";

/** Which kinds of network must not share addresses (the same rules the plan and the Calico checks apply). */
const CONFLICTS: ReadonlyArray<[MapNetKind, MapNetKind]> = [
  ["pod", "pod"],
  ["pod", "service"],
  ["pod", "host"],
  ["pod", "reserved"],
  ["pod", "special"],
  ["service", "service"],
  ["service", "host"],
  ["service", "reserved"],
  ["service", "special"],
  ["service", "pool"],
  ["pool", "pool"],
  ["pool", "host"],
  ["pool", "reserved"],
  ["pool", "special"],
  ["node-subnet", "node-subnet"],
];

const SUBJECTS: ReadonlySet<MapNetKind> = new Set(["pod", "service", "pool", "node-subnet"]);

/** The kind pairs of CONFLICTS, both ways round, as `a|b` keys. */
const CONFLICT_KEYS: ReadonlySet<string> = new Set(CONFLICTS.flatMap(([x, y]) => [`${x}|${y}`, `${y}|${x}`]));

/** A network with its rank: subjects first, then the others, in the order they were given. */
interface Ranked {
  readonly net: MapNet;
  readonly rank: number;
}

/**
 * Every pair of `ranked` networks that share addresses, lower rank first. CIDR blocks overlap
 * only by nesting, so after sorting by first address (larger block first) the blocks still open
 * at a block's start form a chain that all contain it: one sweep finds each pair once.
 */
function nestedPairs(ranked: readonly Ranked[]): Array<[Ranked, Ranked]> {
  const sorted = [...ranked].sort((x, y) => {
    const a = x.net.cidr;
    const b = y.net.cidr;
    if (a.family !== b.family) return a.family < b.family ? -1 : 1;
    if (a.first !== b.first) return a.first < b.first ? -1 : 1;
    return a.prefix - b.prefix || x.rank - y.rank;
  });
  const pairs: Array<[Ranked, Ranked]> = [];
  const open: Ranked[] = [];
  for (const e of sorted) {
    while (open.length > 0) {
      const top = (open[open.length - 1] as Ranked).net.cidr;
      if (top.family === e.net.cidr.family && top.last >= e.net.cidr.first) break;
      open.pop();
    }
    for (const o of open) pairs.push(o.rank < e.rank ? [o, e] : [e, o]);
    open.push(e);
  }
  return pairs;
}

/**
 * Every conflicting pair among `groups` and the family's special ranges: each subject (pod,
 * service, pool, node subnet) against the subjects after it, then against the other networks,
 * in that order.
 */
export function findOverlaps(...groups: MapNet[][]): MapOverlap[] {
  const all = groups.flat();
  const family = all[0]?.cidr.family;
  const special: MapNet[] = SPECIAL_RANGES.filter((s) => s.cidr.family === family).map((s) => ({
    kind: "special",
    cidr: s.cidr,
    label: s.name,
  }));
  const subjects = all.filter((n) => SUBJECTS.has(n.kind));
  const others = [...all.filter((n) => !SUBJECTS.has(n.kind)), ...special];
  const ranked = [...subjects, ...others].map((net, rank) => ({ net, rank }));
  return (
    nestedPairs(ranked)
      // two non-subjects are not compared
      .filter(([a, b]) => a.rank < subjects.length && CONFLICT_KEYS.has(`${a.net.kind}|${b.net.kind}`))
      .sort(([a, b], [c, d]) => a.rank - c.rank || b.rank - d.rank)
      .map(([{ net: a }, { net: b }]) => ({ a, b, shared: contains(a.cidr, b.cidr) ? b.cidr : a.cidr }))
  );
}
