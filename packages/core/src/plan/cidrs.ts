/**
 * Parsing the plan's CIDRs with problems for bad ones: one CIDR, a list with at most one
 * per family, and the IPv4-mapped IPv6 check every kind of network gets.
 */
import { type Cidr, contains, FAMILY_LABEL, IPV4_MAPPED, type IpFamily, ipv4MappedAlias, parseCidr } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";

/** The CIDRs of one list by family, with each one's position in the list. */
export type FamilyCidrs = Map<IpFamily, { cidr: Cidr; index: number }>;

/** Parses a list of CIDRs, at most one per family. */
export function parseCidrList(list: readonly string[], path: string, p: Problems): FamilyCidrs {
  const byFamily: FamilyCidrs = new Map();
  list.forEach((text, i) => {
    const c = parseCidrChecked(text, `${path}[${i}]`, p);
    if (!c) return;
    const seen = byFamily.get(c.family);
    if (seen) {
      p.error(
        path,
        "cidr.family-duplicate",
        `${path}: has two ${FAMILY_LABEL[c.family]} CIDRs (${show(list[seen.index])} and ${show(text)}); give at most one per family (one IPv4 and one IPv6 = dual-stack)`,
      );
      return;
    }
    byFamily.set(c.family, { cidr: c, index: i });
  });
  return byFamily;
}

/** Parses a CIDR, reporting a bad one with the masked form as the fix. */
export function parseCidrChecked(text: string, path: string, p: Problems): Cidr | undefined {
  const r = parseCidr(text);
  if (r.ok) return r.value;
  if (r.suggestion) {
    p.error(path, "cidr.host-bits", `${path}: ${show(text)} has host bits set; did you mean "${r.suggestion}"?`);
  } else {
    p.error(
      path,
      "cidr.invalid",
      `${path}: ${show(text)} ${r.reason}; write it as address/prefix-length, e.g. "10.244.0.0/16" or "fd00:10:244::/56"`,
    );
  }
  return undefined;
}

/**
 * IPv4-mapped IPv6 space (`::ffff:0:0/96`) aliases IPv4 addresses: a pod, Service, reserved or
 * node network there collides with IPv4 space no overlap check of the IPv6 family can see.
 */
export function checkMapped(c: Cidr, written: string, path: string, kind: "pod" | "service" | "reserved", p: Problems): void {
  const alias = ipv4MappedAlias(c);
  if (!alias) return;
  // A CIDR block either lies inside ::ffff:0:0/96 or holds all of it (every IPv4 address).
  const whole = contains(c, IPV4_MAPPED);
  const head = whole
    ? `${path}: ${show(written)} holds the IPv4-mapped IPv6 range ::ffff:0:0/96, an alias of every IPv4 address`
    : `${path}: ${show(written)} is IPv4-mapped IPv6, an alias of the IPv4 network "${alias.text}"`;
  p.error(
    path,
    "cidr.ipv4-mapped",
    kind === "reserved"
      ? `${head}; ${whole ? "reserve" : `reserve "${alias.text}" itself, or`} a real IPv6 range such as fd00::/8`
      : `${head}; ${kind === "pod" ? "pods" : "Services"} need real IPv6 addresses, e.g. the unique local range "${kind === "pod" ? exampleRange("ipv6") : "fd00:10:96::/112"}"`,
  );
}

/** An ordinary private example range of the family, for messages. */
export function exampleRange(family: IpFamily): string {
  return family === "ipv4" ? "10.244.0.0/16" : "fd00:10:244::/56";
}

/** Reports pod and service lists that cover different families. */
export function checkFamilyMatch(pods: FamilyCidrs, services: FamilyCidrs, p: Problems): void {
  const podFams = [...pods.keys()].sort();
  const svcFams = [...services.keys()].sort();
  if (pods.size > 0 && services.size > 0 && podFams.join() !== svcFams.join()) {
    const label = (f: IpFamily[]) => f.map((x) => FAMILY_LABEL[x]).join(" and ");
    p.error(
      "cluster.serviceCidrs",
      "cidr.family-mismatch",
      `cluster.serviceCidrs: covers ${label(svcFams)} but cluster.podCidrs covers ${label(podFams)}; give exactly one service CIDR for each pod family`,
    );
  }
}
