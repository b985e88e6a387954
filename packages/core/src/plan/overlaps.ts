/**
 * Overlap checks: the pod and service CIDRs against each other, the reserved networks, the
 * node networks and the special-purpose ranges, each conflict naming both sides.
 */
import { type Cidr, isPrivate, overlaps, SPECIAL_RANGES } from "../shared/cidr.js";
import type { Problems } from "../shared/problems.js";
import { checkMapped, exampleRange, type FamilyCidrs, parseCidrChecked } from "./cidrs.js";

/** A network with where it came from, for the two sides of an overlap message. */
export interface Sourced {
  readonly cidr: Cidr;
  readonly path: string;
  /** e.g. `(node "n3", eth0)` */
  readonly detail: string;
  readonly shown: string;
  /** How many more places hold the same network (identical node LANs are reported once). */
  more: number;
}

function describe(s: Sourced): string {
  const extra = s.more > 0 ? ` and ${s.more} more interface${s.more === 1 ? "" : "s"} on that network` : "";
  return `${s.path} "${s.shown}"${s.detail ? ` ${s.detail}` : ""}${extra}`;
}

function overlapFix(a: Sourced, b: Sourced): string {
  const kind = a.path.includes("service") ? "service" : "pod";
  if (b.path.startsWith("nodes[")) return `move the ${kind} CIDR outside the node network "${b.cidr.text}"`;
  if (b.path.startsWith("cluster.reservedCidrs")) return `that network is reserved; move the ${kind} CIDR outside "${b.cidr.text}"`;
  return "pods and Services need disjoint ranges; move one of them";
}

/** Parses `cluster.reservedCidrs`, reporting bad and IPv4-mapped ones. */
export function reservedNetworks(reservedCidrs: readonly string[], p: Problems): Sourced[] {
  const reserved: Sourced[] = [];
  reservedCidrs.forEach((text, i) => {
    const c = parseCidrChecked(text, `cluster.reservedCidrs[${i}]`, p);
    if (c) {
      checkMapped(c, text, `cluster.reservedCidrs[${i}]`, "reserved", p);
      reserved.push({ cidr: c, path: `cluster.reservedCidrs[${i}]`, detail: "(reserved)", shown: c.text, more: 0 });
    }
  });
  return reserved;
}

/** The pod and service CIDRs as written in the spec, for the overlap checks. */
export interface WrittenCidrs {
  readonly podCidrs: readonly string[];
  readonly serviceCidrs: readonly string[];
}

/** Checks every pod and service CIDR against the others, the reserved and node networks and the special ranges. */
export function checkOverlaps(
  cluster: WrittenCidrs,
  pods: FamilyCidrs,
  services: FamilyCidrs,
  reserved: readonly Sourced[],
  ifaceNets: ReadonlyMap<string, Sourced>,
  p: Problems,
): void {
  const subjects: Sourced[] = [];
  const written = new Map<string, string>();
  for (const [, v] of pods) {
    subjects.push({ cidr: v.cidr, path: `cluster.podCidrs[${v.index}]`, detail: "", shown: v.cidr.text, more: 0 });
    written.set(`cluster.podCidrs[${v.index}]`, cluster.podCidrs[v.index] ?? v.cidr.text);
  }
  const podSubjects = subjects.length;
  for (const [, v] of services) {
    subjects.push({ cidr: v.cidr, path: `cluster.serviceCidrs[${v.index}]`, detail: "", shown: v.cidr.text, more: 0 });
    written.set(`cluster.serviceCidrs[${v.index}]`, cluster.serviceCidrs[v.index] ?? v.cidr.text);
  }
  subjects.forEach((a, i) => {
    checkMapped(a.cidr, written.get(a.path) ?? a.shown, a.path, i < podSubjects ? "pod" : "service", p);
    const others: Sourced[] = [...subjects.slice(Math.max(i + 1, podSubjects)), ...reserved, ...ifaceNets.values()];
    for (const b of others) {
      if (overlaps(a.cidr, b.cidr)) {
        p.error(a.path, "cidr.overlap", `${describe(a)} overlaps ${describe(b)}; ${overlapFix(a, b)}`);
      }
    }
    checkSpecialRanges(a, p);
  });
}

/** Reports a pod or service CIDR in a special-purpose range (error) or outside private space (warning). */
function checkSpecialRanges(a: Sourced, p: Problems): void {
  for (const s of SPECIAL_RANGES) {
    if (overlaps(a.cidr, s.cidr)) {
      p.error(
        a.path,
        "cidr.special",
        `${describe(a)} overlaps the ${s.name} range "${s.cidr.text}"; pods and Services need ordinary unicast addresses, e.g. "${exampleRange(a.cidr.family)}"`,
      );
    }
  }
  if (!isPrivate(a.cidr)) {
    p.warn(
      a.path,
      "cidr.public",
      `${a.path}: "${a.cidr.text}" is outside private address space (RFC 1918, 100.64.0.0/10, fc00::/7); pods and Services would shadow real Internet addresses`,
    );
  }
}
