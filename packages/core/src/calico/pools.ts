/**
 * Calico IP pools resolved against the plan: the checks libcalico-go runs in
 * calicoctl and the Calico API server (which a `kubectl apply` of a
 * crd.projectcalico.org IPPool skips), plus the plan's one source of truth:
 * every pool lies inside the pod CIDR that kubeadm's podSubnet and
 * kube-controller-manager's --cluster-cidr use.
 */

import { type CidrPlan, parseCidrChecked } from "../plan/index.js";
import { type Cidr, contains, FAMILY_LABEL, familyBits, type IpFamily, overlaps, parseCidr, SPECIAL_RANGES } from "../shared/cidr.js";
import { DNS1123_SUBDOMAIN } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import type { CalicoNetworkConfig, EncapsulationMode } from "./options.js";

/** A pool with every default filled in. */
export interface ResolvedPool {
  readonly name: string;
  readonly cidr: Cidr;
  readonly family: IpFamily;
  readonly blockSize: number;
  readonly ipipMode: EncapsulationMode;
  readonly vxlanMode: EncapsulationMode;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
  /** Path of the pool in the options, e.g. `calico.ipPools[1]`. */
  readonly path: string;
  /** First pool of its family: calico-node creates it from env on the manifest path. */
  readonly primary: boolean;
}

/** Calico's default block sizes (libcalico-go ippool defaults). */
export const DEFAULT_BLOCK_SIZE: Record<IpFamily, number> = { ipv4: 26, ipv6: 122 };
/** blockSize ranges libcalico-go accepts. */
const BLOCK_RANGE: Record<IpFamily, readonly [number, number]> = { ipv4: [20, 32], ipv6: [116, 128] };
/** Operator limit: Installation.spec.calicoNetwork.ipPools maxItems (operator-crds.yaml). */
export const OPERATOR_MAX_POOLS = 25;

function poolCidr(pool: NonNullable<CalicoNetworkConfig["ipPools"]>[number], path: string, plan: CidrPlan, p: Problems): Cidr | undefined {
  if (pool.cidr !== undefined) {
    const c = parseCidrChecked(pool.cidr, `${path}.cidr`, p);
    if (c && pool.family !== undefined && pool.family !== c.family) {
      p.error(
        `${path}.family`,
        "calico.pool.family",
        `${path}.family: "${pool.family}" but cidr "${c.text}" is ${FAMILY_LABEL[c.family]}; drop family (it is only needed when cidr is omitted)`,
      );
    }
    return c;
  }
  const family = pool.family ?? plan.families[0] ?? "ipv4";
  const text = plan.podCidr[family];
  if (text === undefined) {
    p.error(
      `${path}.cidr`,
      "calico.pool.no-pod-cidr",
      `${path}.cidr: omitted, and the plan has no ${FAMILY_LABEL[family]} pod CIDR to default to; add one to cluster.podCidrs or give the pool a cidr`,
    );
    return undefined;
  }
  const r = parseCidr(text);
  return r.ok ? r.value : undefined;
}

/** Checks a pool against the plan's networks: pod CIDR, services, nodes, reserved and special ranges. */
function checkPlacement(c: Cidr, path: string, plan: CidrPlan, p: Problems): void {
  const at = `${path}.cidr`;
  const podText = plan.podCidr[c.family];
  const podIndex = plan.podCidrs.indexOf(podText ?? "");
  if (podText === undefined) {
    p.error(
      at,
      "calico.pool.family-missing",
      `${at}: "${c.text}" is ${FAMILY_LABEL[c.family]} but cluster.podCidrs has no ${FAMILY_LABEL[c.family]} CIDR; add one (dual-stack) or drop the pool`,
    );
  } else {
    const pod = parseCidr(podText);
    if (pod.ok && !contains(pod.value, c)) {
      p.error(
        at,
        "calico.pool.outside-pod-cidr",
        `${at}: "${c.text}" is not inside the ${FAMILY_LABEL[c.family]} pod CIDR "${podText}" (cluster.podCidrs[${podIndex}], also kubeadm's podSubnet and kube-controller-manager's --cluster-cidr); pools must lie inside it, e.g. "${podText}"`,
      );
    }
  }
  const svcText = plan.serviceCidr[c.family];
  const svc = svcText === undefined ? undefined : parseCidr(svcText);
  if (svc?.ok && overlaps(c, svc.value)) {
    p.error(
      at,
      "calico.pool.overlap-service",
      `${at}: "${c.text}" overlaps the service CIDR "${svcText}" (cluster.serviceCidrs[${plan.serviceCidrs.indexOf(svcText ?? "")}]); pods and Services need disjoint ranges`,
    );
  }
  const seen = new Set<string>();
  for (const node of plan.nodes) {
    node.interfaces.forEach((iface, k) => {
      for (const a of iface.addresses) {
        const net = parseCidr(a.network);
        if (!net.ok || !overlaps(c, net.value) || seen.has(a.network)) continue;
        seen.add(a.network);
        p.error(
          at,
          "calico.pool.overlap-node",
          `${at}: "${c.text}" overlaps nodes[${node.index}].interfaces[${k}] "${a.cidr}" (node "${node.name}", ${iface.name}); pod addresses would collide with the hosts' network, pick a pool that avoids it, e.g. "172.16.0.0/16" or "10.244.0.0/16"`,
        );
      }
    });
  }
  plan.reservedCidrs.forEach((text, i) => {
    const r = parseCidr(text);
    if (r.ok && overlaps(c, r.value)) {
      p.error(
        at,
        "calico.pool.overlap-reserved",
        `${at}: "${c.text}" overlaps cluster.reservedCidrs[${i}] "${text}"; that network is reserved, move the pool elsewhere`,
      );
    }
  });
  for (const s of SPECIAL_RANGES) {
    if (overlaps(c, s.cidr)) {
      p.error(
        at,
        "calico.pool.special",
        `${at}: "${c.text}" overlaps the ${s.name} range "${s.cidr.text}"; Calico rejects pools there, use ordinary unicast addresses`,
      );
    }
  }
}

function checkModes(pool: ResolvedPool, p: Problems): void {
  if (pool.ipipMode !== "Never" && pool.vxlanMode !== "Never") {
    p.error(
      pool.path,
      "calico.pool.ipip-and-vxlan",
      `${pool.path}: ipipMode "${pool.ipipMode}" and vxlanMode "${pool.vxlanMode}" are both on; a pool uses at most one encapsulation, set the other to "Never"`,
    );
  }
  if (pool.family === "ipv6" && pool.ipipMode !== "Never") {
    p.error(
      `${pool.path}.ipipMode`,
      "calico.pool.ipip-ipv6",
      `${pool.path}.ipipMode: "${pool.ipipMode}" on IPv6 pool "${pool.cidr.text}"; Calico has no IP-in-IP for IPv6, use vxlanMode or "Never"`,
    );
  }
}

function checkBlockSize(pool: ResolvedPool, p: Problems): void {
  const at = `${pool.path}.blockSize`;
  const [lo, hi] = BLOCK_RANGE[pool.family];
  if (pool.blockSize < lo || pool.blockSize > hi) {
    p.error(
      at,
      "calico.pool.block-size",
      `${at}: ${pool.blockSize} is outside ${lo}-${hi}, the ${FAMILY_LABEL[pool.family]} block sizes Calico accepts; the default is ${DEFAULT_BLOCK_SIZE[pool.family]}`,
    );
  } else if (pool.blockSize < pool.cidr.prefix) {
    p.error(
      at,
      "calico.pool.block-larger",
      `${at}: /${pool.blockSize} blocks are larger than the pool "${pool.cidr.text}"; use a blockSize of ${pool.cidr.prefix} or more`,
    );
  }
}

/** Blocks needed (nodes x blocks per node for maxPodsPerNode) against blocks available, per family. */
function checkCapacity(pools: readonly ResolvedPool[], plan: CidrPlan, base: string, p: Problems): void {
  const nodes = BigInt(plan.nodes.length);
  if (nodes === 0n) return;
  for (const family of ["ipv4", "ipv6"] as const) {
    const fp = pools.filter((x) => x.family === family && x.blockSize >= x.cidr.prefix && x.blockSize <= familyBits(family));
    if (fp.length === 0) continue;
    const bits = familyBits(family);
    // Each node claims whole blocks: ceil(maxPods / block addresses) of them, in the first pool's block size.
    const blockSize = (fp[0] as ResolvedPool).blockSize;
    const perBlock = 1n << BigInt(bits - blockSize);
    const maxPods = BigInt(plan.maxPodsPerNode);
    const perNode = (maxPods + perBlock - 1n) / perBlock;
    const needed = nodes * perNode * perBlock;
    const available = fp.reduce((sum, x) => sum + (1n << BigInt(bits - x.cidr.prefix)), 0n);
    const path = `${base}ipPools`;
    if (needed > available) {
      const prefix = bits - Math.ceil(Math.log2(Number(needed)));
      p.error(
        path,
        "calico.pool.capacity",
        `${path}: the ${FAMILY_LABEL[family]} pools hold ${available / perBlock} blocks of /${blockSize} but ${nodes} nodes x ${perNode} block${perNode === 1n ? "" : "s"} each (maxPodsPerNode ${maxPods}, ${perBlock} addresses per block) need ${nodes * perNode}; use a larger pool (/${prefix} or shorter) or fewer pods per node`,
      );
    } else if (needed * 10n > available * 8n) {
      p.warn(
        path,
        "calico.pool.capacity-high",
        `${path}: ${FAMILY_LABEL[family]} pools are ${(needed * 100n) / available} % used by ${nodes} nodes at maxPodsPerNode ${maxPods}; little room for more nodes`,
      );
    }
  }
}

/** One pool with its defaults filled in; `n` is how many pools of its family come before it. */
function poolDefaults(pool: NonNullable<CalicoNetworkConfig["ipPools"]>[number], cidr: Cidr, path: string, n: number): ResolvedPool {
  const family = cidr.family;
  const vxlanMode = pool.vxlanMode ?? "Never";
  // Upstream calico.yaml turns IPIP on for the IPv4 pool unless VXLAN is chosen.
  const ipipMode = pool.ipipMode ?? (family === "ipv4" && vxlanMode === "Never" ? "Always" : "Never");
  return {
    name: pool.name ?? (n === 0 ? `default-${family}-ippool` : `${family}-ippool-${n}`),
    cidr,
    family,
    blockSize: pool.blockSize ?? DEFAULT_BLOCK_SIZE[family],
    ipipMode,
    vxlanMode,
    natOutgoing: pool.natOutgoing ?? family === "ipv4",
    nodeSelector: pool.nodeSelector ?? "all()",
    path,
    primary: n === 0,
  };
}

/** Checks one pool: its name (valid, unique among `names`), selector, placement, block size, modes, overlaps with the pools `before` it. */
function checkPool(pool: ResolvedPool, names: Map<string, string>, before: readonly ResolvedPool[], plan: CidrPlan, p: Problems): void {
  const path = pool.path;
  if (!DNS1123_SUBDOMAIN.test(pool.name)) {
    p.error(
      `${path}.name`,
      "calico.pool.name",
      `${path}.name: ${show(pool.name)} is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")`,
    );
  } else if (names.has(pool.name)) {
    p.error(
      `${path}.name`,
      "calico.pool.name-duplicate",
      `${path}.name: "${pool.name}" is also the name of ${names.get(pool.name)}; pool names must be unique`,
    );
  }
  names.set(pool.name, path);
  if (pool.nodeSelector.trim() === "") {
    p.error(`${path}.nodeSelector`, "calico.pool.selector", `${path}.nodeSelector: is empty; use "all()" for every node`);
  }
  checkPlacement(pool.cidr, path, plan, p);
  checkBlockSize(pool, p);
  checkModes(pool, p);
  for (const other of before) {
    if (overlaps(other.cidr, pool.cidr)) {
      p.error(
        `${path}.cidr`,
        "calico.pool.overlap-pool",
        `${path}.cidr: "${pool.cidr.text}" overlaps ${other.path}.cidr "${other.cidr.text}"; pools must not overlap`,
      );
    }
  }
}

/** Resolves and checks every pool; reports into `p`. `base` is the path prefix with its dot (`"calico."`) or empty. */
export function resolvePools(spec: CalicoNetworkConfig, plan: CidrPlan, base: string, p: Problems): ResolvedPool[] {
  const given: NonNullable<CalicoNetworkConfig["ipPools"]> = spec.ipPools ?? plan.families.map((family) => ({ family }));
  if (given.length === 0) {
    p.error(
      `${base}ipPools`,
      "calico.pool.none",
      `${base}ipPools: is empty; Calico needs a pool per pod family (omit ipPools to get one covering each pod CIDR)`,
    );
    return [];
  }
  if (spec.install === "operator" && given.length > OPERATOR_MAX_POOLS) {
    p.error(
      `${base}ipPools`,
      "calico.pool.too-many",
      `${base}ipPools: has ${given.length} pools; the operator's Installation takes at most ${OPERATOR_MAX_POOLS}`,
    );
  }
  const out: ResolvedPool[] = [];
  const count: Record<IpFamily, number> = { ipv4: 0, ipv6: 0 };
  const names = new Map<string, string>();
  given.forEach((pool, i) => {
    const path = `${base}ipPools[${i}]`;
    const cidr = poolCidr(pool, path, plan, p);
    if (!cidr) return;
    const resolved = poolDefaults(pool, cidr, path, count[cidr.family]++);
    checkPool(resolved, names, out, plan, p);
    out.push(resolved);
  });
  for (const family of plan.families) {
    if (count[family] === 0 && out.length === given.length) {
      p.error(
        `${base}ipPools`,
        "calico.pool.family-uncovered",
        `${base}ipPools: has no ${FAMILY_LABEL[family]} pool but the plan's pods are ${FAMILY_LABEL[family]} too ("${plan.podCidr[family]}"); add a pool inside it`,
      );
    }
  }
  checkCapacity(out, plan, base, p);
  return out;
}
