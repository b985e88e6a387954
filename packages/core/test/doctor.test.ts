/**
 * doctor's expectations and diagnosis, table-driven on synthetic nodes
 * (doctor-fixtures.ts): every network shape is healthy when the node has what
 * the plan says, and each fault gives exactly its finding with what was
 * expected, what was found and the fix. Broken or missing collection output
 * becomes "could not check", never an exception.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type DoctorPlan,
  doctorExitCode,
  type ExpectedNodeState,
  flannelHostRequirements,
  planDoctor,
  planDoctorForPlan,
  planPodCidrs,
} from "@podnet/core";
import {
  DOCTOR_SECTIONS,
  diagnose,
  encodeDoctorSection,
  expectedNodeState,
  nmLeavesAlone,
  nodeFacts,
  parseNmConfig,
  renderDoctorCollectScript,
} from "@podnet/core/internal";
import fc from "fast-check";
import { type FakeNode, healthyNode, render, withCluster } from "./doctor-fixtures.js";

const node = (i: number, extra: Record<string, unknown> = {}) => ({
  name: `n${i}`,
  interfaces: [{ name: "eth0", addresses: [`192.168.1.${30 + i}/24`] }],
  ...extra,
});
const dual = (i: number) => ({
  name: `n${i}`,
  interfaces: [{ name: "eth0", addresses: [`192.168.1.${30 + i}/24`, `fd00:1::${30 + i}/64`] }],
});

const V4 = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const DUAL = { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] };

function doctorOf(spec: unknown): DoctorPlan {
  const r = planDoctor(spec);
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  return r.value as DoctorPlan;
}

const SHAPES: Record<string, unknown> = {
  "flannel vxlan, IPv4": {
    cluster: V4,
    nodes: [node(1), node(2), node(3)],
    flannel: {},
    prep: { firewall: "firewalld", cniPlugins: false },
  },
  "flannel vxlan, dual-stack": { cluster: DUAL, nodes: [dual(1), dual(2)], flannel: {} },
  "flannel host-gw": { cluster: V4, nodes: [node(1), node(2)], flannel: { backend: { type: "host-gw" } } },
  "flannel vxlan with DirectRouting": {
    cluster: V4,
    nodes: [node(1), node(2)],
    flannel: { backend: { type: "vxlan", directRouting: true } },
  },
  "flannel vxlan VNI 4, port 4789, interface MTU 9000": {
    cluster: V4,
    nodes: [
      node(1, { interfaces: [{ name: "ens4", addresses: ["192.168.1.31/24"], mtu: 9000 }] }),
      node(2, { interfaces: [{ name: "ens4", addresses: ["192.168.1.32/24"], mtu: 9000 }] }),
    ],
    flannel: { backend: { type: "vxlan", vni: 4, port: 4789 } },
  },
  "flannel systemd, etcd with reservations (seed 000)": {
    cluster: V4,
    nodes: [node(1, { podCidrs: ["10.244.1.0/24"] }), node(2, { podCidrs: ["10.244.2.0/24"] })],
    flannel: {
      mode: "systemd",
      systemd: {
        datastore: "etcd",
        etcd: { endpoints: ["http://192.168.1.31:2379"] },
        release: { sha256: { amd64: "0".repeat(64) } },
        containerRuntime: "docker",
      },
    },
  },
  "calico IPIP (manifest path)": {
    cluster: { podCidrs: ["10.200.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [node(1), node(2)],
    calico: { install: "manifest" },
    prep: { firewall: "firewalld", cniPlugins: false },
  },
  "no network section (prep only)": { cluster: V4, nodes: [node(1)], prep: { cniPlugins: false } },
};

const codes = (d: ReturnType<typeof diagnose>) => d.findings.map((f) => f.code);

function check(e: ExpectedNodeState, tweak: (n: FakeNode) => void = () => {}, context = {}) {
  const fake = healthyNode(e);
  tweak(fake);
  return diagnose(e, nodeFacts(render(fake)), context);
}

describe("doctor: healthy nodes have no findings", () => {
  for (const [name, spec] of Object.entries(SHAPES)) {
    test(name, () => {
      const doctor = doctorOf(spec);
      for (const e of doctor.nodes) {
        const d = check(e);
        assert.deepEqual(d.findings, [], `${e.node}: ${JSON.stringify(d.findings, null, 1)}`);
        assert.deepEqual(d.unchecked, [], `${e.node}`);
        assert.ok(d.checks.length > 0);
      }
      // Checked against a cluster whose Nodes hold the planned subnets: just as healthy, nothing to tell.
      for (const e of withCluster(doctor).nodes) {
        const d = check(e);
        assert.deepEqual([...d.findings, ...d.info], [], `${e.node}: ${JSON.stringify(d, null, 1)}`);
        assert.deepEqual(d.unchecked, [], `${e.node}`);
      }
      // The collection script renders for every shape (shellcheck runs in test/doctor-scripts.test.ts).
      assert.match(renderDoctorCollectScript(doctor.collect), /^#!\/usr\/bin\/env bash\n/);
    });
  }
});

describe("doctor: expectations follow the components", () => {
  test("flannel vxlan: flannel.<VNI> with the pod MTU, routes via each peer's subnet address (onlink)", () => {
    const e = expectedNodeState(doctorOf(SHAPES["flannel vxlan VNI 4, port 4789, interface MTU 9000"]), "n1") as ExpectedNodeState;
    assert.deepEqual(
      e.devices.map((d) => [d.name, d.kind, d.mtu, d.vni, d.port, d.underlay]),
      [["flannel.4", "vxlan", 8950, 4, 4789, { interface: "ens4", address: "192.168.1.31" }]],
    );
    assert.deepEqual(
      e.routes.map((r) => [r.peer, r.subnet, r.device, r.gateway]),
      [["n2", "10.244.1.0/24", "flannel.4", "subnet"]],
    );
    assert.equal(e.flannel?.mtu, 8950);
  });

  test("dual-stack: flannel-v6.<VNI> and IPv6 routes", () => {
    const e = doctorOf(SHAPES["flannel vxlan, dual-stack"]).nodes[0] as ExpectedNodeState;
    assert.deepEqual(
      e.devices.map((d) => [d.name, d.family]),
      [
        ["flannel.1", "ipv4"],
        ["flannel-v6.1", "ipv6"],
      ],
    );
    assert.deepEqual(
      e.routes.map((r) => [r.family, r.subnet, r.device]),
      [
        ["ipv4", "10.244.1.0/24", "flannel.1"],
        ["ipv6", "fd00:10:244:1::/64", "flannel-v6.1"],
      ],
    );
  });

  test("host-gw and DirectRouting: via the peer's address on the node's interface", () => {
    for (const shape of ["flannel host-gw", "flannel vxlan with DirectRouting"]) {
      const e = doctorOf(SHAPES[shape]).nodes[0] as ExpectedNodeState;
      assert.deepEqual(
        e.routes.map((r) => [r.device, r.gateway, r.peerAddress]),
        [["eth0", "peer", "192.168.1.32"]],
        shape,
      );
    }
  });

  test("etcd with reservations: the subnet is authoritative and the leases are known", () => {
    const d = doctorOf(SHAPES["flannel systemd, etcd with reservations (seed 000)"]);
    assert.equal(d.nodes[0]?.subnet?.authoritative, true);
    assert.equal(d.nodes[0]?.subnet?.source, "its etcd reservation");
    assert.equal(d.nodes[0]?.cni, undefined, "Docker's bridge: no CNI config");
    assert.deepEqual(d.leases?.nodes, [
      { node: "n1", key: "/coreos.com/network/subnets/10.244.1.0-24", publicIp: "192.168.1.31" },
      { node: "n2", key: "/coreos.com/network/subnets/10.244.2.0-24", publicIp: "192.168.1.32" },
    ]);
  });

  test("calico: tunl0 below the interface MTU, the calico conflist, no per-node routes (a note says so)", () => {
    const e = doctorOf(SHAPES["calico IPIP (manifest path)"]).nodes[0] as ExpectedNodeState;
    assert.deepEqual(
      e.devices.map((d) => [d.name, d.kind, d.maxMtu]),
      [["tunl0", "ipip", 1480]],
    );
    assert.equal(e.cni?.file, "10-calico.conflist");
    assert.deepEqual(e.routes, []);
    assert.ok(e.notes.some((n) => /IPAM blocks/.test(n)));
    assert.ok(e.firewalld?.protocols.includes("4"));
  });

  test("calico: VXLAN and WireGuard per family, each device with its kind and the set MTU; only VXLAN with port and VNI", () => {
    const spec = {
      cluster: DUAL,
      nodes: [dual(1), dual(2)],
      calico: {
        mtu: 1400,
        ipPools: [
          { family: "ipv4", ipipMode: "Never", vxlanMode: "Always" },
          { family: "ipv6", vxlanMode: "Always" },
        ],
        wireguard: { ipv4: true, ipv6: true },
      },
    };
    const e = doctorOf(spec).nodes[0] as ExpectedNodeState;
    const vxlan = { kind: "vxlan", port: 4789, vni: 4096, mtu: 1400 };
    assert.deepEqual(e.devices, [
      { name: "vxlan.calico", family: "ipv4", ...vxlan, purpose: "Calico VXLAN" },
      { name: "vxlan-v6.calico", family: "ipv6", ...vxlan, purpose: "Calico VXLAN (IPv6)" },
      { name: "wireguard.cali", kind: "wireguard", family: "ipv4", mtu: 1400, purpose: "Calico WireGuard" },
      { name: "wg-v6.cali", kind: "wireguard", family: "ipv6", mtu: 1400, purpose: "Calico WireGuard (IPv6)" },
    ]);
  });

  test("planDoctorForPlan takes a computed plan and component options (the Pulumi path)", () => {
    const { value: plan } = planPodCidrs({ cluster: V4, nodes: [node(1), node(2)] });
    const r = planDoctorForPlan(plan, { flannel: { backend: { type: "vxlan" } } });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.value?.nodes.map((n) => n.devices[0]?.name),
      ["flannel.1", "flannel.1"],
    );
    const bad = planDoctorForPlan(plan, { flannel: { backend: { type: "vxlan", vni: 0 } } });
    assert.ok(bad.errors.length > 0 && !bad.value);
  });

  test("prep alone with the network's host needs (the NodeNetworkPrep component's view)", () => {
    const { value: plan } = planPodCidrs({ cluster: V4, nodes: [node(1)] });
    const host = flannelHostRequirements({ backend: { type: "vxlan" }, ipv4: true, ipv6: false, healthzPort: 0, enableNFTables: false });
    const r = planDoctorForPlan(plan, { prep: { cniPlugins: false }, hostRequirements: [host] });
    const e = r.value?.nodes[0] as ExpectedNodeState;
    assert.equal(e.network, "none");
    assert.deepEqual(e.networkManagerUnmanaged, ["cni0"]);
    assert.deepEqual(
      e.kernelModules.map((m) => m.name),
      ["br_netfilter", "overlay", "vxlan"],
    );
    assert.deepEqual(check(e).findings, []);
  });

  test("an invalid spec yields its problems and no expectations", () => {
    const r = planDoctor({ cluster: { podCidrs: ["10.244.0.1/16"], serviceCidrs: ["10.96.0.0/12"] } });
    assert.equal(r.value, undefined);
    assert.ok(r.errors.some((e) => e.path === "cluster.podCidrs[0]"));
  });
});

// The routes to other nodes are judged against the subnets the cluster assigned (here: as planned).
const V4_DOCTOR = withCluster(doctorOf(SHAPES["flannel vxlan, IPv4"]));
const n1 = V4_DOCTOR.nodes[0] as ExpectedNodeState;

/** Each fault alone gives exactly one finding, with these words. */
const FAULTS: Array<{ name: string; tweak: (n: FakeNode) => void; code: string; found?: RegExp; fix?: RegExp; expected?: RegExp }> = [
  {
    name: "stale lease in subnet.env (and on flannel.1)",
    tweak: (n) => {
      n.files["/run/flannel/subnet.env"] =
        "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.36.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
      const a = n.addrs.find((x) => x.ifname === "flannel.1") as { local: string };
      a.local = "10.244.36.0";
      n.iptables = n.iptables?.replaceAll("10.244.0.0/24", "10.244.36.0/24");
    },
    code: "subnet.stale",
    expected: /IPv4 subnet 10\.244\.0\.0\/24 \(the Node's spec\.podCIDRs in nodes\.json; FLANNEL_SUBNET=10\.244\.0\.1\/24\)/,
    fix: /restart flanneld on node "n1" \(delete its kube-flannel pod/,
  },
  {
    name: "subnet.env missing",
    tweak: (n) => (n.files["/run/flannel/subnet.env"] = undefined),
    code: "subnet-env.missing",
    fix: /loadFlannelSubnetEnv failed/,
  },
  {
    name: "flanneld started without --ip-masq",
    tweak: (n) => (n.files["/run/flannel/subnet.env"] = n.files["/run/flannel/subnet.env"]?.replace("IPMASQ=true", "IPMASQ=false")),
    code: "subnet-env.ipmasq",
  },
  {
    name: "flannel Network differs",
    tweak: (n) =>
      (n.files["/run/flannel/subnet.env"] = n.files["/run/flannel/subnet.env"]?.replace(
        "FLANNEL_NETWORK=10.244.0.0/16",
        "FLANNEL_NETWORK=10.224.0.0/16",
      )),
    code: "subnet-env.network",
  },
  {
    name: "public IP on the wrong interface",
    tweak: (n) => {
      n.links.push({ ifname: "eth1", mtu: 1500, flags: ["UP"] });
      (n.addrs.find((a) => a.local === "192.168.1.31") as { ifname: string }).ifname = "eth1";
    },
    code: "address.wrong-interface",
    found: /192\.168\.1\.31 is on eth1; eth0 has no address/,
  },
  {
    name: "interface down",
    tweak: (n) => ((n.links.find((l) => l.ifname === "eth0") as { flags: string[] }).flags = ["BROADCAST"]),
    code: "interface.down",
  },
  {
    name: "interface MTU differs from the spec (the derived MTUs are not repeated)",
    tweak: (n) => {
      (n.links.find((l) => l.ifname === "eth0") as { mtu: number }).mtu = 1400;
      (n.links.find((l) => l.ifname === "flannel.1") as { mtu: number }).mtu = 1350;
      n.files["/run/flannel/subnet.env"] = n.files["/run/flannel/subnet.env"]?.replace("FLANNEL_MTU=1450", "FLANNEL_MTU=1350");
    },
    code: "interface.mtu",
    fix: /set it to 1400 in the spec/,
  },
  { name: "overlay device missing", tweak: (n) => (n.links = n.links.filter((l) => l.ifname !== "flannel.1")), code: "overlay.missing" },
  {
    name: "overlay MTU wrong",
    tweak: (n) => ((n.links.find((l) => l.ifname === "flannel.1") as { mtu: number }).mtu = 1400),
    code: "overlay.mtu",
    found: /flannel\.1 MTU 1400/,
  },
  {
    name: "overlay VNI from an old config",
    tweak: (n) =>
      ((n.links.find((l) => l.ifname === "flannel.1") as { linkinfo: { info_data: Record<string, unknown> } }).linkinfo.info_data.id = 7),
    code: "overlay.vni",
  },
  {
    name: "overlay on the wrong underlay",
    tweak: (n) =>
      ((n.links.find((l) => l.ifname === "flannel.1") as { linkinfo: { info_data: Record<string, unknown> } }).linkinfo.info_data.local =
        "10.0.2.15"),
    code: "overlay.underlay",
  },
  {
    name: "overlay keeps an old lease's address",
    tweak: (n) => ((n.addrs.find((a) => a.ifname === "flannel.1") as { local: string }).local = "10.244.9.0"),
    code: "overlay.address",
  },
  {
    name: "route to a peer missing",
    tweak: (n) => (n.routes.ipv4 = n.routes.ipv4.filter((r) => r.dst !== "10.244.2.0/24")),
    code: "route.missing",
    expected: /10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink \(node "n3"'s IPv4 subnet/,
    found: /no route to 10\.244\.2\.0\/24/,
  },
  {
    name: "route to a peer with the wrong gateway",
    tweak: (n) => ((n.routes.ipv4.find((r) => r.dst === "10.244.1.0/24") as { gateway: string }).gateway = "10.244.7.0"),
    code: "route.wrong",
    found: /packets to 10\.244\.1\.0\/24 take "10\.244\.1\.0\/24 via 10\.244\.7\.0 dev flannel\.1 onlink"/,
  },
  {
    name: "a blackhole route covers a peer",
    tweak: (n) => n.routes.ipv4.push({ dst: "10.244.1.0/25", type: "blackhole", flags: [] }),
    code: "route.wrong",
    found: /packets to 10\.244\.1\.0\/25 take "blackhole 10\.244\.1\.0\/25"/,
  },
  {
    name: "Docker's broad MASQUERADE rule (seed 004)",
    tweak: (n) => (n.iptables = n.iptables?.replace("COMMIT", "-A POSTROUTING -s 10.244.0.0/24 ! -o docker0 -j MASQUERADE\nCOMMIT")),
    code: "masquerade.pod-to-pod",
    found: /masqueraded by "-A POSTROUTING -s 10\.244\.0\.0\/24 ! -o docker0 -j MASQUERADE" \(Docker's rule/,
    fix: /iptables -t nat -I POSTROUTING -s 10\.244\.0\.0\/24 ! -d 10\.244\.0\.0\/16 ! -o docker0 -j MASQUERADE.*--ip-masq=false/,
  },
  { name: "flannel's masquerade rules gone", tweak: (n) => (n.iptables = ""), code: "masquerade.egress-missing" },
  {
    name: "ip_forward off",
    tweak: (n) => (n.sysctls["net.ipv4.ip_forward"] = "0\n"),
    code: "sysctl.value",
    expected: /^net\.ipv4\.ip_forward = 1/,
  },
  {
    name: "br_netfilter not loaded: one finding, not three",
    tweak: (n) => {
      n.sysctls["net.bridge.bridge-nf-call-iptables"] = undefined;
      n.sysctls["net.bridge.bridge-nf-call-ip6tables"] = undefined;
    },
    code: "module.missing",
    found: /bridge-nf-call-iptables does not exist/,
  },
  {
    name: "vxlan module not loaded, not built in",
    tweak: (n) => {
      n.procModules = n.procModules?.replace(/^vxlan .*$/m, "");
      n.links = n.links.map((l) => (l.ifname === "flannel.1" ? { ...l, linkinfo: { info_kind: "" } } : l));
    },
    code: "module.missing",
  },
  {
    name: "NetworkManager manages flannel's devices",
    tweak: (n) => (n.nm = "[main]\nplugins=keyfile\n"),
    code: "network-manager.manages",
    found: /manages flannel\.1, cni0/,
  },
  {
    name: "NetworkManager [device] section takes flannel back",
    tweak: (n) => (n.nm = "[device-flannel]\nmatch-device=interface-name:flannel.1\nmanaged=1\n"),
    code: "network-manager.manages",
  },
  {
    name: "VXLAN port closed in firewalld",
    tweak: (n) => (n.zones = n.zones.replace(" 8472/udp", "")),
    code: "firewalld.port-closed",
    expected: /^8472\/udp open in firewalld zone public/,
  },
  {
    name: "pod CIDR not trusted",
    tweak: (n) => (n.zones = n.zones.replace("sources: 10.244.0.0/16 ", "sources: ")),
    code: "firewalld.source-untrusted",
  },
  { name: "firewalld not installed", tweak: (n) => (n.firewalldState = "missing"), code: "firewalld.missing" },
  { name: "CNI conflist missing", tweak: (n) => (n.dirs["/etc/cni/net.d"] = []), code: "cni.missing" },
  {
    name: "CNI conflist shadowed",
    tweak: (n) => (n.dirs["/etc/cni/net.d"] = ["10-flannel.conflist", "10-containerd-net.conflist", "99-loopback.conf", "00-notes.txt"]),
    code: "cni.shadowed",
    found: /10-containerd-net\.conflist sorts before it/,
  },
  { name: "CNI conflist not JSON", tweak: (n) => (n.files["/etc/cni/net.d/10-flannel.conflist"] = "{not json"), code: "cni.invalid" },
];

describe("doctor: each fault gives exactly its finding", () => {
  for (const f of FAULTS) {
    test(f.name, () => {
      const d = check(n1, f.tweak);
      assert.deepEqual(codes(d), [f.code], JSON.stringify(d.findings, null, 1));
      assert.deepEqual(d.unchecked, []);
      const finding = d.findings[0];
      assert.ok(finding && finding.node === "n1" && finding.expected && finding.found && finding.fix);
      if (f.expected) assert.match(finding.expected, f.expected);
      if (f.found) assert.match(finding.found, f.found);
      if (f.fix) assert.match(finding.fix, f.fix);
    });
  }

  test("a peer's stale lease is its own finding: the others' routes follow its real subnet", () => {
    // n2 holds 10.244.36.0/24 instead of 10.244.1.0/24; flannel on n1 routes to what n2 holds.
    const d = check(
      n1,
      (n) => {
        const r = n.routes.ipv4.find((x) => x.dst === "10.244.1.0/24") as { dst: string; gateway: string };
        r.dst = "10.244.36.0/24";
        r.gateway = "10.244.36.0";
      },
      { peerSubnets: { n2: { ipv4: "10.244.36.0/24" } } },
    );
    assert.deepEqual(d.findings, []);
  });

  test("etcd reservations: the stale-lease fix is --fix-leases", () => {
    const e = doctorOf(SHAPES["flannel systemd, etcd with reservations (seed 000)"]).nodes[1] as ExpectedNodeState;
    const d = check(
      e,
      (n) =>
        (n.files["/run/flannel/subnet.env"] = n.files["/run/flannel/subnet.env"]?.replace(
          "FLANNEL_SUBNET=10.244.2.1/24",
          "FLANNEL_SUBNET=10.244.36.1/24",
        )),
    );
    assert.ok(d.findings.some((f) => f.code === "subnet.stale" && /--fix-leases --yes/.test(f.fix) && /seed 004/.test(f.fix)));
  });

  test("IPv6: a missing route and Docker-style masquerade in ip6tables", () => {
    const e = withCluster(doctorOf(SHAPES["flannel vxlan, dual-stack"])).nodes[0] as ExpectedNodeState;
    const d = check(e, (n) => {
      n.routes.ipv6 = [];
      n.ip6tables = n.ip6tables?.replace("COMMIT", "-A POSTROUTING -s fd00:10:244::/64 -j MASQUERADE\nCOMMIT");
    });
    assert.deepEqual(codes(d), ["route.missing", "masquerade.pod-to-pod"]);
    assert.match(d.findings[1]?.fix ?? "", /ip6tables -t nat -I POSTROUTING -s fd00:10:244::\/64 ! -d fd00:10:244::\/56 -j MASQUERADE/);
  });

  test("host-gw: the route must go via the peer's address", () => {
    const e = withCluster(doctorOf(SHAPES["flannel host-gw"])).nodes[0] as ExpectedNodeState;
    const d = check(e, (n) => (n.routes.ipv4 = [{ dst: "10.244.1.0/24", dev: "flannel.1", gateway: "10.244.1.0", flags: ["onlink"] }]));
    assert.deepEqual(codes(d), ["route.wrong"]);
    assert.match(d.findings[0]?.expected ?? "", /10\.244\.1\.0\/24 via 192\.168\.1\.32 dev eth0/);
  });

  test("calico: IP-in-IP closed in firewalld, tunl0 above its largest MTU", () => {
    const e = doctorOf(SHAPES["calico IPIP (manifest path)"]).nodes[0] as ExpectedNodeState;
    const d = check(e, (n) => {
      n.zones = n.zones.replace(/protocols: 4/, "protocols: ");
      (n.links.find((l) => l.ifname === "tunl0") as { mtu: number }).mtu = 1500;
    });
    assert.deepEqual(codes(d).sort(), ["firewalld.protocol-closed", "overlay.mtu"]);
  });
});

describe("doctor: robustness", () => {
  test("no output at all: every check is 'could not check', nothing is a finding", () => {
    const d = diagnose(n1, nodeFacts(""));
    assert.deepEqual(d.findings, []);
    assert.ok(d.unchecked.length >= 5, JSON.stringify(d.unchecked));
    assert.equal(doctorExitCode([d]), 2);
  });

  test("tools missing on the node: named, not a crash", () => {
    const d = check(n1, (n) => {
      n.raw[DOCTOR_SECTIONS.iptables] = encodeDoctorSection(DOCTOR_SECTIONS.iptables, "missing", 127, "");
      n.raw[DOCTOR_SECTIONS.ip6tables] = encodeDoctorSection(DOCTOR_SECTIONS.ip6tables, "missing", 127, "");
      n.raw[DOCTOR_SECTIONS.links] = encodeDoctorSection(DOCTOR_SECTIONS.links, "ran", 0, "Usage: ip link ...");
    });
    assert.deepEqual(codes(d), []);
    assert.ok(d.unchecked.some((u) => u.check === "masquerade" && /not installed/.test(u.reason)));
    assert.ok(d.unchecked.some((u) => u.check === "overlay" && /not JSON/.test(u.reason)));
  });

  test("a kernel without /proc/modules or modules.builtin: modules not evidenced are unchecked, not missing", () => {
    const d = check(n1, (n) => {
      n.procModules = undefined;
      n.builtin = undefined;
      n.sysModule = ["vxlan"];
    });
    assert.deepEqual(codes(d), []);
    assert.deepEqual(d.unchecked, []); // br_netfilter: its sysctl; overlay: /proc/filesystems; vxlan: /sys/module
  });

  test("arbitrary section contents never throw", () => {
    const names = [...Object.values(DOCTOR_SECTIONS), "file:/run/flannel/subnet.env", "dir:/etc/cni/net.d", "sysctl:net.ipv4.ip_forward"];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...names),
            fc.constantFrom("ran", "file", "dir", "absent", "missing", "bogus"),
            fc.integer({ min: -1, max: 255 }),
            fc.string({ maxLength: 200 }),
          ),
        ),
        (sections) => {
          const out = sections.map(([n, s, rc, text]) => encodeDoctorSection(n, s, rc, text)).join("\n");
          const d = diagnose(n1, nodeFacts(`${out}\n@@podnet-doctor broken\n@@podnet-doctor x y z !!!`));
          for (const f of d.findings) assert.ok(f.code && f.expected && f.found && f.fix);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("exit code: 0 healthy, 1 findings, 2 when anything could not be checked", () => {
    const ok = { findings: [], unchecked: [] };
    const bad = { findings: [{}], unchecked: [] };
    const unk = { findings: [], unchecked: [{}] };
    assert.equal(doctorExitCode([ok, ok]), 0);
    assert.equal(doctorExitCode([ok, bad]), 1);
    assert.equal(doctorExitCode([bad, unk]), 2);
    assert.equal(doctorExitCode([ok], 1), 2);
  });
});

describe("doctor: NetworkManager device specs", () => {
  const cases: Array<[string, string, boolean]> = [
    ["[keyfile]\nunmanaged-devices=interface-name:flannel*;interface-name:cni0\n", "flannel.1", true],
    ["[keyfile]\nunmanaged-devices=interface-name:flannel*,interface-name:cni0\n", "cni0", true],
    ["[keyfile]\nunmanaged-devices=interface-name:=flannel\n", "flannel.1", false],
    ["[keyfile]\nunmanaged-devices=*,except:interface-name:eth0\n", "tunl0", true],
    ["[keyfile]\nunmanaged-devices=except:interface-name:tunl0\n", "tunl0", false],
    ["[keyfile]\nunmanaged-devices+=interface-name:cali*\n[keyfile]\nunmanaged-devices+=interface-name:tunl*\n", "tunl0", true],
    ["[device-x]\nmatch-device=interface-name:vxlan.calico\nmanaged=0\n", "vxlan.calico", true],
    ["[keyfile]\nunmanaged-devices=mac:00:11:22:33:44:55\n", "flannel.1", false],
  ];
  for (const [conf, dev, alone] of cases) {
    test(`${JSON.stringify(conf)} -> ${dev} ${alone ? "unmanaged" : "managed"}`, () => {
      assert.equal(nmLeavesAlone(parseNmConfig(conf), dev), alone);
    });
  }
});

describe("doctor: the collection script", () => {
  test("is deterministic and quotes what it reads", () => {
    const a = renderDoctorCollectScript(V4_DOCTOR.collect);
    assert.equal(a, renderDoctorCollectScript(V4_DOCTOR.collect));
    assert.match(a, /podnet_file 'file:\/run\/flannel\/subnet\.env' '\/run\/flannel\/subnet\.env'/);
    assert.match(a, /podnet_file 'sysctl:net\.ipv4\.ip_forward' '\/proc\/sys\/net\/ipv4\/ip_forward'/);
    assert.match(a, /firewall-offline-cmd --list-all-zones/);
    assert.doesNotMatch(a, /\b(modprobe|sysctl -w|iptables -[ADI]|rm |mkdir|tee)\b|>\s*\/(?!dev\/null)/, "read-only");
  });

  test("refuses a value that is not safe for a script", () => {
    assert.throws(
      () => renderDoctorCollectScript({ ...V4_DOCTOR.collect, subnetFiles: ["/run/x; rm -rf /"] }),
      /subnetFiles\[0\]: "\/run\/x; rm -rf \/" is not a safe absolute path/,
    );
    assert.throws(() => renderDoctorCollectScript({ ...V4_DOCTOR.collect, sysctlKeys: ["net.$(id)"] }), /sysctlKeys\[0\]/);
  });
});
