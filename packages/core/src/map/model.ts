/**
 * The data behind the network map: every network of a spec, parsed through
 * shared/cidr.ts, grouped per address family, with the overlaps between them.
 *
 * It is built either from a valid PodCidrPlan or from raw, possibly invalid
 * spec input (then it holds whatever parses, so the map can show why the
 * spec is broken).
 */

import { DEFAULT_BLOCK_SIZE } from "../calico/pools.js";
import type { CidrPlan } from "../plan/pod-cidr-plan.js";
import {
  type Cidr,
  contains,
  familyBits,
  type IpFamily,
  nthAddress,
  overlaps,
  parseAddress,
  parseCidr,
  parseInterfaceAddress,
  SPECIAL_RANGES,
  size,
  subnetCount,
} from "../shared/cidr.js";
import { type Problem, show } from "../shared/problems.js";

/** A Calico IP pool (or any block-allocating pool) to draw inside the pod CIDR. */
export interface NetworkMapPool {
  /** Pool name, e.g. `default-ipv4-ippool`. */
  readonly name: string;
  /** Pool CIDR, strictly masked. */
  readonly cidr: string;
  /** Prefix length of the blocks the pool hands to nodes (Calico default 26 / 122). */
  readonly blockSize: number;
  /** Blocks known to be affine to a node, by node name (drawn in the node's colour). @default - none */
  readonly nodeBlocks?: Readonly<Record<string, readonly string[]>>;
  /** IP-in-IP mode (`Always`, `CrossSubnet`, `Never`). @default "Never" */
  readonly ipipMode?: string;
  /** VXLAN mode (`Always`, `CrossSubnet`, `Never`). @default "Never" */
  readonly vxlanMode?: string;
  /** Calico selector of the nodes that use the pool. @default "all()" */
  readonly nodeSelector?: string;
}

/** Optional inputs of the network map beyond the plan. */
export interface NetworkMapExtras {
  /** Heading of the picture. @default "podnet network map" */
  readonly title?: string;
  /** Calico pools, drawn with their blocks. @default - none */
  readonly pools?: readonly NetworkMapPool[];
  /**
   * The pod network is Calico: calico-ipam hands out the pools' blocks on demand and never uses
   * kube-controller-manager's per-node podCIDRs, so no node subnets are drawn.
   * @default false
   */
  readonly calico?: boolean;
  /** Problems to list on the map (the spec's validation errors). @default - none */
  readonly problems?: readonly Problem[];
}

export type MapNetKind = "pod" | "service" | "host" | "reserved" | "pool" | "node-subnet" | "special";

/** One network on the map. */
export interface MapNet {
  readonly kind: MapNetKind;
  readonly cidr: Cidr;
  /** Where it comes from, for labels: `cluster.podCidrs[0]`, `node "cp1" eth0`, `link-local`. */
  readonly label: string;
}

/** Two networks sharing the addresses of `shared`. */
export interface MapOverlap {
  readonly a: MapNet;
  readonly b: MapNet;
  readonly shared: Cidr;
}

export interface MapNodeSubnet {
  readonly node: string;
  /** Index of the node in the spec, which picks its colour. */
  readonly nodeIndex: number;
  readonly cidr: Cidr;
  /** `pinned`, `previous` or `allocated`. */
  readonly source: string;
}

export interface MapHostMember {
  readonly node: string;
  readonly iface: string;
  readonly address: bigint;
  readonly addressText: string;
}

export interface MapHostNet {
  readonly net: MapNet;
  readonly members: readonly MapHostMember[];
}

export interface MapPool {
  readonly net: MapNet;
  readonly name: string;
  readonly blockSize: number;
  /** Encapsulation modes and node selector; absent when not known (a pool of an invalid spec). */
  readonly ipipMode?: string;
  readonly vxlanMode?: string;
  readonly nodeSelector?: string;
  readonly nodeBlocks: ReadonlyArray<{ readonly node: string; readonly nodeIndex: number; readonly cidr: Cidr }>;
}

export interface MapFamily {
  readonly family: IpFamily;
  readonly pods: readonly MapNet[];
  readonly services: readonly MapNet[];
  readonly nodeMask?: number;
  readonly nodeSubnets: readonly MapNodeSubnet[];
  readonly hosts: readonly MapHostNet[];
  readonly reserved: readonly MapNet[];
  readonly pools: readonly MapPool[];
  readonly kubernetesIp?: { readonly value: bigint; readonly text: string };
  readonly dnsIp?: { readonly value: bigint; readonly text: string };
  readonly overlaps: readonly MapOverlap[];
}

/** A value that could not be drawn, with the reason. */
export interface MapUnparsed {
  readonly path: string;
  readonly value: string;
  readonly reason: string;
}

export interface NetworkMapModel {
  readonly title: string;
  readonly valid: boolean;
  /** Calico's IPAM (pool blocks on demand) instead of one subnet per node. */
  readonly calico: boolean;
  readonly families: readonly MapFamily[];
  readonly nodeCount: number;
  readonly maxPodsPerNode: number;
  readonly clusterDomain: string;
  readonly unparsed: readonly MapUnparsed[];
  readonly problems: readonly Problem[];
}

/** A value at a path of the input, before parsing. */
interface Item {
  readonly path: string;
  readonly value: unknown;
}

/** The network facts of a spec, unparsed: what both entry points reduce to. */
interface Collected {
  readonly podCidrs: readonly Item[];
  readonly serviceCidrs: readonly Item[];
  readonly reservedCidrs: readonly Item[];
  readonly nodeMaskSize: Partial<Record<IpFamily, number>>;
  readonly maxPodsPerNode: number;
  readonly clusterDomain: string;
  readonly dnsServiceIp?: Item;
  readonly nodes: ReadonlyArray<{
    readonly name: string;
    readonly index: number;
    readonly interfaces: ReadonlyArray<{ readonly name: string; readonly addresses: readonly Item[] }>;
    readonly subnets: ReadonlyArray<{ readonly item: Item; readonly source: string }>;
  }>;
  /** The spec has a `calico:` section; with it, its pools as written. */
  readonly calico?: { readonly pools: readonly NetworkMapPool[] };
  readonly unparsed: MapUnparsed[];
}

// Bounds on what a raw (possibly hostile) input may make the map process; the picture
// could not show more anyway. Chosen well above any real cluster spec.
const MAX_NODES = 2000;
const MAX_LIST = 64;
const MAX_ADDRESSES = 4096;

const FAMILIES: readonly IpFamily[] = ["ipv4", "ipv6"];
/** kubelet's default maxPods (kubelet configuration reference). */
const DEFAULT_MAX_PODS = 110;
/** kube-controller-manager's default node masks: /24 IPv4, /64 IPv6. */
const DEFAULT_NODE_MASK: Record<IpFamily, number> = { ipv4: 24, ipv6: 64 };

/** Model of a valid plan. */
export function mapModelFromPlan(plan: CidrPlan, extras: NetworkMapExtras = {}): NetworkMapModel {
  const collected: Collected = {
    podCidrs: plan.podCidrs.map((value, i) => ({ path: `cluster.podCidrs[${i}]`, value })),
    serviceCidrs: plan.serviceCidrs.map((value, i) => ({ path: `cluster.serviceCidrs[${i}]`, value })),
    reservedCidrs: plan.reservedCidrs.map((value, i) => ({ path: `cluster.reservedCidrs[${i}]`, value })),
    nodeMaskSize: plan.nodeMaskSize,
    maxPodsPerNode: plan.maxPodsPerNode,
    clusterDomain: plan.clusterDomain,
    dnsServiceIp: plan.dnsServiceIp ? { path: "cluster.dnsServiceIp", value: plan.dnsServiceIp } : undefined,
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      index: n.index,
      interfaces: n.interfaces.map((iface, k) => ({
        name: iface.name,
        addresses: iface.addresses.map((a, j) => ({ path: `nodes[${n.index}].interfaces[${k}].addresses[${j}]`, value: a.cidr })),
      })),
      subnets: FAMILIES.flatMap((f) => {
        const value = n.podCidrs[f];
        return value === undefined
          ? []
          : [{ item: { path: `nodes[${n.index}].podCidrs`, value }, source: n.subnetSource[f] ?? "allocated" }];
      }),
    })),
    unparsed: [],
  };
  return buildModel(collected, extras, true);
}

/**
 * Model of raw spec input, valid or not: every CIDR and address that parses
 * is placed; the rest is listed as not drawn. Node subnets are the pinned ones.
 */
export function mapModelFromInput(input: unknown, extras: NetworkMapExtras = {}): NetworkMapModel {
  return buildModel(collectRaw(input), extras, false);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function items(v: unknown, path: string, unparsed: MapUnparsed[]): Item[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    unparsed.push({ path, value: show(v), reason: "is not a list" });
    return [];
  }
  if (v.length > MAX_LIST) unparsed.push({ path, value: `${v.length} entries`, reason: `only the first ${MAX_LIST} are drawn` });
  return v.slice(0, MAX_LIST).map((value, i) => ({ path: `${path}[${i}]`, value }));
}

function text(v: unknown, fallback: string): string {
  return typeof v === "string" ? v : fallback;
}

function collectRaw(input: unknown): Collected {
  const unparsed: MapUnparsed[] = [];
  const root = isObject(input) ? input : {};
  const cluster = isObject(root.cluster) ? root.cluster : {};
  const mask = isObject(cluster.nodeMaskSize) ? cluster.nodeMaskSize : {};
  const nodeMaskSize: Partial<Record<IpFamily, number>> = {};
  for (const f of FAMILIES) {
    const m = mask[f] ?? DEFAULT_NODE_MASK[f];
    if (typeof m === "number" && Number.isInteger(m)) nodeMaskSize[f] = m;
  }
  const rawNodes = Array.isArray(root.nodes) ? root.nodes : [];
  if (rawNodes.length > MAX_NODES)
    unparsed.push({ path: "nodes", value: `${rawNodes.length} nodes`, reason: `only the first ${MAX_NODES} are drawn` });
  const nodes = rawNodes.slice(0, MAX_NODES).map((n: unknown, i) => {
    const node = isObject(n) ? n : {};
    const name = text(node.name, `nodes[${i}]`);
    const interfaces = items(node.interfaces, `nodes[${i}].interfaces`, unparsed).map((it) => {
      const iface = isObject(it.value) ? it.value : {};
      return { name: text(iface.name, "?"), addresses: items(iface.addresses, `${it.path}.addresses`, unparsed) };
    });
    const subnets = items(node.podCidrs, `nodes[${i}].podCidrs`, unparsed).map((item) => ({ item, source: "pinned" }));
    return { name, index: i, interfaces, subnets };
  });
  const maxPods = cluster.maxPodsPerNode;
  const podCidrs = items(cluster.podCidrs, "cluster.podCidrs", unparsed);
  return {
    podCidrs,
    serviceCidrs: items(cluster.serviceCidrs, "cluster.serviceCidrs", unparsed),
    reservedCidrs: items(cluster.reservedCidrs, "cluster.reservedCidrs", unparsed),
    nodeMaskSize,
    maxPodsPerNode: typeof maxPods === "number" && Number.isSafeInteger(maxPods) && maxPods > 0 ? maxPods : DEFAULT_MAX_PODS,
    clusterDomain: text(cluster.clusterDomain, "cluster.local"),
    dnsServiceIp: cluster.dnsServiceIp === undefined ? undefined : { path: "cluster.dnsServiceIp", value: cluster.dnsServiceIp },
    nodes,
    ...(isObject(root.calico) ? { calico: { pools: rawCalicoPools(root.calico, podCidrs) } } : {}),
    unparsed,
  };
}

/**
 * The pools of a raw `calico:` section, as far as they can be read: a pool without a cidr takes
 * the pod CIDR of its family, a section without ipPools gets one pool per pod CIDR (Calico's
 * default pools), and a missing blockSize is Calico's default. Unparsable values are reported
 * when the pool is drawn.
 */
function rawCalicoPools(calico: Record<string, unknown>, podCidrs: readonly Item[]): NetworkMapPool[] {
  const pods = podCidrs.flatMap((it) => {
    const r = typeof it.value === "string" ? parseCidr(it.value) : undefined;
    return r?.ok ? [r.value] : [];
  });
  const blockSizeOf = (cidr: unknown, given: unknown): number => {
    if (typeof given === "number") return given;
    const r = typeof cidr === "string" ? parseCidr(cidr) : undefined;
    return r?.ok ? DEFAULT_BLOCK_SIZE[r.value.family] : -1;
  };
  if (!Array.isArray(calico.ipPools)) {
    return pods.map((c) => ({ name: `default-${c.family}-ippool`, cidr: c.text, blockSize: DEFAULT_BLOCK_SIZE[c.family] }));
  }
  return calico.ipPools.slice(0, MAX_LIST).map((raw: unknown, i): NetworkMapPool => {
    const pool = isObject(raw) ? raw : {};
    const family = pool.family === "ipv6" ? "ipv6" : pool.family === "ipv4" ? "ipv4" : pods[0]?.family;
    const cidr = pool.cidr ?? pods.find((c) => c.family === family)?.text;
    return {
      name: text(pool.name, `ipPools[${i}]`),
      // any value: the model reports one that is not a CIDR string as not drawn
      cidr: cidr as string,
      blockSize: blockSizeOf(cidr, pool.blockSize),
      ...(typeof pool.ipipMode === "string" ? { ipipMode: pool.ipipMode } : {}),
      ...(typeof pool.vxlanMode === "string" ? { vxlanMode: pool.vxlanMode } : {}),
      ...(typeof pool.nodeSelector === "string" ? { nodeSelector: pool.nodeSelector } : {}),
    };
  });
}

function parseItem(item: Item, unparsed: MapUnparsed[]): Cidr | undefined {
  if (typeof item.value !== "string") {
    unparsed.push({ path: item.path, value: show(item.value), reason: "is not a string" });
    return undefined;
  }
  const r = parseCidr(item.value);
  if (r.ok) return r.value;
  unparsed.push({
    path: item.path,
    value: show(item.value),
    reason: r.suggestion ? `has host bits set (did you mean "${r.suggestion}"?)` : r.reason,
  });
  return undefined;
}

function buildModel(c: Collected, extras: NetworkMapExtras, valid: boolean): NetworkMapModel {
  const unparsed = [...c.unparsed];
  const nets = (list: readonly Item[], kind: MapNetKind): MapNet[] =>
    list.flatMap((it) => {
      const cidr = parseItem(it, unparsed);
      return cidr ? [{ kind, cidr, label: it.path }] : [];
    });
  const pods = nets(c.podCidrs, "pod");
  const services = nets(c.serviceCidrs, "service");
  const reserved = nets(c.reservedCidrs, "reserved");

  const calico = extras.calico ?? c.calico !== undefined;
  const nodeSubnets: MapNodeSubnet[] = [];
  const hostsByNet = new Map<string, { net: MapNet; members: MapHostMember[] }>();
  let addressCount = 0;
  for (const n of c.nodes) {
    // calico-ipam never uses the per-node podCIDRs: nothing to draw
    for (const s of calico ? [] : n.subnets) {
      const cidr = parseItem(s.item, unparsed);
      if (cidr) nodeSubnets.push({ node: n.name, nodeIndex: n.index, cidr, source: s.source });
    }
    for (const iface of n.interfaces) {
      for (const a of iface.addresses) {
        if (++addressCount > MAX_ADDRESSES) {
          if (addressCount === MAX_ADDRESSES + 1)
            unparsed.push({ path: a.path, value: "...", reason: `only the first ${MAX_ADDRESSES} node addresses are drawn` });
          continue;
        }
        if (typeof a.value !== "string") {
          unparsed.push({ path: a.path, value: show(a.value), reason: "is not a string" });
          continue;
        }
        const r = parseInterfaceAddress(a.value);
        if (!r.ok) {
          unparsed.push({ path: a.path, value: show(a.value), reason: r.reason });
          continue;
        }
        const key = r.value.network.text;
        const member = { node: n.name, iface: iface.name, address: r.value.value, addressText: r.value.address };
        const seen = hostsByNet.get(key);
        if (seen) seen.members.push(member);
        else
          hostsByNet.set(key, { net: { kind: "host", cidr: r.value.network, label: `node "${n.name}" ${iface.name}` }, members: [member] });
      }
    }
  }

  const pools: MapPool[] = [];
  const nodeIndex = new Map(c.nodes.map((n) => [n.name, n.index]));
  (extras.pools ?? c.calico?.pools ?? []).slice(0, MAX_LIST).forEach((pool, i) => {
    const name = text(pool?.name, `pool ${i}`);
    const cidr = parseItem({ path: `pools[${i}] (${name})`, value: pool?.cidr }, unparsed);
    if (!cidr) return;
    const nodeBlocks: MapPool["nodeBlocks"][number][] = [];
    for (const [node, blocks] of Object.entries(isObject(pool.nodeBlocks) ? pool.nodeBlocks : {}).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      items(blocks, `pools[${i}].nodeBlocks.${node}`, unparsed).forEach((it) => {
        const b = parseItem(it, unparsed);
        if (b) nodeBlocks.push({ node, nodeIndex: nodeIndex.get(node) ?? 0, cidr: b });
      });
    }
    const blockSize = typeof pool.blockSize === "number" && Number.isInteger(pool.blockSize) ? pool.blockSize : -1;
    const modes = {
      ...(typeof pool.ipipMode === "string" ? { ipipMode: pool.ipipMode } : {}),
      ...(typeof pool.vxlanMode === "string" ? { vxlanMode: pool.vxlanMode } : {}),
      ...(typeof pool.nodeSelector === "string" ? { nodeSelector: pool.nodeSelector } : {}),
    };
    pools.push({ net: { kind: "pool", cidr, label: `pool "${name}"` }, name, blockSize, ...modes, nodeBlocks });
  });

  const families: MapFamily[] = [];
  const order = [...new Set([...pods, ...services].map((n) => n.cidr.family))];
  for (const f of FAMILIES) if (!order.includes(f) && [...hostsByNet.values()].some((h) => h.net.cidr.family === f)) order.push(f);
  for (const family of order) {
    const fPods = pods.filter((n) => n.cidr.family === family);
    const fServices = services.filter((n) => n.cidr.family === family);
    const fHosts = [...hostsByNet.values()]
      .filter((h) => h.net.cidr.family === family)
      .sort((a, b) =>
        a.net.cidr.first < b.net.cidr.first ? -1 : a.net.cidr.first > b.net.cidr.first ? 1 : a.net.cidr.prefix - b.net.cidr.prefix,
      );
    const fReserved = reserved.filter((n) => n.cidr.family === family);
    const fPools = pools.filter((p) => p.net.cidr.family === family);
    const fSubnets = nodeSubnets
      .filter((s) => s.cidr.family === family)
      .sort((a, b) => (a.cidr.first < b.cidr.first ? -1 : a.cidr.first > b.cidr.first ? 1 : 0));
    const first = fServices[0];
    const kubernetesIp = first && size(first.cidr) > 1n ? { value: first.cidr.first + 1n, text: nthAddress(first.cidr, 1n) } : undefined;
    families.push({
      family,
      pods: fPods,
      services: fServices,
      nodeMask: c.nodeMaskSize[family],
      nodeSubnets: fSubnets,
      hosts: fHosts,
      reserved: fReserved,
      pools: fPools,
      kubernetesIp,
      dnsIp: dnsIp(c, family, fServices, unparsed),
      overlaps: findOverlaps(
        fPods,
        fServices,
        fHosts.map((h) => h.net),
        fReserved,
        fPools.map((p) => p.net),
        fSubnets.map((s) => ({ kind: "node-subnet", cidr: s.cidr, label: `node "${s.node}" subnet` })),
      ),
    });
  }
  return {
    title: extras.title ?? "podnet network map",
    valid,
    calico,
    families,
    nodeCount: c.nodes.length,
    maxPodsPerNode: c.maxPodsPerNode,
    clusterDomain: c.clusterDomain,
    unparsed,
    problems: extras.problems ?? [],
  };
}

function dnsIp(c: Collected, family: IpFamily, services: readonly MapNet[], unparsed: MapUnparsed[]): MapFamily["dnsIp"] {
  if (c.dnsServiceIp === undefined) {
    // kubeadm's default: the tenth address of the first (primary) service CIDR.
    const primary = c.serviceCidrs.length > 0 ? services[0] : undefined;
    const primaryFamily = services.length > 0 ? primary?.cidr.family : undefined;
    if (!primary || primaryFamily !== family || primary.label !== "cluster.serviceCidrs[0]" || size(primary.cidr) <= 10n) return undefined;
    return { value: primary.cidr.first + 10n, text: nthAddress(primary.cidr, 10n) };
  }
  const v = c.dnsServiceIp.value;
  if (typeof v !== "string") {
    if (family === FAMILIES[0]) unparsed.push({ path: c.dnsServiceIp.path, value: show(v), reason: "is not a string" });
    return undefined;
  }
  const r = parseAddress(v);
  if (!r.ok) {
    if (family === "ipv4") unparsed.push({ path: c.dnsServiceIp.path, value: show(v), reason: r.reason });
    return undefined;
  }
  return r.value.family === family ? { value: r.value.value, text: r.value.text } : undefined;
}

/** Which kinds of network must not share addresses (the same rules the plan and the Calico checks apply). */
const CONFLICTS: ReadonlyArray<[MapNetKind, MapNetKind]> = [
  ["pod", "pod"],
  ["pod", "service"],
  ["pod", "host"],
  ["pod", "reserved"],
  ["pod", "special"],
  ["service", "service"],
  ["service", "host"],
  ["service", "reserved"],
  ["service", "special"],
  ["service", "pool"],
  ["pool", "pool"],
  ["pool", "host"],
  ["pool", "reserved"],
  ["pool", "special"],
  ["node-subnet", "node-subnet"],
];

const SUBJECTS: ReadonlySet<MapNetKind> = new Set(["pod", "service", "pool", "node-subnet"]);

function findOverlaps(...groups: MapNet[][]): MapOverlap[] {
  const all = groups.flat();
  const family = all[0]?.cidr.family;
  const special: MapNet[] = SPECIAL_RANGES.filter((s) => s.cidr.family === family).map((s) => ({
    kind: "special",
    cidr: s.cidr,
    label: s.name,
  }));
  const subjects = all.filter((n) => SUBJECTS.has(n.kind));
  const others = [...all.filter((n) => !SUBJECTS.has(n.kind)), ...special];
  const out: MapOverlap[] = [];
  const check = (a: MapNet, b: MapNet): void => {
    if (!CONFLICTS.some(([x, y]) => (a.kind === x && b.kind === y) || (a.kind === y && b.kind === x))) return;
    // CIDR blocks overlap only by nesting, so the shared addresses are the smaller block.
    if (overlaps(a.cidr, b.cidr)) out.push({ a, b, shared: contains(a.cidr, b.cidr) ? b.cidr : a.cidr });
  };
  for (let i = 0; i < subjects.length; i++) {
    const a = subjects[i] as MapNet;
    for (let j = i + 1; j < subjects.length; j++) check(a, subjects[j] as MapNet);
    for (const b of others) check(a, b);
  }
  return out;
}

/** Node subnets a pod CIDR holds at the family's node mask (0 when the mask does not fit). */
export function nodeSubnetCapacity(pod: Cidr, mask: number | undefined): bigint {
  if (mask === undefined || mask < pod.prefix || mask > familyBits(pod.family)) return 0n;
  return subnetCount(pod, mask);
}
