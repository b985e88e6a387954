/**
 * The flannel option matrix: for each option, everything the DaemonSet mode
 * renders (objects, embedded net-conf.json, host requirements, the plan.json
 * summary) differs from the default render in exactly the fields that option
 * changes, with the values flannel documents, and nowhere else. Then the MTU
 * table: pod MTU = interface (or backend `MTU`) minus the backend's overhead.
 *
 * Values come from flannel's Documentation/backends.md and configuration.md,
 * pkg/backend and the v0.28.9 / v0.26.7 kube-flannel.yml (digested in the
 * project's flannel notes), not from podnet's output.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CidrPlan, type ComponentArtifacts, type FlannelNetworkOptions, flannelNetworkSchema } from "../src/index.js";
import { flannelComponent, Problems } from "../src/internal/index.js";
import { DUAL, lanNodes, planOf, V4, V6 } from "./flannel-fixtures.js";
import { GONE, type Json, type RenderDiff, renderDiff } from "./render-diff.js";

const v4 = planOf(V4, lanNodes(2));
const dual = planOf(DUAL, lanNodes(2, { v6: true }));
const v6only = planOf(V6, lanNodes(2, { v4: false, v6: true }));

function render(options: FlannelNetworkOptions, plan: CidrPlan): ComponentArtifacts {
  const p = new Problems();
  const a = flannelComponent(flannelNetworkSchema.parse(options), plan, p);
  assert.ok(a && p.ok, JSON.stringify(p.errors));
  return a;
}

const CM = "ConfigMap kube-flannel-cfg.data";
const NET = `${CM}.net-conf.json`;
const POD = "DaemonSet kube-flannel-ds.spec.template.spec";
const FL = `${POD}.containers.[name=kube-flannel]`;
/** The default v0.28.9 flags (kube-flannel.yml): --ip-masq --kube-subnet-mgr --healthz-port=8081. */
const ARGS = ["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"];
const VXLAN_FW = "firewall.[purpose=flannel vxlan overlay (VNI 1)]";

/** A host requirement: in hostRequirements and again in the summary (plan.json). */
function host(key: string, value: Json): RenderDiff {
  return { [`hostRequirements.${key}`]: value, [`summary.flannel.hostRequirements.${key}`]: value };
}
function args(list: string[]): RenderDiff {
  return { [`${FL}.args`]: list, "summary.flannel.args": list };
}
/** The pod MTU of both nodes of a plan. */
function podMtu(mtu: number): RenderDiff {
  return { "summary.flannel.nodes.n1.podMtu": mtu, "summary.flannel.nodes.n2.podMtu": mtu };
}
/** Leaving vxlan: its UDP 8472 opening and flannel.1 device go. */
function backendSwap(type: string, overhead: number, fw: Record<string, Json>, devices: string[], modules: string[]): RenderDiff {
  return {
    [`${NET}.Backend.Type`]: type,
    "summary.flannel.backend.type": type,
    "summary.flannel.backendOverhead": overhead,
    ...podMtu(1500 - overhead),
    ...host(VXLAN_FW, GONE),
    ...Object.assign({}, ...Object.entries(fw).map(([k, v]) => host(`firewall.[purpose=${k}]`, v))),
    ...host("trustedInterfaces", [...devices, "cni0"]),
    ...host("kernelModules", [...modules, "br_netfilter"]),
  };
}

interface Row {
  readonly name: string;
  readonly options: FlannelNetworkOptions;
  /** Plan of the option render. @default v4 */
  readonly plan?: CidrPlan;
  /** Options and plan of the render compared against. @default {} on the same plan */
  readonly base?: FlannelNetworkOptions;
  readonly basePlan?: CidrPlan;
  readonly expected: RenderDiff;
}

const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";

const ROWS: Row[] = [
  // vxlan keys (backends.md): VNI default 1, Port default 0 = kernel 8472, GBP, DirectRouting, MTU (v0.21.3+).
  {
    name: "vxlan VNI",
    options: { backend: { type: "vxlan", vni: 4096 } },
    expected: {
      [`${NET}.Backend.VNI`]: 4096,
      "summary.flannel.backend.vni": 4096,
      ...host(VXLAN_FW, GONE),
      ...host("firewall.[purpose=flannel vxlan overlay (VNI 4096)]", {
        protocol: "udp",
        port: 8472,
        purpose: "flannel vxlan overlay (VNI 4096)",
      }),
      // the device is flannel.<VNI>
      ...host("trustedInterfaces", ["flannel.4096", "cni0"]),
    },
  },
  {
    name: "vxlan Port",
    options: { backend: { type: "vxlan", port: 4789 } },
    expected: {
      [`${NET}.Backend.Port`]: 4789,
      "summary.flannel.backend.port": 4789,
      ...host(`${VXLAN_FW}.port`, 4789),
    },
  },
  {
    name: "vxlan GBP",
    options: { backend: { type: "vxlan", gbp: true } },
    expected: { [`${NET}.Backend.GBP`]: true, "summary.flannel.backend.gbp": true },
  },
  {
    name: "vxlan DirectRouting",
    options: { backend: { type: "vxlan", directRouting: true } },
    expected: { [`${NET}.Backend.DirectRouting`]: true, "summary.flannel.backend.directRouting": true },
  },
  {
    name: "vxlan MTU",
    options: { backend: { type: "vxlan", mtu: 1400 } },
    // the pod MTU is MTU - 50
    expected: { [`${NET}.Backend.MTU`]: 1400, "summary.flannel.backend.mtu": 1400, ...podMtu(1350) },
  },
  {
    name: "host-gw: no overlay, no port, no device, no overhead",
    options: { backend: { type: "host-gw" } },
    expected: backendSwap("host-gw", 0, {}, [], []),
  },
  {
    name: "wireguard defaults: UDP 51820, flannel-wg, overhead 80",
    options: { backend: { type: "wireguard" } },
    expected: backendSwap(
      "wireguard",
      80,
      { "flannel wireguard tunnel": { protocol: "udp", port: 51820, purpose: "flannel wireguard tunnel" } },
      ["flannel-wg"],
      ["wireguard"],
    ),
  },
  {
    name: "wireguard ListenPort",
    options: { backend: { type: "wireguard", listenPort: 51830 } },
    base: { backend: { type: "wireguard" } },
    expected: {
      [`${NET}.Backend.ListenPort`]: 51830,
      "summary.flannel.backend.listenPort": 51830,
      ...host("firewall.[purpose=flannel wireguard tunnel].port", 51830),
    },
  },
  {
    // Mode separate (default) in dual-stack: flannel-wg on 51820 and flannel-wg-v6 on 51821.
    name: "wireguard defaults, dual-stack",
    plan: dual,
    options: { backend: { type: "wireguard" } },
    expected: {
      [`${NET}.Backend.Type`]: "wireguard",
      "summary.flannel.backend.type": "wireguard",
      "summary.flannel.backendOverhead": 80,
      ...podMtu(1420),
      ...host(VXLAN_FW, GONE),
      ...host("firewall.[purpose=flannel wireguard tunnel]", { protocol: "udp", port: 51820, purpose: "flannel wireguard tunnel" }),
      ...host("firewall.[purpose=flannel wireguard tunnel (IPv6)]", {
        protocol: "udp",
        port: 51821,
        purpose: "flannel wireguard tunnel (IPv6)",
      }),
      ...host("trustedInterfaces", ["flannel-wg", "flannel-wg-v6", "cni0"]),
      ...host("kernelModules", ["wireguard", "br_netfilter"]),
    },
  },
  {
    name: "wireguard ListenPortV6 (dual-stack, separate mode: flannel-wg-v6)",
    plan: dual,
    options: { backend: { type: "wireguard", listenPortV6: 51831 } },
    base: { backend: { type: "wireguard" } },
    expected: {
      [`${NET}.Backend.ListenPortV6`]: 51831,
      "summary.flannel.backend.listenPortV6": 51831,
      ...host("firewall.[purpose=flannel wireguard tunnel (IPv6)].port", 51831),
    },
  },
  {
    // wireguard.go: Mode auto/ipv4/ipv6 creates one device, flannel-wg, on ListenPort only.
    name: "wireguard Mode auto (dual-stack): one tunnel, no IPv6 port or device",
    plan: dual,
    options: { backend: { type: "wireguard", mode: "auto" } },
    base: { backend: { type: "wireguard" } },
    expected: {
      [`${NET}.Backend.Mode`]: "auto",
      "summary.flannel.backend.mode": "auto",
      ...host("firewall.[purpose=flannel wireguard tunnel (IPv6)]", GONE),
      ...host("trustedInterfaces", ["flannel-wg", "cni0"]),
    },
  },
  {
    name: "wireguard PersistentKeepaliveInterval",
    options: { backend: { type: "wireguard", persistentKeepaliveInterval: 25 } },
    base: { backend: { type: "wireguard" } },
    expected: { [`${NET}.Backend.PersistentKeepaliveInterval`]: 25, "summary.flannel.backend.persistentKeepaliveInterval": 25 },
  },
  {
    name: "wireguard MTU",
    options: { backend: { type: "wireguard", mtu: 1400 } },
    base: { backend: { type: "wireguard" } },
    expected: { [`${NET}.Backend.MTU`]: 1400, "summary.flannel.backend.mtu": 1400, ...podMtu(1320) },
  },
  {
    name: "wireguard PSK: net-conf.json moves to a Secret, the summary never shows the key",
    options: { backend: { type: "wireguard", psk: PSK } },
    base: { backend: { type: "wireguard" } },
    expected: {
      "manifests/flannel.yaml order": [
        "Namespace kube-flannel",
        "ClusterRole flannel",
        "ClusterRoleBinding flannel",
        "ServiceAccount flannel",
        "ConfigMap kube-flannel-cfg",
        "Secret kube-flannel-net-conf",
        "DaemonSet kube-flannel-ds",
      ],
      [NET]: GONE,
      "Secret kube-flannel-net-conf": {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "kube-flannel-net-conf",
          namespace: "kube-flannel",
          labels: { tier: "node", "k8s-app": "flannel", app: "flannel" },
        },
        type: "Opaque",
        stringData: {
          "net-conf.json": { Network: "10.244.0.0/16", EnableNFTables: false, Backend: { Type: "wireguard", PSK } },
        },
      },
      [`${POD}.volumes.[name=flannel-cfg].configMap`]: GONE,
      [`${POD}.volumes.[name=flannel-cfg].projected`]: {
        sources: { "[0]": { configMap: { name: "kube-flannel-cfg" } }, "[1]": { secret: { name: "kube-flannel-net-conf" } } },
      },
      "summary.flannel.backend.psk": "(secret)",
    },
  },
  {
    // ipip: IP protocol 4, device flannel.ipip, outer IPv4 header 20 bytes.
    name: "ipip",
    options: { backend: { type: "ipip" } },
    expected: backendSwap(
      "ipip",
      20,
      { "flannel ipip overlay (IP protocol 4)": { protocol: "ipip", purpose: "flannel ipip overlay (IP protocol 4)" } },
      ["flannel.ipip"],
      ["ipip"],
    ),
  },
  {
    name: "ipip DirectRouting",
    options: { backend: { type: "ipip", directRouting: true } },
    base: { backend: { type: "ipip" } },
    expected: { [`${NET}.Backend.DirectRouting`]: true, "summary.flannel.backend.directRouting": true },
  },
  {
    // udp: TUN flannel0, UDP 8285, IPv4 20 + UDP 8 = 28 bytes.
    name: "udp",
    options: { backend: { type: "udp" } },
    expected: backendSwap(
      "udp",
      28,
      { "flannel udp overlay": { protocol: "udp", port: 8285, purpose: "flannel udp overlay" } },
      ["flannel0"],
      ["tun"],
    ),
  },
  {
    name: "udp Port",
    options: { backend: { type: "udp", port: 8300 } },
    base: { backend: { type: "udp" } },
    expected: {
      [`${NET}.Backend.Port`]: 8300,
      "summary.flannel.backend.port": 8300,
      ...host("firewall.[purpose=flannel udp overlay].port", 8300),
    },
  },
  // Interface selection (configuration.md): --iface (name or address, repeatable), --iface-regex, --iface-can-reach.
  {
    name: "iface by name",
    options: { iface: ["eth0"] },
    expected: {
      ...args([...ARGS, "--iface=eth0"]),
      "summary.flannel.nodes.n1.selectedBy": "iface",
      "summary.flannel.nodes.n2.selectedBy": "iface",
    },
  },
  {
    name: "iface by address, in order",
    options: { iface: ["192.168.1.32", "192.168.1.31"] },
    expected: {
      ...args([...ARGS, "--iface=192.168.1.32", "--iface=192.168.1.31"]),
      "summary.flannel.nodes.n1.selectedBy": "iface",
      "summary.flannel.nodes.n2.selectedBy": "iface",
    },
  },
  {
    name: "iface-regex",
    options: { ifaceRegex: ["^eth[0-9]+$"] },
    expected: {
      ...args([...ARGS, "--iface-regex=^eth[0-9]+$"]),
      "summary.flannel.nodes.n1.selectedBy": "iface-regex",
      "summary.flannel.nodes.n2.selectedBy": "iface-regex",
    },
  },
  {
    name: "iface-can-reach",
    options: { ifaceCanReach: "192.168.1.1" },
    expected: {
      ...args([...ARGS, "--iface-can-reach=192.168.1.1"]),
      "summary.flannel.nodes.n1.selectedBy": "iface-can-reach",
      "summary.flannel.nodes.n2.selectedBy": "iface-can-reach",
    },
  },
  {
    name: "ipMasq off: no --ip-masq, no masquerade on the hosts",
    options: { ipMasq: false },
    expected: { ...args(["--kube-subnet-mgr", "--healthz-port=8081"]), ...host("masquerade", false) },
  },
  {
    // v0.26.0+ needs br_netfilter only while nftables mode is off.
    name: "EnableNFTables",
    options: { enableNFTables: true },
    expected: { [`${NET}.EnableNFTables`]: true, ...host("kernelModules", ["vxlan"]) },
  },
  {
    name: "healthz port",
    options: { healthzPort: 9081 },
    expected: {
      ...args(["--ip-masq", "--kube-subnet-mgr", "--healthz-port=9081"]),
      [`${FL}.ports.[name=healthz].containerPort`]: 9081,
      "summary.flannel.healthzPort": 9081,
      ...host("firewall.[purpose=flannel healthz (liveness and readiness probes)].port", 9081),
    },
  },
  {
    name: "healthz off: no flag, port or probes",
    options: { healthzPort: 0 },
    expected: {
      ...args(["--ip-masq", "--kube-subnet-mgr"]),
      [`${FL}.ports`]: GONE,
      [`${FL}.livenessProbe`]: GONE,
      [`${FL}.readinessProbe`]: GONE,
      "summary.flannel.healthzPort": 0,
      ...host("firewall.[purpose=flannel healthz (liveness and readiness probes)]", GONE),
    },
  },
  {
    name: "restating the plan's network changes nothing",
    options: { network: "10.244.0.0/16" },
    expected: {},
  },
  {
    // net-conf.json: IPv6Network + EnableIPv6; vxlan adds flannel-v6.<VNI>.
    name: "dual-stack plan",
    basePlan: v4,
    plan: dual,
    options: {},
    expected: {
      [`${NET}.IPv6Network`]: "fd00:10:244::/56",
      [`${NET}.EnableIPv6`]: true,
      "summary.flannel.networks.ipv6": "fd00:10:244::/56",
      "summary.flannel.nodes.n1.addresses.ipv6": "fd00:192:168:1::31",
      "summary.flannel.nodes.n2.addresses.ipv6": "fd00:192:168:1::32",
      ...host("trustedInterfaces", ["flannel.1", "flannel-v6.1", "cni0"]),
    },
  },
  {
    // IPv6-only: EnableIPv4 false, no Network.
    name: "IPv6-only plan",
    basePlan: v4,
    plan: v6only,
    options: {},
    expected: {
      [`${NET}.Network`]: GONE,
      [`${NET}.EnableIPv4`]: false,
      [`${NET}.IPv6Network`]: "fd00:10:244::/56",
      [`${NET}.EnableIPv6`]: true,
      "summary.flannel.networks.ipv4": GONE,
      "summary.flannel.networks.ipv6": "fd00:10:244::/56",
      "summary.flannel.nodes.n1.addresses.ipv4": GONE,
      "summary.flannel.nodes.n2.addresses.ipv4": GONE,
      "summary.flannel.nodes.n1.addresses.ipv6": "fd00:192:168:1::31",
      "summary.flannel.nodes.n2.addresses.ipv6": "fd00:192:168:1::32",
      ...host("trustedInterfaces", ["flannel-v6.1", "cni0"]),
    },
  },
  // v0.26.7 (kube-flannel.yml v0.26.7: no --healthz-port, no probes, /readyz does not exist yet).
  {
    name: "v0.26.7 healthz port: liveness only",
    options: { version: "v0.26.7", healthzPort: 8081 },
    base: { version: "v0.26.7" },
    expected: {
      ...args(["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"]),
      [`${FL}.ports`]: { "[name=healthz]": { name: "healthz", containerPort: 8081, protocol: "TCP" } },
      [`${FL}.livenessProbe`]: { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 10, periodSeconds: 30 },
      "summary.flannel.healthzPort": 8081,
      ...host("firewall.[purpose=flannel healthz (liveness and readiness probes)]", {
        protocol: "tcp",
        port: 8081,
        purpose: "flannel healthz (liveness and readiness probes)",
      }),
    },
  },
  {
    name: "v0.26.7 vxlan Port and iface",
    options: { version: "v0.26.7", backend: { type: "vxlan", port: 4789 }, iface: ["eth0"] },
    base: { version: "v0.26.7" },
    expected: {
      [`${NET}.Backend.Port`]: 4789,
      "summary.flannel.backend.port": 4789,
      ...host(`${VXLAN_FW}.port`, 4789),
      ...args(["--ip-masq", "--kube-subnet-mgr", "--iface=eth0"]),
      "summary.flannel.nodes.n1.selectedBy": "iface",
      "summary.flannel.nodes.n2.selectedBy": "iface",
    },
  },
  {
    name: "v0.26.7 ipMasq off",
    options: { version: "v0.26.7", ipMasq: false },
    base: { version: "v0.26.7" },
    expected: { ...args(["--kube-subnet-mgr"]), ...host("masquerade", false) },
  },
  // Pod settings.
  {
    name: "image registry mirror",
    options: { imageRegistry: "registry.example.com/mirror" },
    expected: {
      [`${POD}.initContainers.[name=install-cni-plugin].image`]: "registry.example.com/mirror/flannel-cni-plugin:v1.9.1-flannel3",
      [`${POD}.initContainers.[name=install-cni].image`]: "registry.example.com/mirror/flannel:v0.28.9",
      [`${FL}.image`]: "registry.example.com/mirror/flannel:v0.28.9",
      "summary.flannel.images.flannel": "registry.example.com/mirror/flannel:v0.28.9",
      "summary.flannel.images.cniPlugin": "registry.example.com/mirror/flannel-cni-plugin:v1.9.1-flannel3",
    },
  },
  {
    name: "image override (flanneld image only; the CNI plugin image stays)",
    options: { images: { flannel: "registry.example.com/flannel:v0.28.9-patched" } },
    expected: {
      [`${POD}.initContainers.[name=install-cni].image`]: "registry.example.com/flannel:v0.28.9-patched",
      [`${FL}.image`]: "registry.example.com/flannel:v0.28.9-patched",
      "summary.flannel.images.flannel": "registry.example.com/flannel:v0.28.9-patched",
    },
  },
  {
    name: "imagePullPolicy on every container",
    options: { imagePullPolicy: "IfNotPresent" },
    expected: {
      [`${POD}.initContainers.[name=install-cni-plugin].imagePullPolicy`]: "IfNotPresent",
      [`${POD}.initContainers.[name=install-cni].imagePullPolicy`]: "IfNotPresent",
      [`${FL}.imagePullPolicy`]: "IfNotPresent",
    },
  },
  {
    name: "imagePullSecrets",
    options: { imagePullSecrets: ["regcred"] },
    expected: { [`${POD}.imagePullSecrets`]: { "[name=regcred]": { name: "regcred" } } },
  },
  {
    name: "resources",
    options: { resources: { requests: { cpu: "200m", memory: "50Mi" }, limits: { memory: "200Mi" } } },
    expected: { [`${FL}.resources.requests.cpu`]: "200m", [`${FL}.resources.limits`]: { memory: "200Mi" } },
  },
  {
    name: "tolerations replace upstream's",
    options: { tolerations: [{ operator: "Exists" }] },
    expected: { [`${POD}.tolerations.[0].effect`]: GONE },
  },
  {
    name: "nodeSelector",
    options: { nodeSelector: { "node-role.example.com/net": "true" } },
    expected: { [`${POD}.nodeSelector`]: { "node-role.example.com/net": "true" } },
  },
  {
    name: "extraArgs after the managed flags",
    options: { extraArgs: ["--iptables-resync=10"] },
    expected: args([...ARGS, "--iptables-resync=10"]),
  },
  {
    name: "namespace kube-system: no Namespace object",
    options: { namespace: "kube-system" },
    expected: {
      "manifests/flannel.yaml order": [
        "ClusterRole flannel",
        "ClusterRoleBinding flannel",
        "ServiceAccount flannel",
        "ConfigMap kube-flannel-cfg",
        "DaemonSet kube-flannel-ds",
      ],
      "Namespace kube-flannel": GONE,
      "ClusterRoleBinding flannel.subjects.[name=flannel].namespace": "kube-system",
      "ServiceAccount flannel.metadata.namespace": "kube-system",
      "ConfigMap kube-flannel-cfg.metadata.namespace": "kube-system",
      "DaemonSet kube-flannel-ds.metadata.namespace": "kube-system",
      "summary.flannel.namespace": "kube-system",
    },
  },
  {
    name: "createNamespace off",
    options: { createNamespace: false },
    expected: {
      "manifests/flannel.yaml order": [
        "ClusterRole flannel",
        "ClusterRoleBinding flannel",
        "ServiceAccount flannel",
        "ConfigMap kube-flannel-cfg",
        "DaemonSet kube-flannel-ds",
      ],
      "Namespace kube-flannel": GONE,
    },
  },
  {
    // SubnetLen/Min/Max apply in etcd mode only; the kube subnet manager uses each node's podCIDR.
    name: "subnet sizing is ignored with the kube subnet manager",
    options: { subnetLen: 25, ipv6SubnetLen: 80 },
    expected: {},
  },
  {
    name: "labels on every object and the pods (never the selector)",
    options: { labels: { team: "net" } },
    expected: Object.fromEntries(
      [
        "Namespace kube-flannel",
        "ClusterRole flannel",
        "ClusterRoleBinding flannel",
        "ServiceAccount flannel",
        "ConfigMap kube-flannel-cfg",
        "DaemonSet kube-flannel-ds",
        "DaemonSet kube-flannel-ds.spec.template",
      ].map((o) => [`${o}.metadata.labels.team`, "net"]),
    ),
  },
  {
    name: "CNI directories",
    options: { cniBinDir: "/usr/libexec/cni", cniConfDir: "/etc/cni/conf.d" },
    expected: {
      [`${POD}.volumes.[name=cni-plugin].hostPath.path`]: "/usr/libexec/cni",
      [`${POD}.volumes.[name=cni].hostPath.path`]: "/etc/cni/conf.d",
    },
  },
];

describe("flannel option matrix: each option changes exactly its fields", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const plan = row.plan ?? v4;
      const actual = renderDiff(render(row.base ?? {}, row.basePlan ?? plan), render(row.options, plan));
      assert.deepStrictEqual(actual, row.expected);
    });
  }
});

/**
 * flannel subtracts a fixed overhead from the interface MTU (or the backend's `MTU`):
 * vxlan 50 (outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14; the same 50 with an IPv6
 * underlay), wireguard 80, ipip 20, udp 28, host-gw 0 (flannel pkg/backend/*).
 */
const OVERHEAD = { vxlan: 50, wireguard: 80, ipip: 20, udp: 28, "host-gw": 0 } as const;

describe("flannel pod MTU = interface MTU - backend overhead", () => {
  for (const nic of [1500, 9000]) {
    for (const [type, overhead] of Object.entries(OVERHEAD) as Array<[keyof typeof OVERHEAD, number]>) {
      test(`${type}, NIC MTU ${nic}: ${nic - overhead}`, () => {
        const plan = planOf(V4, lanNodes(2, { mtu: nic }));
        const s = render({ backend: { type } }, plan).summary?.flannel as {
          nodes: Record<string, { podMtu: number; interfaceMtu: number }>;
        };
        assert.deepStrictEqual(s.nodes.n1, { ...s.nodes.n1, interfaceMtu: nic, podMtu: nic - overhead });
        assert.equal(s.nodes.n2?.podMtu, nic - overhead);
      });
    }
    test(`vxlan over IPv6 only, NIC MTU ${nic}: ${nic - 50}`, () => {
      const plan = planOf(V6, lanNodes(2, { v4: false, v6: true, mtu: nic }));
      const s = render({}, plan).summary?.flannel as { nodes: Record<string, { podMtu: number }> };
      assert.equal(s.nodes.n1?.podMtu, nic - 50);
    });
  }
  for (const type of ["vxlan", "wireguard"] as const) {
    test(`${type} backend MTU 8000 on a 9000 NIC: ${8000 - OVERHEAD[type]}`, () => {
      const plan = planOf(V4, lanNodes(2, { mtu: 9000 }));
      const s = render({ backend: { type, mtu: 8000 } }, plan).summary?.flannel as { nodes: Record<string, { podMtu: number }> };
      assert.equal(s.nodes.n1?.podMtu, 8000 - OVERHEAD[type]);
    });
  }
});
