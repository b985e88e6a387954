/**
 * The network map's overlap finder: the single sort-and-sweep finds the same
 * overlaps, in the same order and orientation, as comparing every pair.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { Cidr, IpFamily } from "../src/index.js";
import { addressText, contains, overlaps, parseCidr, SPECIAL_RANGES } from "../src/internal/index.js";
import { findOverlaps } from "../src/map/overlaps.js";
import type { MapNet, MapNetKind, MapOverlap } from "../src/map/types.js";

const KINDS: readonly MapNetKind[] = ["pod", "service", "host", "reserved", "pool", "node-subnet", "special"];
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

/** The reference: every subject against every later subject, then against every other network. */
function pairwise(...groups: MapNet[][]): MapOverlap[] {
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
    if (overlaps(a.cidr, b.cidr)) out.push({ a, b, shared: contains(a.cidr, b.cidr) ? b.cidr : a.cidr });
  };
  for (let i = 0; i < subjects.length; i++) {
    const a = subjects[i] as MapNet;
    for (let j = i + 1; j < subjects.length; j++) check(a, subjects[j] as MapNet);
    for (const b of others) check(a, b);
  }
  return out;
}

/** Regions the random blocks fall in: small, so blocks often nest; some inside special ranges. */
const REGIONS: ReadonlyArray<{ family: IpFamily; base: string; bits: number }> = [
  { family: "ipv4", base: "10.0.0.0/20", bits: 32 },
  { family: "ipv4", base: "169.254.0.0/20", bits: 32 },
  { family: "ipv4", base: "127.0.0.0/22", bits: 32 },
  // eight addresses: mostly /32 blocks, often the same one twice
  { family: "ipv4", base: "10.255.255.248/29", bits: 32 },
  { family: "ipv6", base: "fd00::/116", bits: 128 },
  { family: "ipv6", base: "fe80::/116", bits: 128 },
];

function block(region: number, offset: number, prefix: number): Cidr {
  const r = REGIONS[region % REGIONS.length] as (typeof REGIONS)[number];
  const base = parseCidr(r.base);
  if (!base.ok) throw new Error(r.base);
  const p = Math.max(base.value.prefix, Math.min(r.bits, base.value.prefix + prefix));
  const hostBits = BigInt(r.bits - p);
  const span = base.value.last - base.value.first + 1n;
  const start = base.value.first + (((BigInt(offset) % span) >> hostBits) << hostBits);
  const c = parseCidr(`${addressText(r.family, start)}/${p}`);
  if (!c.ok) throw new Error(`${addressText(r.family, start)}/${p}`);
  return c.value;
}

const net = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    region: fc.nat(REGIONS.length - 1),
    offset: fc.nat(1 << 20),
    prefix: fc.nat(12),
  })
  .map(({ kind, region, offset, prefix }): MapNet => {
    const cidr = block(region, offset, prefix);
    return { kind, cidr, label: `${kind} ${cidr.text}` };
  });

/** Groups of networks, mostly of one family (as the map passes them), sometimes mixed. */
const groups = fc.array(fc.array(net, { maxLength: 12 }), { maxLength: 6 });

describe("map overlaps", () => {
  test("the sweep equals the pairwise comparison on random networks", () => {
    fc.assert(
      fc.property(groups, (gs) => {
        assert.deepStrictEqual(findOverlaps(...gs), pairwise(...gs));
      }),
      { numRuns: 500 },
    );
  });

  test("one family with identical and nested blocks: each pair once, subjects first", () => {
    const cidr = (t: string): Cidr => {
      const r = parseCidr(t);
      if (!r.ok) throw new Error(t);
      return r.value;
    };
    const pod = { kind: "pod", cidr: cidr("10.0.0.0/16"), label: "pod" } as const;
    const pod2 = { kind: "pod", cidr: cidr("10.0.0.0/16"), label: "pod again" } as const;
    const host = { kind: "host", cidr: cidr("10.0.1.0/24"), label: "host" } as const;
    const svc = { kind: "service", cidr: cidr("10.0.1.128/25"), label: "svc" } as const;
    const found = findOverlaps([pod, pod2], [svc], [host]);
    assert.deepStrictEqual(
      found.map((o) => `${o.a.label} / ${o.b.label} ${o.shared.text}`),
      [
        "pod / pod again 10.0.0.0/16",
        "pod / svc 10.0.1.128/25",
        "pod / host 10.0.1.0/24",
        "pod again / svc 10.0.1.128/25",
        "pod again / host 10.0.1.0/24",
        "svc / host 10.0.1.128/25",
      ],
    );
    assert.deepStrictEqual(found, pairwise([pod, pod2], [svc], [host]));
  });
});
