/**
 * Which interface flanneld uses on each node, worked out from the plan's node
 * inventory the way flanneld does it at start-up:
 *
 * 1. `--iface` entries in order (a name, or an address of the interface); the
 *    first one present on the node, with an address of every enabled family, wins;
 * 2. else `--iface-regex` entries in order: each is matched (unanchored, Go
 *    RE2 syntax) against every interface's addresses first, then against the
 *    names, in interface order (loopback first, then the order listed);
 * 3. else `--iface-can-reach`: podnet knows no routing tables, so it resolves
 *    the target by the node network that contains it (the on-link route); a
 *    target on no node network is assumed to leave through the default-route
 *    interface, with a warning, and stays unresolved (warning) when the node
 *    has no known default-route interface;
 * 4. with no selector at all, the default-route interface (`defaultRoute`, or
 *    the only non-loopback interface).
 *
 * A node with more than one non-loopback interface must have a selector:
 * the default route often goes through a NAT interface every node shares.
 */
import { RE2JS } from "re2js";
import type { CidrPlan, PerFamily, PlannedInterface, PlannedNode } from "../plan/index.js";
import { cidr, containsAddress, FAMILY_LABEL, type IpFamily, parseAddress } from "../shared/cidr.js";
import { INTERFACE_NAME } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import { compile, ifaceText, kernelOrder, type NodeCandidates, nodeCandidates } from "./node-candidates.js";

/** How the interface of a node was chosen. */
export const FlannelSelectedBy = {
  IFACE: "iface",
  IFACE_REGEX: "iface-regex",
  IFACE_CAN_REACH: "iface-can-reach",
  DEFAULT_ROUTE: "default-route",
} as const;
export type FlannelSelectedBy = (typeof FlannelSelectedBy)[keyof typeof FlannelSelectedBy];

export interface FlannelInterfaceSelectors {
  readonly iface: readonly string[];
  readonly ifaceRegex: readonly string[];
  readonly ifaceCanReach?: string;
}

/** The interface flannel uses on one node, when it can be known before deploy. */
export interface FlannelNodeInterface {
  readonly node: string;
  readonly nodeIndex: number;
  readonly interface: string;
  readonly interfaceIndex: number;
  readonly mtu: number;
  /** The address flannel advertises (its PublicIP / PublicIPv6) per enabled family. */
  readonly addresses: PerFamily<string>;
  /** The network each of those addresses sits in. */
  readonly networks: PerFamily<string>;
  readonly selectedBy: FlannelSelectedBy;
  /** The selector value that matched, e.g. "eth1" or "^ens". */
  readonly selector?: string;
}

/** Checks the selector values themselves: names or addresses, RE2 regexps, a reachable address. */
export function checkFlannelSelectors(s: FlannelInterfaceSelectors, base: string, p: Problems): boolean {
  const before = p.errors.length;
  s.iface.forEach((v, i) => {
    const at = `${base}.iface[${i}]`;
    if (parseAddress(v).ok) return;
    if (!INTERFACE_NAME.test(v) || v === "." || v === "..") {
      p.error(
        at,
        "flannel.iface-invalid",
        `${at}: ${show(v)} is neither an IP address nor a Linux interface name (1-15 characters: letters, digits, "_", "." and "-"); give a name like "eth1" or an address like "192.168.1.31"`,
      );
    }
  });
  s.ifaceRegex.forEach((v, i) => {
    const at = `${base}.ifaceRegex[${i}]`;
    try {
      RE2JS.compile(v);
    } catch (e) {
      p.error(
        at,
        "flannel.iface-regex-invalid",
        `${at}: ${show(v)} is not a valid Go (RE2) regexp (${(e as Error).message}); flanneld would exit at start-up; RE2 has no lookarounds or backreferences`,
      );
    }
  });
  if (s.ifaceCanReach !== undefined && !parseAddress(s.ifaceCanReach).ok) {
    const at = `${base}.ifaceCanReach`;
    p.error(
      at,
      "flannel.iface-can-reach-invalid",
      `${at}: ${show(s.ifaceCanReach)} is not an IP address; give the address to reach, e.g. "192.168.1.1"`,
    );
  }
  return p.errors.length === before;
}

interface Choice {
  index: number;
  by: FlannelSelectedBy;
  selector?: string;
  /** The address that matched, when the selector named an address. */
  matched?: string;
}

function selectorPath(s: FlannelInterfaceSelectors, base: string): string {
  if (s.iface.length > 0) return `${base}.iface`;
  if (s.ifaceRegex.length > 0) return `${base}.ifaceRegex`;
  return `${base}.ifaceCanReach`;
}

/**
 * Selects the interface on every node of the plan. Problems go into `p`;
 * nodes whose interface cannot be known are left out of the result.
 */
export function selectFlannelInterfaces(
  plan: Pick<CidrPlan, "nodes" | "families">,
  s: FlannelInterfaceSelectors,
  base: string,
  p: Problems,
): FlannelNodeInterface[] {
  const ctx: SelectionContext = {
    s,
    families: plan.families,
    regexps: s.ifaceRegex.map(compile),
    base,
    p,
    assumed: [],
    unknown: [],
    multi: [],
  };
  const out: FlannelNodeInterface[] = [];
  for (const node of plan.nodes) {
    const selected = selectNodeInterface(node, ctx);
    if (selected) out.push(selected);
  }
  reportSelection(ctx);
  return out;
}

/** The selectors, and what the per-node selection collects for the warnings after the loop. */
interface SelectionContext {
  readonly s: FlannelInterfaceSelectors;
  readonly families: readonly IpFamily[];
  readonly regexps: readonly (RE2JS | undefined)[];
  readonly base: string;
  readonly p: Problems;
  /** Nodes where ifaceCanReach is assumed to go through the default route: `name (iface)`. */
  readonly assumed: string[];
  /** Nodes where ifaceCanReach cannot be resolved at all. */
  readonly unknown: string[];
  /** Nodes with several interfaces and no selector. */
  readonly multi: Array<{ node: PlannedNode; names: string[] }>;
}

/** The node was reported or left out; no further message for it. */
const SKIP: unique symbol = Symbol("skip");
type Selection = Choice | undefined | typeof SKIP;

/** The interface flannel uses on one node, or undefined (reported, or unknowable). */
function selectNodeInterface(node: PlannedNode, ctx: SelectionContext): FlannelNodeInterface | undefined {
  const { s, families, base, p } = ctx;
  const c = nodeCandidates(node, families);
  const hasSelector = s.iface.length > 0 || s.ifaceRegex.length > 0 || s.ifaceCanReach !== undefined;
  const pick = hasSelector ? bySelectors(c, ctx) : byDefaultRoute(c, ctx);
  if (pick === SKIP) return undefined;
  if (!pick) {
    // the default-route interface lacks a family
    p.error(
      `nodes[${node.index}].interfaces[${c.routeIndex}]`,
      "flannel.iface-family",
      `nodes[${node.index}].interfaces[${c.routeIndex}]: ${c.skipped.join("; ")} on ${c.who}, but the plan enables ${families.map((f) => FAMILY_LABEL[f]).join(" and ")} and flannel needs an address of each on the interface it uses; add the address or select another interface with ${base}.iface`,
    );
    return undefined;
  }
  return nodeInterface(node, pick, families);
}

/** 4. No selector: the default-route interface, when the node has only one candidate. */
function byDefaultRoute(c: NodeCandidates, ctx: SelectionContext): Selection {
  const { node } = c;
  if (c.nonLoop.length > 1) {
    ctx.multi.push({ node, names: c.nonLoop.map((i) => i.name) });
    return SKIP;
  }
  if (c.routeIndex < 0) {
    ctx.p.error(
      `nodes[${node.index}].interfaces`,
      "flannel.iface-none",
      `nodes[${node.index}].interfaces: ${c.who} has no non-loopback interface for flannel to use; list the node's network interface`,
    );
    return SKIP;
  }
  return c.usable(c.routeIndex, "the default-route interface") ? { index: c.routeIndex, by: "default-route" } : undefined;
}

/** 1.-3. The selectors in flanneld's order; reports the node when none matches. */
function bySelectors(c: NodeCandidates, ctx: SelectionContext): Selection {
  const { s, base, p } = ctx;
  const pick = byIface(c, s) ?? byIfaceRegex(c, ctx) ?? byCanReach(c, ctx);
  if (pick !== undefined) return pick;
  const tried = [
    s.iface.length > 0 ? `${base}.iface ${show(s.iface)}` : "",
    s.ifaceRegex.length > 0 ? `${base}.ifaceRegex ${show(s.ifaceRegex)}` : "",
    s.ifaceCanReach !== undefined ? `${base}.ifaceCanReach "${s.ifaceCanReach}"` : "",
  ].filter((x) => x !== "");
  p.error(
    selectorPath(s, base),
    "flannel.iface-no-match",
    `${selectorPath(s, base)}: no interface of ${c.who} matches ${tried.join(", then ")} (interfaces: ${c.node.interfaces.map(ifaceText).join("; ")}${
      c.skipped.length > 0 ? `; skipped: ${c.skipped.join("; ")}` : ""
    }); flanneld would exit with "Failed to find interface to use"; add a selector that matches on every node`,
  );
  return SKIP;
}

/** 1. --iface: names or addresses, in order. */
function byIface(c: NodeCandidates, s: FlannelInterfaceSelectors): Choice | undefined {
  const { node } = c;
  for (const sel of s.iface) {
    const byAddr = parseAddress(sel);
    const index = byAddr.ok
      ? node.interfaces.findIndex((i) => i.addresses.some((a) => a.address === byAddr.value.text))
      : node.interfaces.findIndex((i) => i.name === sel);
    if (index >= 0 && c.usable(index, `matched by iface "${sel}"`)) {
      return { index, by: "iface", selector: sel, ...(byAddr.ok ? { matched: byAddr.value.text } : {}) };
    }
  }
  return undefined;
}

/** 2. --iface-regex: addresses of every interface first, then names; warns when a regexp matches several. */
function byIfaceRegex(c: NodeCandidates, ctx: SelectionContext): Choice | undefined {
  const { s, families, base, p } = ctx;
  for (const [k, pattern] of s.ifaceRegex.entries()) {
    const re = ctx.regexps[k];
    if (!re) continue;
    const order = kernelOrder(c.node);
    const byAddr = order.filter(({ iface }) => iface.addresses.some((a) => families.includes(a.family) && re.matcher(a.address).find()));
    const byName = order.filter(({ iface }) => re.matcher(iface.name).find());
    const hits = [...byAddr, ...byName.filter((x) => !byAddr.includes(x))];
    const first = hits.find(({ index }) => c.usable(index, `matched by ifaceRegex "${pattern}"`));
    if (!first) continue;
    const matched = first.iface.addresses.find((a) => families.includes(a.family) && re.matcher(a.address).find());
    if (hits.length > 1) {
      p.warn(
        `${base}.ifaceRegex[${k}]`,
        "flannel.iface-regex-ambiguous",
        `${base}.ifaceRegex[${k}]: ${show(pattern)} matches ${hits.map((h) => h.iface.name).join(", ")} on ${c.who}; flanneld takes the first in kernel order, which podnet assumes is ${first.iface.name}; anchor the regexp (e.g. "^${first.iface.name}$") to be sure`,
      );
    }
    return {
      index: first.index,
      by: "iface-regex",
      selector: pattern,
      ...(byAddr.includes(first) && matched ? { matched: matched.address } : {}),
    };
  }
  return undefined;
}

/** 3. --iface-can-reach: the node network that contains the target, else the default route. */
function byCanReach(c: NodeCandidates, ctx: SelectionContext): Selection {
  const { s } = ctx;
  if (s.ifaceCanReach === undefined) return undefined;
  const target = parseAddress(s.ifaceCanReach);
  if (!target.ok) return undefined;
  const { node, routeIndex } = c;
  let best: { index: number; prefix: number } | undefined;
  node.interfaces.forEach((iface, index) => {
    for (const a of iface.addresses) {
      const net = cidr(a.network);
      if (containsAddress(net, target.value.family, target.value.value) && (!best || net.prefix > best.prefix)) {
        best = { index, prefix: net.prefix };
      }
    }
  });
  if (best) {
    return c.usable(best.index, `on-link to ${target.value.text}`)
      ? { index: best.index, by: "iface-can-reach", selector: s.ifaceCanReach }
      : undefined;
  }
  if (routeIndex >= 0) {
    ctx.assumed.push(`${node.name} (${node.interfaces[routeIndex]?.name})`);
    return c.usable(routeIndex, `default route towards ${target.value.text}`)
      ? { index: routeIndex, by: "iface-can-reach", selector: s.ifaceCanReach }
      : undefined;
  }
  ctx.unknown.push(node.name);
  return SKIP;
}

/** The chosen interface with the address flannel advertises (the matched one first) and its network, per family. */
function nodeInterface(node: PlannedNode, pick: Choice, families: readonly IpFamily[]): FlannelNodeInterface {
  const iface = node.interfaces[pick.index] as PlannedInterface;
  const addresses: Record<string, string> = {};
  const networks: Record<string, string> = {};
  for (const f of families) {
    const a = iface.addresses.find((x) => x.family === f && x.address === pick.matched) ?? iface.addresses.find((x) => x.family === f);
    if (a) {
      addresses[f] = a.address;
      networks[f] = a.network;
    }
  }
  return {
    node: node.name,
    nodeIndex: node.index,
    interface: iface.name,
    interfaceIndex: pick.index,
    mtu: iface.mtu,
    addresses,
    networks,
    selectedBy: pick.by,
    ...(pick.selector !== undefined ? { selector: pick.selector } : {}),
  };
}

/** The errors and warnings that name several nodes at once. */
function reportSelection(ctx: SelectionContext): void {
  const { s, base, p, multi, assumed, unknown } = ctx;
  if (multi.length > 0) {
    const example = multi[0]?.names[multi[0].names.length - 1];
    p.error(
      `${base}.iface`,
      "flannel.iface-required",
      `${base}.iface: no interface selector is set, but ${multi
        .map((m) => `node "${m.node.name}" (nodes[${m.node.index}]) has ${m.names.length} interfaces (${m.names.join(", ")})`)
        .join(
          ", ",
        )}; flannel would take the default-route interface, on multi-NIC hosts often a NAT interface every node shares (Vagrant's 10.0.2.15); set ${base}.iface (e.g. ["${example}"]), ${base}.ifaceRegex or ${base}.ifaceCanReach`,
    );
  }
  if (assumed.length > 0) {
    p.warn(
      `${base}.ifaceCanReach`,
      "flannel.iface-can-reach-assumed",
      `${base}.ifaceCanReach: "${s.ifaceCanReach}" is on no network of ${assumed.length === 1 ? "node" : "nodes"} ${assumed.join(", ")}; podnet knows no routes and assumes it is reached through the default-route interface; check with "ip route get ${s.ifaceCanReach}" on the node`,
    );
  }
  if (unknown.length > 0) {
    p.warn(
      `${base}.ifaceCanReach`,
      "flannel.iface-can-reach-unknown",
      `${base}.ifaceCanReach: "${s.ifaceCanReach}" is on no network of ${unknown.length === 1 ? "node" : "nodes"} ${unknown.map((n) => `"${n}"`).join(", ")}, which ${unknown.length === 1 ? "has" : "have"} no known default-route interface; podnet cannot tell which interface flannel will use there, so MTU and address checks skip ${unknown.length === 1 ? "it" : "them"}; mark the default-route interface (defaultRoute: true) or use ${base}.iface`,
    );
  }
}
