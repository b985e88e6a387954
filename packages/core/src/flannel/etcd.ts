/**
 * flannel's etcd datastore (systemd mode): which etcd API a flannel release
 * speaks, the network config written to `<prefix>/config`, flannel's own
 * subnet rules (CheckNetworkConfig) checked up front, and per-node subnet
 * reservations built from the plan's stable node subnets.
 *
 * A reservation is a `<prefix>/subnets/<ip>-<len>` key without an etcd lease:
 * flanneld finds it by its PublicIP and keeps it forever, so a node always
 * gets its own subnet back (the cure for the stale-lease trouble of seed 004).
 * @see https://github.com/flannel-io/flannel/blob/master/Documentation/reservations.md
 */
import type { AllocationRange, CidrPlan, PerFamily } from "../plan/index.js";
import { type Cidr, subnetCount, subnetIndex } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { FLANNEL_VXLAN_DEFAULT_VNI } from "./backend.js";
import type { FlannelEtcdConfig } from "./etcd-options.js";
import { type FlannelNetConfInput, flannelNetConf } from "./net-conf.js";
import type { FlannelNetworkConfig } from "./options.js";
import { checkFlannelSubnetRange, type FlannelSubnetRange } from "./subnet-range.js";

/** etcd API a flanneld release talks. */
export const FlannelEtcdApi = { V2: "v2", V3: "v3" } as const;
export type FlannelEtcdApi = (typeof FlannelEtcdApi)[keyof typeof FlannelEtcdApi];

/** flannel switched from the etcd v2 client to clientv3 in v0.18.0 (2022-05-26, commit f4326fc8). */
export const FLANNEL_ETCD_V3_SINCE = "v0.18.0";

/** `EnableNFTables` is read from v0.25.0 on. @see notes/flannel.md §2 */
export const FLANNEL_NFTABLES_SINCE = "v0.25.0";

/** A flannel release tag: `v0.28.9`. */
export const FLANNEL_RELEASE_TAG = /^v(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/;

/** etcd client URL podnet lets reach a unit file and a script: scheme, host (name, IPv4 or [IPv6]), port. */
export const ETCD_ENDPOINT =
  /^https?:\/\/(\[[0-9A-Fa-f:.]{2,45}\]|[0-9]{1,3}(\.[0-9]{1,3}){3}|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*):([1-9][0-9]{0,4})$/;

/** etcd key prefix: absolute, segments of letters, digits, `.`, `_`, `-`, no trailing slash. */
export const ETCD_PREFIX = /^(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}){1,16}$/;

/** `[major, minor, patch]` of a release tag, or undefined. */
export function parseFlannelTag(tag: string): [number, number, number] | undefined {
  const m = FLANNEL_RELEASE_TAG.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Orders two release tags (both must parse). */
export function compareFlannelTags(a: string, b: string): number {
  const x = parseFlannelTag(a);
  const y = parseFlannelTag(b);
  if (!x || !y) throw new Error(`internal: not release tags: ${a}, ${b}`);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The etcd API the release needs: v3 from v0.18.0, v2 before. */
export function flannelEtcdApi(tag: string): FlannelEtcdApi {
  return compareFlannelTags(tag, FLANNEL_ETCD_V3_SINCE) >= 0 ? "v3" : "v2";
}

/** One reservation: the key, its value, and the node it is for. */
export interface FlannelReservation {
  readonly node: string;
  readonly key: string;
  readonly value: string;
  readonly publicIp: string;
  readonly publicIpv6?: string;
}

/** The fields whose change invalidates every lease (compared by the config-writing script). */
export interface FlannelNetworkIdentity {
  readonly network: string;
  readonly ipv6Network: string;
  readonly subnetLen: string;
  readonly ipv6SubnetLen: string;
  readonly backendType: string;
  readonly vni: string;
  /** SubnetLen flannel would use for this Network when the stored config has none. */
  readonly defaultSubnetLen: string;
  readonly defaultIpv6SubnetLen: string;
}

/** Everything the config-writing script and the node units need about the etcd datastore. */
export interface FlannelEtcdPlan {
  readonly api: FlannelEtcdApi;
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly configKey: string;
  /** The exact bytes written to `<prefix>/config`. */
  readonly configJson: string;
  readonly identity: FlannelNetworkIdentity;
  readonly ranges: readonly FlannelSubnetRange[];
  readonly reservations: readonly FlannelReservation[];
  readonly allowNetworkChange: boolean;
  /** Node steps after an allowed network change (also in plan.json). */
  readonly cleanupOnChange: readonly string[];
  readonly tls: boolean;
}

/**
 * flannel's default SubnetLen when the config has none: IPv4 /24 if Network is /22 or
 * shorter, else prefix + 2; IPv6 /64 if Network is /62 or shorter, else prefix + 2.
 * @see flannel pkg/subnet/config.go (CheckNetworkConfig)
 */
export function flannelDefaultSubnetLen(network: Cidr): number {
  const [usual, threshold] = network.family === "ipv4" ? [24, 22] : [64, 62];
  return network.prefix <= threshold ? usual : network.prefix + 2;
}

/** What flannel's section asks of the plan: node masks from SubnetLen, and where node subnets may go. */
export interface FlannelPlanConstraints {
  /** Node mask per family taken from `subnetLen` / `ipv6SubnetLen` (only where cluster.nodeMaskSize leaves it out). */
  readonly nodeMaskSize: PerFamily<number>;
  /** flannel's SubnetMin..SubnetMax per family, when node subnets are reserved in etcd. */
  readonly allocation: PerFamily<AllocationRange>;
}

/**
 * The plan constraints of a flannel section. Only the etcd datastore allocates subnets itself:
 * there SubnetLen is the node mask (given one of the two, the other follows), and with
 * reservations (the default) every node subnet must lie in SubnetMin..SubnetMax, which
 * default to the Network's second and last subnet.
 * @param givenMask - which families' cluster.nodeMaskSize the spec sets itself
 */
export function flannelPlanConstraints(
  flannel: FlannelNetworkConfig | undefined,
  givenMask: { readonly ipv4: boolean; readonly ipv6: boolean },
): FlannelPlanConstraints {
  const s = flannel?.mode === "systemd" ? flannel.systemd : undefined;
  if (!flannel || s?.datastore !== "etcd") return { nodeMaskSize: {}, allocation: {} };
  const nodeMaskSize: Record<string, number> = {};
  if (!givenMask.ipv4 && flannel.subnetLen !== undefined) nodeMaskSize.ipv4 = flannel.subnetLen;
  if (!givenMask.ipv6 && flannel.ipv6SubnetLen !== undefined) nodeMaskSize.ipv6 = flannel.ipv6SubnetLen;
  const allocation: Record<string, AllocationRange> = {};
  if (s.etcd?.reserveSubnets !== false) {
    const range = (min: string | undefined, max: string | undefined, json: string, key: string): AllocationRange => ({
      ...(min !== undefined ? { min } : { excludeFirst: true }),
      ...(max !== undefined ? { max } : {}),
      label: `flannel's ${json}Min..${json}Max`,
      path: `flannel.${key}Min`,
    });
    allocation.ipv4 = range(flannel.subnetMin, flannel.subnetMax, "Subnet", "subnet");
    allocation.ipv6 = range(flannel.ipv6SubnetMin, flannel.ipv6SubnetMax, "IPv6Subnet", "ipv6Subnet");
  }
  return { nodeMaskSize, allocation };
}

/** Reservation key segment flannel uses: `10.5.52.0-24`; dual-stack `<v4>-<len>&<v6>-<len>`. */
export function flannelSubnetKey(v4?: string, v6?: string): string {
  const seg = (c: string) => c.replace("/", "-");
  return [v4, v6]
    .filter((x): x is string => x !== undefined)
    .map(seg)
    .join("&");
}

export interface FlannelEtcdPlanInput {
  readonly plan: CidrPlan;
  readonly flannel: FlannelNetworkConfig;
  readonly etcd: FlannelEtcdConfig;
  /** flannel release tag (decides the API). */
  readonly version: string;
  /** The net-conf input the DaemonSet path would use; podnet adds the subnet keys. */
  readonly netConf: Omit<FlannelNetConfInput, "subnets">;
  /** The address flanneld will advertise, per node and family (its `--iface` address or `--public-ip`). */
  readonly publicIps: Readonly<Record<string, { readonly ipv4?: string; readonly ipv6?: string }>>;
  /** Node cleanup steps after an allowed network change. */
  readonly cleanupOnChange: readonly string[];
  /** Problem path of the flannel section, e.g. `flannel`. */
  readonly base: string;
}

/**
 * Validates the etcd settings and computes the config JSON and the reservations.
 * Returns undefined when an error was reported.
 */
export function planFlannelEtcd(input: FlannelEtcdPlanInput, p: Problems): FlannelEtcdPlan | undefined {
  const { plan, flannel, etcd, base } = input;
  const before = p.errors.length;
  checkEtcdConnection(etcd, `${base}.systemd.etcd`, p);
  const api = flannelEtcdApi(input.version);
  const ranges: FlannelSubnetRange[] = [];
  for (const family of plan.families) {
    const given =
      family === "ipv4"
        ? { subnetLen: flannel.subnetLen, subnetMin: flannel.subnetMin, subnetMax: flannel.subnetMax }
        : { subnetLen: flannel.ipv6SubnetLen, subnetMin: flannel.ipv6SubnetMin, subnetMax: flannel.ipv6SubnetMax };
    const r = checkFlannelSubnetRange(plan, family, given, etcd.reserveSubnets, base, p);
    if (r) ranges.push(r);
  }
  if (p.errors.length > before) return undefined;

  const conf: Record<string, unknown> = { ...flannelNetConf({ ...input.netConf, subnets: subnetKeys(ranges) }) };
  // EnableNFTables arrived in v0.25.0; older releases never read it, so leave it out when off.
  if (compareFlannelTags(input.version, FLANNEL_NFTABLES_SINCE) < 0 && conf.EnableNFTables === false) delete conf.EnableNFTables;
  const configJson = JSON.stringify(conf);
  const backend = (conf.Backend ?? {}) as Record<string, unknown>;
  const backendType = String(backend.Type ?? "udp");
  return {
    api,
    endpoints: [...etcd.endpoints],
    prefix: etcd.prefix,
    configKey: `${etcd.prefix}/config`,
    configJson,
    identity: networkIdentity(ranges, backend, backendType),
    ranges,
    reservations: etcd.reserveSubnets ? nodeReservations(input, ranges, backendType) : [],
    allowNetworkChange: etcd.allowNetworkChange,
    cleanupOnChange: input.cleanupOnChange,
    tls: etcd.tls !== undefined,
  };
}

/** Checks the endpoint URLs, their scheme against the TLS settings, and the key prefix. */
function checkEtcdConnection(etcd: FlannelEtcdConfig, epath: string, p: Problems): void {
  const schemes = new Set<string>();
  etcd.endpoints.forEach((ep, i) => {
    if (!ETCD_ENDPOINT.test(ep)) {
      p.error(
        `${epath}.endpoints[${i}]`,
        "flannel.etcd.endpoint",
        `${epath}.endpoints[${i}]: ${show(ep)} is not an etcd client URL; write scheme://host:port, e.g. "https://192.168.1.31:2379"`,
      );
    } else schemes.add(ep.slice(0, ep.indexOf(":")));
  });
  if (schemes.size > 1) {
    p.error(
      `${epath}.endpoints`,
      "flannel.etcd.endpoint-mixed",
      `${epath}.endpoints: mixes http and https URLs; use https for every member`,
    );
  }
  const https = schemes.has("https");
  if (https && !etcd.tls) {
    p.error(
      `${epath}.tls`,
      "flannel.etcd.tls-missing",
      `${epath}.tls: the endpoints use https but no client certificate is given; flanneld only uses TLS when both --etcd-certfile and --etcd-keyfile are set (add tls: {caFile, certFile, keyFile})`,
    );
  }
  if (!https && schemes.size > 0) {
    p.warn(
      `${epath}.endpoints`,
      "flannel.etcd.insecure",
      `${epath}.endpoints: plain http; flanneld talks to etcd unauthenticated and in clear text (use https with client certificates)`,
    );
  }
  if (!ETCD_PREFIX.test(etcd.prefix)) {
    p.error(
      `${epath}.prefix`,
      "flannel.etcd.prefix",
      `${epath}.prefix: ${show(etcd.prefix)} is not an etcd key prefix podnet accepts (absolute, segments of letters, digits, ".", "_" and "-", no trailing "/"), e.g. "/coreos.com/network"`,
    );
  }
}

/** The network fields the config-writing script compares with the stored config. */
function networkIdentity(
  ranges: readonly FlannelSubnetRange[],
  backend: Record<string, unknown>,
  backendType: string,
): FlannelNetworkIdentity {
  const v4 = ranges.find((r) => r.family === "ipv4");
  const v6 = ranges.find((r) => r.family === "ipv6");
  return {
    network: v4?.network.text ?? "",
    ipv6Network: v6?.network.text ?? "",
    subnetLen: v4 ? String(v4.subnetLen) : "",
    ipv6SubnetLen: v6 ? String(v6.subnetLen) : "",
    backendType,
    vni: backendType === "vxlan" ? String(backend.VNI ?? FLANNEL_VXLAN_DEFAULT_VNI) : "",
    defaultSubnetLen: v4 ? String(flannelDefaultSubnetLen(v4.network)) : "",
    defaultIpv6SubnetLen: v6 ? String(flannelDefaultSubnetLen(v6.network)) : "",
  };
}

/** One lease-less reservation per node with an advertised address, keyed by its plan subnets. */
function nodeReservations(input: FlannelEtcdPlanInput, ranges: readonly FlannelSubnetRange[], backendType: string): FlannelReservation[] {
  const { plan, etcd } = input;
  const v6 = ranges.find((r) => r.family === "ipv6");
  const reservations: FlannelReservation[] = [];
  for (const node of plan.nodes) {
    const ips = input.publicIps[node.name] ?? {};
    if (plan.families.includes("ipv4") && !ips.ipv4) continue; // reported by the interface checks
    const attrs: Record<string, unknown> = {};
    if (ips.ipv4) attrs.PublicIP = ips.ipv4;
    if (v6 && ips.ipv6) attrs.PublicIPv6 = ips.ipv6;
    attrs.BackendType = backendType;
    reservations.push({
      node: node.name,
      key: `${etcd.prefix}/subnets/${flannelSubnetKey(node.podCidrs.ipv4, v6 ? node.podCidrs.ipv6 : undefined)}`,
      value: JSON.stringify(attrs),
      publicIp: ips.ipv4 ?? "",
      ...(v6 && ips.ipv6 ? { publicIpv6: ips.ipv6 } : {}),
    });
  }
  return reservations;
}

/** SubnetLen always; SubnetMin/SubnetMax only when they differ from flannel's defaults. */
function subnetKeys(ranges: readonly FlannelSubnetRange[]): NonNullable<FlannelNetConfInput["subnets"]> {
  const out: Record<string, string | number> = {};
  for (const r of ranges) {
    const v6 = r.family === "ipv6";
    const count = subnetCount(r.network, r.subnetLen);
    out[v6 ? "ipv6SubnetLen" : "subnetLen"] = r.subnetLen;
    if (subnetIndex(r.network, r.min) !== 1n) out[v6 ? "ipv6SubnetMin" : "subnetMin"] = r.min.text.split("/")[0] ?? "";
    if (subnetIndex(r.network, r.max) !== count - 1n) out[v6 ? "ipv6SubnetMax" : "subnetMax"] = r.max.text.split("/")[0] ?? "";
  }
  return out;
}
