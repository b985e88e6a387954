/**
 * Checks CalicoNetwork options against the plan and resolves every default:
 * the result is what both install paths render from.
 */

import type { CidrPlan, PerFamily } from "../plan/index.js";
import { FAMILY_LABEL, type IpFamily } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { type AutodetectMethod, type NodeAddressChoice, parseAutodetectMethod } from "./autodetect.js";
import { resolveAutodetection } from "./autodetect-resolve.js";
import { checkBgp, type ResolvedBgp } from "./bgp.js";
import { checkEtcd, checkTypha, type ResolvedEtcd, type ResolvedTypha } from "./datastore.js";
import type { CalicoBackend, CalicoNetworkConfig } from "./options.js";
import { type ResolvedPool, resolvePools } from "./pools.js";
import { checkCalicoSelector } from "./selector.js";
import { CALICO_VERSIONS, type CalicoVersion, calicoVersion } from "./versions.js";

/** One family's autodetection method and what it picks on each node. */
export interface ResolvedAutodetection {
  readonly method: AutodetectMethod;
  /** What the method picks on each node where it is unambiguous. */
  readonly nodes: readonly NodeAddressChoice[];
}

/** Encapsulation header sizes, from Calico's "Configure MTU" guide. */
export const CALICO_OVERHEAD = { ipip: 20, vxlanV4: 50, vxlanV6: 70, wireguardV4: 60, wireguardV6: 80 } as const;

/** The pod MTU: the underlay, the encapsulation overhead, the largest that fits and the value rendered. */
export interface MtuPlan {
  /** The smallest MTU among the interfaces autodetection picks, with where it is. */
  readonly underlay?: { readonly mtu: number; readonly node: string; readonly interface: string };
  /** The largest overhead in use and what causes it. */
  readonly overhead: { readonly bytes: number; readonly reason: string };
  /** underlay - overhead: the largest pod MTU that fits. */
  readonly max?: number;
  /** The MTU rendered: the explicit value, or 0 (Felix detects it). */
  readonly value: number;
}

/** CalicoNetwork options with every default resolved against the plan: what both install paths render from. */
export interface ResolvedCalico {
  readonly spec: CalicoNetworkConfig;
  readonly version: CalicoVersion;
  readonly backend: CalicoBackend;
  readonly pools: readonly ResolvedPool[];
  readonly autodetection: PerFamily<ResolvedAutodetection>;
  readonly mtu: MtuPlan;
  readonly encapsulation: { readonly ipip: boolean; readonly vxlanV4: boolean; readonly vxlanV6: boolean };
  readonly wireguard: { readonly ipv4: boolean; readonly ipv6: boolean };
  readonly typha: ResolvedTypha;
  readonly bgp: ResolvedBgp;

  readonly etcd?: ResolvedEtcd;
}

/** Registry host[:port][/path], the form image references take. */
const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9._-]+)*$/;

/** Operator-only keys with their neutral values (defaults, or what the manifest path does anyway). */
const OPERATOR_ONLY: Readonly<Record<string, unknown>> = {
  linuxDataplane: "Iptables",
  controlPlaneReplicas: undefined,
  apiServer: true,
  goldmane: false,
  whisker: false,
  overrides: undefined,
};

function checkPaths(spec: CalicoNetworkConfig, base: string, p: Problems): void {
  const op = spec.install === "operator";
  if (op) {
    if (spec.datastore === "etcd") {
      p.error(
        `${base}datastore`,
        "calico.install.datastore-operator",
        `${base}datastore: "etcd" needs install: "manifest"; the operator keeps Calico's state in the Kubernetes API only`,
      );
    }
    for (const key of ["typha", "etcd"] as const) {
      if (spec[key] !== undefined) {
        p.error(
          `${base}${key}`,
          `calico.install.${key}-operator`,
          `${base}${key}: applies to install: "manifest" only; ${key === "typha" ? "the operator runs and scales Typha itself" : "the operator uses the Kubernetes API datastore"}, remove it or set install: "manifest"`,
        );
      }
    }
    return;
  }
  for (const [key, neutral] of Object.entries(OPERATOR_ONLY)) {
    const v = spec[key as keyof CalicoNetworkConfig];
    if (v !== undefined && v !== neutral) {
      p.error(
        `${base}${key}`,
        "calico.install.operator-only",
        `${base}${key}: applies to install: "operator" only; remove it or set install: "operator"`,
      );
    }
  }
  if (spec.datastore === "etcd" && spec.etcd === undefined) {
    p.error(`${base}etcd`, "calico.etcd.missing", `${base}etcd: datastore "etcd" needs etcd.endpoints, e.g. ["https://10.0.0.1:2379"]`);
  }
  if (spec.datastore === "kubernetes" && spec.etcd !== undefined) {
    p.error(`${base}etcd`, "calico.etcd.unused", `${base}etcd: is set but datastore is "kubernetes"; set datastore: "etcd" or remove etcd`);
  }
}

function deriveBackend(spec: CalicoNetworkConfig, pools: readonly ResolvedPool[], base: string, p: Problems): CalicoBackend {
  const ipip = pools.filter((x) => x.ipipMode !== "Never");
  const bare = pools.filter((x) => x.ipipMode === "Never" && x.vxlanMode === "Never");
  const vxlan = pools.filter((x) => x.vxlanMode !== "Never");
  const derived: CalicoBackend = ipip.length > 0 || bare.length > 0 || pools.length === 0 ? "bird" : "vxlan";
  const backend = spec.backend ?? derived;
  const at = `${base}backend`;
  const bgpGiven = spec.bgp !== undefined;
  if (backend !== "bird") {
    for (const x of ipip) {
      p.error(
        at,
        "calico.backend.ipip-needs-bgp",
        `${at}: "${backend}" but ${x.path} uses ipipMode "${x.ipipMode}"; IP-in-IP routes come from BGP, use backend "bird" or vxlanMode instead`,
      );
    }
    if (bgpGiven) {
      p.error(
        `${base}bgp`,
        "calico.backend.bgp-unused",
        `${base}bgp: is set but backend is "${backend}", which runs no BGP; use backend "bird" or remove bgp`,
      );
    }
  }
  if (backend === "vxlan") {
    for (const x of bare) {
      p.error(
        at,
        "calico.backend.unencapsulated",
        `${at}: "vxlan" but ${x.path} "${x.cidr.text}" has no encapsulation; its routes need BGP (backend "bird") or an underlay that routes pod CIDRs (backend "none")`,
      );
    }
  }
  if (backend === "none") {
    for (const x of vxlan) {
      p.error(
        at,
        "calico.backend.vxlan-needs-vxlan",
        `${at}: "none" but ${x.path} uses vxlanMode "${x.vxlanMode}"; VXLAN-only pools mean backend "vxlan"`,
      );
    }
  }
  if (backend === "bird" && pools.length > 0 && vxlan.length === pools.length && (spec.bgp?.peers.length ?? 0) === 0) {
    p.warn(
      at,
      "calico.backend.bird-unused",
      `${at}: "bird" with VXLAN-only pools runs BGP (and needs 179/tcp) for nothing unless you peer with routers; use backend "vxlan"`,
    );
  }
  return backend;
}

function checkAutodetection(
  spec: CalicoNetworkConfig,
  plan: CidrPlan,
  families: readonly IpFamily[],
  base: string,
  p: Problems,
): PerFamily<ResolvedAutodetection> {
  const out: Partial<Record<IpFamily, ResolvedAutodetection>> = {};
  for (const family of ["ipv4", "ipv6"] as const) {
    const at = `${base}ipAutodetection.${family}`;
    const input = spec.ipAutodetection?.[family];
    if (!families.includes(family)) {
      if (input !== undefined)
        p.error(
          at,
          "calico.autodetect.family",
          `${at}: is set but the plan has no ${FAMILY_LABEL[family]} pods; remove it or add an ${FAMILY_LABEL[family]} CIDR to cluster.podCidrs`,
        );
      continue;
    }
    const method = parseAutodetectMethod(input, family, at, p);
    if (!method) continue;
    if (spec.install === "operator" && spec.linuxDataplane === "BPF" && family === "ipv4" && !method.explicit) {
      p.error(
        at,
        "calico.autodetect.bpf",
        `${at}: the BPF dataplane needs an explicit IPv4 autodetection method (the operator refuses first-found by default), e.g. "interface=eth0"`,
      );
    }
    out[family] = { method, nodes: resolveAutodetection(method, family, plan.nodes, at, p) };
  }
  return out;
}

function planMtu(
  spec: CalicoNetworkConfig,
  auto: PerFamily<ResolvedAutodetection>,
  enc: ResolvedCalico["encapsulation"],
  wg: ResolvedCalico["wireguard"],
  base: string,
  p: Problems,
): MtuPlan {
  const uses: Array<[number, string]> = [];
  if (enc.ipip) uses.push([CALICO_OVERHEAD.ipip, "IP-in-IP adds 20 bytes"]);
  if (enc.vxlanV4) uses.push([CALICO_OVERHEAD.vxlanV4, "VXLAN over IPv4 adds 50 bytes"]);
  if (enc.vxlanV6) uses.push([CALICO_OVERHEAD.vxlanV6, "VXLAN over IPv6 adds 70 bytes"]);
  if (wg.ipv4) uses.push([CALICO_OVERHEAD.wireguardV4, "WireGuard over IPv4 adds 60 bytes"]);
  if (wg.ipv6) uses.push([CALICO_OVERHEAD.wireguardV6, "WireGuard over IPv6 adds 80 bytes"]);
  const top = uses.sort((a, b) => b[0] - a[0])[0];
  const overhead = top ? { bytes: top[0], reason: top[1] } : { bytes: 0, reason: "no encapsulation adds bytes" };
  const chosen = [...(auto.ipv4?.nodes ?? []), ...(auto.ipv6?.nodes ?? [])];
  const low = chosen.reduce<NodeAddressChoice | undefined>((m, c) => (m === undefined || c.mtu < m.mtu ? c : m), undefined);
  const underlay = low ? { mtu: low.mtu, node: low.node, interface: low.interface } : undefined;
  const max = underlay ? underlay.mtu - overhead.bytes : undefined;
  const at = `${base}mtu`;
  if (spec.mtu !== undefined) {
    // IPv6 needs links of at least 1280 bytes (RFC 8200); IPv4 at least 68 (RFC 791).
    const min = auto.ipv6 ? 1280 : 68;
    if (spec.mtu < min) {
      p.error(
        at,
        "calico.mtu.small",
        `${at}: ${spec.mtu} is below ${min}, the smallest MTU ${auto.ipv6 ? "IPv6" : "IPv4"} allows; leave mtu unset so Felix detects it`,
      );
    } else if (max !== undefined && underlay && spec.mtu > max) {
      p.error(
        at,
        "calico.mtu.too-large",
        `${at}: ${spec.mtu} is above ${max}, the largest pod MTU that fits: the smallest chosen interface MTU is ${underlay.mtu} (node "${underlay.node}", ${underlay.interface}) and ${overhead.reason}; set mtu to ${max} or less, or leave it unset so Felix detects it`,
      );
    }
  }
  return { ...(underlay ? { underlay } : {}), overhead, ...(max !== undefined ? { max } : {}), value: spec.mtu ?? 0 };
}

/**
 * Resolves the options; problems go to `p` (the result is only meaningful when `p.ok`).
 * `base` prefixes every problem path and ends with a dot (`"calico."`), or is empty.
 */
export function resolveCalico(spec: CalicoNetworkConfig, plan: CidrPlan, base: string, p: Problems): ResolvedCalico | undefined {
  const version = calicoVersion(spec.version);
  if (!version) {
    p.error(
      `${base}version`,
      "calico.version",
      `${base}version: ${show(spec.version)} is not a Calico release podnet knows; known: ${Object.keys(CALICO_VERSIONS)
        .map((v) => `"${v}"`)
        .join(", ")}`,
    );
  }
  checkPaths(spec, base, p);
  if (spec.registry !== undefined && !REGISTRY.test(spec.registry)) {
    p.error(
      `${base}registry`,
      "calico.registry",
      `${base}registry: ${show(spec.registry)} is not a registry host[:port][/path], e.g. "registry.example.com:5000"`,
    );
  }
  if (spec.controlPlaneReplicas !== undefined && spec.controlPlaneReplicas < 1) {
    p.error(
      `${base}controlPlaneReplicas`,
      "calico.control-plane-replicas",
      `${base}controlPlaneReplicas: ${spec.controlPlaneReplicas}; use 1 or more`,
    );
  }
  const pools = resolvePools(spec, plan, base, p);
  spec.ipPools?.forEach((pool, i) => {
    // An empty selector is reported by resolvePools.
    if (pool.nodeSelector !== undefined && pool.nodeSelector.trim() !== "") {
      checkCalicoSelector(pool.nodeSelector, `${base}ipPools[${i}].nodeSelector`, p);
    }
  });
  const families = plan.families;
  const wireguard = { ipv4: spec.wireguard?.ipv4 ?? false, ipv6: spec.wireguard?.ipv6 ?? false };
  for (const f of ["ipv4", "ipv6"] as const) {
    if (wireguard[f] && !families.includes(f)) {
      p.error(
        `${base}wireguard.${f}`,
        "calico.wireguard.family",
        `${base}wireguard.${f}: is on but the plan has no ${FAMILY_LABEL[f]} pods; turn it off or add an ${FAMILY_LABEL[f]} pod CIDR`,
      );
    }
  }
  const encapsulation = {
    ipip: pools.some((x) => x.ipipMode !== "Never"),
    vxlanV4: pools.some((x) => x.family === "ipv4" && x.vxlanMode !== "Never"),
    vxlanV6: pools.some((x) => x.family === "ipv6" && x.vxlanMode !== "Never"),
  };
  const backend = deriveBackend(spec, pools, base, p);
  const bgp = checkBgp(spec, plan, backend, base, p);
  const typha = checkTypha(spec, plan, base, p);
  const etcd = checkEtcd(spec, base, p);
  const autodetection = checkAutodetection(spec, plan, families, base, p);
  const mtu = planMtu(spec, autodetection, encapsulation, wireguard, base, p);
  for (const pool of pools) {
    if (spec.install === "manifest" && pool.primary && pool.name !== `default-${pool.family}-ippool`) {
      p.warn(
        `${pool.path}.name`,
        "calico.pool.primary-name",
        `${pool.path}.name: calico-node creates the first ${FAMILY_LABEL[pool.family]} pool from its environment and names it "default-${pool.family}-ippool"; "${pool.name}" is not used on the manifest path`,
      );
    }
  }
  if (!version) return undefined;
  return { spec, version, backend, pools, autodetection, mtu, encapsulation, wireguard, typha, bgp, ...(etcd ? { etcd } : {}) };
}
