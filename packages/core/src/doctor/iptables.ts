/**
 * Reads `iptables-save` output and walks a nat chain for one probe packet,
 * the way netfilter does: rules in order, jumps into user chains, RETURN back
 * to the caller, the first MASQUERADE/SNAT/ACCEPT decides. That answers
 * doctor's questions exactly ("is a pod's packet to another node's pod
 * masqueraded?") whatever order Docker, flannel and kube-proxy added their
 * rules in, instead of pattern-matching single rules.
 *
 * Matches doctor cannot evaluate (ipsets, conntrack state, ...) make a rule
 * count as not matching, so such rules never produce a finding by themselves.
 */
import { containsAddress, type IpFamily, parseCidr, parseInterfaceAddress } from "../shared/cidr.js";

export interface IptablesMatch {
  readonly kind: "src" | "dst" | "in" | "out" | "proto" | "mark" | "addrtype" | "comment" | "other";
  readonly negated: boolean;
  /** The option as written (`--dst-type`, `-m set --match-set`). */
  readonly option: string;
  readonly value: string;
}

export interface IptablesRule {
  readonly chain: string;
  readonly matches: readonly IptablesMatch[];
  readonly target?: string;
  /** `-g` (goto) instead of `-j`. */
  readonly goto: boolean;
  /** The rule as `iptables-save` printed it, without `-A <chain> `. */
  readonly spec: string;
  /** The rule's tokens after `-A <chain>`, quotes removed. */
  readonly tokens: readonly string[];
}

export interface IptablesTable {
  readonly name: string;
  /** Built-in chains with their policy; user chains with "-". */
  readonly chains: ReadonlyMap<string, string>;
  readonly rules: ReadonlyMap<string, readonly IptablesRule[]>;
}

/** Splits a rule line into words; double-quoted words may hold spaces and `\"`. */
export function splitIptablesWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === "\\" && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === " " || ch === "\t") {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

const BASIC: Readonly<Record<string, IptablesMatch["kind"]>> = {
  "-s": "src",
  "--source": "src",
  "-d": "dst",
  "--destination": "dst",
  "-i": "in",
  "--in-interface": "in",
  "-o": "out",
  "--out-interface": "out",
  "-p": "proto",
  "--protocol": "proto",
};

function parseRule(chain: string, tokens: readonly string[], spec: string): IptablesRule {
  const matches: IptablesMatch[] = [];
  let negate = false;
  let module = "";
  let target: string | undefined;
  let goto = false;
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as string;
    if (t === "!") {
      negate = true;
      i++;
      continue;
    }
    const basic = BASIC[t];
    if (basic) {
      matches.push({ kind: basic, negated: negate, option: t, value: tokens[i + 1] ?? "" });
      negate = false;
      i += 2;
      continue;
    }
    if (t === "-m" || t === "--match") {
      module = tokens[i + 1] ?? "";
      i += 2;
      continue;
    }
    if (t === "-j" || t === "--jump" || t === "-g" || t === "--goto") {
      target = tokens[i + 1];
      goto = t === "-g" || t === "--goto";
      break;
    }
    if (t.startsWith("--")) {
      const values: string[] = [];
      let j = i + 1;
      if (t === "--comment") {
        values.push(tokens[j] ?? "");
        j++;
      } else {
        while (j < tokens.length && !(tokens[j] as string).startsWith("-") && tokens[j] !== "!") values.push(tokens[j++] as string);
      }
      const kind: IptablesMatch["kind"] =
        module === "comment"
          ? "comment"
          : module === "mark" && t === "--mark"
            ? "mark"
            : module === "addrtype" && (t === "--src-type" || t === "--dst-type")
              ? "addrtype"
              : "other";
      matches.push({ kind, negated: negate, option: kind === "addrtype" ? t : `-m ${module} ${t}`, value: values.join(" ") });
      negate = false;
      i = j;
      continue;
    }
    // `-f`, counters `[p:b]` and anything else: a condition doctor cannot evaluate.
    if (t.startsWith("-")) matches.push({ kind: "other", negated: negate, option: t, value: "" });
    negate = false;
    i++;
  }
  return { chain, matches, ...(target !== undefined ? { target } : {}), goto, spec, tokens };
}

/** Parses `iptables-save` output into its tables. */
export function parseIptablesSave(text: string): Map<string, IptablesTable> {
  const out = new Map<string, IptablesTable>();
  let chains = new Map<string, string>();
  let rules = new Map<string, IptablesRule[]>();
  let name: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) {
      name = line.slice(1).trim();
      chains = new Map();
      rules = new Map();
      out.set(name, { name, chains, rules });
    } else if (!name || line === "" || line.startsWith("#") || line === "COMMIT") {
    } else if (line.startsWith(":")) {
      const [chain, policy] = line.slice(1).split(/\s+/);
      if (chain) chains.set(chain, policy ?? "-");
    } else if (line.startsWith("-A ")) {
      const words = splitIptablesWords(line);
      const chain = words[1];
      if (!chain) continue;
      const spec = line.slice(line.indexOf(chain) + chain.length).trim();
      const rule = parseRule(chain, words.slice(2), spec);
      const list = rules.get(chain) ?? [];
      list.push(rule);
      rules.set(chain, list);
    }
  }
  return out;
}

/** A packet to push through a chain. */
export interface NatProbe {
  readonly family: IpFamily;
  readonly src: bigint;
  readonly dst: bigint;
  readonly out?: string;
  /** @default "tcp" */
  readonly protocol?: string;
  /** Packet mark. @default 0 */
  readonly mark?: number;
}

export interface NatVerdict {
  /** The packet leaves with a translated source. */
  readonly nat: boolean;
  /** The rule that decided (MASQUERADE/SNAT/ACCEPT), when one did. */
  readonly rule?: IptablesRule;
  /** Rules skipped because they hold a condition doctor cannot evaluate, with a NAT or jump target. */
  readonly skipped: readonly IptablesRule[];
}

type Tri = true | false | undefined;

function inBlock(value: string, family: IpFamily, addr: bigint): Tri {
  const c = parseCidr(value.includes("/") ? value : `${value}/${family === "ipv4" ? 32 : 128}`);
  const block = c.ok
    ? c.value
    : (() => {
        const a = parseInterfaceAddress(value);
        return a.ok ? a.value.network : undefined;
      })();
  if (!block) return undefined;
  if (block.family !== family) return false;
  return containsAddress(block, family, addr);
}

/** iptables interface match: a trailing `+` is a prefix wildcard. */
export function ifaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith("+") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** IANA protocol numbers iptables-save may print instead of names. */
const PROTO_NUMBER: Readonly<Record<string, string>> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp" };

function matchOne(m: IptablesMatch, p: NatProbe): Tri {
  let r: Tri;
  switch (m.kind) {
    case "src":
      r = inBlock(m.value, p.family, p.src);
      break;
    case "dst":
      r = inBlock(m.value, p.family, p.dst);
      break;
    case "out":
      r = p.out === undefined ? undefined : ifaceMatches(m.value, p.out);
      break;
    case "proto": {
      const v = PROTO_NUMBER[m.value] ?? m.value.toLowerCase();
      r = v === "all" || v === "0" ? true : v === (p.protocol ?? "tcp");
      break;
    }
    case "mark": {
      const [v = "", mask = "0xffffffff"] = m.value.split("/");
      const value = Number(v);
      const mk = Number(mask);
      r = Number.isFinite(value) && Number.isFinite(mk) ? ((p.mark ?? 0) & mk) >>> 0 === value >>> 0 : undefined;
      break;
    }
    case "addrtype":
      // Probe addresses are pod addresses: unicast, never local to the node.
      r = m.value.split(",").includes("UNICAST");
      break;
    case "comment":
      return true;
    default:
      return undefined;
  }
  if (r === undefined) return undefined;
  return m.negated ? !r : r;
}

function ruleMatches(rule: IptablesRule, p: NatProbe): Tri {
  let unknown = false;
  for (const m of rule.matches) {
    const r = matchOne(m, p);
    if (r === false) return false;
    if (r === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}

const NAT_TARGETS = new Set(["MASQUERADE", "SNAT", "NETMAP"]);

interface ChainResult {
  readonly kind: "nat" | "accept" | "return" | "end";
  readonly rule?: IptablesRule;
}

function walk(table: IptablesTable, chain: string, p: NatProbe, depth: number, skipped: IptablesRule[]): ChainResult {
  // Jump loops are rejected by the kernel; the bound only guards against a hand-edited dump.
  if (depth > 64) return { kind: "end" };
  for (const rule of table.rules.get(chain) ?? []) {
    const m = ruleMatches(rule, p);
    const t = rule.target;
    if (m === undefined) {
      if (t && (NAT_TARGETS.has(t) || table.chains.has(t))) skipped.push(rule);
      continue;
    }
    if (!m || !t) continue;
    if (NAT_TARGETS.has(t)) return { kind: "nat", rule };
    if (t === "ACCEPT" || t === "DROP" || t === "REJECT") return { kind: "accept", rule };
    if (t === "RETURN") return { kind: "return", rule };
    if (table.chains.has(t)) {
      const r = walk(table, t, p, depth + 1, skipped);
      if (r.kind === "nat" || r.kind === "accept") return r;
      if (rule.goto) return { kind: "return" };
    }
    // MARK, LOG, CONNMARK, ...: not terminal.
  }
  return { kind: "end" };
}

/** Where the probe ends up in `chain` (POSTROUTING by default) of a nat table. */
export function evaluateNat(table: IptablesTable, probe: NatProbe, chain = "POSTROUTING"): NatVerdict {
  const skipped: IptablesRule[] = [];
  const r = walk(table, chain, probe, 0, skipped);
  return { nat: r.kind === "nat", ...(r.rule ? { rule: r.rule } : {}), skipped };
}
