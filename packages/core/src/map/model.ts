/**
 * The data behind the network map: every network of a spec, parsed through
 * shared/cidr.ts, grouped per address family, with the overlaps between them.
 *
 * It is built either from a valid PodCidrPlan or from raw, possibly invalid
 * spec input (then it holds whatever parses, so the map can show why the
 * spec is broken).
 */

import type { CidrPlan } from "../plan/index.js";
import {
  type Cidr,
  familyBits,
  type IpFamily,
  nthAddress,
  parseAddress,
  parseCidr,
  parseInterfaceAddress,
  size,
  subnetCount,
} from "../shared/cidr.js";
import { show } from "../shared/problems.js";
import { type Collected, collectPlan, collectRaw, FAMILIES, type Item, isObject, items, MAX_LIST, text } from "./collect.js";
import { findOverlaps } from "./overlaps.js";
import type {
  MapFamily,
  MapHostMember,
  MapHostNet,
  MapNet,
  MapNetKind,
  MapNodeSubnet,
  MapPool,
  MapUnparsed,
  NetworkMapExtras,
  NetworkMapModel,
} from "./types.js";

const MAX_ADDRESSES = 4096;

/** Model of a valid plan. */
export function mapModelFromPlan(plan: CidrPlan, extras: NetworkMapExtras = {}): NetworkMapModel {
  return buildModel(collectPlan(plan), extras, true);
}

/**
 * Model of raw spec input, valid or not: every CIDR and address that parses
 * is placed; the rest is listed as not drawn. Node subnets are the pinned ones.
 */
export function mapModelFromInput(input: unknown, extras: NetworkMapExtras = {}): NetworkMapModel {
  return buildModel(collectRaw(input), extras, false);
}

/** The CIDR of an item; a value that is not a string or not a CIDR is reported in `unparsed`. */
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

/** The parsed networks of a spec, before they are grouped per family. */
interface Nets {
  readonly pods: readonly MapNet[];
  readonly services: readonly MapNet[];
  readonly reserved: readonly MapNet[];
  readonly nodeSubnets: readonly MapNodeSubnet[];
  readonly hosts: readonly MapHostNet[];
  readonly pools: readonly MapPool[];
}

/** Each node's subnets (none with Calico's IPAM) and the host networks its interface addresses lie in, with their members. */
function nodeNets(c: Collected, calico: boolean, unparsed: MapUnparsed[]): { nodeSubnets: MapNodeSubnet[]; hosts: MapHostNet[] } {
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
  return { nodeSubnets, hosts: [...hostsByNet.values()] };
}

/** The pools to draw (given ones, else the spec's Calico pools), each with its node blocks sorted by node name. */
function poolNets(c: Collected, extras: NetworkMapExtras, unparsed: MapUnparsed[]): MapPool[] {
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
  return pools;
}

/** One family's networks, sorted for drawing, with the kubernetes and DNS Service IPs and the overlaps. */
function familyOf(family: IpFamily, c: Collected, nets: Nets, unparsed: MapUnparsed[]): MapFamily {
  const fPods = nets.pods.filter((n) => n.cidr.family === family);
  const fServices = nets.services.filter((n) => n.cidr.family === family);
  const fHosts = nets.hosts
    .filter((h) => h.net.cidr.family === family)
    .sort((a, b) =>
      a.net.cidr.first < b.net.cidr.first ? -1 : a.net.cidr.first > b.net.cidr.first ? 1 : a.net.cidr.prefix - b.net.cidr.prefix,
    );
  const fReserved = nets.reserved.filter((n) => n.cidr.family === family);
  const fPools = nets.pools.filter((p) => p.net.cidr.family === family);
  const fSubnets = nets.nodeSubnets
    .filter((s) => s.cidr.family === family)
    .sort((a, b) => (a.cidr.first < b.cidr.first ? -1 : a.cidr.first > b.cidr.first ? 1 : 0));
  const first = fServices[0];
  const kubernetesIp = first && size(first.cidr) > 1n ? { value: first.cidr.first + 1n, text: nthAddress(first.cidr, 1n) } : undefined;
  return {
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
  };
}

/** Parses the collected facts (what does not parse goes to `unparsed`) and groups them per family. */
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
  const { nodeSubnets, hosts } = nodeNets(c, calico, unparsed);
  const pools = poolNets(c, extras, unparsed);
  const all: Nets = { pods, services, reserved, nodeSubnets, hosts, pools };
  const order = [...new Set([...pods, ...services].map((n) => n.cidr.family))];
  for (const f of FAMILIES) if (!order.includes(f) && hosts.some((h) => h.net.cidr.family === f)) order.push(f);
  return {
    title: extras.title ?? "podnet network map",
    valid,
    calico,
    families: order.map((family) => familyOf(family, c, all, unparsed)),
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
/** Node subnets a pod CIDR holds at the family's node mask (0 when the mask does not fit). */
export function nodeSubnetCapacity(pod: Cidr, mask: number | undefined): bigint {
  if (mask === undefined || mask < pod.prefix || mask > familyBits(pod.family)) return 0n;
  return subnetCount(pod, mask);
}
