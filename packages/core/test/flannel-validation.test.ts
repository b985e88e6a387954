/**
 * Every FlannelNetwork rule has a failing example here, with its exact
 * message: IPv4, IPv6 and dual-stack plans, edge values, plans tampered with
 * the way a hand-edited plan.json could be.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CidrPlan } from "../src/index.js";
import { checkFlannelNetwork, type FlannelNetworkOptions, NetworkPlanError, renderFlannelNetwork } from "../src/index.js";
import { DUAL, lanNodes, planOf, tampered, twoNicNodes, V4, V6 } from "./flannel-fixtures.js";

const v4 = planOf(V4, lanNodes(3));
const dual = planOf(DUAL, lanNodes(3, { v6: true }));
const v6only = planOf(V6, lanNodes(2, { v4: false, v6: true }));
const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";

interface Row {
  readonly name: string;
  readonly options: unknown;
  readonly plan?: CidrPlan;
  /** [path, code, message] of every error, in order. */
  readonly errors?: ReadonlyArray<readonly [string, string, string]>;
  /** [path, code, message] of every warning, in order. */
  readonly warnings?: ReadonlyArray<readonly [string, string, string]>;
}

const ROWS: Row[] = [
  {
    name: "network mismatch",
    options: { network: "10.224.0.0/16" },
    errors: [
      [
        "flannel.network",
        "flannel.network-mismatch",
        'flannel.network: "10.224.0.0/16" differs from cluster.podCidrs[0] "10.244.0.0/16" (kube-controller-manager --cluster-cidr); flannel\'s Network must equal the cluster CIDR or node subnets fall outside it; remove flannel.network (podnet takes it from the plan) or set it to "10.244.0.0/16"',
      ],
    ],
  },
  {
    name: "network host bits",
    options: { network: "10.244.0.1/16" },
    errors: [
      [
        "flannel.network",
        "flannel.network-invalid",
        'flannel.network: "10.244.0.1/16" has host bits set; it must equal the plan\'s IPv4 pod CIDR "10.244.0.0/16"',
      ],
    ],
  },
  {
    name: "network family",
    options: { network: "fd00:10:244::/56" },
    errors: [
      ["flannel.network", "flannel.network-family", 'flannel.network: "fd00:10:244::/56" is IPv6; flannel.network takes the IPv4 network'],
    ],
  },
  {
    name: "ipv6Network missing in plan",
    options: { ipv6Network: "fd00:10:244::/56" },
    errors: [
      [
        "flannel.ipv6Network",
        "flannel.network-family-missing",
        'flannel.ipv6Network: "fd00:10:244::/56" is IPv6 but cluster.podCidrs has no IPv6 CIDR; add it to cluster.podCidrs (flannel takes its networks from the plan) or remove flannel.ipv6Network',
      ],
    ],
  },
  {
    name: "ipv6Network mismatch",
    options: { ipv6Network: "fd00:10:245::/56" },
    plan: dual,
    errors: [
      [
        "flannel.ipv6Network",
        "flannel.network-mismatch",
        'flannel.ipv6Network: "fd00:10:245::/56" differs from cluster.podCidrs[1] "fd00:10:244::/56" (kube-controller-manager --cluster-cidr); flannel\'s Network must equal the cluster CIDR or node subnets fall outside it; remove flannel.ipv6Network (podnet takes it from the plan) or set it to "fd00:10:244::/56"',
      ],
    ],
  },
  {
    name: "allocate off",
    options: {},
    plan: tampered(v4, (p) => {
      p.flags.kubeControllerManager["allocate-node-cidrs"] = "false";
    }),
    errors: [
      [
        "flannel.mode",
        "flannel.allocate-node-cidrs",
        'flannel.mode: "daemonset" uses flannel\'s kube subnet manager, which takes each node\'s subnet from spec.podCIDR, but the plan\'s kube-controller-manager --allocate-node-cidrs is "false"; flanneld would stop with "pod cidr not assigned"; set --allocate-node-cidrs=true',
      ],
    ],
  },
  {
    name: "node pod cidr missing",
    options: {},
    plan: tampered(v4, (p) => {
      p.nodes[1]!.podCidrs = {};
    }),
    errors: [
      [
        "nodes[1]",
        "flannel.node-pod-cidr",
        'nodes[1]: node "n2" has no IPv4 pod subnet in the plan; flanneld would stop with "pod cidr not assigned"; let the plan allocate it or pin one in nodes[1].podCidrs',
      ],
    ],
  },
  {
    name: "node pod cidr outside",
    options: {},
    plan: tampered(v4, (p) => {
      p.nodes[2]!.podCidrs = { ipv4: "10.250.0.0/24" };
    }),
    errors: [
      [
        "nodes[2]",
        "flannel.node-pod-cidr-outside",
        'nodes[2]: pod subnet "10.250.0.0/24" of node "n3" is outside flannel\'s Network "10.244.0.0/16"; flanneld would refuse the node\'s PodCIDR; pin a subnet of "10.244.0.0/16"',
      ],
    ],
  },
  {
    name: "subnetLen ignored",
    options: { subnetLen: 26, subnetMin: "10.244.1.0" },
    warnings: [
      [
        "flannel.subnetLen",
        "flannel.subnet-ignored",
        'flannel.subnetLen: 26 is ignored in mode "daemonset": the kube subnet manager gives each node its spec.podCIDR (cluster.nodeMaskSize); remove it, or use mode "systemd" with etcd',
      ],
      [
        "flannel.subnetMin",
        "flannel.subnet-ignored",
        'flannel.subnetMin: "10.244.1.0" is ignored in mode "daemonset": the kube subnet manager gives each node its spec.podCIDR (cluster.nodeMaskSize); remove it, or use mode "systemd" with etcd',
      ],
    ],
  },
  {
    name: "mtu above interface",
    options: { backend: { type: "vxlan", mtu: 9000 } },
    errors: [
      [
        "flannel.backend.mtu",
        "flannel.mtu-above-interface",
        'flannel.backend.mtu: 9000 is above the MTU of the interface flannel uses on node "n1" (eth0, 1500), node "n2" (eth0, 1500), node "n3" (eth0, 1500); encapsulated packets would exceed the link; set flannel.backend.mtu to at most 1500 or remove it',
      ],
    ],
  },
  {
    name: "mtu ipv6",
    options: {},
    plan: planOf(DUAL, lanNodes(2, { v6: true, mtu: 1300 })),
    errors: [
      [
        "nodes[0].interfaces[0].mtu",
        "flannel.mtu-ipv6",
        'nodes[0].interfaces[0].mtu: the pod MTU on node "n1" would be 1250 (eth0 MTU 1300 - 50 vxlan overhead), below 1280, the IPv6 minimum (RFC 8200); IPv6 pods would not work; raise the MTU of eth0 to at least 1330',
      ],
      [
        "nodes[1].interfaces[0].mtu",
        "flannel.mtu-ipv6",
        'nodes[1].interfaces[0].mtu: the pod MTU on node "n2" would be 1250 (eth0 MTU 1300 - 50 vxlan overhead), below 1280, the IPv6 minimum (RFC 8200); IPv6 pods would not work; raise the MTU of eth0 to at least 1330',
      ],
    ],
  },
  {
    name: "mtu ipv6 explicit",
    options: { backend: { type: "wireguard", mtu: 1350 } },
    plan: dual,
    errors: [
      [
        "flannel.backend.mtu",
        "flannel.mtu-ipv6",
        "flannel.backend.mtu: the pod MTU would be 1270 (1350 - 80 wireguard overhead), below 1280, the IPv6 minimum (RFC 8200); set flannel.backend.mtu to at least 1360",
      ],
    ],
  },
  {
    name: "mtu ipv4",
    options: { backend: { type: "wireguard" } },
    plan: planOf(V4, lanNodes(1, { mtu: 120 })),
    errors: [
      [
        "nodes[0].interfaces[0].mtu",
        "flannel.mtu-ipv4",
        'nodes[0].interfaces[0].mtu: the pod MTU on node "n1" would be 40 (eth0 MTU 120 - 80 wireguard overhead), below 68, the IPv4 minimum (RFC 791); raise the MTU of eth0 to at least 148',
      ],
    ],
  },
  {
    name: "mtu mixed",
    options: {},
    plan: planOf(V4, [...lanNodes(1), { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.40/24"], mtu: 9000 }] }]),
    warnings: [
      [
        "flannel.backend",
        "flannel.mtu-mixed",
        "flannel.backend: pod MTUs differ between nodes (1450, 8950; lowest on n1); pods on larger-MTU nodes send packets the others cannot take and rely on path MTU discovery; set flannel.backend.mtu or align the interface MTUs",
      ],
    ],
  },
  {
    name: "iface required",
    options: {},
    plan: planOf(V4, twoNicNodes(2)),
    errors: [
      [
        "flannel.iface",
        "flannel.iface-required",
        'flannel.iface: no interface selector is set, but node "n1" (nodes[0]) has 2 interfaces (eth0, eth1), node "n2" (nodes[1]) has 2 interfaces (eth0, eth1); flannel would take the default-route interface, on multi-NIC hosts often a NAT interface every node shares (Vagrant\'s 10.0.2.15); set flannel.iface (e.g. ["eth1"]), flannel.ifaceRegex or flannel.ifaceCanReach',
      ],
    ],
  },
  {
    name: "iface no match",
    options: { iface: ["eth1"] },
    plan: planOf(V4, [...twoNicNodes(1), { name: "n9", interfaces: [{ name: "eth0", addresses: ["192.168.56.99/24"] }] }]),
    errors: [
      [
        "flannel.iface",
        "flannel.iface-no-match",
        'flannel.iface: no interface of node "n9" (nodes[1]) matches flannel.iface ["eth1"] (interfaces: eth0 192.168.56.99/24); flanneld would exit with "Failed to find interface to use"; add a selector that matches on every node',
      ],
    ],
  },
  {
    name: "iface family",
    options: {},
    plan: planOf(DUAL, [{ name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] }]),
    errors: [
      [
        "nodes[0].interfaces[0]",
        "flannel.iface-family",
        'nodes[0].interfaces[0]: eth0 (the default-route interface) has no IPv6 address on node "n1" (nodes[0]), but the plan enables IPv4 and IPv6 and flannel needs an address of each on the interface it uses; add the address or select another interface with flannel.iface',
      ],
    ],
  },
  {
    name: "address duplicate",
    options: {},
    plan: tampered(v4, (p) => {
      p.nodes[1]!.interfaces[0]!.addresses[0]!.address = "192.168.1.31";
    }),
    errors: [
      [
        "nodes[1].interfaces[0]",
        "flannel.address-duplicate",
        'nodes[1].interfaces[0]: flannel would advertise 192.168.1.31 (eth0) for node "n2" and for node "n1" (eth0); every node needs its own address or traffic goes to the wrong host; select an interface with a unique address via flannel.iface',
      ],
    ],
  },
  {
    name: "host-gw l2",
    options: { backend: { type: "host-gw" } },
    plan: planOf(V4, [...lanNodes(2), { name: "n3", interfaces: [{ name: "eth0", addresses: ["192.168.2.10/24"] }] }]),
    errors: [
      [
        "flannel.backend.type",
        "flannel.host-gw-l2",
        'flannel.backend.type: "host-gw" routes pod traffic straight to the peer node, so all nodes must share one L2 network, but node "n1" uses 192.168.1.31 in 192.168.1.0/24 and node "n3" uses 192.168.2.10 in 192.168.2.0/24; use type "vxlan" with directRouting: true (direct routes where nodes share a subnet, VXLAN elsewhere)',
      ],
    ],
  },
  {
    name: "dual-stack ipip",
    options: { backend: { type: "ipip" } },
    plan: dual,
    errors: [
      [
        "flannel.backend.type",
        "flannel.backend-ipv6",
        'flannel.backend.type: "ipip" carries IPv4 only, but cluster.podCidrs has an IPv6 CIDR (dual-stack); use "vxlan", "wireguard" or "host-gw"',
      ],
    ],
    warnings: [
      [
        "flannel.backend.type",
        "flannel.backend-discouraged",
        'flannel.backend.type: "ipip" is experimental upstream; vxlan is the supported overlay',
      ],
    ],
  },
  {
    name: "ipv6-only udp",
    options: { backend: { type: "udp" } },
    plan: v6only,
    errors: [
      [
        "flannel.backend.type",
        "flannel.backend-ipv6",
        'flannel.backend.type: "udp" carries IPv4 only, but cluster.podCidrs has an IPv6 CIDR (IPv6-only); use "vxlan", "wireguard" or "host-gw"',
      ],
    ],
    warnings: [
      [
        "flannel.backend.type",
        "flannel.backend-discouraged",
        'flannel.backend.type: "udp" is deprecated upstream and meant for debugging only (user-space forwarding, linux/amd64 builds only); use vxlan',
      ],
    ],
  },
  {
    name: "vni 0",
    options: { backend: { type: "vxlan", vni: 0 } },
    errors: [
      [
        "flannel.backend.vni",
        "flannel.vni-range",
        "flannel.backend.vni: 0 is not a VXLAN network identifier; VNIs are 24-bit, use 1..16777215",
      ],
    ],
  },
  {
    name: "vni max+1",
    options: { backend: { type: "vxlan", vni: 16777216 } },
    errors: [
      [
        "flannel.backend.vni",
        "flannel.vni-range",
        "flannel.backend.vni: 16777216 is not a VXLAN network identifier; VNIs are 24-bit, use 1..16777215",
      ],
    ],
  },
  {
    name: "port 0",
    options: { backend: { type: "vxlan", port: 0 } },
    errors: [
      ["flannel.backend.port", "flannel.port-range", "flannel.backend.port: 0 is not a valid UDP port for the vxlan backend; use 1..65535"],
    ],
  },
  {
    name: "port 65536",
    options: { backend: { type: "udp", port: 65536 } },
    errors: [
      [
        "flannel.backend.port",
        "flannel.port-range",
        "flannel.backend.port: 65536 is not a valid UDP port for the udp backend; use 1..65535",
      ],
    ],
    warnings: [
      [
        "flannel.backend.type",
        "flannel.backend-discouraged",
        'flannel.backend.type: "udp" is deprecated upstream and meant for debugging only (user-space forwarding, linux/amd64 builds only); use vxlan',
      ],
    ],
  },
  {
    name: "listen ports equal",
    options: { backend: { type: "wireguard", listenPortV6: 51820 } },
    plan: dual,
    errors: [
      [
        "flannel.backend.listenPortV6",
        "flannel.port-conflict",
        "flannel.backend.listenPortV6: 51820 is also flannel.backend.listenPort (default 51820); the IPv4 and IPv6 WireGuard devices each bind their own UDP port; pick two different ports",
      ],
    ],
  },
  {
    name: "psk",
    options: { backend: { type: "wireguard", psk: "secret-but-short" } },
    errors: [
      [
        "flannel.backend.psk",
        "flannel.psk-format",
        'flannel.backend.psk: is not a WireGuard key (32 bytes in base64: 44 characters ending in "="; the value is not shown because it is secret); generate one with "wg genpsk"',
      ],
    ],
  },
  {
    name: "wg mode ipv6",
    options: { backend: { type: "wireguard", mode: "ipv6" } },
    errors: [
      [
        "flannel.backend.mode",
        "flannel.wireguard-mode",
        'flannel.backend.mode: "ipv6" tunnels over IPv6, but cluster.podCidrs has no IPv6 CIDR; use "separate" (the default)',
      ],
    ],
  },
  {
    name: "keepalive",
    options: { backend: { type: "wireguard", persistentKeepaliveInterval: -1 } },
    errors: [
      [
        "flannel.backend.persistentKeepaliveInterval",
        "flannel.keepalive-range",
        "flannel.backend.persistentKeepaliveInterval: -1 is out of range; WireGuard keepalives are 0..65535 seconds (0 = off)",
      ],
    ],
  },
  {
    name: "mtu range",
    options: { backend: { type: "vxlan", mtu: 67 } },
    errors: [["flannel.backend.mtu", "flannel.mtu-range", "flannel.backend.mtu: 67 is not a link MTU; use 68..65535"]],
  },
  {
    name: "backend key",
    options: { backend: { type: "host-gw", vni: 2, listenPort: 1 } },
    errors: [
      [
        "flannel.backend.vni",
        "flannel.backend-key",
        'flannel.backend.vni: applies only to backend type "vxlan", but flannel.backend.type is "host-gw"; remove it',
      ],
      [
        "flannel.backend.listenPort",
        "flannel.backend-key",
        'flannel.backend.listenPort: applies only to backend type "wireguard", but flannel.backend.type is "host-gw"; remove it',
      ],
    ],
  },
  {
    name: "udp deprecated",
    options: { backend: { type: "udp" } },
    warnings: [
      [
        "flannel.backend.type",
        "flannel.backend-discouraged",
        'flannel.backend.type: "udp" is deprecated upstream and meant for debugging only (user-space forwarding, linux/amd64 builds only); use vxlan',
      ],
    ],
  },
  {
    name: "ipip experimental",
    options: { backend: { type: "ipip" } },
    warnings: [
      [
        "flannel.backend.type",
        "flannel.backend-discouraged",
        'flannel.backend.type: "ipip" is experimental upstream; vxlan is the supported overlay',
      ],
    ],
  },
  {
    name: "version unknown",
    options: { version: "v0.27.0" },
    errors: [
      [
        "flannel.version",
        "flannel.version-unknown",
        'flannel.version: "v0.27.0" is not a flannel version podnet knows; known versions: "v0.26.7", "v0.28.9"',
      ],
    ],
  },
  {
    name: "version no v",
    options: { version: "0.28.9" },
    errors: [
      [
        "flannel.version",
        "flannel.version-unknown",
        'flannel.version: "0.28.9" is not a flannel version podnet knows; known versions: "v0.26.7", "v0.28.9"; did you mean "v0.28.9"?',
      ],
    ],
  },
  {
    name: "mode systemd has no cluster objects (its renderer is flannel-systemd.ts)",
    options: { mode: "systemd" },
    errors: [
      [
        "flannel.mode",
        "flannel.mode-unavailable",
        'flannel.mode: "systemd" (flanneld as a host binary) renders node units, not cluster objects: use podnet render or the Pulumi FlannelNetwork component, or "daemonset" here',
      ],
    ],
  },
  {
    name: "healthz taken",
    options: { healthzPort: 10250 },
    errors: [
      [
        "flannel.healthzPort",
        "flannel.healthz-port-taken",
        "flannel.healthzPort: 10250 is the kubelet API port on every node; flanneld runs in the host network and could not bind it; pick a free port such as 8081 (upstream's)",
      ],
    ],
  },
  {
    name: "healthz range",
    options: { healthzPort: 70000 },
    errors: [
      [
        "flannel.healthzPort",
        "flannel.port-range",
        "flannel.healthzPort: 70000 is not a valid healthz TCP port; use 1..65535 (or 0 to turn it off)",
      ],
    ],
  },
  {
    name: "regex invalid",
    options: { ifaceRegex: ["^eth(?=1)"] },
    errors: [
      [
        "flannel.ifaceRegex[0]",
        "flannel.iface-regex-invalid",
        'flannel.ifaceRegex[0]: "^eth(?=1)" is not a valid Go (RE2) regexp (error parsing regexp: invalid or unsupported Perl syntax: `(?=`); flanneld would exit at start-up; RE2 has no lookarounds or backreferences',
      ],
    ],
  },
  {
    name: "regex ambiguous",
    options: { ifaceRegex: ["eth"] },
    plan: planOf(V4, twoNicNodes(1)),
    warnings: [
      [
        "flannel.ifaceRegex[0]",
        "flannel.iface-regex-ambiguous",
        'flannel.ifaceRegex[0]: "eth" matches eth0, eth1 on node "n1" (nodes[0]); flanneld takes the first in kernel order, which podnet assumes is eth0; anchor the regexp (e.g. "^eth0$") to be sure',
      ],
    ],
  },
  {
    name: "iface invalid",
    options: { iface: ["eth0; reboot"] },
    errors: [
      [
        "flannel.iface[0]",
        "flannel.iface-invalid",
        'flannel.iface[0]: "eth0; reboot" is neither an IP address nor a Linux interface name (1-15 characters: letters, digits, "_", "." and "-"); give a name like "eth1" or an address like "192.168.1.31"',
      ],
    ],
  },
  {
    name: "can reach invalid",
    options: { ifaceCanReach: "gateway" },
    errors: [
      [
        "flannel.ifaceCanReach",
        "flannel.iface-can-reach-invalid",
        'flannel.ifaceCanReach: "gateway" is not an IP address; give the address to reach, e.g. "192.168.1.1"',
      ],
    ],
  },
  {
    name: "can reach assumed",
    options: { ifaceCanReach: "8.8.8.8" },
    warnings: [
      [
        "flannel.ifaceCanReach",
        "flannel.iface-can-reach-assumed",
        'flannel.ifaceCanReach: "8.8.8.8" is on no network of nodes n1 (eth0), n2 (eth0), n3 (eth0); podnet knows no routes and assumes it is reached through the default-route interface; check with "ip route get 8.8.8.8" on the node',
      ],
    ],
  },
  {
    name: "can reach unknown",
    options: { ifaceCanReach: "8.8.8.8" },
    plan: planOf(V4, [
      {
        name: "n1",
        interfaces: [
          { name: "eth0", addresses: ["10.0.2.15/24"] },
          { name: "eth1", addresses: ["192.168.56.11/24"] },
        ],
      },
    ]),
    warnings: [
      [
        "flannel.ifaceCanReach",
        "flannel.iface-can-reach-unknown",
        'flannel.ifaceCanReach: "8.8.8.8" is on no network of node "n1", which has no known default-route interface; podnet cannot tell which interface flannel will use there, so MTU and address checks skip it; mark the default-route interface (defaultRoute: true) or use flannel.iface',
      ],
    ],
  },
  {
    name: "extra args",
    options: { extraArgs: ["-v 2", "--iface=eth0", "--iptables-resync=10"] },
    errors: [
      [
        "flannel.extraArgs[0]",
        "flannel.extra-arg",
        'flannel.extraArgs[0]: "-v 2" is not a flanneld flag of the form "--name" or "--name=value" (lowercase name; value of letters, digits and _ . , : / @ + % = -)',
      ],
      [
        "flannel.extraArgs[1]",
        "flannel.extra-arg-managed",
        'flannel.extraArgs[1]: "--iface" is set by podnet from flannel.iface; use that instead of extraArgs',
      ],
    ],
  },
  {
    name: "image registry",
    options: { imageRegistry: "Registry Example" },
    errors: [
      [
        "flannel.imageRegistry",
        "flannel.image-registry",
        'flannel.imageRegistry: "Registry Example" is not a registry with an optional path (lowercase host[:port][/path], e.g. "registry.example.com:5000/flannel-io")',
      ],
    ],
  },
  {
    name: "image",
    options: { images: { flannel: "ghcr.io/Flannel-io/flannel:v0.28.9" } },
    errors: [
      [
        "flannel.images.flannel",
        "flannel.image",
        'flannel.images.flannel: "ghcr.io/Flannel-io/flannel:v0.28.9" is not an image reference ([host[:port]/]path[:tag][@sha256:digest], lowercase path), e.g. "registry.example.com/flannel-io/flannel:v0.28.9"',
      ],
    ],
  },
  {
    name: "pull secret",
    options: { imagePullSecrets: ["Bad_Name"] },
    errors: [
      [
        "flannel.imagePullSecrets[0]",
        "flannel.k8s-name",
        'flannel.imagePullSecrets[0]: "Bad_Name" is not a Secret name (DNS-1123 subdomain)',
      ],
    ],
  },
  {
    name: "namespace",
    options: { namespace: "Kube_Flannel" },
    errors: [
      [
        "flannel.namespace",
        "flannel.k8s-name",
        'flannel.namespace: "Kube_Flannel" is not a namespace name (DNS-1123 label: lowercase letters, digits and "-")',
      ],
    ],
  },
  {
    name: "labels",
    options: { labels: { app: "x", "-bad": "y", team: "net work" } },
    errors: [
      [
        "flannel.labels.app",
        "flannel.label-reserved",
        'flannel.labels.app: "app" is set by podnet (pod selector and pod-security labels); pick another key',
      ],
      [
        "flannel.labels.-bad",
        "flannel.label",
        'flannel.labels.-bad: "-bad" is not a label key ([prefix/]name, name of up to 63 letters, digits, "-", "_", ".")',
      ],
      [
        "flannel.labels.team",
        "flannel.label",
        'flannel.labels.team: "net work" is not a label value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends)',
      ],
    ],
  },
  {
    name: "nodeSelector",
    options: { nodeSelector: { "a/b/c": "x", zone: "eu west" } },
    errors: [
      [
        "flannel.nodeSelector.a/b/c",
        "flannel.label",
        'flannel.nodeSelector.a/b/c: "a/b/c" is not a label key ([prefix/]name: optional DNS-1123 subdomain and "/", then up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends); the API server rejects the DaemonSet, e.g. "node-role.kubernetes.io/worker"',
      ],
      [
        "flannel.nodeSelector.zone",
        "flannel.label",
        'flannel.nodeSelector.zone: "eu west" is not a label value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends, or empty); the API server rejects the DaemonSet',
      ],
    ],
  },
  {
    name: "resources",
    options: { resources: { requests: { cpu: "lots" } } },
    errors: [
      [
        "flannel.resources.requests.cpu",
        "flannel.quantity",
        'flannel.resources.requests.cpu: "lots" is not a Kubernetes quantity, e.g. "100m" or "50Mi"',
      ],
    ],
  },
  {
    name: "tolerations",
    options: {
      tolerations: [
        { operator: "Exists", value: "x" },
        { key: "k", tolerationSeconds: 5 },
        { key: "-bad key", value: "x".repeat(64), effect: "NoExecute", tolerationSeconds: 30 },
        { value: "", effect: "NoSchedule" },
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
        { key: "dedicated", operator: "Equal", value: "net_work.1", effect: "NoExecute", tolerationSeconds: 0 },
      ],
    },
    errors: [
      [
        "flannel.tolerations[0].value",
        "flannel.toleration",
        'flannel.tolerations[0].value: must be empty when operator is "Exists" (Kubernetes rejects it); remove value or use operator "Equal"',
      ],
      [
        "flannel.tolerations[1].tolerationSeconds",
        "flannel.toleration",
        'flannel.tolerations[1].tolerationSeconds: only applies with effect "NoExecute"; remove it or set the effect',
      ],
      [
        "flannel.tolerations[2].key",
        "flannel.toleration",
        'flannel.tolerations[2].key: "-bad key" is not a taint key (a qualified name: optional DNS-1123 subdomain prefix and "/", then up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends), e.g. "node-role.kubernetes.io/control-plane"',
      ],
      [
        "flannel.tolerations[2].value",
        "flannel.toleration",
        `flannel.tolerations[2].value: "${"x".repeat(64)}" is not a taint value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends, or empty)`,
      ],
      [
        "flannel.tolerations[3].operator",
        "flannel.toleration",
        'flannel.tolerations[3].operator: a toleration without a key matches every taint and needs operator "Exists" (Kubernetes rejects it otherwise); set operator: Exists or give a key',
      ],
    ],
  },
  {
    name: "host dirs",
    options: { cniBinDir: "opt/cni/bin", cniConfDir: "/etc/cni/../net.d" },
    errors: [
      [
        "flannel.cniBinDir",
        "flannel.host-dir",
        'flannel.cniBinDir: "opt/cni/bin" is not an absolute directory path (letters, digits and _ . + @ : / -; no "..")',
      ],
      [
        "flannel.cniConfDir",
        "flannel.host-dir",
        'flannel.cniConfDir: "/etc/cni/../net.d" is not an absolute directory path (letters, digits and _ . + @ : / -; no "..")',
      ],
    ],
  },
  {
    name: "schema unknown key",
    options: { ifac: ["eth0"] },
    errors: [["flannel.ifac", "spec.unknown-key", 'flannel.ifac: unknown key "ifac"; did you mean "iface"?']],
  },
  {
    name: "schema enum",
    options: { backend: { type: "vxlna" } },
    errors: [
      [
        "flannel.backend.type",
        "spec.invalid-value",
        'flannel.backend.type: "vxlna" is not one of "vxlan", "host-gw", "wireguard", "ipip", "udp"; did you mean "vxlan"?',
      ],
    ],
  },
  {
    name: "schema type",
    options: { backend: { type: "vxlan", vni: "1" } },
    errors: [["flannel.backend.vni", "spec.invalid-type", 'flannel.backend.vni: expected number, got string "1"']],
  },
  {
    name: "no nodes",
    options: {},
    plan: planOf(V4, []),
    warnings: [
      [
        "flannel",
        "flannel.no-nodes",
        "flannel: the plan lists no nodes, so interface, address and MTU checks were skipped; add the nodes under nodes:",
      ],
    ],
  },
];

function triples(list: readonly { path: string; code: string; message: string }[]): Array<[string, string, string]> {
  return list.map((x) => [x.path, x.code, x.message]);
}

describe("FlannelNetwork validation: one failing example per rule", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const r = checkFlannelNetwork(row.options, row.plan ?? v4);
      assert.deepEqual(triples(r.errors), row.errors ?? []);
      assert.deepEqual(triples(r.warnings), row.warnings ?? []);
      assert.equal(r.value === undefined, (row.errors ?? []).length > 0);
    });
  }
});

/** Values at the edge of each rule that must pass, in every family layout. */
const VALID: Array<readonly [string, FlannelNetworkOptions, CidrPlan]> = [
  ["vni 1", { backend: { type: "vxlan", vni: 1 } }, v4],
  ["vni 16777215", { backend: { type: "vxlan", vni: 16_777_215 } }, v4],
  ["port 65535", { backend: { type: "vxlan", port: 65535 } }, v4],
  ["udp port 1", { backend: { type: "udp", port: 1 } }, v4],
  ["mtu equal to the interface", { backend: { type: "vxlan", mtu: 1500 } }, v4],
  ["ipv6 pod MTU exactly 1280", { backend: { type: "wireguard", mtu: 1360 } }, dual],
  ["healthz off", { healthzPort: 0 }, v4],
  ["healthz 65535", { healthzPort: 65535 }, v4],
  ["wireguard psk and ports", { backend: { type: "wireguard", psk: PSK, listenPort: 51000, listenPortV6: 51001, mode: "auto" } }, dual],
  ["wireguard keepalive 0 and 65535", { backend: { type: "wireguard", persistentKeepaliveInterval: 65535 } }, v4],
  ["host-gw on one LAN, dual-stack", { backend: { type: "host-gw" } }, dual],
  ["vxlan IPv6-only", {}, v6only],
  ["network restated", { network: "10.244.0.0/16", ipv6Network: "fd00:10:244::/56" }, dual],
  ["iface by address list", { iface: ["192.168.56.11", "192.168.56.12"] }, planOf(V4, twoNicNodes(2))],
  ["iface-regex anchored", { ifaceRegex: ["^eth1$"] }, planOf(V4, twoNicNodes(2))],
  ["iface-can-reach on-link", { ifaceCanReach: "192.168.56.1" }, planOf(V4, twoNicNodes(2))],
  ["kube-system without a Namespace object", { namespace: "kube-system" }, v4],
];

describe("FlannelNetwork validation: edge values that pass", () => {
  for (const [name, options, plan] of VALID) {
    test(name, () => {
      const r = checkFlannelNetwork(options, plan);
      assert.deepEqual(triples(r.errors), []);
      assert.ok(r.value);
    });
  }
});

describe("renderFlannelNetwork", () => {
  test("throws one NetworkPlanError carrying every problem and the warnings", () => {
    const options: FlannelNetworkOptions = { backend: { type: "udp", port: 0 }, healthzPort: 10250, version: "v9" };
    assert.throws(
      () => renderFlannelNetwork(options, v4),
      (e: unknown) => {
        assert.ok(e instanceof NetworkPlanError);
        assert.deepEqual(
          e.problems.map((p) => p.code),
          ["flannel.version-unknown", "flannel.port-range", "flannel.healthz-port-taken"],
        );
        assert.deepEqual(
          e.warnings.map((p) => p.code),
          ["flannel.backend-discouraged"],
        );
        assert.match(e.message, /^3 problems in the network spec:\n {2}flannel\.version: "v9" is not a flannel version/);
        return true;
      },
    );
  });

  test("the PSK never appears in a problem, a warning or the summary", () => {
    const bad = "not-a-key-but-still-secret";
    const r = checkFlannelNetwork({ backend: { type: "wireguard", psk: bad } }, v4);
    assert.ok(!JSON.stringify(r).includes(bad));
    const ok = renderFlannelNetwork({ backend: { type: "wireguard", psk: PSK } }, v4);
    assert.ok(!JSON.stringify(ok.value.summary).includes(PSK));
    assert.ok(!JSON.stringify(ok.warnings).includes(PSK));
  });
});
