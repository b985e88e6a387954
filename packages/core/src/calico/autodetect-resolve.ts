/**
 * Calico's node address autodetection run against the node inventory: what a
 * parsed method picks on each node, and the problems when it picks no address,
 * more than one, or relies on the default exclusions (see calico/autodetect.ts).
 */
import type { RE2JS } from "re2js";
import type { PlannedNode } from "../plan/index.js";
import { containsAddress, FAMILY_LABEL, type IpFamily, parseAddress, parseCidr, SPECIAL_RANGES } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { type AutodetectMethod, DEFAULT_EXCLUDES, type NodeAddressChoice } from "./autodetect.js";

interface Candidate extends NodeAddressChoice {
  readonly value: bigint;
  readonly defaultRoute: boolean;
}

/** Addresses of the family a node could use: global unicast only (no loopback, link-local, multicast). */
function candidatesOf(node: PlannedNode, family: IpFamily): Candidate[] {
  const out: Candidate[] = [];
  for (const iface of node.interfaces) {
    for (const a of iface.addresses) {
      if (a.family !== family) continue;
      const parsed = parseAddress(a.address);
      if (!parsed.ok) continue;
      const value = parsed.value.value;
      if (SPECIAL_RANGES.some((s) => containsAddress(s.cidr, family, value))) continue;
      out.push({
        node: node.name,
        interface: iface.name,
        address: a.address,
        cidr: a.cidr,
        network: a.network,
        mtu: iface.mtu,
        value,
        defaultRoute: iface.defaultRoute,
      });
    }
  }
  return out;
}

const matchesAny = (res: readonly RE2JS[], name: string): boolean => res.some((r) => r.matcher(name).find());

/** What the method picks on one node, before the exactly-one check. */
function pick(method: AutodetectMethod, family: IpFamily, node: PlannedNode): Candidate[] {
  const all = candidatesOf(node, family);
  switch (method.kind) {
    case "first-found":
      return all.filter((c) => !matchesAny(DEFAULT_EXCLUDES, c.interface));
    case "skip-interface":
      return all.filter((c) => !matchesAny(DEFAULT_EXCLUDES, c.interface) && !matchesAny(method.regexes, c.interface));
    case "interface":
      return all.filter((c) => matchesAny(method.regexes, c.interface));
    case "cidr":
      return all.filter((c) => method.cidrs.some((b) => containsAddress(b, family, c.value)));
    case "can-reach": {
      // The source address of the route: a connected network first, else the default route.
      const v = method.target?.value;
      if (v !== undefined) {
        const onLink = all.filter((c) => {
          const net = parseCidr(c.network);
          return net.ok && containsAddress(net.value, family, v);
        });
        if (onLink.length > 0) return onLink;
      }
      return all.filter((c) => c.defaultRoute);
    }
    case "kubernetes-internal-ip":
      // kubelet reports the address of the default-route interface as InternalIP unless --node-ip says otherwise.
      return all.filter((c) => c.defaultRoute);
  }
}

/**
 * first-found on a node with more than one interface holding an address of
 * the family: it picks the one left after Calico's default exclusions today,
 * but a renamed, added or re-addressed interface changes the pick silently.
 * Warns when `report`; returns whether the node is such a node.
 */
function multiNic(
  choice: NodeAddressChoice,
  all: readonly Candidate[],
  family: IpFamily,
  what: string,
  path: string,
  p: Problems,
  report: boolean,
): boolean {
  const others = [...new Set(all.map((c) => c.interface))].filter((i) => i !== choice.interface);
  if (others.length === 0) return false;
  if (!report) return true;
  const skipped = all
    .filter((c) => c.interface !== choice.interface)
    .map((c) => `${c.interface} ${c.address}`)
    .join(", ");
  p.warn(
    path,
    "calico.autodetect.first-found-multi-nic",
    `${path}: ${what} picks ${choice.interface} ${choice.address} on node "${choice.node}", which has ${others.length + 1} interfaces with ${FAMILY_LABEL[family]} addresses; it skips ${skipped} only because ${others.length === 1 ? "its name matches" : "their names match"} Calico's default exclusions, so a new or renamed interface changes the pick; set "interface=${choice.interface}" or "cidr=${choice.network}"`,
  );
  return true;
}

/** How many per-node problems to report before summarising the rest. */
const MAX_NODE_PROBLEMS = 10;

/**
 * Resolves the method on every node; reports nodes where it finds no address
 * or more than one. Returns the choices of the nodes where it is unambiguous.
 */
export function resolveAutodetection(
  method: AutodetectMethod,
  family: IpFamily,
  nodes: readonly PlannedNode[],
  path: string,
  p: Problems,
): NodeAddressChoice[] {
  const choices: NodeAddressChoice[] = [];
  const what = method.explicit ? show(method.env) : `the default method "first-found"`;
  let reported = 0;
  let unreported = 0;
  let warned = 0;
  const report = (code: string, message: string): void => {
    if (reported < MAX_NODE_PROBLEMS) {
      p.error(path, code, message);
      reported++;
    } else unreported++;
  };
  for (const node of nodes) {
    const found = pick(method, family, node);
    const ifaces = node.interfaces
      .map((i) => `${i.name}${i.addresses.length ? ` ${i.addresses.map((a) => a.cidr).join(" ")}` : ""}`)
      .join(", ");
    if (found.length === 0) {
      const why =
        (method.kind === "can-reach" || method.kind === "kubernetes-internal-ip") && node.interfaces.every((i) => !i.defaultRoute)
          ? `; no interface is marked defaultRoute: true, so the route ${method.kind === "can-reach" ? "to the destination" : "kubelet uses"} is unknown`
          : "";
      report(
        "calico.autodetect.no-address",
        `${path}: ${what} finds no ${FAMILY_LABEL[family]} address on node "${node.name}" (interfaces: ${ifaces || "none"})${why}; calico-node would exit with "Failed to autodetect an ${FAMILY_LABEL[family]} address"; pick a method that matches on every node`,
      );
      continue;
    }
    if (found.length > 1) {
      const first = found[0] as Candidate;
      report(
        "calico.autodetect.ambiguous",
        `${path}: ${what} could pick ${found.length} ${FAMILY_LABEL[family]} addresses on node "${node.name}": ${found.map((c) => `${c.interface} ${c.address}`).join(", ")} (the order depends on the kernel); choose one, e.g. "interface=${first.interface}" or "cidr=${first.network}"`,
      );
      continue;
    }
    const { value: _v, defaultRoute: _d, ...choice } = found[0] as Candidate;
    choices.push(choice);
    if (method.kind === "first-found" && multiNic(choice, candidatesOf(node, family), family, what, path, p, warned < MAX_NODE_PROBLEMS))
      warned++;
  }
  if (warned > MAX_NODE_PROBLEMS) {
    p.warn(
      path,
      "calico.autodetect.first-found-multi-nic",
      `${path}: ${what} also relies on Calico's default exclusions on ${warned - MAX_NODE_PROBLEMS} more node${warned - MAX_NODE_PROBLEMS === 1 ? "" : "s"} (first ${MAX_NODE_PROBLEMS} reported above)`,
    );
  }
  if (unreported > 0) {
    p.error(
      path,
      "calico.autodetect.more",
      `${path}: ${what} fails on ${unreported} more node${unreported === 1 ? "" : "s"} (first ${MAX_NODE_PROBLEMS} reported above)`,
    );
  }
  return choices;
}
