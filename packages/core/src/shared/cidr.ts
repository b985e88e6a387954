/**
 * The one place podnet does address math. Everything goes through ip-num;
 * nothing here parses or formats an address by hand.
 */
import { collapseIPv6Number, IPv4, IPv4Prefix, IPv6, IPv6Prefix } from "ip-num";

/** Address family of a CIDR or address. */
export const IpFamily = { IPV4: "ipv4", IPV6: "ipv6" } as const;
export type IpFamily = (typeof IpFamily)[keyof typeof IpFamily];

/** How messages name a family: "IPv4", "IPv6". */
export const FAMILY_LABEL: Readonly<Record<IpFamily, string>> = { ipv4: "IPv4", ipv6: "IPv6" };

/** A parsed, strictly masked block. `text` is its canonical form. */
export interface Cidr {
  readonly family: IpFamily;
  readonly prefix: number;
  /** Canonical text: IPv4 dotted, IPv6 compressed (RFC 5952). */
  readonly text: string;
  /** First address as a number (inclusive). */
  readonly first: bigint;
  /** Last address as a number (inclusive). */
  readonly last: bigint;
}

/** An interface address such as `192.168.1.31/24`: the address and the network it sits in. */
export interface InterfaceAddress {
  readonly family: IpFamily;
  /** Canonical address text. */
  readonly address: string;
  readonly value: bigint;
  /** The masked network the address belongs to. */
  readonly network: Cidr;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; suggestion?: string };

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

/** Bit width of an address in the family (32 or 128). */
export function familyBits(family: IpFamily): number {
  return BITS[family];
}

// Masks and block sizes per prefix length, taken from ip-num once and cached:
// ip-num's range objects compute them through binary strings, which is slow
// for tens of thousands of node addresses.
const MASKS: Record<IpFamily, bigint[]> = { ipv4: [], ipv6: [] };
const SIZES: Record<IpFamily, bigint[]> = { ipv4: [], ipv6: [] };
for (let p = 0; p <= 32; p++) {
  const prefix = IPv4Prefix.fromNumber(BigInt(p));
  MASKS.ipv4.push(prefix.toMask().value);
  SIZES.ipv4.push(prefix.toRangeSize());
}
for (let p = 0; p <= 128; p++) {
  const prefix = IPv6Prefix.fromNumber(BigInt(p));
  MASKS.ipv6.push(prefix.toMask().value);
  SIZES.ipv6.push(prefix.toRangeSize());
}

/** Number of addresses in a block of the given prefix length. */
function blockSize(family: IpFamily, prefix: number): bigint {
  return SIZES[family][prefix] as bigint;
}

function formatAddress(family: IpFamily, value: bigint): string {
  return family === "ipv4" ? IPv4.fromNumber(value).toString() : collapseIPv6Number(IPv6.fromBigInt(value).toString());
}

/** Parses an address with ip-num; undefined when it is not a valid address of any family. */
function addressValue(text: string): { family: IpFamily; value: bigint } | undefined {
  const family: IpFamily = text.includes(":") ? "ipv6" : "ipv4";
  // zone indexes (fe80::1%eth0) are not addresses a plan can use
  if (text.includes("%")) return undefined;
  // ip-num validates while parsing: it throws on anything that is not an address
  try {
    return { family, value: family === "ipv4" ? IPv4.fromString(text).value : IPv6.fromString(text).value };
  } catch {
    return undefined;
  }
}

// Node interfaces mostly sit in a few shared networks: their canonical text is
// formatted once. Bounded, so a long-running process does not grow it forever.
const BLOCK_TEXT = new Map<string, string>();

/** The block of `prefix` that holds `value`. */
function blockOf(family: IpFamily, value: bigint, prefix: number): Cidr {
  const first = value & (MASKS[family][prefix] as bigint);
  const key = `${family}/${first}/${prefix}`;
  let text = BLOCK_TEXT.get(key);
  if (text === undefined) {
    if (BLOCK_TEXT.size >= 4096) BLOCK_TEXT.clear();
    text = `${formatAddress(family, first)}/${prefix}`;
    BLOCK_TEXT.set(key, text);
  }
  return { family, prefix, first, last: first + blockSize(family, prefix) - 1n, text };
}

/** Splits `addr/len` and checks both halves; shared by CIDR and interface-address parsing. */
function parseParts(input: string): ParseResult<{ family: IpFamily; prefix: number; value: bigint; addr: string }> {
  if (typeof input !== "string" || !input.includes("/")) {
    return { ok: false, reason: "is not in CIDR notation (address/prefix-length)" };
  }
  const slash = input.indexOf("/");
  const len = input.slice(slash + 1);
  const addr = addressValue(input.slice(0, slash));
  if (!addr) return { ok: false, reason: "is not a valid IPv4 or IPv6 CIDR" };
  const { family, value } = addr;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(len) || Number(len) > BITS[family]) {
    return { ok: false, reason: `has an invalid prefix length (0-${BITS[family]} for ${family === "ipv4" ? "IPv4" : "IPv6"})` };
  }
  return { ok: true, value: { family, prefix: Number(len), value, addr: input.slice(0, slash) } };
}

/**
 * Parses a CIDR block and requires it to be strictly masked: `10.244.0.1/16`
 * fails with the masked form `10.244.0.0/16` as the suggestion.
 */
export function parseCidr(input: string): ParseResult<Cidr> {
  const parts = parseParts(input);
  if (!parts.ok) return parts;
  const { family, prefix, value } = parts.value;
  const block = blockOf(family, value, prefix);
  if (value !== block.first) return { ok: false, reason: "has host bits set", suggestion: block.text };
  return { ok: true, value: block };
}

/** Parses an interface address (`192.168.1.31/24`, host bits expected). */
export function parseInterfaceAddress(input: string): ParseResult<InterfaceAddress> {
  const parts = parseParts(input);
  if (!parts.ok) return parts;
  const { family, prefix, value } = parts.value;
  // ip-num accepts IPv4 only in canonical dotted form (no leading zeros), so the text is already canonical
  const address = family === "ipv4" ? parts.value.addr : formatAddress(family, value);
  return { ok: true, value: { family, value, address, network: blockOf(family, value, prefix) } };
}

/** Parses a bare address (`10.96.0.10`, `fd00::a`). */
export function parseAddress(input: string): ParseResult<{ family: IpFamily; value: bigint; text: string }> {
  const addr = typeof input === "string" && !input.includes("/") ? addressValue(input) : undefined;
  if (!addr) return { ok: false, reason: "is not a valid IPv4 or IPv6 address" };
  return { ok: true, value: { ...addr, text: formatAddress(addr.family, addr.value) } };
}

/** Parses a CIDR that is known to be valid (library constants, already-validated input). */
export function cidr(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`internal: ${text} ${r.reason}`);
  return r.value;
}

/** True when `outer` contains `inner` (equal blocks contain each other). */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** True when the address lies inside the block. */
export function containsAddress(block: Cidr, family: IpFamily, value: bigint): boolean {
  return block.family === family && block.first <= value && value <= block.last;
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Number of addresses in the block. */
export function size(block: Cidr): bigint {
  return block.last - block.first + 1n;
}

/** How many blocks of length `prefix` fit in `block` (0 when prefix is shorter). */
export function subnetCount(block: Cidr, prefix: number): bigint {
  if (prefix < block.prefix) return 0n;
  return 1n << BigInt(prefix - block.prefix);
}

/** The `index`-th block of length `prefix` inside `block` (0-based). */
export function nthSubnet(block: Cidr, prefix: number, index: bigint): Cidr {
  return blockOf(block.family, block.first + blockSize(block.family, prefix) * index, prefix);
}

/** Index of `sub` among the blocks of its length inside `block` (requires containment). */
export function subnetIndex(block: Cidr, sub: Cidr): bigint {
  return (sub.first - block.first) / blockSize(sub.family, sub.prefix);
}

/** The `n`-th address of the block (0 = network address), as canonical text. */
export function nthAddress(block: Cidr, n: bigint): string {
  return formatAddress(block.family, block.first + n);
}

/** Canonical text of an address value in a family. */
export function addressText(family: IpFamily, value: bigint): string {
  return formatAddress(family, value);
}

/** Well-known ranges pods, services and node subnets must never use. */
export const SPECIAL_RANGES: ReadonlyArray<{ cidr: Cidr; name: string }> = [
  { cidr: cidr("0.0.0.0/8"), name: "this-network (RFC 1122)" },
  { cidr: cidr("127.0.0.0/8"), name: "loopback" },
  { cidr: cidr("169.254.0.0/16"), name: "link-local" },
  { cidr: cidr("224.0.0.0/4"), name: "multicast" },
  { cidr: cidr("::1/128"), name: "loopback" },
  { cidr: cidr("fe80::/10"), name: "link-local" },
  { cidr: cidr("ff00::/8"), name: "multicast" },
];

/** IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2): `::ffff:a.b.c.d` is the IPv4 address a.b.c.d. */
export const IPV4_MAPPED: Cidr = cidr("::ffff:0:0/96");

/**
 * The IPv4 network an IPv6 block aliases through the IPv4-mapped range, or
 * undefined when it does not touch that range: `::ffff:10.0.0.0/104` aliases
 * `10.0.0.0/8`; a block holding the whole mapped range aliases `0.0.0.0/0`.
 */
export function ipv4MappedAlias(block: Cidr): Cidr | undefined {
  if (!overlaps(block, IPV4_MAPPED)) return undefined;
  if (contains(block, IPV4_MAPPED)) return cidr("0.0.0.0/0");
  return blockOf("ipv4", block.first - IPV4_MAPPED.first, block.prefix - IPV4_MAPPED.prefix);
}

/** The IPv4 address an IPv4-mapped IPv6 address stands for (`::ffff:10.96.0.10` -> `10.96.0.10`), else undefined. */
export function ipv4MappedAddress(family: IpFamily, value: bigint): string | undefined {
  if (!containsAddress(IPV4_MAPPED, family, value)) return undefined;
  return formatAddress("ipv4", value - IPV4_MAPPED.first);
}

/** Private address space: RFC 1918, RFC 6598 shared space, RFC 4193 unique local. */
export const PRIVATE_RANGES: readonly Cidr[] = [
  cidr("10.0.0.0/8"),
  cidr("172.16.0.0/12"),
  cidr("192.168.0.0/16"),
  cidr("100.64.0.0/10"),
  cidr("fc00::/7"),
];

/** True when the block lies entirely inside private address space. */
export function isPrivate(block: Cidr): boolean {
  return PRIVATE_RANGES.some((p) => contains(p, block));
}
