/**
 * A node's interfaces as flanneld sees them at start-up: loopback first
 * (kernel order), the default-route interface, and which enabled families
 * each interface lacks.
 */
import { RE2JS } from "re2js";
import type { PlannedInterface, PlannedNode } from "../plan/index.js";
import { cidr, containsAddress, FAMILY_LABEL, type IpFamily, parseAddress } from "../shared/cidr.js";

const LOOPBACKS = [cidr("127.0.0.0/8"), cidr("::1/128")];

/** True for `lo` and for an interface with loopback addresses only. */
function isLoopback(i: PlannedInterface): boolean {
  if (i.name === "lo") return true;
  return (
    i.addresses.length > 0 &&
    i.addresses.every((a) => {
      const r = parseAddress(a.address);
      return r.ok && LOOPBACKS.some((l) => containsAddress(l, r.value.family, r.value.value));
    })
  );
}

/** Interface order as flanneld sees it: loopback (ifindex 1) first, then the order listed. */
export function kernelOrder(node: PlannedNode): Array<{ iface: PlannedInterface; index: number }> {
  const all = node.interfaces.map((iface, index) => ({ iface, index }));
  return [...all.filter((x) => isLoopback(x.iface)), ...all.filter((x) => !isLoopback(x.iface))];
}

/** The enabled families the interface has no address of. */
function missingFamilies(i: PlannedInterface, families: readonly IpFamily[]): IpFamily[] {
  return families.filter((f) => !i.addresses.some((a) => a.family === f));
}

/** `eth1 192.168.1.31/24`, for messages. */
export function ifaceText(i: PlannedInterface): string {
  return `${i.name}${i.addresses.length > 0 ? ` ${i.addresses.map((a) => a.cidr).join(" ")}` : ""}`;
}

/** The RE2 program of an ifaceRegex entry, undefined when it does not compile (reported by checkFlannelSelectors). */
export function compile(pattern: string): RE2JS | undefined {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
}

/** One node's interfaces as the selectors see them; `usable` records why a match was skipped. */
export interface NodeCandidates {
  readonly node: PlannedNode;
  /** `node "n1" (nodes[0])`, for messages. */
  readonly who: string;
  readonly nonLoop: readonly PlannedInterface[];
  /** The default-route interface (or the only non-loopback one), -1 when unknown. */
  readonly routeIndex: number;
  readonly skipped: string[];
  readonly usable: (index: number, why: string) => boolean;
}

/** The node's candidates: non-loopback interfaces, the default-route one, and the family filter. */
export function nodeCandidates(node: PlannedNode, families: readonly IpFamily[]): NodeCandidates {
  const nonLoop = node.interfaces.filter((i) => !isLoopback(i));
  const defaultRoute = node.interfaces.findIndex((i) => i.defaultRoute && !isLoopback(i));
  const onlyOne = nonLoop.length === 1 ? node.interfaces.indexOf(nonLoop[0] as PlannedInterface) : -1;
  const skipped: string[] = [];
  const usable = (index: number, why: string): boolean => {
    const iface = node.interfaces[index] as PlannedInterface;
    const missing = missingFamilies(iface, families);
    if (missing.length === 0) return true;
    skipped.push(`${iface.name} (${why}) has no ${missing.map((f) => FAMILY_LABEL[f]).join(" or ")} address`);
    return false;
  };
  return {
    node,
    who: `node "${node.name}" (nodes[${node.index}])`,
    nonLoop,
    routeIndex: defaultRoute >= 0 ? defaultRoute : onlyOne,
    skipped,
    usable,
  };
}
