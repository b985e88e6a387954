/**
 * The network facts of a spec, unparsed: what both entry points of the map
 * model reduce to, from a valid PodCidrPlan or from raw, possibly invalid input.
 */

import { DEFAULT_BLOCK_SIZE } from "../calico/pools.js";
import type { CidrPlan } from "../plan/index.js";
import { type IpFamily, parseCidr } from "../shared/cidr.js";
import { show } from "../shared/problems.js";
import type { MapUnparsed, NetworkMapPool } from "./types.js";

/** A value at a path of the input, before parsing. */
export interface Item {
  readonly path: string;
  readonly value: unknown;
}

/** The network facts of a spec, unparsed: what both entry points reduce to. */
export interface Collected {
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
/** At most this many entries of a list are drawn. */
export const MAX_LIST = 64;

/** The families in the map's order. */
export const FAMILIES: readonly IpFamily[] = ["ipv4", "ipv6"];
/** kubelet's default maxPods (kubelet configuration reference). */
const DEFAULT_MAX_PODS = 110;
/** kube-controller-manager's default node masks: /24 IPv4, /64 IPv6. */
const DEFAULT_NODE_MASK: Record<IpFamily, number> = { ipv4: 24, ipv6: 64 };

/** The facts of a valid plan. */
export function collectPlan(plan: CidrPlan): Collected {
  return {
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
}

/** True for a plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The entries of a list at `path`, each with its own path; a value that is not a list is reported. */
export function items(v: unknown, path: string, unparsed: MapUnparsed[]): Item[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    unparsed.push({ path, value: show(v), reason: "is not a list" });
    return [];
  }
  if (v.length > MAX_LIST) unparsed.push({ path, value: `${v.length} entries`, reason: `only the first ${MAX_LIST} are drawn` });
  return v.slice(0, MAX_LIST).map((value, i) => ({ path: `${path}[${i}]`, value }));
}

/** `v` when it is a string, else `fallback`. */
export function text(v: unknown, fallback: string): string {
  return typeof v === "string" ? v : fallback;
}

/** The facts of raw spec input, as far as they can be read; the rest goes to `unparsed`. */
export function collectRaw(input: unknown): Collected {
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
