/**
 * The overlaps between the networks of one family that must not share
 * addresses (the same rules the plan and the Calico checks apply).
 */

import { contains, overlaps, SPECIAL_RANGES } from "../shared/cidr.js";
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

/** Every conflicting pair among `groups` and the family's special ranges, subject by subject. */
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
  const out: MapOverlap[] = [];
  const check = (a: MapNet, b: MapNet): void => {
    if (!CONFLICTS.some(([x, y]) => (a.kind === x && b.kind === y) || (a.kind === y && b.kind === x))) return;
    // CIDR blocks overlap only by nesting, so the shared addresses are the smaller block.
    if (overlaps(a.cidr, b.cidr)) out.push({ a, b, shared: contains(a.cidr, b.cidr) ? b.cidr : a.cidr });
  };
  for (let i = 0; i < subjects.length; i++) {
    const a = subjects[i] as MapNet;
    for (let j = i + 1; j < subjects.length; j++) check(a, subjects[j] as MapNet);
    for (const b of others) check(a, b);
  }
  return out;
}
