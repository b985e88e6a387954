/**
 * The one place podnet does address math. Everything goes through ip-num;
 * nothing here parses or formats an address by hand.
 */
import { collapseIPv6Number, IPv4, IPv4CidrRange, IPv4Prefix, IPv6, IPv6CidrRange, IPv6Prefix, Validator } from "ip-num";

/** Address family of a CIDR or address. */
export const IpFamily = { IPV4: "ipv4", IPV6: "ipv6" } as const;
export type IpFamily = (typeof IpFamily)[keyof typeof IpFamily];

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

function formatAddress(family: IpFamily, value: bigint): string {
  return family === "ipv4" ? IPv4.fromNumber(value).toString() : collapseIPv6Number(IPv6.fromBigInt(value).toString());
}

function familyOfText(text: string): IpFamily | undefined {
  const [addr] = text.split("/");
  if (addr === undefined) return undefined;
  if (Validator.isValidIPv4String(addr)[0]) return "ipv4";
  if (Validator.isValidIPv6String(addr)[0]) return "ipv6";
  return undefined;
}

function rangeOf(family: IpFamily, text: string): IPv4CidrRange | IPv6CidrRange {
  return family === "ipv4" ? IPv4CidrRange.fromCidr(text) : IPv6CidrRange.fromCidr(text);
}

function toCidr(family: IpFamily, range: IPv4CidrRange | IPv6CidrRange): Cidr {
  const first = range.getFirst().value;
  const prefix = Number(range.cidrPrefix.value);
  return {
    family,
    prefix,
    first,
    last: range.getLast().value,
    text: `${formatAddress(family, first)}/${prefix}`,
  };
}

/** Splits `addr/len` and checks both halves; shared by CIDR and interface-address parsing. */
function parseParts(input: string): ParseResult<{ family: IpFamily; prefix: number; addr: string }> {
  if (typeof input !== "string" || !input.includes("/")) {
    return { ok: false, reason: "is not in CIDR notation (address/prefix-length)" };
  }
  const slash = input.indexOf("/");
  const addr = input.slice(0, slash);
  const len = input.slice(slash + 1);
  const family = familyOfText(addr);
  if (!family) return { ok: false, reason: "is not a valid IPv4 or IPv6 CIDR" };
  if (!/^(0|[1-9][0-9]{0,2})$/.test(len) || Number(len) > BITS[family]) {
    return { ok: false, reason: `has an invalid prefix length (0-${BITS[family]} for ${family === "ipv4" ? "IPv4" : "IPv6"})` };
  }
  return { ok: true, value: { family, prefix: Number(len), addr } };
}

/**
 * Parses a CIDR block and requires it to be strictly masked: `10.244.0.1/16`
 * fails with the masked form `10.244.0.0/16` as the suggestion.
 */
export function parseCidr(input: string): ParseResult<Cidr> {
  const parts = parseParts(input);
  if (!parts.ok) return parts;
  const { family, prefix } = parts.value;
  const range = rangeOf(family, input);
  const cidr = toCidr(family, range);
  const given = family === "ipv4" ? IPv4.fromString(parts.value.addr).value : IPv6.fromString(parts.value.addr).value;
  if (given !== cidr.first) {
    return { ok: false, reason: "has host bits set", suggestion: cidr.text };
  }
  void prefix;
  return { ok: true, value: cidr };
}

/** Parses an interface address (`192.168.1.31/24`, host bits expected). */
export function parseInterfaceAddress(input: string): ParseResult<InterfaceAddress> {
  const parts = parseParts(input);
  if (!parts.ok) return parts;
  const { family, addr } = parts.value;
  const value = family === "ipv4" ? IPv4.fromString(addr).value : IPv6.fromString(addr).value;
  return { ok: true, value: { family, value, address: formatAddress(family, value), network: toCidr(family, rangeOf(family, input)) } };
}

/** Parses a bare address (`10.96.0.10`, `fd00::a`). */
export function parseAddress(input: string): ParseResult<{ family: IpFamily; value: bigint; text: string }> {
  const family = typeof input === "string" ? familyOfText(input) : undefined;
  if (!family || input.includes("/")) return { ok: false, reason: "is not a valid IPv4 or IPv6 address" };
  const value = family === "ipv4" ? IPv4.fromString(input).value : IPv6.fromString(input).value;
  return { ok: true, value: { family, value, text: formatAddress(family, value) } };
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

/** The `index`-th block of length `prefix` inside `block` (0-based), via ip-num's prefix sizes. */
export function nthSubnet(block: Cidr, prefix: number, index: bigint): Cidr {
  const step =
    block.family === "ipv4" ? IPv4Prefix.fromNumber(BigInt(prefix)).toRangeSize() : IPv6Prefix.fromNumber(BigInt(prefix)).toRangeSize();
  const start = block.first + step * index;
  const range =
    block.family === "ipv4"
      ? new IPv4CidrRange(IPv4.fromNumber(start), IPv4Prefix.fromNumber(BigInt(prefix)))
      : new IPv6CidrRange(IPv6.fromBigInt(start), IPv6Prefix.fromNumber(BigInt(prefix)));
  return toCidr(block.family, range);
}

/** Index of `sub` among the blocks of its length inside `block` (requires containment). */
export function subnetIndex(block: Cidr, sub: Cidr): bigint {
  const step =
    sub.family === "ipv4"
      ? IPv4Prefix.fromNumber(BigInt(sub.prefix)).toRangeSize()
      : IPv6Prefix.fromNumber(BigInt(sub.prefix)).toRangeSize();
  return (sub.first - block.first) / step;
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
