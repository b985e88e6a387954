/**
 * One row per validation rule, IPv4 and IPv6, each with its exact message.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkPodCidrPlan, type PodCidrPlanOptions } from "../src/index.js";

type Spec = { cluster: Record<string, unknown>; nodes: Array<Record<string, unknown>> };

function v4(): Spec {
  return {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [
      { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
      { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
      { name: "n3", interfaces: [{ name: "eth0", addresses: ["10.200.0.5/16"] }] },
    ],
  };
}

function v6(): Spec {
  return {
    cluster: { podCidrs: ["fd00:10:244::/56"], serviceCidrs: ["fd00:10:96::/112"] },
    nodes: [
      { name: "n1", interfaces: [{ name: "eth0", addresses: ["fd00:1::31/64"] }] },
      { name: "n2", interfaces: [{ name: "eth0", addresses: ["fd00:1::32/64"] }] },
      { name: "n3", interfaces: [{ name: "eth0", addresses: ["fd00:2::5/64"] }] },
    ],
  };
}

interface Row {
  readonly rule: string;
  readonly base: () => Spec;
  readonly change: (s: Spec) => void;
  readonly code: string;
  readonly message: string;
  /** A warning, not an error. */
  readonly warning?: boolean;
}

const node = (s: Spec, i: number) => s.nodes[i] as { [k: string]: unknown; interfaces: Array<Record<string, unknown>> };

const rows: Row[] = [
  // CIDR syntax and masking
  {
    rule: "host bits (IPv4)",
    base: v4,
    change: (s) => (s.cluster.podCidrs = ["10.244.0.1/16"]),
    code: "cidr.host-bits",
    message: 'cluster.podCidrs[0]: "10.244.0.1/16" has host bits set; did you mean "10.244.0.0/16"?',
  },
  {
    rule: "host bits (IPv6)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["fd00:10:96::1/112"]),
    code: "cidr.host-bits",
    message: 'cluster.serviceCidrs[0]: "fd00:10:96::1/112" has host bits set; did you mean "fd00:10:96::/112"?',
  },
  {
    rule: "not a CIDR (IPv4)",
    base: v4,
    change: (s) => (s.cluster.podCidrs = ["10.244.0.0"]),
    code: "cidr.invalid",
    message:
      'cluster.podCidrs[0]: "10.244.0.0" is not in CIDR notation (address/prefix-length); write it as address/prefix-length, e.g. "10.244.0.0/16" or "fd00:10:244::/56"',
  },
  {
    rule: "bad prefix length (IPv6)",
    base: v6,
    change: (s) => (s.cluster.podCidrs = ["fd00:10:244::/129"]),
    code: "cidr.invalid",
    message:
      'cluster.podCidrs[0]: "fd00:10:244::/129" has an invalid prefix length (0-128 for IPv6); write it as address/prefix-length, e.g. "10.244.0.0/16" or "fd00:10:244::/56"',
  },
  {
    rule: "one CIDR per family (IPv4)",
    base: v4,
    change: (s) => (s.cluster.podCidrs = ["10.244.0.0/16", "10.245.0.0/16"]),
    code: "cidr.family-duplicate",
    message:
      'cluster.podCidrs: has two IPv4 CIDRs ("10.244.0.0/16" and "10.245.0.0/16"); give at most one per family (one IPv4 and one IPv6 = dual-stack)',
  },
  {
    rule: "one CIDR per family (IPv6)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["fd00:10:96::/112", "fd00:10:97::/112"]),
    code: "cidr.family-duplicate",
    message:
      'cluster.serviceCidrs: has two IPv6 CIDRs ("fd00:10:96::/112" and "fd00:10:97::/112"); give at most one per family (one IPv4 and one IPv6 = dual-stack)',
  },
  {
    rule: "pod and service families match (IPv4 pods, dual services)",
    base: v4,
    change: (s) => (s.cluster.serviceCidrs = ["10.96.0.0/12", "fd00:10:96::/112"]),
    code: "cidr.family-mismatch",
    message:
      "cluster.serviceCidrs: covers IPv4 and IPv6 but cluster.podCidrs covers IPv4; give exactly one service CIDR for each pod family",
  },
  {
    rule: "pod and service families match (IPv6 pods, IPv4 services)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["10.96.0.0/12"]),
    code: "cidr.family-mismatch",
    message: "cluster.serviceCidrs: covers IPv4 but cluster.podCidrs covers IPv6; give exactly one service CIDR for each pod family",
  },
  // kubeadm sizes
  {
    rule: "service CIDR too large (IPv4)",
    base: v4,
    change: (s) => (s.cluster.serviceCidrs = ["10.96.0.0/11"]),
    code: "service.too-large",
    message: 'cluster.serviceCidrs[0]: "10.96.0.0/11" has 21 host bits; kube-apiserver allows at most 20 (IPv4 /12 or longer)',
  },
  {
    rule: "service CIDR too large (IPv6)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["fd00:10:96::/107"]),
    code: "service.too-large",
    message: 'cluster.serviceCidrs[0]: "fd00:10:96::/107" has 21 host bits; kube-apiserver allows at most 20 (IPv6 /108 or longer)',
  },
  {
    rule: "service CIDR too small (IPv4)",
    base: v4,
    change: (s) => (s.cluster.serviceCidrs = ["10.96.0.0/29"]),
    code: "service.too-small",
    message: 'cluster.serviceCidrs[0]: "10.96.0.0/29" has 8 addresses; a service CIDR needs at least 10 (IPv4 /28 or shorter)',
  },
  {
    rule: "service CIDR too small (IPv6)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["fd00:10:96::/125"]),
    code: "service.too-small",
    message: 'cluster.serviceCidrs[0]: "fd00:10:96::/125" has 8 addresses; a service CIDR needs at least 10 (IPv6 /124 or shorter)',
  },
  {
    rule: "pod CIDR too small (IPv4)",
    base: v4,
    change: (s) => {
      s.cluster.podCidrs = ["10.244.0.0/29"];
      s.cluster.nodeMaskSize = { ipv4: 29 };
      s.cluster.maxPodsPerNode = 1;
      s.nodes = s.nodes.slice(0, 1);
    },
    code: "pod.too-small",
    message: 'cluster.podCidrs[0]: "10.244.0.0/29" has 8 addresses; a pod CIDR needs at least 14 (IPv4 /28 or shorter)',
  },
  {
    rule: "pod CIDR too small (IPv6)",
    base: v6,
    change: (s) => {
      s.cluster.podCidrs = ["fd00:10:244::/125"];
      s.cluster.nodeMaskSize = { ipv6: 125 };
      s.cluster.maxPodsPerNode = 1;
      s.nodes = s.nodes.slice(0, 1);
    },
    code: "pod.too-small",
    message: 'cluster.podCidrs[0]: "fd00:10:244::/125" has 8 addresses; a pod CIDR needs at least 14 (IPv6 /124 or shorter)',
  },
  {
    rule: "node mask shorter than pod prefix (IPv4)",
    base: v4,
    change: (s) => (s.cluster.nodeMaskSize = { ipv4: 15 }),
    code: "node-mask.range",
    message:
      'cluster.nodeMaskSize.ipv4: 15 does not fit IPv4 pod CIDR "10.244.0.0/16"; the node mask must be between 16 and 32 (the pod prefix to the pod prefix + 16)',
  },
  {
    rule: "node mask more than prefix + 16 (IPv6)",
    base: v6,
    change: (s) => (s.cluster.nodeMaskSize = { ipv6: 73 }),
    code: "node-mask.range",
    message:
      'cluster.nodeMaskSize.ipv6: 73 does not fit IPv6 pod CIDR "fd00:10:244::/56"; the node mask must be between 56 and 72 (the pod prefix to the pod prefix + 16)',
  },
  // capacity
  {
    rule: "too few node subnets (IPv4)",
    base: v4,
    change: (s) => (s.cluster.podCidrs = ["10.244.0.0/23"]),
    code: "capacity.nodes",
    message:
      'cluster.nodeMaskSize.ipv4: /24 subnets of "10.244.0.0/23" give 2 node subnets but the spec has 3 nodes; use a longer node mask (at least /25) or a larger pod CIDR',
  },
  {
    rule: "too few node subnets (IPv6)",
    base: v6,
    change: (s) => (s.cluster.podCidrs = ["fd00:10:244::/63"]),
    code: "capacity.nodes",
    message:
      'cluster.nodeMaskSize.ipv6: /64 subnets of "fd00:10:244::/63" give 2 node subnets but the spec has 3 nodes; use a longer node mask (at least /65) or a larger pod CIDR',
  },
  {
    rule: "more than 80 % of node subnets used (IPv4)",
    base: v4,
    change: (s) => {
      s.cluster.podCidrs = ["10.244.0.0/21"];
      for (let i = 4; i <= 7; i++) s.nodes.push({ name: `n${i}`, interfaces: [{ name: "eth0", addresses: [`192.168.1.${40 + i}/24`] }] });
    },
    code: "capacity.nodes-high",
    warning: true,
    message:
      'cluster.nodeMaskSize.ipv4: 7 of 8 IPv4 node subnets in "10.244.0.0/21" are used (88 %); room for 1 more node; use a longer node mask or a larger pod CIDR before the cluster grows',
  },
  {
    rule: "more than 80 % of node subnets used (IPv6)",
    base: v6,
    change: (s) => {
      s.cluster.podCidrs = ["fd00:10:244::/62"];
      s.nodes.push({ name: "n4", interfaces: [{ name: "eth0", addresses: ["fd00:1::34/64"] }] });
    },
    code: "capacity.nodes-high",
    warning: true,
    message:
      'cluster.nodeMaskSize.ipv6: 4 of 4 IPv6 node subnets in "fd00:10:244::/62" are used (100 %); no room for another node; use a longer node mask or a larger pod CIDR before the cluster grows',
  },
  {
    rule: "maxPodsPerNode does not fit the node subnet (IPv4)",
    base: v4,
    change: (s) => (s.cluster.maxPodsPerNode = 300),
    code: "capacity.pods",
    message:
      "cluster.maxPodsPerNode: 300 pods do not fit a /24 IPv4 node subnet (254 usable addresses); lower maxPodsPerNode to 254 or use a node mask of /23 or shorter",
  },
  {
    rule: "maxPodsPerNode does not fit the node subnet (IPv6)",
    base: v6,
    change: (s) => {
      s.cluster.nodeMaskSize = { ipv6: 120 };
      s.cluster.podCidrs = ["fd00:10:244::/112"];
      s.cluster.maxPodsPerNode = 300;
    },
    code: "capacity.pods",
    message:
      "cluster.maxPodsPerNode: 300 pods do not fit a /120 IPv6 node subnet (254 usable addresses); lower maxPodsPerNode to 254 or use a node mask of /119 or shorter",
  },
  {
    rule: "too few node subnets, and no node mask fits within maxPodsPerNode (IPv4)",
    base: v4,
    change: (s) => {
      s.cluster.podCidrs = ["10.244.0.0/23"];
      s.cluster.maxPodsPerNode = 200;
    },
    code: "capacity.nodes",
    message:
      'cluster.nodeMaskSize.ipv4: no node mask fits: 3 nodes need /25 or longer in "10.244.0.0/23", but maxPodsPerNode 200 needs /24 or shorter; use a larger pod CIDR (IPv4 /22 or shorter) or fewer nodes',
  },
  {
    rule: "too few node subnets at the longest node mask (IPv4, never beyond /32)",
    base: v4,
    change: (s) => {
      s.cluster.podCidrs = ["10.244.0.0/28"];
      s.cluster.nodeMaskSize = { ipv4: 32 };
      s.cluster.maxPodsPerNode = 1;
      for (let i = 4; i <= 20; i++) s.nodes.push({ name: `n${i}`, interfaces: [{ name: "eth0", addresses: [`192.168.1.${40 + i}/24`] }] });
    },
    code: "capacity.nodes",
    message:
      'cluster.nodeMaskSize.ipv4: no node mask fits: 20 nodes need /33 or longer in "10.244.0.0/28", but maxPodsPerNode 1 needs /30 or shorter; use a larger pod CIDR (IPv4 /25 or shorter) or fewer nodes',
  },
  {
    rule: "too few node subnets, and no node mask fits within kube-controller-manager's limit (IPv6)",
    base: v6,
    change: (s) => {
      s.cluster.podCidrs = ["fd00:10:244::/120"];
      s.cluster.nodeMaskSize = { ipv6: 126 };
      s.cluster.serviceCidrs = ["fd00:10:96::/120"];
      s.cluster.maxPodsPerNode = 2;
      for (let i = 4; i <= 70; i++) s.nodes.push({ name: `n${i}`, interfaces: [{ name: "eth0", addresses: [`fd00:1::${40 + i}/64`] }] });
    },
    code: "capacity.nodes",
    message:
      'cluster.nodeMaskSize.ipv6: no node mask fits: 70 nodes need /127 or longer in "fd00:10:244::/120", but maxPodsPerNode 2 needs /126 or shorter; use a larger pod CIDR (IPv6 /119 or shorter) or fewer nodes',
  },
  {
    rule: "maxPodsPerNode hint never suggests a node mask too short for the nodes (IPv4)",
    base: v4,
    change: (s) => {
      s.cluster.podCidrs = ["10.244.0.0/22"];
      s.cluster.maxPodsPerNode = 300;
    },
    code: "capacity.pods",
    message:
      'cluster.maxPodsPerNode: 300 pods do not fit a /24 IPv4 node subnet (254 usable addresses), and /23 node subnets, which would fit them, give only 2 in "10.244.0.0/22" for 3 nodes; lower maxPodsPerNode to 254 or use a larger pod CIDR',
  },
  {
    rule: "maxPodsPerNode hint never suggests a node mask too short for the nodes (IPv6)",
    base: v6,
    change: (s) => {
      s.cluster.podCidrs = ["fd00:10:244::/118"];
      s.cluster.nodeMaskSize = { ipv6: 120 };
      s.cluster.serviceCidrs = ["fd00:10:96::/120"];
      s.cluster.maxPodsPerNode = 300;
    },
    code: "capacity.pods",
    message:
      'cluster.maxPodsPerNode: 300 pods do not fit a /120 IPv6 node subnet (254 usable addresses), and /119 node subnets, which would fit them, give only 2 in "fd00:10:244::/118" for 3 nodes; lower maxPodsPerNode to 254 or use a larger pod CIDR',
  },
  // IPv4-mapped IPv6
  {
    rule: "IPv4-mapped IPv6 pod CIDR",
    base: v6,
    change: (s) => (s.cluster.podCidrs = ["::ffff:10.244.0.0/112"]),
    code: "cidr.ipv4-mapped",
    message:
      'cluster.podCidrs[0]: "::ffff:10.244.0.0/112" is IPv4-mapped IPv6, an alias of the IPv4 network "10.244.0.0/16"; pods need real IPv6 addresses, e.g. the unique local range "fd00:10:244::/56"',
  },
  {
    rule: "IPv4-mapped IPv6 service CIDR",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["::ffff:10.96.0.0/112"]),
    code: "cidr.ipv4-mapped",
    message:
      'cluster.serviceCidrs[0]: "::ffff:10.96.0.0/112" is IPv4-mapped IPv6, an alias of the IPv4 network "10.96.0.0/16"; Services need real IPv6 addresses, e.g. the unique local range "fd00:10:96::/112"',
  },
  {
    rule: "IPv4-mapped IPv6 reserved network next to an IPv4 pod CIDR",
    base: v4,
    change: (s) => (s.cluster.reservedCidrs = ["::ffff:10.0.0.0/104"]),
    code: "cidr.ipv4-mapped",
    message:
      'cluster.reservedCidrs[0]: "::ffff:10.0.0.0/104" is IPv4-mapped IPv6, an alias of the IPv4 network "10.0.0.0/8"; reserve "10.0.0.0/8" itself, or a real IPv6 range such as fd00::/8',
  },
  {
    rule: "reserved network holding the whole IPv4-mapped range",
    base: v6,
    change: (s) => (s.cluster.reservedCidrs = ["::/80"]),
    code: "cidr.ipv4-mapped",
    message:
      'cluster.reservedCidrs[0]: "::/80" holds the IPv4-mapped IPv6 range ::ffff:0:0/96, an alias of every IPv4 address; reserve a real IPv6 range such as fd00::/8',
  },
  {
    rule: "IPv4-mapped IPv6 node address",
    base: v6,
    change: (s) => (node(s, 0).interfaces[0]!.addresses = ["::ffff:192.168.1.31/120"]),
    code: "interface.ipv4-mapped",
    message:
      'nodes[0].interfaces[0].addresses[0]: "::ffff:192.168.1.31/120" is an IPv4-mapped IPv6 address, an alias of the IPv4 network "192.168.1.0/24"; write the IPv4 address "192.168.1.31/24" itself, or the interface\'s real IPv6 address',
  },
  {
    rule: "IPv4-mapped IPv6 DNS Service IP",
    base: v4,
    change: (s) => (s.cluster.dnsServiceIp = "::ffff:10.96.0.10"),
    code: "dns.ipv4-mapped",
    message:
      'cluster.dnsServiceIp: "::ffff:10.96.0.10" is an IPv4-mapped IPv6 address, an alias of 10.96.0.10; write the IPv4 address 10.96.0.10 itself, or an address of the IPv6 service CIDR',
  },
  // overlaps
  {
    rule: "pod CIDR overlaps service CIDR (IPv4, service inside pods)",
    base: v4,
    change: (s) => (s.cluster.serviceCidrs = ["10.244.128.0/20"]),
    code: "cidr.overlap",
    message:
      'cluster.podCidrs[0] "10.244.0.0/16" overlaps cluster.serviceCidrs[0] "10.244.128.0/20"; pods and Services need disjoint ranges; move one of them',
  },
  {
    rule: "pod CIDR overlaps service CIDR (IPv6, pods inside services)",
    base: v6,
    change: (s) => {
      s.cluster.podCidrs = ["fd00:10:96::/120"];
      s.cluster.nodeMaskSize = { ipv6: 120 };
      s.nodes = s.nodes.slice(0, 1);
    },
    code: "cidr.overlap",
    message:
      'cluster.podCidrs[0] "fd00:10:96::/120" overlaps cluster.serviceCidrs[0] "fd00:10:96::/112"; pods and Services need disjoint ranges; move one of them',
  },
  {
    rule: "service CIDR overlaps a node network (IPv4)",
    base: v4,
    change: (s) => (node(s, 2).interfaces[0]!.addresses = ["10.100.0.5/16"]),
    code: "cidr.overlap",
    message:
      'cluster.serviceCidrs[0] "10.96.0.0/12" overlaps nodes[2].interfaces[0] "10.100.0.5/16" (node "n3", eth0); move the service CIDR outside the node network "10.100.0.0/16"',
  },
  {
    rule: "pod CIDR overlaps node networks, reported once per network (IPv6)",
    base: v6,
    change: (s) => {
      s.cluster.podCidrs = ["fd00:1::/56"];
    },
    code: "cidr.overlap",
    message:
      'cluster.podCidrs[0] "fd00:1::/56" overlaps nodes[0].interfaces[0] "fd00:1::31/64" (node "n1", eth0) and 1 more interface on that network; move the pod CIDR outside the node network "fd00:1::/64"',
  },
  {
    rule: "pod CIDR overlaps a reserved network (IPv4, partial)",
    base: v4,
    change: (s) => (s.cluster.reservedCidrs = ["10.0.0.0/8"]),
    code: "cidr.overlap",
    message:
      'cluster.podCidrs[0] "10.244.0.0/16" overlaps cluster.reservedCidrs[0] "10.0.0.0/8" (reserved); that network is reserved; move the pod CIDR outside "10.0.0.0/8"',
  },
  {
    rule: "service CIDR overlaps a reserved network (IPv6)",
    base: v6,
    change: (s) => (s.cluster.reservedCidrs = ["fd00:10:96::/120"]),
    code: "cidr.overlap",
    message:
      'cluster.serviceCidrs[0] "fd00:10:96::/112" overlaps cluster.reservedCidrs[0] "fd00:10:96::/120" (reserved); that network is reserved; move the service CIDR outside "fd00:10:96::/120"',
  },
  {
    rule: "special range: loopback (IPv4)",
    base: v4,
    change: (s) => {
      s.cluster.serviceCidrs = ["127.0.0.0/16"];
    },
    code: "cidr.special",
    message:
      'cluster.serviceCidrs[0] "127.0.0.0/16" overlaps the loopback range "127.0.0.0/8"; pods and Services need ordinary unicast addresses, e.g. "10.244.0.0/16"',
  },
  {
    rule: "special range: link-local (IPv6)",
    base: v6,
    change: (s) => (s.cluster.podCidrs = ["fe80::/56"]),
    code: "cidr.special",
    message:
      'cluster.podCidrs[0] "fe80::/56" overlaps the link-local range "fe80::/10"; pods and Services need ordinary unicast addresses, e.g. "fd00:10:244::/56"',
  },
  {
    rule: "outside private space (IPv4)",
    base: v4,
    change: (s) => (s.cluster.podCidrs = ["11.244.0.0/16"]),
    code: "cidr.public",
    warning: true,
    message:
      'cluster.podCidrs[0]: "11.244.0.0/16" is outside private address space (RFC 1918, 100.64.0.0/10, fc00::/7); pods and Services would shadow real Internet addresses',
  },
  {
    rule: "outside private space (IPv6)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["2001:db8:96::/112"]),
    code: "cidr.public",
    warning: true,
    message:
      'cluster.serviceCidrs[0]: "2001:db8:96::/112" is outside private address space (RFC 1918, 100.64.0.0/10, fc00::/7); pods and Services would shadow real Internet addresses',
  },
  // nodes
  {
    rule: "node name is a DNS-1123 label",
    base: v4,
    change: (s) => (node(s, 1).name = "Node_1"),
    code: "node.name",
    message:
      'nodes[1].name: "Node_1" is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
  },
  {
    rule: "hostile node name",
    base: v6,
    change: (s) => (node(s, 0).name = "a;rm -rf /"),
    code: "node.name",
    message:
      'nodes[0].name: "a;rm -rf /" is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
  },
  {
    rule: "node names unique",
    base: v6,
    change: (s) => (node(s, 2).name = "n1"),
    code: "node.name-duplicate",
    message: 'nodes[2].name: "n1" is already used by nodes[0]; node names must be unique',
  },
  {
    rule: "interface name (hostile)",
    base: v4,
    change: (s) => (node(s, 0).interfaces[0]!.name = "eth0 $(x)"),
    code: "interface.name",
    message:
      'nodes[0].interfaces[0].name: "eth0 $(x)" is not a valid Linux interface name (1-15 characters: letters, digits, "_", "." and "-"; no "/", ":" or whitespace)',
  },
  {
    rule: "interface name too long",
    base: v6,
    change: (s) => (node(s, 0).interfaces[0]!.name = "enp0s31f6abcdefgh"),
    code: "interface.name",
    message:
      'nodes[0].interfaces[0].name: "enp0s31f6abcdefgh" is not a valid Linux interface name (1-15 characters: letters, digits, "_", "." and "-"; no "/", ":" or whitespace)',
  },
  {
    rule: "node addresses unique across nodes (IPv4)",
    base: v4,
    change: (s) => (node(s, 1).interfaces[0]!.addresses = ["192.168.1.31/24"]),
    code: "interface.address-duplicate",
    message:
      'nodes[1].interfaces[0].addresses[0]: 192.168.1.31 is also used by nodes[0].interfaces[0] (node "n1", eth0); node addresses must be unique',
  },
  {
    rule: "node addresses unique across nodes (IPv6, different spelling)",
    base: v6,
    change: (s) => (node(s, 1).interfaces[0]!.addresses = ["fd00:1:0::0:31/64"]),
    code: "interface.address-duplicate",
    message:
      'nodes[1].interfaces[0].addresses[0]: fd00:1::31 is also used by nodes[0].interfaces[0] (node "n1", eth0); node addresses must be unique',
  },
  {
    rule: "interface address syntax",
    base: v4,
    change: (s) => (node(s, 0).interfaces[0]!.addresses = ["192.168.1.300/24"]),
    code: "interface.address",
    message:
      'nodes[0].interfaces[0].addresses[0]: "192.168.1.300/24" is not a valid IPv4 or IPv6 CIDR; write it as address/prefix-length, e.g. "192.168.1.31/24"',
  },
  {
    rule: "pinned subnet outside the pod CIDR (IPv4)",
    base: v4,
    change: (s) => (node(s, 0).podCidrs = ["10.245.7.0/24"]),
    code: "node.pin-outside",
    message:
      'nodes[0].podCidrs[0]: "10.245.7.0/24" of node "n1" is not inside the IPv4 pod CIDR "10.244.0.0/16"; pin a subnet of "10.244.0.0/16"',
  },
  {
    rule: "pinned subnet outside the pod CIDR (IPv6)",
    base: v6,
    change: (s) => (node(s, 0).podCidrs = ["fd00:10:245::/64"]),
    code: "node.pin-outside",
    message:
      'nodes[0].podCidrs[0]: "fd00:10:245::/64" of node "n1" is not inside the IPv6 pod CIDR "fd00:10:244::/56"; pin a subnet of "fd00:10:244::/56"',
  },
  {
    rule: "pinned subnet has the wrong mask (IPv4)",
    base: v4,
    change: (s) => (node(s, 0).podCidrs = ["10.244.8.0/23"]),
    code: "node.pin-mask",
    message: 'nodes[0].podCidrs[0]: "10.244.8.0/23" of node "n1" is a /23 but cluster.nodeMaskSize.ipv4 is 24; pin a /24',
  },
  {
    rule: "pinned subnet has the wrong mask (IPv6)",
    base: v6,
    change: (s) => (node(s, 0).podCidrs = ["fd00:10:244:8::/63"]),
    code: "node.pin-mask",
    message: 'nodes[0].podCidrs[0]: "fd00:10:244:8::/63" of node "n1" is a /63 but cluster.nodeMaskSize.ipv6 is 64; pin a /64',
  },
  {
    rule: "pinned subnets collide (IPv4)",
    base: v4,
    change: (s) => {
      node(s, 0).podCidrs = ["10.244.7.0/24"];
      node(s, 2).podCidrs = ["10.244.7.0/24"];
    },
    code: "node.pin-collision",
    message: 'nodes[2].podCidrs[0]: "10.244.7.0/24" of node "n3" is also pinned by nodes[0] ("n1"); each node needs its own subnet',
  },
  {
    rule: "pinned subnets collide (IPv6)",
    base: v6,
    change: (s) => {
      node(s, 0).podCidrs = ["fd00:10:244:7::/64"];
      node(s, 1).podCidrs = ["fd00:10:244:7::/64"];
    },
    code: "node.pin-collision",
    message: 'nodes[1].podCidrs[0]: "fd00:10:244:7::/64" of node "n2" is also pinned by nodes[0] ("n1"); each node needs its own subnet',
  },
  {
    rule: "pinned subnet of a family the cluster lacks",
    base: v4,
    change: (s) => (node(s, 0).podCidrs = ["fd00:10:244:7::/64"]),
    code: "node.pin-family",
    message: 'nodes[0].podCidrs[0]: "fd00:10:244:7::/64" is IPv6 but cluster.podCidrs has no IPv6 CIDR',
  },
  // DNS Service IP
  {
    rule: "DNS Service IP outside the service CIDR (IPv4)",
    base: v4,
    change: (s) => (s.cluster.dnsServiceIp = "10.112.0.10"),
    code: "dns.outside",
    message:
      'cluster.dnsServiceIp: 10.112.0.10 is not inside the service CIDR "10.96.0.0/12"; pick an address of the service CIDR, e.g. 10.96.0.10',
  },
  {
    rule: "DNS Service IP is the network address (IPv6)",
    base: v6,
    change: (s) => (s.cluster.dnsServiceIp = "fd00:10:96::"),
    code: "dns.network",
    message: 'cluster.dnsServiceIp: fd00:10:96:: is the network address of "fd00:10:96::/112"; use e.g. fd00:10:96::a',
  },
  {
    rule: "DNS Service IP is the kubernetes Service IP (IPv4)",
    base: v4,
    change: (s) => (s.cluster.dnsServiceIp = "10.96.0.1"),
    code: "dns.kubernetes",
    message:
      'cluster.dnsServiceIp: 10.96.0.1 is the first address of "10.96.0.0/12", which the kubernetes Service takes; use e.g. 10.96.0.10',
  },
  {
    rule: "DNS Service IP is the kubernetes Service IP (IPv6)",
    base: v6,
    change: (s) => (s.cluster.dnsServiceIp = "fd00:10:96::1"),
    code: "dns.kubernetes",
    message:
      'cluster.dnsServiceIp: fd00:10:96::1 is the first address of "fd00:10:96::/112", which the kubernetes Service takes; use e.g. fd00:10:96::a',
  },
  {
    rule: "DNS Service IP of the other family",
    base: v6,
    change: (s) => (s.cluster.dnsServiceIp = "10.96.0.10"),
    code: "dns.outside",
    message: "cluster.dnsServiceIp: 10.96.0.10 is not inside the service CIDRs; pick an address of the service CIDR, e.g. fd00:10:96::a",
  },
  {
    rule: "DNS Service IP is the network address (IPv4)",
    base: v4,
    change: (s) => (s.cluster.dnsServiceIp = "10.96.0.0"),
    code: "dns.network",
    message: 'cluster.dnsServiceIp: 10.96.0.0 is the network address of "10.96.0.0/12"; use e.g. 10.96.0.10',
  },
  {
    rule: "special range: multicast (IPv4)",
    base: v4,
    change: (s) => (s.cluster.podCidrs = ["224.1.0.0/16"]),
    code: "cidr.special",
    message:
      'cluster.podCidrs[0] "224.1.0.0/16" overlaps the multicast range "224.0.0.0/4"; pods and Services need ordinary unicast addresses, e.g. "10.244.0.0/16"',
  },
  {
    rule: "special range: loopback (IPv6)",
    base: v6,
    change: (s) => (s.cluster.serviceCidrs = ["::/112"]),
    code: "cidr.special",
    message:
      'cluster.serviceCidrs[0] "::/112" overlaps the loopback range "::1/128"; pods and Services need ordinary unicast addresses, e.g. "fd00:10:244::/56"',
  },
  {
    rule: "special range: link-local (IPv4)",
    base: v4,
    change: (s) => (s.cluster.serviceCidrs = ["169.254.0.0/16"]),
    code: "cidr.special",
    message:
      'cluster.serviceCidrs[0] "169.254.0.0/16" overlaps the link-local range "169.254.0.0/16"; pods and Services need ordinary unicast addresses, e.g. "10.244.0.0/16"',
  },
  {
    rule: "maxPodsPerNode larger than any node subnet the pod CIDR allows (IPv4)",
    base: v4,
    change: (s) => {
      s.cluster.podCidrs = ["10.244.0.0/24"];
      s.cluster.nodeMaskSize = { ipv4: 26 };
      s.cluster.maxPodsPerNode = 300;
    },
    code: "capacity.pods",
    message:
      'cluster.maxPodsPerNode: 300 pods do not fit a /26 IPv4 node subnet (62 usable addresses), and a /23 node subnet would not fit the pod CIDR "10.244.0.0/24"; lower maxPodsPerNode to 62',
  },
  {
    rule: "cluster domain is a DNS-1123 subdomain",
    base: v6,
    change: (s) => (s.cluster.clusterDomain = "x; rm -rf /$(id)"),
    code: "cluster.domain",
    message:
      'cluster.clusterDomain: "x; rm -rf /$(id)" is not a DNS-1123 subdomain (lowercase labels of letters, digits and "-" joined by "."), e.g. "cluster.local"',
  },
  {
    rule: "roles listed once",
    base: v4,
    change: (s) => (node(s, 0).roles = ["etcd", "etcd"]),
    code: "node.role-duplicate",
    message: 'nodes[0].roles[1]: "etcd" is listed twice for node "n1"',
  },
  // schema
  {
    rule: "unknown key with a suggestion",
    base: v4,
    change: (s) => (s.cluster.podCidr = ["10.244.0.0/16"]),
    code: "spec.unknown-key",
    message: 'cluster.podCidr: unknown key "podCidr"; did you mean "podCidrs"?',
  },
  {
    rule: "unknown key in a node interface",
    base: v6,
    change: (s) => (node(s, 0).interfaces[0]!.adresses = []),
    code: "spec.unknown-key",
    message: 'nodes[0].interfaces[0].adresses: unknown key "adresses"; did you mean "addresses"?',
  },
  {
    rule: "wrong type",
    base: v4,
    change: (s) => (s.cluster.maxPodsPerNode = "110"),
    code: "spec.invalid-type",
    message: 'cluster.maxPodsPerNode: expected number, got string "110"',
  },
];

describe("PodCidrPlan rules", () => {
  for (const row of rows) {
    test(row.rule, () => {
      const spec = row.base();
      row.change(spec);
      const r = checkPodCidrPlan(spec as unknown as PodCidrPlanOptions);
      const list = row.warning ? r.warnings : r.errors;
      const hit = list.find((p) => p.code === row.code);
      assert.ok(hit, `expected ${row.code}; got errors ${JSON.stringify(r.errors)} warnings ${JSON.stringify(r.warnings)}`);
      assert.equal(hit.message, row.message);
      if (row.warning) assert.equal(r.errors.length, 0, `a warning row must not also fail: ${JSON.stringify(r.errors)}`);
    });
  }

  test("both bases are valid as they stand", () => {
    for (const base of [v4, v6]) {
      const r = checkPodCidrPlan(base() as unknown as PodCidrPlanOptions);
      assert.deepEqual(r.errors, []);
      assert.ok(r.value);
    }
  });

  test("every problem is collected, not just the first", () => {
    const s = v4();
    s.cluster.podCidrs = ["10.244.0.1/16"];
    s.cluster.serviceCidrs = ["172.0.0.0/8"];
    node(s, 0).name = "BAD";
    node(s, 1).interfaces[0]!.name = "a/b";
    const r = checkPodCidrPlan(s as unknown as PodCidrPlanOptions);
    assert.deepEqual(r.errors.map((e) => e.code).sort(), ["cidr.host-bits", "interface.name", "node.name", "service.too-large"]);
  });
});
