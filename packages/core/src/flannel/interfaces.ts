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
import type { CidrPlan, PerFamily, PlannedInterface, PlannedNode } from "../plan/pod-cidr-plan.js";
import { INTERFACE_NAME } from "../plan/pod-cidr-plan.js";
import { cidr, containsAddress, FAMILY_LABEL, type IpFamily, parseAddress } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";

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

const LOOPBACKS = [cidr("127.0.0.0/8"), cidr("::1/128")];

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
function kernelOrder(node: PlannedNode): Array<{ iface: PlannedInterface; index: number }> {
  const all = node.interfaces.map((iface, index) => ({ iface, index }));
  return [...all.filter((x) => isLoopback(x.iface)), ...all.filter((x) => !isLoopback(x.iface))];
}

function missingFamilies(i: PlannedInterface, families: readonly IpFamily[]): IpFamily[] {
  return families.filter((f) => !i.addresses.some((a) => a.family === f));
}

function ifaceText(i: PlannedInterface): string {
  return `${i.name}${i.addresses.length > 0 ? ` ${i.addresses.map((a) => a.cidr).join(" ")}` : ""}`;
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

function compile(pattern: string): RE2JS | undefined {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
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
  const families = plan.families;
  const hasSelector = s.iface.length > 0 || s.ifaceRegex.length > 0 || s.ifaceCanReach !== undefined;
  const out: FlannelNodeInterface[] = [];
  const assumed: string[] = [];
  const unknown: string[] = [];
  const multi: Array<{ node: PlannedNode; names: string[] }> = [];
  const regexps = s.ifaceRegex.map(compile);
  for (const node of plan.nodes) {
    const who = `node "${node.name}" (nodes[${node.index}])`;
    const nonLoop = node.interfaces.filter((i) => !isLoopback(i));
    const defaultRoute = node.interfaces.findIndex((i) => i.defaultRoute && !isLoopback(i));
    const onlyOne = nonLoop.length === 1 ? node.interfaces.indexOf(nonLoop[0] as PlannedInterface) : -1;
    const routeIndex = defaultRoute >= 0 ? defaultRoute : onlyOne;
    let pick: Choice | undefined;
    const skipped: string[] = [];
    const usable = (index: number, why: string): boolean => {
      const iface = node.interfaces[index] as PlannedInterface;
      const missing = missingFamilies(iface, families);
      if (missing.length === 0) return true;
      skipped.push(`${iface.name} (${why}) has no ${missing.map((f) => FAMILY_LABEL[f]).join(" or ")} address`);
      return false;
    };

    if (!hasSelector) {
      if (nonLoop.length > 1) {
        multi.push({ node, names: nonLoop.map((i) => i.name) });
        continue;
      }
      if (routeIndex < 0) {
        p.error(
          `nodes[${node.index}].interfaces`,
          "flannel.iface-none",
          `nodes[${node.index}].interfaces: ${who} has no non-loopback interface for flannel to use; list the node's network interface`,
        );
        continue;
      }
      if (usable(routeIndex, "the default-route interface")) pick = { index: routeIndex, by: "default-route" };
    } else {
      // 1. --iface: names or addresses, in order.
      for (const sel of s.iface) {
        const byAddr = parseAddress(sel);
        const index = byAddr.ok
          ? node.interfaces.findIndex((i) => i.addresses.some((a) => a.address === byAddr.value.text))
          : node.interfaces.findIndex((i) => i.name === sel);
        if (index >= 0 && usable(index, `matched by iface "${sel}"`)) {
          pick = { index, by: "iface", selector: sel, ...(byAddr.ok ? { matched: byAddr.value.text } : {}) };
          break;
        }
      }
      // 2. --iface-regex: addresses of every interface first, then names.
      if (!pick) {
        s.ifaceRegex.forEach((pattern, k) => {
          if (pick) return;
          const re = regexps[k];
          if (!re) return;
          const order = kernelOrder(node);
          const byAddr = order.filter(({ iface }) =>
            iface.addresses.some((a) => families.includes(a.family) && re.matcher(a.address).find()),
          );
          const byName = order.filter(({ iface }) => re.matcher(iface.name).find());
          const hits = [...byAddr, ...byName.filter((x) => !byAddr.includes(x))];
          const first = hits.find(({ index }) => usable(index, `matched by ifaceRegex "${pattern}"`));
          if (!first) return;
          const matched = first.iface.addresses.find((a) => families.includes(a.family) && re.matcher(a.address).find());
          pick = {
            index: first.index,
            by: "iface-regex",
            selector: pattern,
            ...(byAddr.includes(first) && matched ? { matched: matched.address } : {}),
          };
          if (hits.length > 1) {
            p.warn(
              `${base}.ifaceRegex[${k}]`,
              "flannel.iface-regex-ambiguous",
              `${base}.ifaceRegex[${k}]: ${show(pattern)} matches ${hits.map((h) => h.iface.name).join(", ")} on ${who}; flanneld takes the first in kernel order, which podnet assumes is ${first.iface.name}; anchor the regexp (e.g. "^${first.iface.name}$") to be sure`,
            );
          }
        });
      }
      // 3. --iface-can-reach: the node network that contains the target, else the default route.
      if (!pick && s.ifaceCanReach !== undefined) {
        const target = parseAddress(s.ifaceCanReach);
        if (target.ok) {
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
            if (usable(best.index, `on-link to ${target.value.text}`))
              pick = { index: best.index, by: "iface-can-reach", selector: s.ifaceCanReach };
          } else if (routeIndex >= 0) {
            assumed.push(`${node.name} (${node.interfaces[routeIndex]?.name})`);
            if (usable(routeIndex, `default route towards ${target.value.text}`)) {
              pick = { index: routeIndex, by: "iface-can-reach", selector: s.ifaceCanReach };
            }
          } else {
            unknown.push(node.name);
            continue;
          }
        }
      }
      if (!pick) {
        const tried = [
          s.iface.length > 0 ? `${base}.iface ${show(s.iface)}` : "",
          s.ifaceRegex.length > 0 ? `${base}.ifaceRegex ${show(s.ifaceRegex)}` : "",
          s.ifaceCanReach !== undefined ? `${base}.ifaceCanReach "${s.ifaceCanReach}"` : "",
        ].filter((x) => x !== "");
        p.error(
          selectorPath(s, base),
          "flannel.iface-no-match",
          `${selectorPath(s, base)}: no interface of ${who} matches ${tried.join(", then ")} (interfaces: ${node.interfaces.map(ifaceText).join("; ")}${
            skipped.length > 0 ? `; skipped: ${skipped.join("; ")}` : ""
          }); flanneld would exit with "Failed to find interface to use"; add a selector that matches on every node`,
        );
        continue;
      }
    }
    if (!pick) {
      // the default-route interface lacks a family
      p.error(
        `nodes[${node.index}].interfaces[${routeIndex}]`,
        "flannel.iface-family",
        `nodes[${node.index}].interfaces[${routeIndex}]: ${skipped.join("; ")} on ${who}, but the plan enables ${families.map((f) => FAMILY_LABEL[f]).join(" and ")} and flannel needs an address of each on the interface it uses; add the address or select another interface with ${base}.iface`,
      );
      continue;
    }
    const iface = node.interfaces[pick.index] as PlannedInterface;
    const addresses: Record<string, string> = {};
    const networks: Record<string, string> = {};
    for (const f of families) {
      const a = iface.addresses.find((x) => x.family === f && x.address === pick?.matched) ?? iface.addresses.find((x) => x.family === f);
      if (a) {
        addresses[f] = a.address;
        networks[f] = a.network;
      }
    }
    out.push({
      node: node.name,
      nodeIndex: node.index,
      interface: iface.name,
      interfaceIndex: pick.index,
      mtu: iface.mtu,
      addresses,
      networks,
      selectedBy: pick.by,
      ...(pick.selector !== undefined ? { selector: pick.selector } : {}),
    });
  }
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
  return out;
}
