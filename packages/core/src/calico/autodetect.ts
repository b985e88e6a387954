/**
 * Calico's node address autodetection methods: a method must parse the way
 * calico-node parses it (Go RE2 regexes, CIDRs, destinations); what it picks
 * on each node of the inventory is checked in calico/autodetect-resolve.ts.
 *
 * Semantics follow calico node/pkg/lifecycle/startup/autodetection:
 * `interface=` regexes are unanchored and OR-joined, with no default
 * exclusions; `first-found` and `skip-interface=` skip the default exclusion
 * list; `can-reach=` takes the source address of the route to the destination.
 */
import { RE2JS } from "re2js";
import { parseCidrChecked } from "../plan/index.js";
import { type Cidr, FAMILY_LABEL, type IpFamily, parseAddress } from "../shared/cidr.js";
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
/** CALICO_DEFAULT_EXCLUDED_INTERFACES compiled. */
export const DEFAULT_EXCLUDES = CALICO_DEFAULT_EXCLUDED_INTERFACES.map((r) => RE2JS.compile(r));

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

/** A method as written, reduced to its kind and argument (the text after `=`, or the CIDR list). */
interface MethodParts {
  readonly kind: AutodetectKind;
  readonly arg: string | readonly string[];
}

/** Reads the `IP_AUTODETECTION_METHOD` syntax (`interface=ens33`); reports an unknown method. */
function parseStringMethod(input: string, path: string, p: Problems): MethodParts | undefined {
  const eq = input.indexOf("=");
  const head = eq < 0 ? input : input.slice(0, eq);
  const arg = eq < 0 ? "" : input.slice(eq + 1);
  let kind: AutodetectKind;
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
  return { kind, arg: kind === "cidr" ? String(arg).split(/\s*,\s*/) : arg };
}

/** Reads the operator's object form (`{ interface: "ens33" }`); reports no field or more than one set. */
function parseObjectMethod(input: Exclude<AutodetectMethodOptions, string>, path: string, p: Problems): MethodParts | undefined {
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
  const kind = (
    {
      firstFound: "first-found",
      kubernetes: "kubernetes-internal-ip",
      interface: "interface",
      skipInterface: "skip-interface",
      canReach: "can-reach",
      cidrs: "cidr",
    } as const
  )[key as (typeof OBJECT_KEYS)[number]];
  const arg = key === "cidrs" ? (input.cidrs ?? []) : key === "firstFound" || key === "kubernetes" ? "" : String(input[key as "interface"]);
  return { kind, arg };
}

/** Builds the method of a kind from its argument: compiles the regexes, parses the destination or the CIDRs. */
function buildMethod({ kind, arg }: MethodParts, family: IpFamily, path: string, p: Problems): AutodetectMethod | undefined {
  const base = { regexes: [], cidrs: [] };
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

/** Parses a method in either syntax; `undefined` input means Calico's default, first-found. */
export function parseAutodetectMethod(
  input: AutodetectMethodOptions | undefined,
  family: IpFamily,
  path: string,
  p: Problems,
): AutodetectMethod | undefined {
  if (input === undefined)
    return { regexes: [], cidrs: [], kind: "first-found", env: "first-found", operator: { firstFound: true }, explicit: false };
  const parts = typeof input === "string" ? parseStringMethod(input, path, p) : parseObjectMethod(input, path, p);
  return parts ? buildMethod(parts, family, path, p) : undefined;
}
