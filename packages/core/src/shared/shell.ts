/**
 * Shell safety for everything podnet writes into node scripts: the strict
 * patterns a value must match before it may reach a script, and single-quote
 * quoting for the values that pass. Validation happens first (a Problem with
 * a path); quoting is the second fence, never the only one.
 */
import { DNS1123_LABEL } from "./names.js";
import { type Problems, show } from "./problems.js";

/** Quotes a value for POSIX shells: `'…'`, with embedded quotes as `'\''`. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A strict pattern a value must match to be placed in a script, with words for messages. */
export interface ShellRule {
  /** Stable problem code, e.g. `node.path`. */
  readonly code: string;
  readonly pattern: RegExp;
  /** What the value is, for messages: "absolute path". */
  readonly what: string;
  /** The rule in words. */
  readonly rule: string;
  /** A valid example. */
  readonly example: string;
}

/**
 * Absolute paths: `/`-separated segments of letters, digits and `._+@=-`; no
 * spaces, quotes, globs, `$`, backslashes or empty, `.` and `..` segments.
 */
export const SAFE_PATH: ShellRule = {
  code: "node.path",
  pattern: /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._+@=-]+)+$/,
  what: "absolute path",
  rule: "an absolute path of segments made of letters, digits and ._+@=- (no spaces, quotes, $, *, .. or empty segments)",
  example: "/etc/sysctl.d/podnet.conf",
};

/** File modes as four octal digits without special bits (setuid, setgid, sticky). */
export const FILE_MODE: ShellRule = {
  code: "node.mode",
  pattern: /^0[0-7]{3}$/,
  what: "file mode",
  rule: "four octal digits starting with 0, e.g. 0644 (no setuid/setgid/sticky bits)",
  example: "0644",
};

/** `user:group`, both POSIX names. */
export const FILE_OWNER: ShellRule = {
  code: "node.owner",
  pattern: /^[a-z_][a-z0-9_-]{0,31}:[a-z_][a-z0-9_-]{0,31}$/,
  what: "owner",
  rule: "user:group, both lowercase POSIX names",
  example: "root:root",
};

/** Unit ids: up to four `/`-separated lowercase DNS-label-like parts, e.g. `prep/sysctl`. */
export const UNIT_ID: ShellRule = {
  code: "node.unit-id",
  pattern: /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?:\/[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?){0,3}$/,
  what: "unit id",
  rule: "lowercase parts of letters, digits and inner dashes, separated by /",
  example: "prep/sysctl",
};

/** Labels printed by the scripts (command names, descriptions). */
export const LABEL: ShellRule = {
  code: "node.label",
  pattern: /^[A-Za-z0-9][A-Za-z0-9 ._:/,()+-]{0,119}$/,
  what: "label",
  rule: "1-120 characters: letters, digits, spaces and ._:/,()+-",
  example: "apply sysctl settings",
};

/** Unit descriptions: one line of printable ASCII (they only appear in script comments). */
export const DESCRIPTION: ShellRule = {
  code: "node.description",
  pattern: /^[\x20-\x7e]{1,200}$/,
  what: "description",
  rule: "one line of 1-200 printable ASCII characters",
  example: "kernel parameters the pod network needs",
};

/** Scope names (one installer's state on a node): a DNS-1123 label. */
export const SCOPE_NAME: ShellRule = {
  code: "node.scope",
  pattern: DNS1123_LABEL,
  what: "scope name",
  rule: "a DNS-1123 label (lowercase letters, digits and inner dashes, at most 63 characters)",
  example: "prep",
};

/** http(s) URLs with a host name or IP literal, optional port and a plain path; no query, no credentials. */
export const DOWNLOAD_URL: ShellRule = {
  code: "node.url",
  pattern: /^https?:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~%+-]*)*$/,
  what: "download URL",
  rule: "http(s)://host[:port]/path with letters, digits and ._~%+- in the path (no query, fragment or credentials)",
  example: "https://github.com/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz",
};

/** A sha256 digest in lowercase hex. */
export const SHA256: ShellRule = {
  code: "node.sha256",
  pattern: /^[0-9a-f]{64}$/,
  what: "sha256 digest",
  rule: "64 lowercase hexadecimal digits",
  example: "1a28a0506bfe5bcdc981caf1a49eeab7e72da8321f1119b7be85f22621013098",
};

/** Kernel module names (`modprobe` arguments). */
export const KERNEL_MODULE: ShellRule = {
  code: "node.kernel-module",
  pattern: /^[a-z0-9][a-z0-9_-]{0,54}$/,
  what: "kernel module name",
  rule: "lowercase letters, digits, _ and -, at most 55 characters",
  example: "br_netfilter",
};

/** sysctl keys in dotted form. */
export const SYSCTL_KEY: ShellRule = {
  code: "node.sysctl-key",
  pattern: /^[a-z0-9_]+(?:\.[A-Za-z0-9_-]+)+$/,
  what: "sysctl key",
  rule: "dotted lowercase words, e.g. net.ipv4.ip_forward",
  example: "net.ipv4.ip_forward",
};

/** sysctl values: numbers or short words, no quotes or `$`. */
export const SYSCTL_VALUE: ShellRule = {
  code: "node.sysctl-value",
  pattern: /^[A-Za-z0-9_.:,-]+(?: [A-Za-z0-9_.:,-]+)*$/,
  what: "sysctl value",
  rule: "numbers or words of letters, digits and ._:,- separated by single spaces",
  example: "1",
};

/**
 * firewalld zone names. firewalld limits them to 17 characters because its
 * iptables chains are named after the zone and chain names hold 28 characters
 * (firewalld `functions.max_zone_name_len`).
 */
export const FIREWALLD_ZONE: ShellRule = {
  code: "node.firewalld-zone",
  pattern: /^[A-Za-z0-9_-]{1,17}$/,
  what: "firewalld zone name",
  rule: "1-17 letters, digits, _ or -",
  example: "public",
};

/** Interface names for firewalld, with iptables' trailing `+` wildcard (`cali+`, `flannel.+`). */
export const FIREWALLD_INTERFACE: ShellRule = {
  code: "node.firewalld-interface",
  pattern: /^[A-Za-z0-9_.-]{1,15}\+?$/,
  what: "firewalld interface",
  rule: "a Linux interface name (1-15 of letters, digits, _ . -), optionally ending in the wildcard +",
  example: "cali+",
};

/** Interface patterns for NetworkManager's `interface-name:` match, with an optional trailing `*`. */
export const NM_INTERFACE: ShellRule = {
  code: "node.nm-interface",
  pattern: /^[A-Za-z0-9_.-]{1,15}\*?$/,
  what: "NetworkManager interface pattern",
  rule: "a Linux interface name (1-15 of letters, digits, _ . -), optionally ending in the glob *",
  example: "cali*",
};

/** Checks a value against a rule; reports `path` with the value, the rule and an example. */
export function checkShellValue(p: Problems, path: string, value: unknown, rule: ShellRule): value is string {
  if (typeof value === "string" && rule.pattern.test(value)) return true;
  p.error(path, rule.code, `${path}: ${show(value)} is not a safe ${rule.what}: it must be ${rule.rule}; e.g. ${show(rule.example)}`);
  return false;
}
