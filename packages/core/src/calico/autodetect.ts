/**
 * Calico's node address autodetection, checked against the node inventory:
 * the method must parse the way calico-node parses it (Go RE2 regexes,
 * CIDRs, destinations) and pick exactly one address on every node.
 *
 * Semantics follow calico node/pkg/lifecycle/startup/autodetection:
 * `interface=` regexes are unanchored and OR-joined, with no default
 * exclusions; `first-found` and `skip-interface=` skip the default exclusion
 * list; `can-reach=` takes the source address of the route to the destination.
 */
import { RE2JS } from "re2js";
import { type PlannedNode, parseCidrChecked } from "../plan/pod-cidr-plan.js";
import { type Cidr, containsAddress, FAMILY_LABEL, type IpFamily, parseAddress, parseCidr, SPECIAL_RANGES } from "../shared/cidr.js";
import { HOST_NAME } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import { didYouMean } from "../shared/zod-problems.js";
import type { AutodetectMethodOptions } from "./options.js";

/** The autodetection methods of calico-node. */
export const AutodetectKind = {
  FIRST_FOUND: "first-found",
  KUBERNETES_INTERNAL_IP: "kubernetes-internal-ip",
  INTERFACE: "interface",
  SKIP_INTERFACE: "skip-interface",
  CAN_REACH: "can-reach",
  CIDR: "cidr",
} as const;
export type AutodetectKind = (typeof AutodetectKind)[keyof typeof AutodetectKind];

/**
 * Interfaces calico-node skips in first-found and skip-interface (Linux), from
 * autodetection's DEFAULT_INTERFACES_TO_EXCLUDE. Note `^lo` skips every name starting "lo".
 */
export const CALICO_DEFAULT_EXCLUDED_INTERFACES: readonly string[] = [
  "^docker.*",
  "^cbr.*",
  "^dummy.*",
  "^podman.*",
  "^virbr.*",
  "^lxcbr.*",
  "^veth.*",
  "^lo",
  "^br-.*",
  "^cali.*",
  "^tunl.*",
  "^flannel.*",
  "^kube-ipvs.*",
  "^cni.*",
  "^vxlan\\.calico.*",
  "^vxlan-v6\\.calico.*",
  "^wireguard\\.cali.*",
  "^wg-v6\\.cali.*",
  "^nodelocaldns.*",
];
const DEFAULT_EXCLUDES = CALICO_DEFAULT_EXCLUDED_INTERFACES.map((r) => RE2JS.compile(r));

/** A parsed method. `env` is the IP_AUTODETECTION_METHOD value, `operator` the Installation form. */
export interface AutodetectMethod {
  readonly kind: AutodetectKind;
  readonly env: string;
  readonly operator: Readonly<Record<string, unknown>>;
  /** False when the method is the default (first-found) because none was given. */
  readonly explicit: boolean;
  readonly regexes: readonly RE2JS[];
  readonly cidrs: readonly Cidr[];
  /** can-reach destination: an address, or a DNS name (resolved on the node). */
  readonly target?: { readonly value?: bigint; readonly host?: string };
}

/** The address autodetection picks on one node. */
export interface NodeAddressChoice {
  readonly node: string;
  readonly interface: string;
  readonly address: string;
  /** `address/prefix` as in the inventory. */
  readonly cidr: string;
  readonly network: string;
  readonly mtu: number;
}

const METHODS = ["first-found", "kubernetes-internal-ip", "interface=REGEX", "skip-interface=REGEX", "can-reach=DESTINATION", "cidr=CIDR"];
const OBJECT_KEYS = ["firstFound", "kubernetes", "interface", "skipInterface", "canReach", "cidrs"] as const;

/** Compiles a comma-separated regex list the way calico-node does (split on `\s*,\s*`). */
function compileRegexes(list: string, path: string, p: Problems): RE2JS[] | undefined {
  // The list reaches IP_AUTODETECTION_METHOD (an env value) or the Installation resource: a
  // newline or other control character would end or corrupt the value there.
  const control = [...list].find((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control !== undefined) {
    p.error(
      path,
      "calico.autodetect.control",
      `${path}: ${show(list)} contains the control character U+${control.charCodeAt(0).toString(16).padStart(4, "0")}; interface regexes are printable text, remove it`,
    );
    return undefined;
  }
  const out: RE2JS[] = [];
  let ok = true;
  for (const re of list.split(/\s*,\s*/)) {
    if (re === "") {
      p.error(
        path,
        "calico.autodetect.regex-empty",
        `${path}: ${show(list)} has an empty regular expression; list interface regexes separated by ","`,
      );
      ok = false;
      continue;
    }
    try {
      out.push(RE2JS.compile(re));
    } catch (e) {
      const why = (e as Error).message.replace(/^error parsing regexp: /, "");
      p.error(
        path,
        "calico.autodetect.regex",
        `${path}: ${show(re)} is not a valid RE2 regular expression (${why}); calico-node compiles it with Go's regexp, which has no lookaround or backreferences`,
      );
      ok = false;
    }
  }
  return ok ? out : undefined;
}

function parseCidrs(list: readonly string[], family: IpFamily, path: string, p: Problems): Cidr[] | undefined {
  const out: Cidr[] = [];
  let ok = list.length > 0;
  if (!ok) p.error(path, "calico.autodetect.cidr-empty", `${path}: lists no CIDR; give at least one, e.g. "cidr=192.168.1.0/24"`);
  for (const text of list) {
    const c = parseCidrChecked(text, path, p);
    if (!c) ok = false;
    else if (c.family !== family) {
      p.error(
        path,
        "calico.autodetect.cidr-family",
        `${path}: "${c.text}" is ${FAMILY_LABEL[c.family]}; an ${FAMILY_LABEL[family]} method needs ${FAMILY_LABEL[family]} CIDRs`,
      );
      ok = false;
    } else out.push(c);
  }
  return ok ? out : undefined;
}

function parseTarget(dest: string, family: IpFamily, path: string, p: Problems): AutodetectMethod["target"] | undefined {
  const a = parseAddress(dest);
  if (a.ok) {
    if (a.value.family !== family) {
      p.error(
        path,
        "calico.autodetect.target-family",
        `${path}: can-reach destination ${a.value.text} is ${FAMILY_LABEL[a.value.family]}; an ${FAMILY_LABEL[family]} method needs an ${FAMILY_LABEL[family]} destination`,
      );
      return undefined;
    }
    return { value: a.value.value };
  }
  if (HOST_NAME.test(dest) && !dest.includes(":")) return { host: dest };
  p.error(
    path,
    "calico.autodetect.target",
    `${path}: can-reach destination ${show(dest)} is neither an IP address nor a DNS name, e.g. "can-reach=8.8.8.8"`,
  );
  return undefined;
}

/** Parses a method in either syntax; `undefined` input means Calico's default, first-found. */
export function parseAutodetectMethod(
  input: AutodetectMethodOptions | undefined,
  family: IpFamily,
  path: string,
  p: Problems,
): AutodetectMethod | undefined {
  const base = { regexes: [], cidrs: [] };
  if (input === undefined) return { ...base, kind: "first-found", env: "first-found", operator: { firstFound: true }, explicit: false };
  let kind: AutodetectKind;
  let arg: string | readonly string[] = "";
  if (typeof input === "string") {
    const eq = input.indexOf("=");
    const head = eq < 0 ? input : input.slice(0, eq);
    arg = eq < 0 ? "" : input.slice(eq + 1);
    if (input === "first-found" || input === "") kind = "first-found";
    else if (input === "kubernetes-internal-ip") kind = "kubernetes-internal-ip";
    else if (eq > 0 && ["interface", "skip-interface", "can-reach", "cidr"].includes(head)) kind = head as AutodetectKind;
    else {
      const guess = didYouMean(head, ["first-found", "kubernetes-internal-ip", "interface", "skip-interface", "can-reach", "cidr"]);
      p.error(
        path,
        "calico.autodetect.method",
        `${path}: ${show(input)} is not an autodetection method${guess ? ` (did you mean "${guess}${eq < 0 ? "" : "="}"?)` : ""}; use one of ${METHODS.map((m) => `"${m}"`).join(", ")} (calico-node exits on an unknown method)`,
      );
      return undefined;
    }
    if (kind === "cidr") arg = String(arg).split(/\s*,\s*/);
  } else {
    const set = OBJECT_KEYS.filter((k) => input[k] !== undefined && input[k] !== false);
    if (set.length !== 1) {
      p.error(
        path,
        set.length === 0 ? "calico.autodetect.none" : "calico.autodetect.multiple",
        set.length === 0
          ? `${path}: sets no method; set exactly one of ${OBJECT_KEYS.join(", ")}`
          : `${path}: sets ${set.length} methods (${set.join(", ")}); Calico uses exactly one method per family, keep one`,
      );
      return undefined;
    }
    const key = set[0];
    kind = (
      {
        firstFound: "first-found",
        kubernetes: "kubernetes-internal-ip",
        interface: "interface",
        skipInterface: "skip-interface",
        canReach: "can-reach",
        cidrs: "cidr",
      } as const
    )[key as (typeof OBJECT_KEYS)[number]];
    arg = key === "cidrs" ? (input.cidrs ?? []) : key === "firstFound" || key === "kubernetes" ? "" : String(input[key as "interface"]);
  }
  const list = Array.isArray(arg) ? arg : [];
  const text = typeof arg === "string" ? arg : list.join(",");
  switch (kind) {
    case "first-found":
      return { ...base, kind, env: "first-found", operator: { firstFound: true }, explicit: true };
    case "kubernetes-internal-ip":
      return { ...base, kind, env: "kubernetes-internal-ip", operator: { kubernetes: "NodeInternalIP" }, explicit: true };
    case "interface":
    case "skip-interface": {
      const regexes = compileRegexes(text, path, p);
      if (!regexes) return undefined;
      return {
        ...base,
        kind,
        env: `${kind}=${text}`,
        operator: { [kind === "interface" ? "interface" : "skipInterface"]: text },
        explicit: true,
        regexes,
      };
    }
    case "can-reach": {
      const target = parseTarget(text, family, path, p);
      if (!target) return undefined;
      return { ...base, kind, env: `can-reach=${text}`, operator: { canReach: text }, explicit: true, target };
    }
    case "cidr": {
      const cidrs = parseCidrs(list, family, path, p);
      if (!cidrs) return undefined;
      return {
        ...base,
        kind,
        env: `cidr=${cidrs.map((c) => c.text).join(",")}`,
        operator: { cidrs: cidrs.map((c) => c.text) },
        explicit: true,
        cidrs,
      };
    }
  }
}

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
