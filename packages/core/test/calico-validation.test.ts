/**
 * Every CalicoNetwork rule has a failing example here, with its exact
 * message (errors and warnings, in order). A last test checks that every
 * problem code in the Calico sources appears in a row.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { checkCalicoNetwork, NetworkPlanError, renderCalicoNetwork } from "../src/index.js";
import { calicoComponent, Problems } from "../src/internal/index.js";
import { PLANS } from "./calico-fixtures.js";

interface Row {
  readonly name: string;
  readonly options: unknown;
  /** Key of PLANS. @default "v4" (three single-NIC nodes on 192.168.79.0/24, pods 172.16.0.0/16) */
  readonly plan?: string;
  /** [path, code, message] of every error, in order. */
  readonly errors?: ReadonlyArray<readonly [string, string, string]>;
  /** [path, code, message] of every warning, in order. */
  readonly warnings?: ReadonlyArray<readonly [string, string, string]>;
}

const ROWS: Row[] = [
  {
    name: "pool host bits",
    options: { ipPools: [{ cidr: "172.16.0.1/16" }] },
    errors: [
      [
        "calico.ipPools[0].cidr",
        "cidr.host-bits",
        'calico.ipPools[0].cidr: "172.16.0.1/16" has host bits set; did you mean "172.16.0.0/16"?',
      ],
    ],
  },
  {
    name: "pool family mismatch",
    options: { ipPools: [{ cidr: "172.16.0.0/16", family: "ipv6" }] },
    errors: [
      [
        "calico.ipPools[0].family",
        "calico.pool.family",
        'calico.ipPools[0].family: "ipv6" but cidr "172.16.0.0/16" is IPv4; drop family (it is only needed when cidr is omitted)',
      ],
    ],
  },
  {
    name: "pool default cidr family absent",
    options: { ipPools: [{ family: "ipv6" }] },
    errors: [
      [
        "calico.ipPools[0].cidr",
        "calico.pool.no-pod-cidr",
        "calico.ipPools[0].cidr: omitted, and the plan has no IPv6 pod CIDR to default to; add one to cluster.podCidrs or give the pool a cidr",
      ],
    ],
  },
  {
    name: "pool family missing from plan",
    options: { ipPools: [{ cidr: "172.16.0.0/16" }, { cidr: "fd00::/64" }] },
    errors: [
      [
        "calico.ipPools[1].cidr",
        "calico.pool.family-missing",
        'calico.ipPools[1].cidr: "fd00::/64" is IPv6 but cluster.podCidrs has no IPv6 CIDR; add one (dual-stack) or drop the pool',
      ],
    ],
  },
  {
    name: "pool outside pod cidr and over hosts (runbook default)",
    options: { ipPools: [{ cidr: "192.168.0.0/16" }] },
    errors: [
      [
        "calico.ipPools[0].cidr",
        "calico.pool.outside-pod-cidr",
        'calico.ipPools[0].cidr: "192.168.0.0/16" is not inside the IPv4 pod CIDR "172.16.0.0/16" (cluster.podCidrs[0], also kubeadm\'s podSubnet and kube-controller-manager\'s --cluster-cidr); pools must lie inside it, e.g. "172.16.0.0/16"',
      ],
      [
        "calico.ipPools[0].cidr",
        "calico.pool.overlap-node",
        'calico.ipPools[0].cidr: "192.168.0.0/16" overlaps nodes[0].interfaces[0] "192.168.79.128/24" (node "n1", ens33); pod addresses would collide with the hosts\' network, pick a pool that avoids it, e.g. "172.16.0.0/16" or "10.244.0.0/16"',
      ],
    ],
  },
  {
    name: "pool overlaps services",
    options: { ipPools: [{ cidr: "10.96.0.0/16" }] },
    errors: [
      [
        "calico.ipPools[0].cidr",
        "calico.pool.outside-pod-cidr",
        'calico.ipPools[0].cidr: "10.96.0.0/16" is not inside the IPv4 pod CIDR "172.16.0.0/16" (cluster.podCidrs[0], also kubeadm\'s podSubnet and kube-controller-manager\'s --cluster-cidr); pools must lie inside it, e.g. "172.16.0.0/16"',
      ],
      [
        "calico.ipPools[0].cidr",
        "calico.pool.overlap-service",
        'calico.ipPools[0].cidr: "10.96.0.0/16" overlaps the service CIDR "10.96.0.0/12" (cluster.serviceCidrs[0]); pods and Services need disjoint ranges',
      ],
    ],
  },
  {
    name: "pool overlaps reserved",
    options: { ipPools: [{ cidr: "172.17.0.0/16" }] },
    plan: "reserved",
    errors: [
      [
        "calico.ipPools[0].cidr",
        "calico.pool.outside-pod-cidr",
        'calico.ipPools[0].cidr: "172.17.0.0/16" is not inside the IPv4 pod CIDR "172.16.0.0/16" (cluster.podCidrs[0], also kubeadm\'s podSubnet and kube-controller-manager\'s --cluster-cidr); pools must lie inside it, e.g. "172.16.0.0/16"',
      ],
      [
        "calico.ipPools[0].cidr",
        "calico.pool.overlap-reserved",
        'calico.ipPools[0].cidr: "172.17.0.0/16" overlaps cluster.reservedCidrs[0] "172.17.0.0/16"; that network is reserved, move the pool elsewhere',
      ],
    ],
  },
  {
    name: "pool link-local",
    options: { ipPools: [{ cidr: "169.254.0.0/16" }] },
    errors: [
      [
        "calico.ipPools[0].cidr",
        "calico.pool.outside-pod-cidr",
        'calico.ipPools[0].cidr: "169.254.0.0/16" is not inside the IPv4 pod CIDR "172.16.0.0/16" (cluster.podCidrs[0], also kubeadm\'s podSubnet and kube-controller-manager\'s --cluster-cidr); pools must lie inside it, e.g. "172.16.0.0/16"',
      ],
      [
        "calico.ipPools[0].cidr",
        "calico.pool.special",
        'calico.ipPools[0].cidr: "169.254.0.0/16" overlaps the link-local range "169.254.0.0/16"; Calico rejects pools there, use ordinary unicast addresses',
      ],
    ],
  },
  {
    name: "ipip and vxlan",
    options: { ipPools: [{ ipipMode: "Always", vxlanMode: "CrossSubnet" }] },
    errors: [
      [
        "calico.ipPools[0]",
        "calico.pool.ipip-and-vxlan",
        'calico.ipPools[0]: ipipMode "Always" and vxlanMode "CrossSubnet" are both on; a pool uses at most one encapsulation, set the other to "Never"',
      ],
    ],
    warnings: [
      [
        "calico.backend",
        "calico.backend.bird-unused",
        'calico.backend: "bird" with VXLAN-only pools runs BGP (and needs 179/tcp) for nothing unless you peer with routers; use backend "vxlan"',
      ],
    ],
  },
  {
    name: "ipip on ipv6",
    options: { ipPools: [{}, { family: "ipv6", ipipMode: "CrossSubnet" }] },
    plan: "dual",
    errors: [
      [
        "calico.ipPools[1].ipipMode",
        "calico.pool.ipip-ipv6",
        'calico.ipPools[1].ipipMode: "CrossSubnet" on IPv6 pool "fd00:10:244::/56"; Calico has no IP-in-IP for IPv6, use vxlanMode or "Never"',
      ],
    ],
  },
  {
    name: "block size range v4",
    options: { ipPools: [{ blockSize: 19 }] },
    errors: [
      [
        "calico.ipPools[0].blockSize",
        "calico.pool.block-size",
        "calico.ipPools[0].blockSize: 19 is outside 20-32, the IPv4 block sizes Calico accepts; the default is 26",
      ],
    ],
  },
  {
    name: "block size range v6",
    options: { ipPools: [{}, { family: "ipv6", blockSize: 112 }] },
    plan: "dual",
    errors: [
      [
        "calico.ipPools[1].blockSize",
        "calico.pool.block-size",
        "calico.ipPools[1].blockSize: 112 is outside 116-128, the IPv6 block sizes Calico accepts; the default is 122",
      ],
    ],
  },
  {
    name: "block larger than pool",
    options: { ipPools: [{ cidr: "172.16.0.0/27", blockSize: 26 }] },
    errors: [
      [
        "calico.ipPools[0].blockSize",
        "calico.pool.block-larger",
        'calico.ipPools[0].blockSize: /26 blocks are larger than the pool "172.16.0.0/27"; use a blockSize of 27 or more',
      ],
    ],
  },
  {
    name: "capacity",
    options: { ipPools: [{ cidr: "172.16.0.0/24" }] },
    errors: [
      [
        "calico.ipPools",
        "calico.pool.capacity",
        "calico.ipPools: the IPv4 pools hold 4 blocks of /26 but 3 nodes x 2 blocks each (maxPodsPerNode 110, 64 addresses per block) need 6; use a larger pool (/23 or shorter) or fewer pods per node",
      ],
    ],
  },
  {
    name: "capacity high",
    options: { ipPools: [{ cidr: "172.16.0.0/27", blockSize: 29 }] },
    plan: "tiny4",
    warnings: [
      [
        "calico.ipPools",
        "calico.pool.capacity-high",
        "calico.ipPools: IPv4 pools are 100 % used by 4 nodes at maxPodsPerNode 6; little room for more nodes",
      ],
    ],
  },
  {
    name: "no pools",
    options: { ipPools: [] },
    errors: [
      [
        "calico.ipPools",
        "calico.pool.none",
        "calico.ipPools: is empty; Calico needs a pool per pod family (omit ipPools to get one covering each pod CIDR)",
      ],
    ],
  },
  {
    name: "too many pools",
    options: {
      ipPools: [
        { cidr: "172.16.0.0/24" },
        { cidr: "172.16.1.0/24" },
        { cidr: "172.16.2.0/24" },
        { cidr: "172.16.3.0/24" },
        { cidr: "172.16.4.0/24" },
        { cidr: "172.16.5.0/24" },
        { cidr: "172.16.6.0/24" },
        { cidr: "172.16.7.0/24" },
        { cidr: "172.16.8.0/24" },
        { cidr: "172.16.9.0/24" },
        { cidr: "172.16.10.0/24" },
        { cidr: "172.16.11.0/24" },
        { cidr: "172.16.12.0/24" },
        { cidr: "172.16.13.0/24" },
        { cidr: "172.16.14.0/24" },
        { cidr: "172.16.15.0/24" },
        { cidr: "172.16.16.0/24" },
        { cidr: "172.16.17.0/24" },
        { cidr: "172.16.18.0/24" },
        { cidr: "172.16.19.0/24" },
        { cidr: "172.16.20.0/24" },
        { cidr: "172.16.21.0/24" },
        { cidr: "172.16.22.0/24" },
        { cidr: "172.16.23.0/24" },
        { cidr: "172.16.24.0/24" },
        { cidr: "172.16.25.0/24" },
      ],
    },
    errors: [["calico.ipPools", "calico.pool.too-many", "calico.ipPools: has 26 pools; the operator's Installation takes at most 25"]],
  },
  {
    name: "pool name",
    options: { ipPools: [{ name: "Pool_1" }] },
    errors: [
      [
        "calico.ipPools[0].name",
        "calico.pool.name",
        'calico.ipPools[0].name: "Pool_1" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")',
      ],
    ],
  },
  {
    name: "pool name dup",
    options: {
      ipPools: [
        { name: "p", cidr: "172.16.0.0/17" },
        { name: "p", cidr: "172.16.128.0/17" },
      ],
    },
    errors: [
      [
        "calico.ipPools[1].name",
        "calico.pool.name-duplicate",
        'calico.ipPools[1].name: "p" is also the name of calico.ipPools[0]; pool names must be unique',
      ],
    ],
  },
  {
    name: "pool selector empty",
    options: { ipPools: [{ nodeSelector: " " }] },
    errors: [
      ["calico.ipPools[0].nodeSelector", "calico.pool.selector", 'calico.ipPools[0].nodeSelector: is empty; use "all()" for every node'],
    ],
  },
  {
    name: "pools overlap",
    options: { ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.0.0/18" }] },
    errors: [
      [
        "calico.ipPools[1].cidr",
        "calico.pool.overlap-pool",
        'calico.ipPools[1].cidr: "172.16.0.0/18" overlaps calico.ipPools[0].cidr "172.16.0.0/17"; pools must not overlap',
      ],
    ],
  },
  {
    name: "family uncovered",
    options: { ipPools: [{}] },
    plan: "dual",
    errors: [
      [
        "calico.ipPools",
        "calico.pool.family-uncovered",
        'calico.ipPools: has no IPv6 pool but the plan\'s pods are IPv6 too ("fd00:10:244::/56"); add a pool inside it',
      ],
    ],
  },
  {
    name: "primary name manifest",
    options: { install: "manifest", ipPools: [{ name: "main" }] },
    warnings: [
      [
        "calico.ipPools[0].name",
        "calico.pool.primary-name",
        'calico.ipPools[0].name: calico-node creates the first IPv4 pool from its environment and names it "default-ipv4-ippool"; "main" is not used on the manifest path',
      ],
    ],
  },
  {
    name: "version",
    options: { version: "v3.29.0" },
    errors: [["calico.version", "calico.version", 'calico.version: "v3.29.0" is not a Calico release podnet knows; known: "v3.30.7"']],
  },
  {
    name: "etcd on operator",
    options: { datastore: "etcd" },
    errors: [
      [
        "calico.datastore",
        "calico.install.datastore-operator",
        'calico.datastore: "etcd" needs install: "manifest"; the operator keeps Calico\'s state in the Kubernetes API only',
      ],
    ],
  },
  {
    name: "typha on operator",
    options: { typha: {} },
    errors: [
      [
        "calico.typha",
        "calico.install.typha-operator",
        'calico.typha: applies to install: "manifest" only; the operator runs and scales Typha itself, remove it or set install: "manifest"',
      ],
    ],
  },
  {
    name: "etcd section on operator",
    options: { etcd: { endpoints: ["http://10.0.0.1:2379"] } },
    errors: [
      [
        "calico.etcd",
        "calico.install.etcd-operator",
        'calico.etcd: applies to install: "manifest" only; the operator uses the Kubernetes API datastore, remove it or set install: "manifest"',
      ],
    ],
  },
  {
    name: "operator only on manifest",
    options: { install: "manifest", controlPlaneReplicas: 2, whisker: true, linuxDataplane: "BPF" },
    errors: [
      [
        "calico.linuxDataplane",
        "calico.install.operator-only",
        'calico.linuxDataplane: applies to install: "operator" only; remove it or set install: "operator"',
      ],
      [
        "calico.controlPlaneReplicas",
        "calico.install.operator-only",
        'calico.controlPlaneReplicas: applies to install: "operator" only; remove it or set install: "operator"',
      ],
      [
        "calico.whisker",
        "calico.install.operator-only",
        'calico.whisker: applies to install: "operator" only; remove it or set install: "operator"',
      ],
    ],
  },
  {
    name: "etcd missing",
    options: { install: "manifest", datastore: "etcd" },
    errors: [["calico.etcd", "calico.etcd.missing", 'calico.etcd: datastore "etcd" needs etcd.endpoints, e.g. ["https://10.0.0.1:2379"]']],
  },
  {
    name: "etcd unused",
    options: { install: "manifest", etcd: { endpoints: ["http://10.0.0.1:2379"] } },
    errors: [
      ["calico.etcd", "calico.etcd.unused", 'calico.etcd: is set but datastore is "kubernetes"; set datastore: "etcd" or remove etcd'],
    ],
  },
  {
    name: "registry",
    options: { registry: "https://registry.example.com/" },
    errors: [
      [
        "calico.registry",
        "calico.registry",
        'calico.registry: "https://registry.example.com/" is not a registry host[:port][/path], e.g. "registry.example.com:5000"',
      ],
    ],
  },
  {
    name: "control plane replicas",
    options: { controlPlaneReplicas: 0 },
    errors: [["calico.controlPlaneReplicas", "calico.control-plane-replicas", "calico.controlPlaneReplicas: 0; use 1 or more"]],
  },
  {
    name: "wireguard family",
    options: { wireguard: { ipv6: true } },
    errors: [
      [
        "calico.wireguard.ipv6",
        "calico.wireguard.family",
        "calico.wireguard.ipv6: is on but the plan has no IPv6 pods; turn it off or add an IPv6 pod CIDR",
      ],
    ],
  },
  {
    name: "ipip needs bgp",
    options: { backend: "vxlan" },
    errors: [
      [
        "calico.backend",
        "calico.backend.ipip-needs-bgp",
        'calico.backend: "vxlan" but calico.ipPools[0] uses ipipMode "Always"; IP-in-IP routes come from BGP, use backend "bird" or vxlanMode instead',
      ],
    ],
  },
  {
    name: "bgp unused",
    options: { backend: "vxlan", ipPools: [{ vxlanMode: "Always" }], bgp: { asNumber: 65000 } },
    errors: [
      [
        "calico.bgp",
        "calico.backend.bgp-unused",
        'calico.bgp: is set but backend is "vxlan", which runs no BGP; use backend "bird" or remove bgp',
      ],
    ],
  },
  {
    name: "unencapsulated vxlan backend",
    options: { backend: "vxlan", ipPools: [{ ipipMode: "Never" }] },
    errors: [
      [
        "calico.backend",
        "calico.backend.unencapsulated",
        'calico.backend: "vxlan" but calico.ipPools[0] "172.16.0.0/16" has no encapsulation; its routes need BGP (backend "bird") or an underlay that routes pod CIDRs (backend "none")',
      ],
    ],
  },
  {
    name: "vxlan needs vxlan backend",
    options: { backend: "none", ipPools: [{ vxlanMode: "Always" }] },
    errors: [
      [
        "calico.backend",
        "calico.backend.vxlan-needs-vxlan",
        'calico.backend: "none" but calico.ipPools[0] uses vxlanMode "Always"; VXLAN-only pools mean backend "vxlan"',
      ],
    ],
  },
  {
    name: "bird unused",
    options: { backend: "bird", ipPools: [{ vxlanMode: "Always" }] },
    warnings: [
      [
        "calico.backend",
        "calico.backend.bird-unused",
        'calico.backend: "bird" with VXLAN-only pools runs BGP (and needs 179/tcp) for nothing unless you peer with routers; use backend "vxlan"',
      ],
    ],
  },
  {
    name: "asn",
    options: { bgp: { asNumber: 0 } },
    errors: [
      [
        "calico.bgp.asNumber",
        "calico.bgp.asn",
        "calico.bgp.asNumber: 0 is outside 1-4294967295 (a 2- or 4-byte AS number); private ASNs are 64512-65534 and 4200000000-4294967294",
      ],
    ],
  },
  {
    name: "asn big",
    options: { bgp: { asNumber: 4294967296 } },
    errors: [
      [
        "calico.bgp.asNumber",
        "calico.bgp.asn",
        "calico.bgp.asNumber: 4294967296 is outside 1-4294967295 (a 2- or 4-byte AS number); private ASNs are 64512-65534 and 4200000000-4294967294",
      ],
    ],
  },
  {
    name: "listen port",
    options: { bgp: { listenPort: 70000 } },
    errors: [["calico.bgp.listenPort", "calico.bgp.port", "calico.bgp.listenPort: 70000 is outside 1-65535; BGP's standard port is 179"]],
  },
  {
    name: "peer problems",
    options: {
      bgp: {
        peers: [
          { name: "RR" },
          { name: "a", peerIP: "10.0.0.300" },
          { name: "a", peerIP: "10.0.0.1", peerSelector: "rr == 'true'", asNumber: 65001, node: "n9", nodeSelector: "all()" },
        ],
      },
    },
    errors: [
      [
        "calico.bgp.peers[0].name",
        "calico.bgp.peer-name",
        'calico.bgp.peers[0].name: "RR" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")',
      ],
      [
        "calico.bgp.peers[0]",
        "calico.bgp.peer-target",
        "calico.bgp.peers[0]: set exactly one of peerIP (a router or external route reflector, with asNumber) or peerSelector (in-cluster route reflectors)",
      ],
      ["calico.bgp.peers[1].peerIP", "calico.bgp.peer-ip", 'calico.bgp.peers[1].peerIP: "10.0.0.300" is not an IPv4 or IPv6 address'],
      [
        "calico.bgp.peers[1].asNumber",
        "calico.bgp.peer-asn",
        "calico.bgp.peers[1].asNumber: is required with peerIP (the peer's AS number)",
      ],
      [
        "calico.bgp.peers[2].name",
        "calico.bgp.peer-name-duplicate",
        'calico.bgp.peers[2].name: "a" is used twice; BGPPeer names must be unique',
      ],
      [
        "calico.bgp.peers[2]",
        "calico.bgp.peer-target",
        "calico.bgp.peers[2]: set exactly one of peerIP (a router or external route reflector, with asNumber) or peerSelector (in-cluster route reflectors)",
      ],
      ["calico.bgp.peers[2]", "calico.bgp.peer-scope", 'calico.bgp.peers[2]: sets both node "n9" and nodeSelector; use one'],
      ["calico.bgp.peers[2].node", "calico.bgp.peer-node", 'calico.bgp.peers[2].node: "n9" is not a node of the plan ("n1", "n2", "n3")'],
    ],
  },
  {
    name: "mesh large",
    options: {},
    plan: "big101",
    warnings: [
      [
        "calico.bgp.nodeToNodeMesh",
        "calico.bgp.mesh-large",
        "calico.bgp.nodeToNodeMesh: a full mesh of 101 nodes opens 5050 BGP sessions; Calico recommends it for 100 nodes or less, use route reflectors (BGPPeer with peerSelector) and nodeToNodeMesh: false",
      ],
    ],
  },
  {
    name: "no peers",
    options: { bgp: { nodeToNodeMesh: false } },
    warnings: [
      [
        "calico.bgp.nodeToNodeMesh",
        "calico.bgp.no-peers",
        "calico.bgp.nodeToNodeMesh: false with no peers: nodes exchange no routes; add BGPPeers (route reflectors or routers)",
      ],
    ],
  },
  {
    name: "etcd: Calico resources are for calicoctl, not Kubernetes objects (warning)",
    options: {
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["http://10.0.0.1:2379"] },
      ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17" }],
      bgp: { asNumber: 65010, peers: [{ name: "rr1", peerIP: "192.168.79.1", asNumber: 65010 }] },
    },
    warnings: [
      [
        "calico.datastore",
        "calico.etcd.calicoctl-resources",
        'calico.datastore: "etcd" keeps Calico resources in etcd, where no API server serves projectcalico.org/v3, so IPPool "ipv4-ippool-1", BGPConfiguration "default", BGPPeer "rr1" are not Kubernetes objects; apply them with calicoctl (DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=... calicoctl apply -f FILE): podnet render writes calico/calicoctl-resources.yaml, the cdk8s and Pulumi CalicoNetwork leave them out and expose them as calicoctlYaml',
      ],
    ],
  },
  {
    name: "typha with etcd",
    options: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["http://10.0.0.1:2379"] }, typha: {} },
    errors: [
      ["calico.typha", "calico.typha.etcd", 'calico.typha: Typha serves the Kubernetes datastore only; remove typha with datastore "etcd"'],
    ],
  },
  {
    name: "typha required",
    options: { install: "manifest" },
    plan: "big101",
    errors: [
      [
        "calico.typha",
        "calico.typha.required",
        "calico.typha: the plan has 101 nodes; with the Kubernetes datastore Calico needs Typha above 100 nodes (each Felix would watch the API server), add typha: { replicas: 3 }",
      ],
    ],
    warnings: [
      [
        "calico.bgp.nodeToNodeMesh",
        "calico.bgp.mesh-large",
        "calico.bgp.nodeToNodeMesh: a full mesh of 101 nodes opens 5050 BGP sessions; Calico recommends it for 100 nodes or less, use route reflectors (BGPPeer with peerSelector) and nodeToNodeMesh: false",
      ],
    ],
  },
  {
    name: "typha recommended",
    options: { install: "manifest" },
    plan: "big51",
    warnings: [
      [
        "calico.typha",
        "calico.typha.recommended",
        "calico.typha: the plan has 51 nodes; Calico recommends Typha above 50 nodes, add typha: { replicas: 3 }",
      ],
    ],
  },
  {
    name: "typha 0",
    options: { install: "manifest", typha: { replicas: 0 } },
    errors: [
      [
        "calico.typha.replicas",
        "calico.typha.replicas",
        "calico.typha.replicas: 0; with Typha on, Felix waits for a Typha and never starts at 0 replicas, use 1 or more",
      ],
    ],
  },
  {
    name: "typha >= nodes",
    options: { install: "manifest", typha: { replicas: 3 } },
    errors: [
      [
        "calico.typha.replicas",
        "calico.typha.replicas-nodes",
        "calico.typha.replicas: 3 is not below the 3 nodes; Typha uses a host port, so a rollout stalls without a free node, use at most 2",
      ],
    ],
  },
  {
    name: "typha many",
    options: { install: "manifest", typha: { replicas: 21 } },
    plan: "big30",
    warnings: [
      [
        "calico.typha.replicas",
        "calico.typha.replicas-many",
        "calico.typha.replicas: 21 is above 20; Calico suggests about one replica per 200 nodes and no more than 20",
      ],
    ],
  },
  {
    name: "typha single",
    options: { install: "manifest", typha: {} },
    plan: "single",
    warnings: [["calico.typha", "calico.typha.single-node", "calico.typha: Typha on a single-node cluster gains nothing; remove it"]],
  },
  {
    name: "etcd endpoints",
    options: {
      install: "manifest",
      datastore: "etcd",
      etcd: {
        endpoints: [
          "10.0.0.1:2379",
          "https://10.0.0.1",
          "https://user:pw@h:2379",
          "https://h:2379/x",
          "https://h:2379",
          "https://h:2379",
          "http://'h':2379",
        ],
      },
    },
    errors: [
      [
        "calico.etcd.endpoints[0]",
        "calico.etcd.endpoint",
        'calico.etcd.endpoints[0]: "10.0.0.1:2379" is not an etcd client URL; write scheme://host:port, e.g. "https://10.0.0.1:2379"',
      ],
      [
        "calico.etcd.endpoints[1]",
        "calico.etcd.endpoint",
        'calico.etcd.endpoints[1]: "https://10.0.0.1" is not an etcd client URL; write scheme://host:port, e.g. "https://10.0.0.1:2379"',
      ],
      [
        "calico.etcd.endpoints[2]",
        "calico.etcd.endpoint",
        'calico.etcd.endpoints[2]: "https://user:pw@h:2379" is not an etcd client URL; write scheme://host:port, e.g. "https://10.0.0.1:2379"',
      ],
      [
        "calico.etcd.endpoints[3]",
        "calico.etcd.endpoint",
        'calico.etcd.endpoints[3]: "https://h:2379/x" is not an etcd client URL; write scheme://host:port, e.g. "https://10.0.0.1:2379"',
      ],
      ["calico.etcd.endpoints[5]", "calico.etcd.endpoint-duplicate", 'calico.etcd.endpoints[5]: "https://h:2379" is listed twice'],
      [
        "calico.etcd.endpoints[6]",
        "calico.etcd.endpoint",
        'calico.etcd.endpoints[6]: "http://\'h\':2379" is not an etcd client URL; write scheme://host:port, e.g. "https://10.0.0.1:2379"',
      ],
    ],
    warnings: [
      [
        "calico.etcd.tls",
        "calico.etcd.https-no-tls",
        "calico.etcd.tls: https:// endpoints without TLS material: Calico checks etcd against the system CAs and sends no client certificate",
      ],
    ],
  },
  {
    name: "etcd mixed",
    options: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["http://a:2379", "https://b:2379"] } },
    errors: [
      [
        "calico.etcd.endpoints",
        "calico.etcd.mixed-schemes",
        "calico.etcd.endpoints: mixes http:// and https://; use one scheme for every endpoint",
      ],
    ],
    warnings: [
      [
        "calico.etcd.tls",
        "calico.etcd.https-no-tls",
        "calico.etcd.tls: https:// endpoints without TLS material: Calico checks etcd against the system CAs and sends no client certificate",
      ],
    ],
  },
  {
    name: "etcd tls partial",
    options: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["https://a:2379"], tls: { cert: "/c", key: "/k" } } },
    errors: [
      [
        "calico.etcd.tls",
        "calico.etcd.tls-partial",
        "calico.etcd.tls: has cert and key but not ca; etcd TLS needs the CA, the client certificate and its key, all three or none",
      ],
    ],
  },
  {
    name: "etcd tls http",
    options: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["http://a:2379"], tls: { ca: "/a", cert: "/c", key: "/k" } } },
    errors: [
      [
        "calico.etcd.tls",
        "calico.etcd.tls-http",
        "calico.etcd.tls: TLS material is given but the endpoints use http://; use https:// endpoints or drop tls",
      ],
    ],
  },
  {
    name: "etcd https no tls",
    options: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["https://a:2379"] } },
    warnings: [
      [
        "calico.etcd.tls",
        "calico.etcd.https-no-tls",
        "calico.etcd.tls: https:// endpoints without TLS material: Calico checks etcd against the system CAs and sends no client certificate",
      ],
    ],
  },
  {
    name: "autodetect family",
    options: { ipAutodetection: { ipv6: "first-found" } },
    errors: [
      [
        "calico.ipAutodetection.ipv6",
        "calico.autodetect.family",
        "calico.ipAutodetection.ipv6: is set but the plan has no IPv6 pods; remove it or add an IPv6 CIDR to cluster.podCidrs",
      ],
    ],
  },
  {
    name: "bpf first-found",
    options: { linuxDataplane: "BPF" },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.bpf",
        'calico.ipAutodetection.ipv4: the BPF dataplane needs an explicit IPv4 autodetection method (the operator refuses first-found by default), e.g. "interface=eth0"',
      ],
    ],
  },
  {
    name: "mtu small",
    options: { mtu: 60 },
    errors: [
      ["calico.mtu", "calico.mtu.small", "calico.mtu: 60 is below 68, the smallest MTU IPv4 allows; leave mtu unset so Felix detects it"],
    ],
  },
  {
    name: "mtu small v6",
    options: { mtu: 1200 },
    plan: "dual",
    errors: [
      [
        "calico.mtu",
        "calico.mtu.small",
        "calico.mtu: 1200 is below 1280, the smallest MTU IPv6 allows; leave mtu unset so Felix detects it",
      ],
    ],
  },
  {
    name: "mtu too large ipip",
    options: { mtu: 1481 },
    errors: [
      [
        "calico.mtu",
        "calico.mtu.too-large",
        'calico.mtu: 1481 is above 1480, the largest pod MTU that fits: the smallest chosen interface MTU is 1500 (node "n1", ens33) and IP-in-IP adds 20 bytes; set mtu to 1480 or less, or leave it unset so Felix detects it',
      ],
    ],
  },
  {
    name: "mtu too large vxlan6 wg6",
    options: { mtu: 1421, ipPools: [{}, { family: "ipv6", vxlanMode: "Always" }], wireguard: { ipv6: true } },
    plan: "dual",
    errors: [
      [
        "calico.mtu",
        "calico.mtu.too-large",
        'calico.mtu: 1421 is above 1420, the largest pod MTU that fits: the smallest chosen interface MTU is 1500 (node "n1", ens33) and WireGuard over IPv6 adds 80 bytes; set mtu to 1420 or less, or leave it unset so Felix detects it',
      ],
    ],
  },
  {
    name: "selectors",
    options: {
      ipPools: [
        { cidr: "172.16.0.0/17", nodeSelector: "zone == 'a" },
        { cidr: "172.16.128.0/17", nodeSelector: "rack == 'r1' && has(edge)" },
      ],
      bgp: {
        peers: [
          { name: "rr", peerSelector: "(route-reflector == 'true'", nodeSelector: "rack = 'r1'" },
          { name: "tor", peerIP: "192.168.79.1", asNumber: 65001, nodeSelector: "kubernetes.io/hostname in {'n1', 'n2'}" },
        ],
      },
    },
    errors: [
      [
        "calico.ipPools[0].nodeSelector",
        "calico.selector",
        `calico.ipPools[0].nodeSelector: "zone == 'a" is not a Calico selector (unterminated string starting at 9); write e.g. "all()", "has(rack)" or "zone == 'a' && !has(edge)" (labels and quoted values joined with ==, !=, in {...}, not in {...}, &&, ||, !)`,
      ],
      [
        "calico.bgp.peers[0].nodeSelector",
        "calico.selector",
        `calico.bgp.peers[0].nodeSelector: "rack = 'r1'" is not a Calico selector (unexpected "=" at 6); write e.g. "all()", "has(rack)" or "zone == 'a' && !has(edge)" (labels and quoted values joined with ==, !=, in {...}, not in {...}, &&, ||, !)`,
      ],
      [
        "calico.bgp.peers[0].peerSelector",
        "calico.selector",
        `calico.bgp.peers[0].peerSelector: "(route-reflector == 'true'" is not a Calico selector (unbalanced "(" at 1: expected ")", found the end); write e.g. "all()", "has(rack)" or "zone == 'a' && !has(edge)" (labels and quoted values joined with ==, !=, in {...}, not in {...}, &&, ||, !)`,
      ],
    ],
  },
  {
    name: "skip-interface control character",
    options: { ipAutodetection: { ipv4: "skip-interface=docker.*,\nveth.*" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.control",
        'calico.ipAutodetection.ipv4: "docker.*,\\nveth.*" contains the control character U+000a; interface regexes are printable text, remove it',
      ],
    ],
  },
  {
    name: "regex empty",
    options: { ipAutodetection: { ipv4: "interface=ens33,,eth0" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.regex-empty",
        'calico.ipAutodetection.ipv4: "ens33,,eth0" has an empty regular expression; list interface regexes separated by ","',
      ],
    ],
  },
  {
    name: "regex lookahead",
    options: { ipAutodetection: { ipv4: "interface=ens(?!34).*" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.regex",
        'calico.ipAutodetection.ipv4: "ens(?!34).*" is not a valid RE2 regular expression (invalid or unsupported Perl syntax: `(?!`); calico-node compiles it with Go\'s regexp, which has no lookaround or backreferences',
      ],
    ],
  },
  {
    name: "cidr empty",
    options: { ipAutodetection: { ipv4: { cidrs: [] } } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.cidr-empty",
        'calico.ipAutodetection.ipv4: lists no CIDR; give at least one, e.g. "cidr=192.168.1.0/24"',
      ],
    ],
  },
  {
    name: "cidr family",
    options: { ipAutodetection: { ipv4: "cidr=fd00::/64" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.cidr-family",
        'calico.ipAutodetection.ipv4: "fd00::/64" is IPv6; an IPv4 method needs IPv4 CIDRs',
      ],
    ],
  },
  {
    name: "target family",
    options: { ipAutodetection: { ipv4: "can-reach=fd00::1" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.target-family",
        "calico.ipAutodetection.ipv4: can-reach destination fd00::1 is IPv6; an IPv4 method needs an IPv4 destination",
      ],
    ],
  },
  {
    name: "target bad",
    options: { ipAutodetection: { ipv4: "can-reach=not a host" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.target",
        'calico.ipAutodetection.ipv4: can-reach destination "not a host" is neither an IP address nor a DNS name, e.g. "can-reach=8.8.8.8"',
      ],
    ],
  },
  {
    name: "method unknown",
    options: { ipAutodetection: { ipv4: "iface=ens33" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.method",
        'calico.ipAutodetection.ipv4: "iface=ens33" is not an autodetection method; use one of "first-found", "kubernetes-internal-ip", "interface=REGEX", "skip-interface=REGEX", "can-reach=DESTINATION", "cidr=CIDR" (calico-node exits on an unknown method)',
      ],
    ],
  },
  {
    name: "method unknown2",
    options: { ipAutodetection: { ipv4: "first_found" } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.method",
        'calico.ipAutodetection.ipv4: "first_found" is not an autodetection method (did you mean "first-found"?); use one of "first-found", "kubernetes-internal-ip", "interface=REGEX", "skip-interface=REGEX", "can-reach=DESTINATION", "cidr=CIDR" (calico-node exits on an unknown method)',
      ],
    ],
  },
  {
    name: "object none",
    options: { ipAutodetection: { ipv4: { firstFound: false } } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.none",
        "calico.ipAutodetection.ipv4: sets no method; set exactly one of firstFound, kubernetes, interface, skipInterface, canReach, cidrs",
      ],
    ],
  },
  {
    name: "object multiple",
    options: { ipAutodetection: { ipv4: { interface: "ens33", canReach: "8.8.8.8" } } },
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.multiple",
        "calico.ipAutodetection.ipv4: sets 2 methods (interface, canReach); Calico uses exactly one method per family, keep one",
      ],
    ],
  },
  {
    name: "no address",
    options: { ipAutodetection: { ipv4: "interface=eth0" } },
    plan: "seed",
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=eth0" finds no IPv4 address on node "k8s-master-01" (interfaces: ens33 192.168.79.128/24, virbr0 192.168.122.1/24, docker0 172.17.0.1/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=eth0" finds no IPv4 address on node "k8s-node-01" (interfaces: ens33 192.168.79.129/24); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=eth0" finds no IPv4 address on node "k8s-node-02" (interfaces: ens33 192.168.79.130/24); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
    ],
  },
  {
    name: "seed inventory: first-found skips virbr0 and docker0, but only by their names (warning)",
    options: {},
    plan: "seed",
    warnings: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: the default method "first-found" picks ens33 192.168.79.128 on node "k8s-master-01", which has 3 interfaces with IPv4 addresses; it skips virbr0 192.168.122.1, docker0 172.17.0.1 only because their names match Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=ens33" or "cidr=192.168.79.0/24"',
      ],
    ],
  },
  {
    name: "seed inventory with an explicit interface: no warning",
    options: { ipAutodetection: { ipv4: "interface=ens33" } },
    plan: "seed",
  },
  {
    name: "first-found multi-NIC warnings are capped",
    options: { ipAutodetection: { ipv4: "first-found" } },
    plan: "docker12",
    warnings: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.1 on node "w1", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.0.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.2 on node "w2", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.1.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.3 on node "w3", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.2.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.4 on node "w4", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.3.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.5 on node "w5", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.4.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.6 on node "w6", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.5.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.7 on node "w7", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.6.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.8 on node "w8", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.7.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.9 on node "w9", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.8.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" picks eth0 10.1.0.10 on node "w10", which has 2 interfaces with IPv4 addresses; it skips docker0 172.17.9.1 only because its name matches Calico\'s default exclusions, so a new or renamed interface changes the pick; set "interface=eth0" or "cidr=10.1.0.0/16"',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.first-found-multi-nic",
        'calico.ipAutodetection.ipv4: "first-found" also relies on Calico\'s default exclusions on 2 more nodes (first 10 reported above)',
      ],
    ],
  },
  {
    name: "ambiguous first-found",
    options: {},
    plan: "twoNic",
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.ambiguous",
        'calico.ipAutodetection.ipv4: the default method "first-found" could pick 2 IPv4 addresses on node "m1": ens33 192.168.79.128, ens34 10.10.0.5 (the order depends on the kernel); choose one, e.g. "interface=ens33" or "cidr=192.168.79.0/24"',
      ],
    ],
  },
  {
    name: "ambiguous explicit interface",
    options: { ipAutodetection: { ipv4: "interface=ens.*" } },
    plan: "twoNic",
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.ambiguous",
        'calico.ipAutodetection.ipv4: "interface=ens.*" could pick 2 IPv4 addresses on node "m1": ens33 192.168.79.128, ens34 10.10.0.5 (the order depends on the kernel); choose one, e.g. "interface=ens33" or "cidr=192.168.79.0/24"',
      ],
    ],
  },
  {
    name: "kubernetes-internal-ip no default route",
    options: { ipAutodetection: { ipv4: "kubernetes-internal-ip" } },
    plan: "twoNic",
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "kubernetes-internal-ip" finds no IPv4 address on node "m1" (interfaces: ens33 192.168.79.128/24, ens34 10.10.0.5/24); no interface is marked defaultRoute: true, so the route kubelet uses is unknown; calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
    ],
  },
  {
    name: "cap",
    options: { ipAutodetection: { ipv4: "interface=nomatch" } },
    plan: "big12",
    errors: [
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w1" (interfaces: eth0 10.1.0.1/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w2" (interfaces: eth0 10.1.0.2/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w3" (interfaces: eth0 10.1.0.3/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w4" (interfaces: eth0 10.1.0.4/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w5" (interfaces: eth0 10.1.0.5/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w6" (interfaces: eth0 10.1.0.6/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w7" (interfaces: eth0 10.1.0.7/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w8" (interfaces: eth0 10.1.0.8/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w9" (interfaces: eth0 10.1.0.9/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.no-address",
        'calico.ipAutodetection.ipv4: "interface=nomatch" finds no IPv4 address on node "w10" (interfaces: eth0 10.1.0.10/16); calico-node would exit with "Failed to autodetect an IPv4 address"; pick a method that matches on every node',
      ],
      [
        "calico.ipAutodetection.ipv4",
        "calico.autodetect.more",
        'calico.ipAutodetection.ipv4: "interface=nomatch" fails on 2 more nodes (first 10 reported above)',
      ],
    ],
  },
  {
    name: "zod unknown key",
    options: { ipPool: [] },
    errors: [["calico.ipPool", "spec.unknown-key", 'calico.ipPool: unknown key "ipPool"; did you mean "ipPools"?']],
  },
  {
    name: "zod bad enum",
    options: { install: "manifests", ipPools: [{ ipipMode: "always" }] },
    errors: [
      [
        "calico.install",
        "spec.invalid-value",
        'calico.install: "manifests" is not one of "operator", "manifest"; did you mean "manifest"?',
      ],
      [
        "calico.ipPools[0].ipipMode",
        "spec.invalid-value",
        'calico.ipPools[0].ipipMode: "always" is not one of "Always", "CrossSubnet", "Never"; did you mean "Always"?',
      ],
    ],
  },
];

/** Rules of the CLI's `calico:` section (calicoComponent): paths reach scripts, one pod network. */
const BUNDLE_ROWS: Array<Row & { readonly others?: { flannel?: unknown } }> = [
  {
    name: "calico and flannel both set",
    options: {},
    others: { flannel: {} },
    errors: [
      ["calico", "calico.flannel-conflict", "calico: and flannel: are both set; a cluster runs one pod network, remove one of them"],
    ],
  },
  {
    name: "etcd TLS file paths must be plain absolute paths (they reach calico/etcd-secret.sh)",
    options: {
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["https://10.0.0.1:2379"], tls: { ca: "ca.pem", cert: "/pki/$(id).pem", key: "/pki/client key.pem" } },
    },
    errors: [
      [
        "calico.etcd.tls.ca",
        "calico.etcd.tls-path",
        'calico.etcd.tls.ca: "ca.pem" is not an absolute path of segments made of letters, digits and ._+@=- (no spaces, quotes, $, *, .. or empty segments); calico/etcd-secret.sh reads it, e.g. "/etc/calico/etcd-ca.pem"',
      ],
      [
        "calico.etcd.tls.cert",
        "calico.etcd.tls-path",
        'calico.etcd.tls.cert: "/pki/$(id).pem" is not an absolute path of segments made of letters, digits and ._+@=- (no spaces, quotes, $, *, .. or empty segments); calico/etcd-secret.sh reads it, e.g. "/etc/calico/etcd-cert.pem"',
      ],
      [
        "calico.etcd.tls.key",
        "calico.etcd.tls-path",
        'calico.etcd.tls.key: "/pki/client key.pem" is not an absolute path of segments made of letters, digits and ._+@=- (no spaces, quotes, $, *, .. or empty segments); calico/etcd-secret.sh reads it, e.g. "/etc/calico/etcd-key.pem"',
      ],
    ],
  },
];

const triples = (xs: readonly { path: string; code: string; message: string }[]) => xs.map((e) => [e.path, e.code, e.message]);

describe("CalicoNetwork rules", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const plan = PLANS[row.plan ?? "v4"];
      assert.ok(plan, `plan ${row.plan}`);
      const r = checkCalicoNetwork(row.options, plan());
      assert.deepStrictEqual(triples(r.errors), row.errors ?? []);
      assert.deepStrictEqual(triples(r.warnings), row.warnings ?? []);
      assert.equal(r.value === undefined, (row.errors ?? []).length > 0);
    });
  }

  for (const row of BUNDLE_ROWS) {
    test(`bundle: ${row.name}`, () => {
      const p = new Problems();
      const plan = PLANS[row.plan ?? "v4"];
      assert.ok(plan);
      const out = calicoComponent(row.options, plan(), p, row.others);
      assert.deepStrictEqual(triples(p.errors), row.errors ?? []);
      assert.deepStrictEqual(triples(p.warnings), row.warnings ?? []);
      assert.equal(out === undefined, (row.errors ?? []).length > 0);
    });
  }

  test("renderCalicoNetwork throws one NetworkPlanError with every problem; paths under calico", () => {
    const plan = PLANS.v4?.();
    assert.ok(plan);
    assert.throws(
      () => renderCalicoNetwork({ ipPools: [{ cidr: "192.168.0.0/16", blockSize: 40 }], mtu: 9000 }, plan),
      (e: unknown) => {
        assert.ok(e instanceof NetworkPlanError);
        assert.deepStrictEqual(
          e.problems.map((p) => p.code),
          ["calico.pool.outside-pod-cidr", "calico.pool.overlap-node", "calico.pool.block-size", "calico.mtu.too-large"],
        );
        assert.ok(e.problems.every((p) => p.path.startsWith("calico.ipPools") || p.path === "calico.mtu"));
        return true;
      },
    );
  });

  test("every problem code in the Calico sources has a row", () => {
    const src = join(import.meta.dirname, "..", "src", "calico");
    const codes = new Set<string>();
    for (const f of readdirSync(src).filter((f) => f.endsWith(".ts"))) {
      for (const m of readFileSync(join(src, f), "utf8").matchAll(/"(calico\.[a-z0-9.-]+)"/g)) codes.add(m[1] as string);
      // codes built from a key: calico.install.${key}-operator
      for (const m of readFileSync(join(src, f), "utf8").matchAll(/`(calico\.[a-z.-]+)\$\{key\}(-[a-z]+)`/g)) {
        codes.add(`${m[1]}typha${m[2]}`);
        codes.add(`${m[1]}etcd${m[2]}`);
      }
    }
    const tested = new Set([...ROWS, ...BUNDLE_ROWS].flatMap((r) => [...(r.errors ?? []), ...(r.warnings ?? [])].map((e) => e[1])));
    const missing = [...codes].filter((c) => !tested.has(c) && !c.endsWith(".yaml"));
    assert.deepStrictEqual(missing, [], "codes without a failing example");
  });
});
