/**
 * Parsers for the collection script's output (doctor/collect.ts): sections
 * back to text, then into typed facts. Robust by construction: a section that
 * is missing, failed or does not parse becomes `{ ok: false, reason }`, which
 * the checks report as "could not check", never an exception.
 */
import { type Cidr, type IpFamily, parseAddress, parseCidr, parseInterfaceAddress } from "../shared/cidr.js";
import { DOCTOR_SECTION_PREFIX, DOCTOR_SECTIONS, dirSection, fileSection, sysctlSection } from "./collect.js";
import { type IptablesTable, parseIptablesSave } from "./iptables.js";

/** A parsed fact, or why it is not available. */
export type Fact<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** One section of the collection output. */
export interface RawSection {
  readonly name: string;
  readonly status: string;
  readonly rc: number;
  readonly text: string;
}

export interface LinkFact {
  readonly name: string;
  readonly mtu: number;
  readonly up: boolean;
  /** `ip -d link` kind (vxlan, veth, bridge, ipip, wireguard, tun), when reported. */
  readonly kind?: string;
  readonly vxlan?: { readonly id?: number; readonly port?: number; readonly local?: string; readonly link?: string };
}

export interface AddressFact {
  readonly interface: string;
  readonly family: IpFamily;
  /** Canonical address text. */
  readonly address: string;
  readonly prefix: number;
}

export interface RouteFact {
  readonly family: IpFamily;
  /** Destination block (`default` is 0.0.0.0/0 or ::/0). */
  readonly dst: Cidr;
  /** Route type: unicast, blackhole, unreachable, prohibit, local, ... */
  readonly type: string;
  readonly gateway?: string;
  readonly device?: string;
  readonly onlink: boolean;
  /** `ip route` style text, for messages. */
  readonly text: string;
}

/** NetworkManager's merged configuration: sections of key/value lines. */
export type NmConfig = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface FirewalldZone {
  readonly name: string;
  readonly target: string;
  readonly ports: readonly string[];
  readonly protocols: readonly string[];
  readonly sources: readonly string[];
  readonly interfaces: readonly string[];
  readonly services: readonly string[];
  readonly masquerade: boolean;
}

/** Everything doctor learned about one node. */
export interface NodeFacts {
  readonly host?: string;
  readonly links: Fact<readonly LinkFact[]>;
  readonly addresses: Fact<readonly AddressFact[]>;
  readonly routes: Readonly<Record<IpFamily, Fact<readonly RouteFact[]>>>;
  /** nat tables per family, one per rule set (nf_tables-backed and legacy); empty when none exists. */
  readonly nat: Readonly<Record<IpFamily, Fact<readonly IptablesTable[]>>>;
  /** `nft list ruleset` output, when nft is installed. */
  readonly nft?: string;
  readonly sections: ReadonlyMap<string, RawSection>;
}

/** UTF-8 text to base64 (web APIs only: the core does no I/O and needs no Node module). */
function toBase64(text: string): string {
  let bin = "";
  for (const byte of new TextEncoder().encode(text)) bin += String.fromCharCode(byte);
  return btoa(bin);
}

function fromBase64(data: string): string {
  const bin = atob(data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/** Encodes one section the way the collection script prints it (for tests and fixtures). */
export function encodeDoctorSection(name: string, status: string, rc: number, text: string): string {
  const data = text === "" ? "-" : toBase64(text);
  return `${DOCTOR_SECTION_PREFIX} ${name} ${status} ${rc} ${data}`;
}

/** Splits the collection output into sections; unknown lines are ignored. */
export function parseDoctorOutput(stdout: string): Map<string, RawSection> {
  const out = new Map<string, RawSection>();
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(`${DOCTOR_SECTION_PREFIX} `)) continue;
    const [, name, status, rc, data] = line.trimEnd().split(" ");
    if (!name || !status || rc === undefined || data === undefined) continue;
    let text = "";
    if (data !== "-") {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) continue;
      text = fromBase64(data);
    }
    out.set(name, { name, status, rc: Number.parseInt(rc, 10), text });
  }
  return out;
}

/** The text of a command section, or why there is none. */
export function commandText(sections: ReadonlyMap<string, RawSection>, name: string, what: string): Fact<string> {
  const s = sections.get(name);
  if (!s) return { ok: false, reason: `${what}: not in the collection output (the script did not run to the end?)` };
  if (s.status === "missing") return { ok: false, reason: `${what}: the program is not installed on the node` };
  if (s.status === "ran" && s.rc !== 0) return { ok: false, reason: `${what}: exited ${s.rc}` };
  return { ok: true, value: s.text };
}

/** A file's content (undefined when absent), or why it could not be read. */
export function fileFact(sections: ReadonlyMap<string, RawSection>, path: string): Fact<string | undefined> {
  const s = sections.get(fileSection(path));
  if (!s) return { ok: false, reason: `${path}: not in the collection output` };
  if (s.status === "absent") return { ok: true, value: undefined };
  if (s.status !== "file") return { ok: false, reason: `${path}: not readable` };
  return { ok: true, value: s.text };
}

/** The names in a directory (undefined when it does not exist). */
export function dirFact(sections: ReadonlyMap<string, RawSection>, path: string): Fact<readonly string[] | undefined> {
  const s = sections.get(dirSection(path)) ?? sections.get(path);
  if (!s) return { ok: false, reason: `${path}: not in the collection output` };
  if (s.status === "absent") return { ok: true, value: undefined };
  if (s.rc !== 0) return { ok: false, reason: `${path}: could not be listed` };
  return { ok: true, value: s.text.split("\n").filter((l) => l !== "") };
}

/** A sysctl value (undefined when the key does not exist on the node). */
export function sysctlFact(sections: ReadonlyMap<string, RawSection>, key: string): Fact<string | undefined> {
  const s = sections.get(sysctlSection(key));
  if (!s) return { ok: false, reason: `${key}: not in the collection output` };
  if (s.status === "absent") return { ok: true, value: undefined };
  if (s.status !== "file") return { ok: false, reason: `${key}: not readable` };
  return { ok: true, value: s.text.trim().replace(/\s+/g, " ") };
}

function parseJsonArray(text: string, what: string): Fact<unknown[]> {
  try {
    const v = JSON.parse(text === "" ? "[]" : text) as unknown;
    return Array.isArray(v) ? { ok: true, value: v } : { ok: false, reason: `${what}: not a JSON list` };
  } catch {
    return { ok: false, reason: `${what}: not JSON (an iproute2 without -j?)` };
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** An iproute2 JSON list, each entry (as a record) mapped to zero or more facts. */
function parseJsonRecords<T>(text: string, what: string, each: (r: Record<string, unknown>) => readonly T[]): Fact<readonly T[]> {
  const arr = parseJsonArray(text, what);
  if (!arr.ok) return arr;
  return { ok: true, value: arr.value.flatMap((item) => each(rec(item))) };
}

/** `ip -j -d link show` -> links. */
export function parseLinks(text: string): Fact<readonly LinkFact[]> {
  return parseJsonRecords(text, "ip -j -d link", (r) => {
    const name = str(r.ifname);
    const mtu = num(r.mtu);
    if (!name || mtu === undefined) return [];
    const flags = Array.isArray(r.flags) ? r.flags.filter((f): f is string => typeof f === "string") : [];
    const info = rec(r.linkinfo);
    const kind = str(info.info_kind);
    const data = rec(info.info_data);
    const vx =
      kind === "vxlan"
        ? {
            ...(num(data.id) !== undefined ? { id: num(data.id) } : {}),
            ...(num(data.port) !== undefined ? { port: num(data.port) } : {}),
            ...(str(data.local) ? { local: str(data.local) } : str(data.local6) ? { local: str(data.local6) } : {}),
            ...(str(data.link) ? { link: str(data.link) } : {}),
          }
        : undefined;
    return [{ name, mtu, up: flags.includes("UP"), ...(kind ? { kind } : {}), ...(vx ? { vxlan: vx } : {}) }];
  });
}

/** `ip -j addr show` -> addresses (global and link scope; tentative ones included). */
export function parseAddresses(text: string): Fact<readonly AddressFact[]> {
  return parseJsonRecords(text, "ip -j addr", (r) => {
    const out: AddressFact[] = [];
    const iface = str(r.ifname);
    if (!iface || !Array.isArray(r.addr_info)) return [];
    for (const a of r.addr_info) {
      const ar = rec(a);
      const local = str(ar.local);
      const prefix = num(ar.prefixlen);
      if (!local || prefix === undefined) continue;
      const parsed = parseInterfaceAddress(`${local}/${prefix}`);
      if (!parsed.ok) continue;
      out.push({ interface: iface, family: parsed.value.family, address: parsed.value.address, prefix });
    }
    return out;
  });
}

/** `ip -j route show table main` -> routes of one family. */
export function parseRoutes(text: string, family: IpFamily): Fact<readonly RouteFact[]> {
  return parseJsonRecords(text, `ip -j -${family === "ipv4" ? 4 : 6} route`, (r) => {
    const dstText = str(r.dst);
    if (!dstText) return [];
    const full =
      dstText === "default"
        ? family === "ipv4"
          ? "0.0.0.0/0"
          : "::/0"
        : dstText.includes("/")
          ? dstText
          : `${dstText}/${family === "ipv4" ? 32 : 128}`;
    const dst = parseCidr(full);
    if (!dst.ok || dst.value.family !== family) return [];
    const flags = Array.isArray(r.flags) ? r.flags.filter((f): f is string => typeof f === "string") : [];
    const type = str(r.type) ?? "unicast";
    const gateway = str(r.gateway);
    const device = str(r.dev);
    const text = [
      type === "unicast" ? "" : type,
      dstText,
      gateway ? `via ${gateway}` : "",
      device ? `dev ${device}` : "",
      flags.includes("onlink") ? "onlink" : "",
    ]
      .filter(Boolean)
      .join(" ");
    return [
      {
        family,
        dst: dst.value,
        type,
        ...(gateway ? { gateway } : {}),
        ...(device ? { device } : {}),
        onlink: flags.includes("onlink"),
        text,
      },
    ];
  });
}

/** Reads NetworkManager `--print-config` (or a conf file): `[section]` and `key=value` lines, comments skipped. */
export function parseNmConfig(text: string): NmConfig {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      const name = head[1] as string;
      section = out.get(name) ?? new Map();
      out.set(name, section);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || !section) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    // `key+=value` (conf.d files) appends; --print-config prints merged values.
    if (key.endsWith("+")) {
      const k = key.slice(0, -1).trim();
      const prev = section.get(k);
      section.set(k, prev ? `${prev},${value}` : value);
    } else section.set(key, value);
  }
  return out;
}

/** Reads `firewall-cmd --list-all` / `firewall-offline-cmd --list-all`. */
export function parseFirewalldZone(text: string): Fact<FirewalldZone> {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const first = lines[0];
  if (!first) return { ok: false, reason: "firewalld printed nothing for the zone" };
  const name = first.trim().split(/\s+/)[0] as string;
  const kv = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const m = /^\s+([a-z -]+):\s*(.*)$/.exec(l);
    if (m) kv.set(m[1] as string, (m[2] as string).trim());
  }
  if (!kv.has("ports") && !kv.has("target"))
    return { ok: false, reason: `firewalld zone listing not understood: ${JSON.stringify(first)}` };
  const list = (k: string) => (kv.get(k) ?? "").split(/\s+/).filter((x) => x !== "");
  return {
    ok: true,
    value: {
      name,
      target: kv.get("target") ?? "default",
      ports: list("ports"),
      protocols: list("protocols"),
      sources: list("sources"),
      interfaces: list("interfaces"),
      services: list("services"),
      masquerade: kv.get("masquerade") === "yes",
    },
  };
}

/** Splits `--list-all-zones` into the zones' listings (a zone starts at column 0). */
export function splitFirewalldZones(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    if (name) out.set(name, buf.join("\n"));
  };
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) {
      flush();
      name = line.trim().split(/\s+/)[0];
      buf = [line];
    } else if (name) buf.push(line);
  }
  flush();
  return out;
}

/** One zone from the collection output. */
export function zoneFact(sections: ReadonlyMap<string, RawSection>, zone: string): Fact<FirewalldZone> {
  const t = commandText(sections, DOCTOR_SECTIONS.firewalldZones, "firewalld --list-all-zones");
  if (!t.ok) return t;
  const listing = splitFirewalldZones(t.value).get(zone);
  if (listing === undefined)
    return {
      ok: true,
      value: { name: zone, target: "default", ports: [], protocols: [], sources: [], interfaces: [], services: [], masquerade: false },
    };
  return parseFirewalldZone(listing);
}

function natTables(sections: ReadonlyMap<string, RawSection>, names: readonly string[], what: string): Fact<readonly IptablesTable[]> {
  const tables: IptablesTable[] = [];
  let any = false;
  let reason = "";
  for (const name of names) {
    const s = sections.get(name);
    if (!s) continue;
    const t = commandText(sections, name, name);
    if (!t.ok) {
      reason ||= t.reason;
      continue;
    }
    any = true;
    const nat = parseIptablesSave(t.value).get("nat");
    if (nat) tables.push(nat);
  }
  if (!any) return { ok: false, reason: reason || `${what}: not collected` };
  return { ok: true, value: tables };
}

/** Turns the collection output into facts. */
export function nodeFacts(stdout: string): NodeFacts {
  const sections = parseDoctorOutput(stdout);
  const S = DOCTOR_SECTIONS;
  const links = commandText(sections, S.links, "ip -j -d link show");
  const addresses = commandText(sections, S.addresses, "ip -j addr show");
  const r4 = commandText(sections, S.routes4, "ip -j -4 route show");
  const r6 = commandText(sections, S.routes6, "ip -j -6 route show");
  const host = commandText(sections, S.host, "uname -n");
  const nft = commandText(sections, S.nft, "nft list ruleset");
  return {
    ...(host.ok ? { host: host.value.trim() } : {}),
    links: links.ok ? parseLinks(links.value) : links,
    addresses: addresses.ok ? parseAddresses(addresses.value) : addresses,
    routes: { ipv4: r4.ok ? parseRoutes(r4.value, "ipv4") : r4, ipv6: r6.ok ? parseRoutes(r6.value, "ipv6") : r6 },
    nat: {
      ipv4: natTables(sections, [S.iptables, S.iptablesLegacy], "iptables-save"),
      ipv6: natTables(sections, [S.ip6tables, S.ip6tablesLegacy], "ip6tables-save"),
    },
    ...(nft.ok ? { nft: nft.value } : {}),
    sections,
  };
}

/** Parses an address in any notation doctor meets; undefined when it is none. */
export function addressOf(text: string | undefined): { family: IpFamily; value: bigint; text: string } | undefined {
  if (!text) return undefined;
  const r = parseAddress(text);
  return r.ok ? r.value : undefined;
}
