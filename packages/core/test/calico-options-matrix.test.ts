/**
 * The Calico option matrix: for each option, on the manifest and the
 * operator path, everything `podnet render` writes for Calico (manifest
 * objects with cni_network_config parsed, Calico resources, calico/README.txt
 * and calico/apply.sh line by line, host requirements, the plan.json summary
 * with the operator's Helm values) differs from the default render in exactly
 * the fields the option changes, with the values Calico documents, and
 * nowhere else. Then the MTU table: largest pod MTU = NIC MTU - overhead.
 *
 * Values come from Calico v3.30 docs and manifests (calico.yaml,
 * calico-vxlan.yaml, calico-typha.yaml, calico-etcd.yaml, operator-crds.yaml;
 * digested in the project's Calico notes): calico-node env names and
 * defaults, IPPool fields, Installation fields, ports and overheads.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CalicoNetworkOptions, CidrPlan, ComponentArtifacts } from "../src/index.js";
import { calicoComponent, Problems } from "../src/internal/index.js";
import { DUAL, lanNodes, planOf, V4, V6 } from "./calico-fixtures.js";
import { GONE, type Json, type RenderDiff, renderDiff } from "./render-diff.js";

/** Three single-NIC nodes whose ens33 carries the default route (kubernetes-internal-ip, can-reach need it). */
const nodes = (opts: { v4?: boolean; v6?: boolean; mtu?: number } = {}) =>
  lanNodes(3, opts).map((n) => ({ ...n, interfaces: n.interfaces.map((i) => ({ ...i, defaultRoute: true })) }));
const v4 = planOf(V4, nodes());
const dual = planOf(DUAL, nodes({ v6: true }));
const v6only = planOf(V6, nodes({ v4: false, v6: true }));

function render(options: CalicoNetworkOptions, plan: CidrPlan): ComponentArtifacts {
  const p = new Problems();
  const a = calicoComponent(options, plan, p);
  assert.ok(a && p.ok, JSON.stringify(p.errors));
  return a;
}

/** An expected leaf that is a whole new object: only these fields are checked (the key itself is checked exactly). */
class Has {
  constructor(readonly fields: Json) {}
}
type Expected = Record<string, Json | Has>;

function contains(actual: Json | undefined, want: Json, path: string): void {
  if (want !== null && typeof want === "object" && !Array.isArray(want)) {
    assert.ok(actual !== null && typeof actual === "object" && !Array.isArray(actual), `${path}: not an object`);
    for (const [k, v] of Object.entries(want)) contains((actual as Record<string, Json>)[k], v, `${path}.${k}`);
  } else assert.deepStrictEqual(actual, want, path);
}

function check(actual: RenderDiff, expected: Expected): void {
  assert.deepStrictEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), "changed paths");
  for (const [k, want] of Object.entries(expected)) {
    if (want instanceof Has) contains(actual[k], want.fields, k);
    else assert.deepStrictEqual(actual[k], want, k);
  }
}

const NODE = "DaemonSet calico-node.spec.template.spec";
const CN = `${NODE}.containers.[name=calico-node]`;
const ENV = `${CN}.env`;
const CFG = "ConfigMap calico-config.data";
const INST = "Installation default.spec";
const HELM = "summary.calico.operatorHelmValues.installation";
const POOL4 = "summary.calico.ipPools.[name=default-ipv4-ippool]";
const README = "files/calico/README.txt";
const APPLY = "files/calico/apply.sh";

const env = (name: string, value: string | typeof GONE): Expected => ({
  [`${ENV}.[name=${name}]`]: value === GONE ? GONE : { name, value },
});
const envValue = (name: string, value: string): Expected => ({ [`${ENV}.[name=${name}].value`]: value });
/** An Installation field, also in the Helm values (charts/tigera-operator passes installation.* through). */
const inst = (path: string, value: Json): Expected => ({ [`${INST}.${path}`]: value, [`${HELM}.${path}`]: value });
const host = (key: string, value: Json): Expected => ({ [`hostRequirements.${key}`]: value });
const readme = (line: string, value: 1 | typeof GONE): Expected => ({ [`${README}.${line}`]: value });

/** A firewall opening with its README line; `summary.calico.firewall` is given whole per row. */
const FW = {
  bgp: { protocol: "tcp", port: 179, purpose: "Calico BGP (BIRD) between nodes" },
  ipip: { protocol: "ipip", purpose: "Calico IP-in-IP (IP protocol 4) between nodes" },
  vxlan: { protocol: "udp", port: 4789, purpose: "Calico VXLAN between nodes" },
  typha: { protocol: "tcp", port: 5473, purpose: "Calico Typha (Felix connects to it)" },
  wg4: { protocol: "udp", port: 51820, purpose: "Calico WireGuard (IPv4)" },
} as const;
const FW_TEXT: Record<keyof typeof FW, string> = {
  bgp: "179/tcp",
  ipip: "ipip",
  vxlan: "4789/udp",
  typha: "5473/tcp",
  wg4: "51820/udp",
};
function opened(k: keyof typeof FW): Expected {
  return { ...host(`firewall.[purpose=${FW[k].purpose}]`, FW[k]), ...readme(`  open ${FW_TEXT[k]} on all nodes: ${FW[k].purpose}`, 1) };
}
function closed(k: keyof typeof FW): Expected {
  return { ...host(`firewall.[purpose=${FW[k].purpose}]`, GONE), ...readme(`  open ${FW_TEXT[k]} on all nodes: ${FW[k].purpose}`, GONE) };
}
const firewall = (...ks: Array<keyof typeof FW>): Expected => ({
  "summary.calico.firewall": ks.map((k) => `${FW_TEXT[k]} (${FW[k].purpose})`),
});
/** Kernel modules (calicoctl node checksystem: ip_set, xt_set; plus the encapsulation's module). */
function modules(from: string[], to: string[]): Expected {
  return {
    ...host("kernelModules", ["ip_set", "xt_set", ...to]),
    ...readme(`  kernel modules: ${["ip_set", "xt_set", ...from].join(", ")}`, GONE),
    ...readme(`  kernel modules: ${["ip_set", "xt_set", ...to].join(", ")}`, 1),
  };
}
/** The MTU plan in the summary: the largest overhead in use and NIC 1500 minus it. */
function mtu(bytes: number, reason: string): Expected {
  return {
    "summary.calico.mtu.largestSafe": 1500 - bytes,
    "summary.calico.mtu.overhead.bytes": bytes,
    "summary.calico.mtu.overhead.reason": reason,
  };
}
/** No BIRD: calico.yaml's -bird-live/-bird-ready probes must go (calico-vxlan.yaml drops them). */
const NO_BIRD_PROBES: Expected = {
  [`${CN}.livenessProbe.exec.command`]: ["/bin/calico-node", "-felix-live"],
  [`${CN}.readinessProbe.exec.command`]: ["/bin/calico-node", "-felix-ready"],
};
/** Calico resources to apply once Calico runs: a manifests file, with its step in README.txt and apply.sh. */
function resourcesFile(step: number, kinds: string[]): Expected {
  return {
    "manifests/calico-resources.yaml order": kinds,
    [`${README}.${step}. kubectl apply --server-side -f manifests/calico-resources.yaml    (Calico resources)`]: 1,
    [`${APPLY}."$KUBECTL" apply --server-side -f "$here/../manifests/calico-resources.yaml"`]: 1,
  };
}

/** calico.yaml's apply order (calico-typha.yaml adds the Typha objects; calico-etcd.yaml the Secret, no upgrade RBAC changes). */
function manifestOrder(o: { typha?: boolean; etcdSecret?: boolean }): string[] {
  const rbac = ["calico-kube-controllers", "calico-node", "calico-cni-plugin", "calico-tier-getter"];
  return [
    "PodDisruptionBudget calico-kube-controllers",
    ...(o.typha ? ["PodDisruptionBudget calico-typha"] : []),
    "ServiceAccount calico-kube-controllers",
    "ServiceAccount calico-node",
    "ServiceAccount calico-cni-plugin",
    ...(o.etcdSecret ? ["Secret calico-etcd-secrets"] : []),
    "ConfigMap calico-config",
    ...rbac.map((n) => `ClusterRole ${n}`),
    ...rbac.map((n) => `ClusterRoleBinding ${n}`),
    ...(o.typha ? ["Service calico-typha"] : []),
    "DaemonSet calico-node",
    "Deployment calico-kube-controllers",
    ...(o.typha ? ["Deployment calico-typha"] : []),
  ];
}

interface Row {
  readonly name: string;
  readonly options: CalicoNetworkOptions;
  readonly plan?: CidrPlan;
  readonly base?: CalicoNetworkOptions;
  readonly basePlan?: CidrPlan;
  /** Path prefixes compared elsewhere (say where in a comment); everything else is exact. */
  readonly ignore?: readonly string[];
  readonly expected: Expected;
}

const M: CalicoNetworkOptions = { install: "manifest" };
const VXLAN_V4 = "VXLAN over IPv4 adds 50 bytes";

/** Manifest path; the default is calico.yaml: BIRD, IPv4 pool with IPIP Always, block 26, NAT on, all(). */
const MANIFEST_ROWS: Row[] = [
  {
    name: "ipipMode CrossSubnet",
    options: { ...M, ipPools: [{ ipipMode: "CrossSubnet" }] },
    expected: { ...envValue("CALICO_IPV4POOL_IPIP", "CrossSubnet"), [`${POOL4}.ipipMode`]: "CrossSubnet" },
  },
  {
    name: "no encapsulation (ipipMode Never): BGP only, no overhead",
    options: { ...M, ipPools: [{ ipipMode: "Never" }] },
    expected: {
      ...envValue("CALICO_IPV4POOL_IPIP", "Never"),
      [`${POOL4}.ipipMode`]: "Never",
      ...closed("ipip"),
      ...firewall("bgp"),
      ...host("trustedInterfaces", ["cali+"]),
      ...modules(["ipip"], []),
      ...mtu(0, "no encapsulation adds bytes"),
    },
  },
  ...(["Always", "CrossSubnet"] as const).map(
    (mode): Row => ({
      // calico-vxlan.yaml: calico_backend vxlan, IPIP Never, VXLAN on (v4 and v6 env alike), no BIRD probes; UDP 4789.
      name: `vxlanMode ${mode}`,
      options: { ...M, ipPools: [{ vxlanMode: mode }] },
      expected: {
        [`${CFG}.calico_backend`]: "vxlan",
        ...envValue("CALICO_IPV4POOL_IPIP", "Never"),
        ...envValue("CALICO_IPV4POOL_VXLAN", mode),
        ...envValue("CALICO_IPV6POOL_VXLAN", mode),
        ...NO_BIRD_PROBES,
        "summary.calico.backend": "vxlan",
        [`${POOL4}.ipipMode`]: "Never",
        [`${POOL4}.vxlanMode`]: mode,
        ...closed("bgp"),
        ...closed("ipip"),
        ...opened("vxlan"),
        ...firewall("vxlan"),
        ...host("trustedInterfaces", ["cali+", "vxlan.calico"]),
        ...modules(["ipip"], ["vxlan"]),
        ...mtu(50, VXLAN_V4),
      },
    }),
  ),
  {
    name: "backend none (policy only, unencapsulated pool)",
    options: { ...M, backend: "none", ipPools: [{ ipipMode: "Never" }] },
    expected: {
      [`${CFG}.calico_backend`]: "none",
      ...envValue("CALICO_IPV4POOL_IPIP", "Never"),
      ...NO_BIRD_PROBES,
      "summary.calico.backend": "none",
      [`${POOL4}.ipipMode`]: "Never",
      ...closed("bgp"),
      ...closed("ipip"),
      ...firewall(),
      ...host("trustedInterfaces", ["cali+"]),
      ...modules(["ipip"], []),
      ...mtu(0, "no encapsulation adds bytes"),
    },
  },
  {
    // CALICO_IPV4POOL_NAT_OUTGOING (default true)
    name: "natOutgoing off",
    options: { ...M, ipPools: [{ natOutgoing: false }] },
    expected: { ...env("CALICO_IPV4POOL_NAT_OUTGOING", "false"), [`${POOL4}.natOutgoing`]: false, ...host("masquerade", false) },
  },
  {
    // CALICO_IPV4POOL_BLOCK_SIZE (default 26)
    name: "blockSize 24",
    options: { ...M, ipPools: [{ blockSize: 24 }] },
    expected: { ...env("CALICO_IPV4POOL_BLOCK_SIZE", "24"), [`${POOL4}.blockSize`]: 24 },
  },
  {
    // CALICO_IPV4POOL_NODE_SELECTOR (default all())
    name: "nodeSelector",
    options: { ...M, ipPools: [{ nodeSelector: "zone == 'a'" }] },
    expected: { ...env("CALICO_IPV4POOL_NODE_SELECTOR", "zone == 'a'"), [`${POOL4}.nodeSelector`]: "zone == 'a'" },
  },
  {
    // A second pool is an IPPool resource with every field explicit (the CRD's natOutgoing default is false).
    name: "second pool with natOutgoing off",
    base: { ...M, ipPools: [{ cidr: "172.16.0.0/17" }] },
    options: { ...M, ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17", natOutgoing: false, blockSize: 28 }] },
    expected: {
      ...resourcesFile(3, ["IPPool ipv4-ippool-1"]),
      "IPPool ipv4-ippool-1": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "IPPool",
        metadata: { name: "ipv4-ippool-1" },
        spec: { cidr: "172.16.128.0/17", blockSize: 28, ipipMode: "Always", vxlanMode: "Never", natOutgoing: false, nodeSelector: "all()" },
      },
      "summary.calico.ipPools.[name=ipv4-ippool-1]": {
        name: "ipv4-ippool-1",
        family: "ipv4",
        cidr: "172.16.128.0/17",
        blockSize: 28,
        ipipMode: "Always",
        vxlanMode: "Never",
        natOutgoing: false,
        nodeSelector: "all()",
      },
    },
  },
  {
    // Calico "Configure dual stack": IP6=autodetect, FELIX_IPV6SUPPORT=true, CALICO_IPV6POOL_CIDR, CNI ipam assign_ipv6.
    name: "dual-stack plan",
    basePlan: v4,
    plan: dual,
    base: M,
    options: M,
    expected: {
      [`${CFG}.cni_network_config.plugins.[type=calico].ipam.assign_ipv4`]: "true",
      [`${CFG}.cni_network_config.plugins.[type=calico].ipam.assign_ipv6`]: "true",
      ...env("IP6", "autodetect"),
      ...env("CALICO_IPV6POOL_CIDR", "fd00:10:244::/56"),
      ...envValue("FELIX_IPV6SUPPORT", "true"),
      [`${ENV}.[name=FELIX_VXLANMTUV6]`]: {
        name: "FELIX_VXLANMTUV6",
        valueFrom: { configMapKeyRef: { name: "calico-config", key: "veth_mtu" } },
      },
      [`${ENV}.[name=FELIX_WIREGUARDMTUV6]`]: {
        name: "FELIX_WIREGUARDMTUV6",
        valueFrom: { configMapKeyRef: { name: "calico-config", key: "veth_mtu" } },
      },
      // IPv6 pool defaults: block 122, no NAT, no IPIP (none exists for IPv6), all().
      "summary.calico.ipPools.[name=default-ipv6-ippool]": {
        name: "default-ipv6-ippool",
        family: "ipv6",
        cidr: "fd00:10:244::/56",
        blockSize: 122,
        ipipMode: "Never",
        vxlanMode: "Never",
        natOutgoing: false,
        nodeSelector: "all()",
      },
      "summary.calico.autodetection.ipv6": new Has({ method: "first-found", explicit: false }),
    },
  },
  {
    // CALICO_IPV6POOL_BLOCK_SIZE / _NAT_OUTGOING / _VXLAN; VXLAN over IPv6 costs 70 bytes.
    name: "dual-stack: IPv6 pool options",
    plan: dual,
    base: M,
    options: { ...M, ipPools: [{ family: "ipv4" }, { family: "ipv6", blockSize: 120, natOutgoing: true, vxlanMode: "Always" }] },
    expected: {
      ...env("CALICO_IPV6POOL_BLOCK_SIZE", "120"),
      ...env("CALICO_IPV6POOL_NAT_OUTGOING", "true"),
      ...envValue("CALICO_IPV6POOL_VXLAN", "Always"),
      "summary.calico.ipPools.[name=default-ipv6-ippool].blockSize": 120,
      "summary.calico.ipPools.[name=default-ipv6-ippool].natOutgoing": true,
      "summary.calico.ipPools.[name=default-ipv6-ippool].vxlanMode": "Always",
      ...opened("vxlan"),
      ...firewall("bgp", "ipip", "vxlan"),
      ...host("trustedInterfaces", ["cali+", "tunl0", "vxlan-v6.calico"]),
      ...modules(["ipip"], ["ipip", "vxlan"]),
      ...mtu(70, "VXLAN over IPv6 adds 70 bytes"),
    },
  },
  {
    // IPv6 only: IP=none, IP6=autodetect, CALICO_ROUTER_ID=hash (BGP needs a router ID without IPv4).
    name: "IPv6-only plan",
    basePlan: v4,
    plan: v6only,
    base: M,
    options: M,
    expected: {
      [`${CFG}.cni_network_config.plugins.[type=calico].ipam.assign_ipv4`]: "false",
      [`${CFG}.cni_network_config.plugins.[type=calico].ipam.assign_ipv6`]: "true",
      ...envValue("IP", "none"),
      ...env("IP6", "autodetect"),
      ...env("CALICO_ROUTER_ID", "hash"),
      ...envValue("CALICO_IPV4POOL_IPIP", "Never"),
      ...env("CALICO_IPV4POOL_CIDR", GONE),
      ...env("CALICO_IPV6POOL_CIDR", "fd00:10:244::/56"),
      ...envValue("FELIX_IPV6SUPPORT", "true"),
      [`${ENV}.[name=FELIX_VXLANMTUV6]`]: new Has({ valueFrom: { configMapKeyRef: { key: "veth_mtu" } } }),
      [`${ENV}.[name=FELIX_WIREGUARDMTUV6]`]: new Has({ valueFrom: { configMapKeyRef: { key: "veth_mtu" } } }),
      [POOL4]: GONE,
      "summary.calico.ipPools.[name=default-ipv6-ippool]": new Has({ cidr: "fd00:10:244::/56", blockSize: 122, ipipMode: "Never" }),
      "summary.calico.autodetection.ipv4": GONE,
      "summary.calico.autodetection.ipv6": new Has({ method: "first-found" }),
      ...closed("ipip"),
      ...firewall("bgp"),
      ...host("trustedInterfaces", ["cali+"]),
      ...modules(["ipip"], []),
      ...mtu(0, "no encapsulation adds bytes"),
      ...host("masquerade", false),
    },
  },
  // IP_AUTODETECTION_METHOD forms (calico-node reference): set only when explicit.
  ...[
    "first-found",
    "kubernetes-internal-ip",
    "interface=ens33",
    "skip-interface=docker.*,virbr.*",
    "can-reach=192.168.79.1",
    "cidr=192.168.79.0/24",
  ].map(
    (method): Row => ({
      name: `IPv4 autodetection ${method}`,
      options: { ...M, ipAutodetection: { ipv4: method } },
      expected: {
        ...env("IP_AUTODETECTION_METHOD", method),
        ...(method === "first-found" ? {} : { "summary.calico.autodetection.ipv4.method": method }),
        "summary.calico.autodetection.ipv4.explicit": true,
      },
    }),
  ),
  {
    name: "IPv6 autodetection (IP6_AUTODETECTION_METHOD)",
    plan: dual,
    base: M,
    options: { ...M, ipAutodetection: { ipv6: "cidr=fd00:192:168:79::/64" } },
    expected: {
      ...env("IP6_AUTODETECTION_METHOD", "cidr=fd00:192:168:79::/64"),
      "summary.calico.autodetection.ipv6.method": "cidr=fd00:192:168:79::/64",
      "summary.calico.autodetection.ipv6.explicit": true,
    },
  },
  {
    // veth_mtu feeds CNI_MTU and FELIX_*MTU; the FelixConfiguration carries the tunnel MTU in use (IPIP).
    name: "mtu",
    options: { ...M, mtu: 1400 },
    expected: {
      [`${CFG}.veth_mtu`]: "1400",
      ...resourcesFile(3, ["FelixConfiguration default"]),
      "FelixConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "FelixConfiguration",
        metadata: { name: "default" },
        spec: { ipipMTU: 1400 },
      },
      "summary.calico.mtu.value": 1400,
      "summary.calico.mtu.auto": false,
    },
  },
  {
    // calico-typha.yaml: typha_service_name calico-typha -> FELIX_TYPHAK8SSERVICENAME; Service/PDB/Deployment; TCP 5473.
    // Replicas follow the operator's autoscale: 3 nodes -> 2.
    name: "Typha",
    options: { ...M, typha: {} },
    expected: {
      "manifests/calico.yaml order": manifestOrder({ typha: true }),
      [`${CFG}.typha_service_name`]: "calico-typha",
      [`${ENV}.[name=FELIX_TYPHAK8SSERVICENAME]`]: {
        name: "FELIX_TYPHAK8SSERVICENAME",
        valueFrom: { configMapKeyRef: { name: "calico-config", key: "typha_service_name" } },
      },
      "PodDisruptionBudget calico-typha": new Has({ spec: { maxUnavailable: 1 } }),
      "Service calico-typha": new Has({ spec: { ports: { "[name=calico-typha]": { port: 5473, protocol: "TCP" } } } }),
      "Deployment calico-typha": new Has({
        spec: {
          replicas: 2,
          template: { spec: { hostNetwork: true, serviceAccountName: "calico-node", terminationGracePeriodSeconds: 300 } },
        },
      }),
      "summary.calico.typha.enabled": true,
      "summary.calico.typha.replicas": 2,
      ...opened("typha"),
      ...firewall("bgp", "ipip", "typha"),
    },
  },
  {
    name: "Typha replicas",
    base: { ...M, typha: {} },
    options: { ...M, typha: { replicas: 1 } },
    expected: { "Deployment calico-typha.spec.replicas": 1, "summary.calico.typha.replicas": 1 },
  },
  {
    // WireGuard: FelixConfiguration wireguardEnabled; UDP 51820; wireguard.cali; 60 bytes over IPv4.
    name: "WireGuard IPv4",
    options: { ...M, wireguard: { ipv4: true } },
    expected: {
      ...resourcesFile(3, ["FelixConfiguration default"]),
      "FelixConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "FelixConfiguration",
        metadata: { name: "default" },
        spec: { wireguardEnabled: true },
      },
      "summary.calico.wireguard.ipv4": true,
      ...opened("wg4"),
      ...firewall("bgp", "ipip", "wg4"),
      ...host("trustedInterfaces", ["cali+", "tunl0", "wireguard.cali"]),
      ...modules(["ipip"], ["ipip", "wireguard"]),
      ...mtu(60, "WireGuard over IPv4 adds 60 bytes"),
    },
  },
  {
    // BGPConfiguration default: asNumber (default 64512), nodeToNodeMeshEnabled true, listenPort 179.
    name: "BGP AS number",
    options: { ...M, bgp: { asNumber: 65000 } },
    expected: {
      ...resourcesFile(3, ["BGPConfiguration default"]),
      "BGPConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "BGPConfiguration",
        metadata: { name: "default" },
        spec: { asNumber: 65000, nodeToNodeMeshEnabled: true, listenPort: 179 },
      },
      "summary.calico.bgp.asNumber": 65000,
    },
  },
  {
    name: "registry mirror on every image",
    options: { ...M, registry: "registry.example.com:5000" },
    expected: {
      [`${NODE}.initContainers.[name=upgrade-ipam].image`]: "registry.example.com:5000/calico/cni:v3.30.7",
      [`${NODE}.initContainers.[name=install-cni].image`]: "registry.example.com:5000/calico/cni:v3.30.7",
      [`${NODE}.initContainers.[name=mount-bpffs].image`]: "registry.example.com:5000/calico/node:v3.30.7",
      [`${CN}.image`]: "registry.example.com:5000/calico/node:v3.30.7",
      "Deployment calico-kube-controllers.spec.template.spec.containers.[name=calico-kube-controllers].image":
        "registry.example.com:5000/calico/kube-controllers:v3.30.7",
    },
  },
  {
    // WireGuard over IPv6: wireguardEnabledV6, UDP 51821, wg-v6.cali, 80 bytes.
    name: "WireGuard IPv6 (dual-stack)",
    plan: dual,
    options: { ...M, wireguard: { ipv6: true } },
    expected: {
      ...resourcesFile(3, ["FelixConfiguration default"]),
      "FelixConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "FelixConfiguration",
        metadata: { name: "default" },
        spec: { wireguardEnabledV6: true },
      },
      "summary.calico.wireguard.ipv6": true,
      ...host("firewall.[purpose=Calico WireGuard (IPv6)]", { protocol: "udp", port: 51821, purpose: "Calico WireGuard (IPv6)" }),
      ...readme("  open 51821/udp on all nodes: Calico WireGuard (IPv6)", 1),
      "summary.calico.firewall": [
        "179/tcp (Calico BGP (BIRD) between nodes)",
        "ipip (Calico IP-in-IP (IP protocol 4) between nodes)",
        "51821/udp (Calico WireGuard (IPv6))",
      ],
      ...host("trustedInterfaces", ["cali+", "tunl0", "wg-v6.cali"]),
      ...modules(["ipip"], ["ipip", "wireguard"]),
      ...mtu(80, "WireGuard over IPv6 adds 80 bytes"),
    },
  },
  {
    // mtu with VXLAN in both families: vxlanMTU and vxlanMTUV6; the larger overhead (70, IPv6) bounds it.
    name: "mtu with VXLAN in both families",
    plan: dual,
    base: {
      ...M,
      ipPools: [
        { family: "ipv4", vxlanMode: "Always" },
        { family: "ipv6", vxlanMode: "Always" },
      ],
    },
    options: {
      ...M,
      mtu: 1400,
      ipPools: [
        { family: "ipv4", vxlanMode: "Always" },
        { family: "ipv6", vxlanMode: "Always" },
      ],
    },
    expected: {
      [`${CFG}.veth_mtu`]: "1400",
      ...resourcesFile(3, ["FelixConfiguration default"]),
      "FelixConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "FelixConfiguration",
        metadata: { name: "default" },
        spec: { vxlanMTU: 1400, vxlanMTUV6: 1400 },
      },
      "summary.calico.mtu.value": 1400,
      "summary.calico.mtu.auto": false,
    },
  },
  {
    // IPIP on the IPv4 pool, VXLAN on the IPv6 pool: the FelixConfiguration names exactly those two tunnel MTUs.
    name: "mtu with IPIP over IPv4 and VXLAN over IPv6",
    plan: dual,
    base: { ...M, ipPools: [{ family: "ipv4" }, { family: "ipv6", vxlanMode: "Always" }] },
    options: { ...M, mtu: 1400, ipPools: [{ family: "ipv4" }, { family: "ipv6", vxlanMode: "Always" }] },
    expected: {
      [`${CFG}.veth_mtu`]: "1400",
      ...resourcesFile(3, ["FelixConfiguration default"]),
      "FelixConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "FelixConfiguration",
        metadata: { name: "default" },
        spec: { ipipMTU: 1400, vxlanMTUV6: 1400 },
      },
      "summary.calico.mtu.value": 1400,
      "summary.calico.mtu.auto": false,
    },
  },
  {
    // BGPConfiguration default (mesh off, listenPort) and a BGPPeer; BIRD's TCP port follows listenPort.
    name: "BGP mesh off, listen port, one peer",
    options: { ...M, bgp: { nodeToNodeMesh: false, listenPort: 1179, peers: [{ name: "tor", peerIP: "192.168.79.1", asNumber: 65001 }] } },
    expected: {
      ...resourcesFile(3, ["BGPConfiguration default", "BGPPeer tor"]),
      "BGPConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "BGPConfiguration",
        metadata: { name: "default" },
        spec: { asNumber: 64512, nodeToNodeMeshEnabled: false, listenPort: 1179 },
      },
      "BGPPeer tor": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "BGPPeer",
        metadata: { name: "tor" },
        spec: { peerIP: "192.168.79.1", asNumber: 65001 },
      },
      "summary.calico.bgp.nodeToNodeMesh": false,
      "summary.calico.bgp.listenPort": 1179,
      "summary.calico.bgp.peers": ["tor"],
      ...host(`firewall.[purpose=${FW.bgp.purpose}].port`, 1179),
      ...readme(`  open 179/tcp on all nodes: ${FW.bgp.purpose}`, GONE),
      ...readme(`  open 1179/tcp on all nodes: ${FW.bgp.purpose}`, 1),
      "summary.calico.firewall": [`1179/tcp (${FW.bgp.purpose})`, `ipip (${FW.ipip.purpose})`],
    },
  },
  {
    // calico-etcd.yaml against calico.yaml. The RBAC rules are compared field by field with
    // calico-etcd.yaml in test/calico-reference.test.ts; everything else is listed here.
    name: "etcd datastore",
    options: { ...M, datastore: "etcd", etcd: { endpoints: ["https://10.0.0.1:2379"] } },
    ignore: ["ClusterRole calico-kube-controllers.rules", "ClusterRole calico-node.rules", "ClusterRole calico-cni-plugin.rules"],
    expected: {
      "manifests/calico.yaml order": manifestOrder({ etcdSecret: true }),
      "Secret calico-etcd-secrets": {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: "calico-etcd-secrets", namespace: "kube-system" },
      },
      [`${CFG}.etcd_endpoints`]: "https://10.0.0.1:2379",
      [`${CFG}.etcd_ca`]: "",
      [`${CFG}.etcd_cert`]: "",
      [`${CFG}.etcd_key`]: "",
      [`${CFG}.cni_network_config.plugins.[type=calico].datastore_type`]: GONE,
      [`${CFG}.cni_network_config.plugins.[type=calico].nodename`]: GONE,
      [`${CFG}.cni_network_config.plugins.[type=calico].etcd_endpoints`]: "__ETCD_ENDPOINTS__",
      [`${CFG}.cni_network_config.plugins.[type=calico].etcd_key_file`]: "__ETCD_KEY_FILE__",
      [`${CFG}.cni_network_config.plugins.[type=calico].etcd_cert_file`]: "__ETCD_CERT_FILE__",
      [`${CFG}.cni_network_config.plugins.[type=calico].etcd_ca_cert_file`]: "__ETCD_CA_CERT_FILE__",
      // no upgrade-ipam init container and no host-local dir with etcd
      [`${NODE}.initContainers.[name=upgrade-ipam]`]: GONE,
      [`${NODE}.volumes.[name=host-local-net-dir]`]: GONE,
      [`${NODE}.initContainers.[name=install-cni].env.[name=KUBERNETES_NODE_NAME]`]: GONE,
      [`${NODE}.initContainers.[name=install-cni].env.[name=ETCD_ENDPOINTS]`]: new Has({
        valueFrom: { configMapKeyRef: { key: "etcd_endpoints" } },
      }),
      [`${NODE}.initContainers.[name=install-cni].volumeMounts.[name=etcd-certs]`]: { mountPath: "/calico-secrets", name: "etcd-certs" },
      ...env("DATASTORE_TYPE", GONE),
      ...env("WAIT_FOR_DATASTORE", GONE),
      ...env("NODENAME", GONE),
      [`${ENV}.[name=ETCD_ENDPOINTS]`]: new Has({ valueFrom: { configMapKeyRef: { key: "etcd_endpoints" } } }),
      [`${ENV}.[name=ETCD_CA_CERT_FILE]`]: new Has({ valueFrom: { configMapKeyRef: { key: "etcd_ca" } } }),
      [`${ENV}.[name=ETCD_KEY_FILE]`]: new Has({ valueFrom: { configMapKeyRef: { key: "etcd_key" } } }),
      [`${ENV}.[name=ETCD_CERT_FILE]`]: new Has({ valueFrom: { configMapKeyRef: { key: "etcd_cert" } } }),
      [`${ENV}.[name=CALICO_K8S_NODE_REF]`]: { name: "CALICO_K8S_NODE_REF", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      [`${CN}.volumeMounts.[name=etcd-certs]`]: { mountPath: "/calico-secrets", name: "etcd-certs" },
      // Secret files 0400 for calico-node, 0440 for kube-controllers
      [`${NODE}.volumes.[name=etcd-certs]`]: { name: "etcd-certs", secret: { secretName: "calico-etcd-secrets", defaultMode: 0o400 } },
      "Deployment calico-kube-controllers.spec.template.spec.containers.[name=calico-kube-controllers].env.[name=ENABLED_CONTROLLERS].value":
        "policy,namespace,serviceaccount,workloadendpoint,node,loadbalancer",
      "Deployment calico-kube-controllers.spec.template.spec.containers.[name=calico-kube-controllers].env.[name=DATASTORE_TYPE]": GONE,
      ...Object.fromEntries(
        [
          ["ETCD_ENDPOINTS", "etcd_endpoints"],
          ["ETCD_CA_CERT_FILE", "etcd_ca"],
          ["ETCD_KEY_FILE", "etcd_key"],
          ["ETCD_CERT_FILE", "etcd_cert"],
        ].map(([n, key]) => [
          `Deployment calico-kube-controllers.spec.template.spec.containers.[name=calico-kube-controllers].env.[name=${n}]`,
          new Has({ valueFrom: { configMapKeyRef: { key: key as string } } }),
        ]),
      ),
      "Deployment calico-kube-controllers.spec.template.spec.containers.[name=calico-kube-controllers].volumeMounts": {
        "[name=etcd-certs]": { mountPath: "/calico-secrets", name: "etcd-certs" },
      },
      "Deployment calico-kube-controllers.spec.template.spec.hostNetwork": true,
      "Deployment calico-kube-controllers.spec.template.spec.volumes": {
        "[name=etcd-certs]": { name: "etcd-certs", secret: { secretName: "calico-etcd-secrets", defaultMode: 0o440 } },
      },
      // no CRDs with etcd: no operator-crds.yaml prerequisite
      "summary.calico.prerequisites.[name=operator-crds.yaml]": GONE,
      "summary.calico.datastore": "etcd",
      "summary.calico.etcd": { endpoints: ["https://10.0.0.1:2379"], tls: false },
      "hostRequirements.firewall.[purpose=etcd clients (Calico datastore)]": {
        protocol: "tcp",
        port: 2379,
        purpose: "etcd clients (Calico datastore)",
        nodes: "etcd",
      },
      "summary.calico.firewall": [`179/tcp (${FW.bgp.purpose})`, `ipip (${FW.ipip.purpose})`, "2379/tcp (etcd clients (Calico datastore))"],
      [`${README}.  open 2379/tcp on etcd nodes: etcd clients (Calico datastore)`]: 1,
      [`${README}.Calico v3.30.7, manifest path, kubernetes datastore (generated by podnet)`]: GONE,
      [`${README}.Calico v3.30.7, manifest path, etcd datastore (generated by podnet)`]: 1,
      [`${README}.1. kubectl apply --server-side -f manifests/calico.yaml`]: 1,
      [`${README}.2. kubectl apply --server-side -f manifests/calico.yaml`]: GONE,
      ...Object.fromEntries(
        [
          "1. Upstream operator-crds.yaml, pinned (check the sha256 before applying):",
          "     https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/operator-crds.yaml",
          "     sha256 53b2e2791915809db8016b72d4ceac9d1dd529d053984eb203c06b94c6639ee3",
          "     kubectl create -f operator-crds.yaml    (first install)",
          "     kubectl apply --server-side --force-conflicts -f operator-crds.yaml    (later)",
          "   Client-side `kubectl apply` fails on these CRDs (metadata.annotations: Too long).",
          "   Its crd.projectcalico.org and policy.networking.k8s.io CRDs are the ones calico.yaml ships;",
          "   the operator.tigera.io CRDs in it stay unused without the operator.",
        ].map((l) => [`${README}.${l}`, GONE]),
      ),
      ...Object.fromEntries(
        [
          "fetch 'operator-crds.yaml' 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/operator-crds.yaml' '53b2e2791915809db8016b72d4ceac9d1dd529d053984eb203c06b94c6639ee3'",
          '"$KUBECTL" apply --server-side --force-conflicts -f "$work/operator-crds.yaml"',
          '"$KUBECTL" wait --for=condition=Established --timeout=120s -f "$work/operator-crds.yaml"',
        ].map((l) => [`${APPLY}.${l}`, GONE]),
      ),
    },
  },
];

const ETCD: CalicoNetworkOptions = { ...M, datastore: "etcd", etcd: { endpoints: ["https://10.0.0.1:2379"] } };
const TLS = { ca: "/etc/calico/etcd-ca.pem", cert: "/etc/calico/etcd-cert.pem", key: "/etc/calico/etcd-key.pem" };

/** calico-etcd.yaml: etcd_endpoints, etcd_ca/cert/key = "" or /calico-secrets/etcd-*, Secret calico-etcd-secrets. */
const ETCD_ROWS: Row[] = [
  {
    name: "etcd TLS: the config points at /calico-secrets, the Secret comes from etcd-secret.sh",
    base: ETCD,
    options: { ...ETCD, etcd: { endpoints: ["https://10.0.0.1:2379"], tls: TLS } },
    expected: {
      [`${CFG}.etcd_ca`]: "/calico-secrets/etcd-ca",
      [`${CFG}.etcd_cert`]: "/calico-secrets/etcd-cert",
      [`${CFG}.etcd_key`]: "/calico-secrets/etcd-key",
      "manifests/calico.yaml order": manifestOrder({ etcdSecret: false }),
      "Secret calico-etcd-secrets": GONE,
      "files/calico/etcd-secret.sh mode": "0755",
      "files/calico/etcd-secret.sh": new Has({}),
      "summary.calico.etcd.tls": true,
      // etcd has no CRD prerequisite: the Secret script is step 1, calico.yaml step 2.
      [`${README}.1. bash calico/etcd-secret.sh    (Secret calico-etcd-secrets from the TLS files)`]: 1,
      [`${README}.1. kubectl apply --server-side -f manifests/calico.yaml`]: GONE,
      [`${README}.2. kubectl apply --server-side -f manifests/calico.yaml`]: 1,
      [`${APPLY}.bash "$here/etcd-secret.sh"`]: 1,
    },
  },
  {
    name: "etcd endpoints: comma-joined, one firewall opening per port",
    base: ETCD,
    options: { ...ETCD, etcd: { endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2389"] } },
    expected: {
      [`${CFG}.etcd_endpoints`]: "https://10.0.0.1:2379,https://10.0.0.2:2389",
      "summary.calico.etcd.endpoints": ["https://10.0.0.1:2379", "https://10.0.0.2:2389"],
      "hostRequirements.firewall.[purpose=etcd clients (Calico datastore)]#2": {
        protocol: "tcp",
        port: 2389,
        purpose: "etcd clients (Calico datastore)",
        nodes: "etcd",
      },
      "summary.calico.firewall": [
        "179/tcp (Calico BGP (BIRD) between nodes)",
        "ipip (Calico IP-in-IP (IP protocol 4) between nodes)",
        "2379/tcp (etcd clients (Calico datastore))",
        "2389/tcp (etcd clients (Calico datastore))",
      ],
      [`${README}.  open 2389/tcp on etcd nodes: etcd clients (Calico datastore)`]: 1,
    },
  },
];

/** Operator path; the default Installation: bgp Enabled, IPv4 pool IPIP, natOutgoing Enabled, block 26, all(). */
const OPERATOR_ROWS: Row[] = [
  {
    name: "encapsulation IPIPCrossSubnet",
    options: { ipPools: [{ ipipMode: "CrossSubnet" }] },
    expected: {
      ...inst("calicoNetwork.ipPools.[name=default-ipv4-ippool].encapsulation", "IPIPCrossSubnet"),
      [`${POOL4}.ipipMode`]: "CrossSubnet",
    },
  },
  ...(
    [
      ["Always", "VXLAN"],
      ["CrossSubnet", "VXLANCrossSubnet"],
    ] as const
  ).map(
    ([mode, encapsulation]): Row => ({
      // VXLAN-only: bgp Disabled (the operator then runs calico-node with CALICO_NETWORKING_BACKEND=vxlan).
      name: `encapsulation ${encapsulation}`,
      options: { ipPools: [{ vxlanMode: mode }] },
      expected: {
        ...inst("calicoNetwork.bgp", "Disabled"),
        ...inst("calicoNetwork.ipPools.[name=default-ipv4-ippool].encapsulation", encapsulation),
        "summary.calico.backend": "vxlan",
        [`${POOL4}.ipipMode`]: "Never",
        [`${POOL4}.vxlanMode`]: mode,
        ...closed("bgp"),
        ...closed("ipip"),
        ...opened("vxlan"),
        ...firewall("vxlan", "typha"),
        ...host("trustedInterfaces", ["cali+", "vxlan.calico"]),
        ...modules(["ipip"], ["vxlan"]),
        ...mtu(50, VXLAN_V4),
      },
    }),
  ),
  {
    name: "encapsulation None",
    options: { ipPools: [{ ipipMode: "Never" }] },
    expected: {
      ...inst("calicoNetwork.ipPools.[name=default-ipv4-ippool].encapsulation", "None"),
      [`${POOL4}.ipipMode`]: "Never",
      ...closed("ipip"),
      ...firewall("bgp", "typha"),
      ...host("trustedInterfaces", ["cali+"]),
      ...modules(["ipip"], []),
      ...mtu(0, "no encapsulation adds bytes"),
    },
  },
  {
    name: "natOutgoing Disabled",
    options: { ipPools: [{ natOutgoing: false }] },
    expected: {
      ...inst("calicoNetwork.ipPools.[name=default-ipv4-ippool].natOutgoing", "Disabled"),
      [`${POOL4}.natOutgoing`]: false,
      ...host("masquerade", false),
    },
  },
  {
    name: "blockSize",
    options: { ipPools: [{ blockSize: 24 }] },
    expected: { ...inst("calicoNetwork.ipPools.[name=default-ipv4-ippool].blockSize", 24), [`${POOL4}.blockSize`]: 24 },
  },
  {
    name: "nodeSelector",
    options: { ipPools: [{ nodeSelector: "zone == 'a'" }] },
    expected: {
      ...inst("calicoNetwork.ipPools.[name=default-ipv4-ippool].nodeSelector", "zone == 'a'"),
      [`${POOL4}.nodeSelector`]: "zone == 'a'",
    },
  },
  {
    // A second pool is one more Installation ipPools entry (natOutgoing Disabled on it only).
    name: "second pool with natOutgoing Disabled",
    base: { ipPools: [{ cidr: "172.16.0.0/17" }] },
    options: { ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17", natOutgoing: false }] },
    expected: {
      ...inst("calicoNetwork.ipPools.[name=ipv4-ippool-1]", {
        name: "ipv4-ippool-1",
        cidr: "172.16.128.0/17",
        blockSize: 26,
        encapsulation: "IPIP",
        natOutgoing: "Disabled",
        nodeSelector: "all()",
      }),
      "summary.calico.ipPools.[name=ipv4-ippool-1]": new Has({ cidr: "172.16.128.0/17", natOutgoing: false }),
    },
  },
  {
    // IPv6 pool defaults: blockSize 122, encapsulation None, natOutgoing Disabled; nodeAddressAutodetectionV6.
    name: "dual-stack plan",
    basePlan: v4,
    plan: dual,
    options: {},
    expected: {
      ...inst("calicoNetwork.ipPools.[name=default-ipv6-ippool]", {
        name: "default-ipv6-ippool",
        cidr: "fd00:10:244::/56",
        blockSize: 122,
        encapsulation: "None",
        natOutgoing: "Disabled",
        nodeSelector: "all()",
      }),
      ...inst("calicoNetwork.nodeAddressAutodetectionV6", { firstFound: true }),
      "summary.calico.ipPools.[name=default-ipv6-ippool]": new Has({ family: "ipv6", blockSize: 122, natOutgoing: false }),
      "summary.calico.autodetection.ipv6": new Has({ method: "first-found", explicit: false }),
    },
  },
  {
    name: "dual-stack: IPv6 pool VXLAN",
    plan: dual,
    options: { ipPools: [{ family: "ipv4" }, { family: "ipv6", vxlanMode: "Always", natOutgoing: true }] },
    expected: {
      ...inst("calicoNetwork.ipPools.[name=default-ipv6-ippool].encapsulation", "VXLAN"),
      ...inst("calicoNetwork.ipPools.[name=default-ipv6-ippool].natOutgoing", "Enabled"),
      "summary.calico.ipPools.[name=default-ipv6-ippool].vxlanMode": "Always",
      "summary.calico.ipPools.[name=default-ipv6-ippool].natOutgoing": true,
      ...opened("vxlan"),
      ...firewall("bgp", "ipip", "vxlan", "typha"),
      ...host("trustedInterfaces", ["cali+", "tunl0", "vxlan-v6.calico"]),
      ...modules(["ipip"], ["ipip", "vxlan"]),
      ...mtu(70, "VXLAN over IPv6 adds 70 bytes"),
    },
  },
  // nodeAddressAutodetectionV4: exactly one of firstFound, kubernetes, interface, skipInterface, canReach, cidrs.
  ...(
    [
      [{ kubernetes: "NodeInternalIP" }, "kubernetes-internal-ip"],
      [{ interface: "ens.*" }, "interface=ens.*"],
      [{ skipInterface: "docker.*" }, "skip-interface=docker.*"],
      [{ canReach: "192.168.79.1" }, "can-reach=192.168.79.1"],
      [{ cidrs: ["192.168.79.0/24"] }, "cidr=192.168.79.0/24"],
    ] as const
  ).map(
    ([form, method]): Row => ({
      name: `nodeAddressAutodetectionV4 ${Object.keys(form)[0]}`,
      options: { ipAutodetection: { ipv4: form as never } },
      expected: {
        ...inst("calicoNetwork.nodeAddressAutodetectionV4.firstFound", GONE),
        ...inst(`calicoNetwork.nodeAddressAutodetectionV4.${Object.keys(form)[0]}`, Object.values(form)[0] as Json),
        "summary.calico.autodetection.ipv4.method": method,
        "summary.calico.autodetection.ipv4.explicit": true,
      },
    }),
  ),
  {
    // The IP_AUTODETECTION_METHOD string form maps to the operator's object form (interface=RE -> interface: RE).
    name: "autodetection string form on the operator path",
    options: { ipAutodetection: { ipv4: "interface=ens33" } },
    expected: {
      ...inst("calicoNetwork.nodeAddressAutodetectionV4.firstFound", GONE),
      ...inst("calicoNetwork.nodeAddressAutodetectionV4.interface", "ens33"),
      "summary.calico.autodetection.ipv4.method": "interface=ens33",
      "summary.calico.autodetection.ipv4.explicit": true,
    },
  },
  {
    name: "nodeAddressAutodetectionV4 firstFound, explicit",
    options: { ipAutodetection: { ipv4: { firstFound: true } } },
    expected: { "summary.calico.autodetection.ipv4.explicit": true },
  },
  {
    name: "nodeAddressAutodetectionV6 cidrs (dual-stack)",
    plan: dual,
    options: { ipAutodetection: { ipv6: { cidrs: ["fd00:192:168:79::/64"] } } },
    expected: {
      ...inst("calicoNetwork.nodeAddressAutodetectionV6.firstFound", GONE),
      ...inst("calicoNetwork.nodeAddressAutodetectionV6.cidrs", ["fd00:192:168:79::/64"]),
      "summary.calico.autodetection.ipv6.method": "cidr=fd00:192:168:79::/64",
      "summary.calico.autodetection.ipv6.explicit": true,
    },
  },
  {
    // The operator has no WireGuard field: FelixConfiguration default wireguardEnabled (Calico "Encrypt in-cluster pod traffic").
    name: "WireGuard IPv4",
    options: { wireguard: { ipv4: true } },
    expected: {
      ...resourcesFile(4, ["FelixConfiguration default"]),
      "FelixConfiguration default": {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "FelixConfiguration",
        metadata: { name: "default" },
        spec: { wireguardEnabled: true },
      },
      "summary.calico.wireguard.ipv4": true,
      ...opened("wg4"),
      ...firewall("bgp", "ipip", "typha", "wg4"),
      ...host("trustedInterfaces", ["cali+", "tunl0", "wireguard.cali"]),
      ...modules(["ipip"], ["ipip", "wireguard"]),
      ...mtu(60, "WireGuard over IPv4 adds 60 bytes"),
    },
  },
  {
    name: "BGP AS number",
    options: { bgp: { asNumber: 65000 } },
    expected: {
      ...resourcesFile(4, ["BGPConfiguration default"]),
      "BGPConfiguration default": new Has({ spec: { asNumber: 65000, nodeToNodeMeshEnabled: true, listenPort: 179 } }),
      "summary.calico.bgp.asNumber": 65000,
    },
  },
  {
    // Installation mtu; podnet also writes the tunnel MTU in use into FelixConfiguration.
    name: "mtu",
    options: { mtu: 1400 },
    expected: {
      ...inst("calicoNetwork.mtu", 1400),
      ...resourcesFile(4, ["FelixConfiguration default"]),
      "FelixConfiguration default": new Has({ spec: { ipipMTU: 1400 } }),
      "summary.calico.mtu.value": 1400,
      "summary.calico.mtu.auto": false,
    },
  },
  {
    // BPF needs an explicit nodeAddressAutodetectionV4 (operator validation).
    name: "linuxDataplane BPF",
    base: { ipAutodetection: { ipv4: { interface: "ens33" } } },
    options: { linuxDataplane: "BPF", ipAutodetection: { ipv4: { interface: "ens33" } } },
    expected: inst("calicoNetwork.linuxDataplane", "BPF"),
  },
  { name: "linuxDataplane Nftables", options: { linuxDataplane: "Nftables" }, expected: inst("calicoNetwork.linuxDataplane", "Nftables") },
  { name: "controlPlaneReplicas", options: { controlPlaneReplicas: 3 }, expected: inst("controlPlaneReplicas", 3) },
  {
    // The operator wants "<registry>/" in Installation.registry; the chart's tigeraOperator.registry too.
    name: "registry",
    options: { registry: "registry.example.com:5000" },
    expected: {
      ...inst("registry", "registry.example.com:5000/"),
      "summary.calico.operatorHelmValues.tigeraOperator": { registry: "registry.example.com:5000" },
    },
  },
  {
    name: "no APIServer",
    options: { apiServer: false },
    expected: {
      "manifests/calico-custom-resources.yaml order": ["Installation default"],
      "APIServer default": GONE,
      "summary.calico.operatorHelmValues.apiServer.enabled": false,
    },
  },
  {
    name: "Goldmane and Whisker (v3.30)",
    options: { goldmane: true, whisker: true },
    expected: {
      "manifests/calico-custom-resources.yaml order": ["Installation default", "APIServer default", "Goldmane default", "Whisker default"],
      "Goldmane default": { apiVersion: "operator.tigera.io/v1", kind: "Goldmane", metadata: { name: "default" } },
      "Whisker default": { apiVersion: "operator.tigera.io/v1", kind: "Whisker", metadata: { name: "default" } },
      "summary.calico.operatorHelmValues.goldmane.enabled": true,
      "summary.calico.operatorHelmValues.whisker.enabled": true,
    },
  },
  {
    name: "component overrides pass through",
    options: { overrides: { calicoNodeDaemonSet: { spec: { template: { spec: { priorityClassName: "x" } } } } } },
    expected: inst("calicoNodeDaemonSet", { spec: { template: { spec: { priorityClassName: "x" } } } }),
  },
];

function runRows(title: string, rows: readonly Row[], defaults: CalicoNetworkOptions): void {
  describe(title, () => {
    for (const row of rows) {
      test(row.name, () => {
        const plan = row.plan ?? v4;
        const diff = renderDiff(render(row.base ?? defaults, row.basePlan ?? plan), render(row.options, plan));
        const ignored = Object.keys(diff).filter((k) => row.ignore?.some((prefix) => k.startsWith(prefix)));
        if (row.ignore) assert.ok(ignored.length > 0, "the ignored paths do change");
        for (const k of ignored) delete diff[k];
        check(diff, row.expected);
      });
    }
  });
}

runRows("Calico option matrix, manifest path: each option changes exactly its fields", MANIFEST_ROWS, M);
runRows("Calico option matrix, etcd datastore: each option changes exactly its fields", ETCD_ROWS, ETCD);
runRows("Calico option matrix, operator path: each option changes exactly its fields", OPERATOR_ROWS, {});

/**
 * Calico "Configure MTU": overhead IP-in-IP 20, VXLAN 50 over IPv4 / 70 over IPv6,
 * WireGuard 60 over IPv4 / 80 over IPv6, none 0. The largest safe pod MTU is the NIC MTU
 * minus it: an explicit mtu of exactly that passes, one byte more is rejected.
 */
const MTU_CASES: Array<[string, CalicoNetworkOptions, "v4" | "v6", number]> = [
  ["IP-in-IP", { ipPools: [{ ipipMode: "Always" }] }, "v4", 20],
  ["VXLAN over IPv4", { ipPools: [{ vxlanMode: "Always" }] }, "v4", 50],
  ["VXLAN over IPv6", { ipPools: [{ vxlanMode: "Always" }] }, "v6", 70],
  ["WireGuard over IPv4", { ipPools: [{ ipipMode: "Never" }], wireguard: { ipv4: true } }, "v4", 60],
  ["WireGuard over IPv6", { wireguard: { ipv6: true } }, "v6", 80],
  ["no encapsulation, IPv4", { ipPools: [{ ipipMode: "Never" }] }, "v4", 0],
  ["no encapsulation, IPv6", {}, "v6", 0],
];

describe("Calico largest pod MTU = NIC MTU - encapsulation overhead", () => {
  for (const install of ["manifest", "operator"] as const) {
    for (const nic of [1500, 9000]) {
      for (const [what, options, family, overhead] of MTU_CASES) {
        test(`${install}, ${what}, NIC MTU ${nic}: ${nic - overhead}`, () => {
          const plan = family === "v4" ? planOf(V4, nodes({ mtu: nic })) : planOf(V6, nodes({ v4: false, v6: true, mtu: nic }));
          const s = render({ ...options, install }, plan).summary?.calico as unknown as {
            mtu: { largestSafe: number; overhead: { bytes: number } };
          };
          assert.equal(s.mtu.overhead.bytes, overhead);
          assert.equal(s.mtu.largestSafe, nic - overhead);
          render({ ...options, install, mtu: nic - overhead }, plan);
          const p = new Problems();
          calicoComponent({ ...options, install, mtu: nic - overhead + 1 }, plan, p);
          assert.deepStrictEqual(
            p.errors.map((e) => e.code),
            ["calico.mtu.too-large"],
          );
        });
      }
    }
  }
});
