/**
 * diffSpecs and the disruptive-change guard: every change that disrupts
 * running pods is flagged with its migration; in-place changes are not; the
 * artifact diff names what changes; secrets never appear.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calicoOptionsSchema, diffSpecs, type PodnetConfig, planPodCidrs, podnetSpecSchema } from "../src/index.js";
import { allows, checkComponentChanges, checkDisruptiveChanges, factChanges, redact } from "../src/internal/index.js";

type Spec = {
  cluster: Record<string, unknown>;
  nodes: Array<Record<string, unknown>>;
  flannel?: Record<string, unknown>;
  calico?: Record<string, unknown>;
};

const base: Spec = {
  cluster: {
    podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"],
    serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"],
    reservedCidrs: ["172.17.0.0/16"],
  },
  nodes: [
    { name: "cp1", roles: ["control-plane"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:192:168:1::31/64"] }] },
    { name: "node1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:192:168:1::32/64"] }], podCidrs: ["10.244.7.0/24"] },
    { name: "node2", interfaces: [{ name: "eth0", addresses: ["192.168.1.33/24", "fd00:192:168:1::33/64"] }] },
  ],
  flannel: { backend: { type: "vxlan" } },
};

/** A deep copy of the base spec, edited. */
function edit(change: (s: Spec) => void, from: Spec = base): Spec {
  const s = structuredClone(from);
  change(s);
  return s;
}

function paths(old: Spec, next: Spec): Array<[string, boolean]> {
  const d = diffSpecs(old, next);
  assert.deepEqual(d.errors, [], JSON.stringify(d.errors));
  return d.changes.map((c) => [c.path, c.disruptive]);
}

describe("diffSpecs: disruptive changes", () => {
  const table: Array<{ name: string; change: (s: Spec) => void; expect: Array<[string, boolean]> }> = [
    {
      name: "pod CIDR (the pin follows)",
      change: (s) => {
        s.cluster.podCidrs = ["10.245.0.0/16", "fd00:10:244::/56"];
        s.nodes[1]!.podCidrs = ["10.245.7.0/24"];
      },
      expect: [["cluster.podCidrs", true]],
    },
    {
      name: "dual-stack to IPv4 only",
      change: (s) => {
        s.cluster.podCidrs = ["10.244.0.0/16"];
        s.cluster.serviceCidrs = ["10.96.0.0/12"];
      },
      expect: [
        ["cluster.podCidrs", true],
        ["cluster.serviceCidrs", true],
      ],
    },
    {
      name: "service CIDR",
      change: (s) => (s.cluster.serviceCidrs = ["10.97.0.0/16", "fd00:10:96::/112"]),
      expect: [["cluster.serviceCidrs", true]],
    },
    { name: "DNS Service IP", change: (s) => (s.cluster.dnsServiceIp = "10.96.0.53"), expect: [["cluster.dnsServiceIp", true]] },
    { name: "cluster domain", change: (s) => (s.cluster.clusterDomain = "k8s.example"), expect: [["cluster.clusterDomain", true]] },
    {
      name: "node mask",
      change: (s) => {
        s.cluster.nodeMaskSize = { ipv4: 25, ipv6: 64 };
        s.nodes[1]!.podCidrs = ["10.244.7.0/25"];
      },
      expect: [["cluster.nodeMaskSize.ipv4", true]],
    },
    {
      name: "node subnet move (pin changed)",
      change: (s) => (s.nodes[1]!.podCidrs = ["10.244.9.0/24"]),
      expect: [["nodes[node1].podCidrs.ipv4", true]],
    },
    {
      name: "node subnet move (another node pins its subnet)",
      change: (s) => (s.nodes[2]!.podCidrs = ["10.244.0.0/24"]),
      expect: [
        ["nodes[cp1].podCidrs.ipv4", true],
        ["nodes[node2].podCidrs.ipv4", true],
      ],
    },
    {
      name: "flannel backend type",
      change: (s) => (s.flannel = { backend: { type: "host-gw" } }),
      expect: [["flannel.backend.type", true]],
    },
    { name: "flannel VNI", change: (s) => (s.flannel = { backend: { type: "vxlan", vni: 2 } }), expect: [["flannel.backend.vni", true]] },
    { name: "flannel removed", change: (s) => delete s.flannel, expect: [["flannel", true]] },
  ];
  for (const row of table) {
    test(row.name, () => {
      const next = edit(row.change);
      assert.deepEqual(paths(base, next), row.expect);
      const d = diffSpecs(base, next);
      for (const c of d.changes.filter((x) => x.disruptive)) {
        assert.ok(c.reason.length > 20, `${c.path} has a reason`);
        assert.ok(c.migration.length >= 2, `${c.path} has migration steps`);
        assert.notDeepEqual(c.from, c.to);
      }
    });
  }

  test("a moved node's migration names the node, both subnets and the stale bridge", () => {
    const d = diffSpecs(
      base,
      edit((s) => (s.nodes[1]!.podCidrs = ["10.244.9.0/24"])),
    );
    const c = d.changes[0]!;
    assert.equal(c.from, "10.244.7.0/24");
    assert.equal(c.to, "10.244.9.0/24");
    const text = c.migration.join("\n");
    assert.match(text, /kubectl drain node1 --ignore-daemonsets/);
    assert.match(text, /kubectl delete node node1/);
    assert.match(text, /ip link delete cni0/);
    assert.match(text, /10\.244\.7\.0\/24/);
  });

  test("Flannel VNI: the old device is named", () => {
    const c = diffSpecs(
      base,
      edit((s) => (s.flannel = { backend: { type: "vxlan", vni: 7 } })),
    ).changes[0]!;
    assert.deepEqual([c.from, c.to], [1, 7]);
    assert.match(c.migration.join("\n"), /ip link delete flannel\.1\b/);
  });
});

describe("diffSpecs: changes that apply in place", () => {
  test("identical specs, and a default written out, are no change", () => {
    assert.deepEqual(paths(base, structuredClone(base)), []);
    assert.deepEqual(
      paths(
        base,
        edit((s) => (s.flannel = { backend: { type: "vxlan", vni: 1 } })),
      ),
      [["flannel.backend.vni", false]].slice(1),
    );
    const d = diffSpecs(base, structuredClone(base));
    assert.deepEqual(d.artifacts, { manifests: [], nodeFiles: [], nodeCommands: [], files: [], planJson: [] });
  });

  test("maxPods, reserved networks, MTU, ssh and flannel settings are not disruptive", () => {
    const next = edit((s) => {
      s.cluster.maxPodsPerNode = 100;
      s.cluster.reservedCidrs = [];
      (s.nodes[0]!.interfaces as Array<Record<string, unknown>>)[0]!.mtu = 9000;
      s.nodes[0]!.ssh = { host: "192.168.1.31" };
      s.flannel = { backend: { type: "vxlan" }, ipMasq: false };
    });
    const got = paths(base, next);
    assert.deepEqual(got, [
      ["cluster.maxPodsPerNode", false],
      ["cluster.reservedCidrs", false],
      ["flannel.ipMasq", false],
      ["nodes[cp1].interfaces[eth0].mtu", false],
      ["nodes[cp1].ssh", false],
    ]);
  });

  test("adding and removing a node moves no other node", () => {
    const added = edit((s) =>
      s.nodes.push({ name: "node3", interfaces: [{ name: "eth0", addresses: ["192.168.1.34/24", "fd00:192:168:1::34/64"] }] }),
    );
    assert.deepEqual(paths(base, added), [["nodes[node3]", false]]);
    const removed = edit((s) => s.nodes.splice(0, 1));
    const d = diffSpecs(base, removed);
    assert.deepEqual(
      d.changes.map((c) => [c.path, c.disruptive]),
      [["nodes[cp1]", false]],
    );
    assert.match(d.changes[0]!.migration.join("\n"), /kubectl drain cp1/);
    assert.ok(d.artifacts.planJson.some((c) => c.path === "allocation.cp1" && c.to === undefined));
  });
});

describe("diffSpecs: artifacts", () => {
  test("a VNI change changes the flannel ConfigMap and plan.json, nothing else", () => {
    const d = diffSpecs(
      base,
      edit((s) => (s.flannel = { backend: { type: "vxlan", vni: 3 } })),
    );
    assert.deepEqual(d.artifacts.manifests, [
      { artifact: "manifests/flannel.yaml ConfigMap/kube-flannel/kube-flannel-cfg", change: "changed", fields: ["data.net-conf.json"] },
    ]);
    assert.ok(d.artifacts.planJson.some((c) => c.path === "components.flannel.backend.vni" && c.to === 3));
    assert.deepEqual([d.artifacts.nodeFiles, d.artifacts.files], [[], []]);
  });

  test("removing flannel removes its manifests", () => {
    const d = diffSpecs(
      base,
      edit((s) => delete s.flannel),
    );
    assert.ok(d.artifacts.manifests.length >= 5);
    assert.ok(d.artifacts.manifests.every((m) => m.change === "removed"));
    assert.ok(d.artifacts.manifests.some((m) => m.artifact === "manifests/flannel.yaml DaemonSet/kube-flannel/kube-flannel-ds"));
  });
});

describe("diffSpecs: invalid specs and secrets", () => {
  test("an invalid spec gives problems with their side, never a throw", () => {
    const bad = edit((s) => (s.cluster.podCidrs = ["nope"]));
    const d1 = diffSpecs(base, bad);
    assert.deepEqual(d1.changes, []);
    assert.ok(d1.errors.length > 0 && d1.errors.every((e) => e.side === "new" && e.path.length > 0));
    const d2 = diffSpecs(bad, base);
    assert.ok(d2.errors.some((e) => e.side === "old"));
    for (const junk of [null, 1, "x", [], { cluster: 5 }]) {
      const d = diffSpecs(junk, junk);
      assert.ok(d.errors.length > 0);
    }
  });

  test("a WireGuard PSK change is shown as (secret), never its value", () => {
    const k1 = "aGVsbG8td29ybGQtdGhpcy1pcy0zMi1ieXRlcy1vayE=";
    const k2 = "c2Vjb25kLXNlY3JldC1rZXktMzItYnl0ZXMtbG9uZyE=";
    const wg = (psk: string) => edit((s) => (s.flannel = { backend: { type: "wireguard", psk } }));
    const d = diffSpecs(wg(k1), wg(k2));
    const text = JSON.stringify(d);
    assert.ok(!text.includes(k1) && !text.includes(k2), "no PSK in the diff");
    const c = d.changes.find((x) => x.path === "flannel.backend.psk");
    assert.ok(c, JSON.stringify(d.changes));
    assert.deepEqual([c.from, c.to], ["(secret)", "(secret)"]);
  });

  test("redact", () => {
    assert.equal(redact("a.psk", "x"), "(secret)");
    assert.equal(redact("a.token", "x"), "(secret)");
    assert.equal(redact("a.keyFile", "/etc/k.pem"), "/etc/k.pem", "a file name is not a secret");
    assert.deepEqual(redact("x", { tls: { key: "k", certFile: "c" }, pem: "-----BEGIN EC PRIVATE KEY-----\nabc" }), {
      tls: { key: "(secret)", certFile: "c" },
      pem: "(secret)",
    });
  });
});

describe("disruption rules for components (facts compared directly)", () => {
  function facts(spec: Record<string, unknown>): { spec: PodnetConfig; plan: ReturnType<typeof planPodCidrs>["value"] } {
    const cluster = podnetSpecSchema.shape.cluster.parse(base.cluster);
    const plan = planPodCidrs({ cluster, nodes: base.nodes as never }).value;
    const calico = spec.calico ? calicoOptionsSchema.parse(spec.calico) : undefined;
    return { spec: { ...spec, ...(calico ? { calico } : {}) } as unknown as PodnetConfig, plan };
  }
  const flannelCases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
    [
      "daemonset to systemd (kube to etcd)",
      { mode: "daemonset" },
      { mode: "systemd", systemd: { datastore: "etcd", etcd: { endpoints: ["https://a:2379"] } } },
      "flannel.mode",
    ],
    [
      "etcd to kube datastore",
      { mode: "systemd", systemd: { datastore: "etcd" } },
      { mode: "systemd", systemd: { datastore: "kube-subnet-mgr" } },
      "flannel.systemd.datastore",
    ],
    [
      "etcd prefix",
      { mode: "systemd", systemd: { datastore: "etcd", etcd: { prefix: "/a" } } },
      { mode: "systemd", systemd: { datastore: "etcd", etcd: { prefix: "/b" } } },
      "flannel.systemd.etcd.prefix",
    ],
    [
      "SubnetLen (etcd)",
      { mode: "systemd", systemd: { datastore: "etcd" }, subnetLen: 24 },
      { mode: "systemd", systemd: { datastore: "etcd" }, subnetLen: 21 },
      "flannel.subnetLen",
    ],
    [
      "etcd v2 API to v3 (flannel.version across v0.18.0)",
      { mode: "systemd", version: "v0.17.0", systemd: { datastore: "etcd" } },
      { mode: "systemd", version: "v0.28.9", systemd: { datastore: "etcd" } },
      "flannel.version",
    ],
  ];
  for (const [name, a, b, path] of flannelCases) {
    test(`flannel: ${name}`, () => {
      const changes = factChanges(facts({ flannel: a }), facts({ flannel: b }));
      assert.deepEqual(
        changes.map((c) => [c.path, c.disruptive]),
        [[path, true]],
      );
      assert.ok(changes[0]!.migration.length >= 3);
    });
  }
  test("flannel: the etcd API switch names both releases and APIs, and the steps write the config with the new API", () => {
    const [c] = factChanges(
      facts({ flannel: { mode: "systemd", version: "v0.28.9", systemd: { datastore: "etcd" } } }),
      facts({ flannel: { mode: "systemd", version: "v0.17.0", systemd: { datastore: "etcd" } } }),
    );
    assert.deepEqual([c?.from, c?.to], ["v0.28.9 (etcd v3 API)", "v0.17.0 (etcd v2 API)"]);
    assert.match(c?.reason ?? "", /keyspaces are separate/);
    const steps = c?.migration.join("\n") ?? "";
    assert.match(steps, /Write the network config with the v2 API .*ETCDCTL_API=2 etcdctl.*--enable-v2=true/);
    assert.match(steps, /leases are not visible across the APIs/);
    assert.match(steps, /ETCDCTL_API=3 etcdctl del --prefix \/coreos\.com\/network\/subnets\//);
  });
  test("flannel: a release change within one etcd API, or without etcd, applies in place", () => {
    for (const [a, b] of [
      [
        { mode: "systemd", version: "v0.26.7", systemd: { datastore: "etcd" } },
        { mode: "systemd", version: "v0.28.9", systemd: { datastore: "etcd" } },
      ],
      [
        { mode: "systemd", version: "v0.16.3", systemd: { datastore: "kube-subnet-mgr" } },
        { mode: "systemd", version: "v0.28.9", systemd: { datastore: "kube-subnet-mgr" } },
      ],
      [{ version: "v0.26.7" }, {}],
    ]) {
      assert.deepEqual(
        factChanges(facts({ flannel: a as Record<string, unknown> }), facts({ flannel: b as Record<string, unknown> })).map((c) => [
          c.path,
          c.disruptive,
        ]),
        [["flannel.version", false]],
      );
    }
  });
  test("flannel: SubnetLen is ignored by the kube subnet manager", () => {
    assert.deepEqual(factChanges(facts({ flannel: { subnetLen: 24 } }), facts({ flannel: { subnetLen: 21 } })), []);
  });

  const pool = (p: Record<string, unknown>) => ({
    calico: { ipPools: [{ name: "default-ipv4-ippool", cidr: "10.244.0.0/16", ...p }, { cidr: "fd00:10:244::/56" }] },
  });
  const calicoCases: Array<[string, Record<string, unknown>, Record<string, unknown>, Array<[string, boolean]>]> = [
    ["pool CIDR", pool({}), pool({ cidr: "10.244.0.0/17" }), [["calico.ipPools[default-ipv4-ippool].cidr", true]]],
    ["block size", pool({}), pool({ blockSize: 28 }), [["calico.ipPools[default-ipv4-ippool].blockSize", true]]],
    [
      "IPIP to VXLAN",
      pool({}),
      pool({ ipipMode: "Never", vxlanMode: "Always" }),
      [["calico.ipPools[default-ipv4-ippool].encapsulation", true]],
    ],
    [
      "IPIP Always to CrossSubnet",
      pool({ ipipMode: "Always" }),
      pool({ ipipMode: "CrossSubnet" }),
      [["calico.ipPools[default-ipv4-ippool].encapsulation", true]],
    ],
    ["default block size written out", pool({}), pool({ blockSize: 26 }), []],
    ["natOutgoing", pool({}), pool({ natOutgoing: false }), [["calico.ipPools[default-ipv4-ippool].natOutgoing", false]]],
    ["pool removed", pool({}), { calico: { ipPools: [{ cidr: "fd00:10:244::/56" }] } }, [["calico.ipPools[default-ipv4-ippool]", true]]],
    [
      "datastore",
      { calico: { install: "manifest" } },
      { calico: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["https://a:2379"] } } },
      [["calico.datastore", true]],
    ],
    [
      "flannel to calico",
      { flannel: {} },
      { calico: {} },
      [
        ["flannel", true],
        ["calico", true],
      ],
    ],
  ];
  for (const [name, a, b, expect] of calicoCases) {
    test(`calico: ${name}`, () => {
      const changes = factChanges(facts(a), facts(b));
      assert.deepEqual(
        changes.map((c) => [c.path, c.disruptive]),
        expect,
      );
      for (const c of changes.filter((x) => x.disruptive)) assert.ok(c.migration.length >= 2, c.path);
    });
  }
  test("flannel to calico: each side says what replacing the pod network does, in its own words", () => {
    const [flannel, calico] = factChanges(facts({ flannel: {} }), facts({ calico: {} }));
    assert.deepEqual([flannel!.from, flannel!.to, calico!.from, calico!.to], ["flannel", undefined, undefined, "calico"]);
    assert.match(flannel!.reason, /^Flannel is removed: pods lose cross-node connectivity$/);
    assert.match(calico!.reason, /^the pod network is replaced by Calico: /);
    assert.match(flannel!.migration[0]!, /install the new network \(podnet render\), and restart the kubelet\.$/);
    assert.match(calico!.migration[0]!, /install the new network, and restart the kubelet\.$/);
    assert.deepEqual(flannel!.migration[1], calico!.migration[1]);
  });
  test("calico: pool CIDR migration says to create a new pool and disable the old one", () => {
    const [c] = factChanges(facts(pool({})), facts(pool({ cidr: "10.244.0.0/17" })));
    assert.match(c!.migration.join("\n"), /disabled: true/);
    assert.match(c!.reason, /immutable/);
  });
});

describe("checkDisruptiveChanges (the Pulumi / cdk8s guard)", () => {
  const moved = edit((s) => {
    s.nodes[1]!.podCidrs = ["10.244.9.0/24"];
    s.flannel = { backend: { type: "vxlan", vni: 5 } };
  });

  test("each disruptive change is an error naming the path, both values and how to allow it", () => {
    const r = checkDisruptiveChanges(base, moved);
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.path]),
      [
        ["change.disruptive", "flannel.backend.vni"],
        ["change.disruptive", "nodes[node1].podCidrs.ipv4"],
      ],
    );
    const msg = r.errors[1]!.message;
    assert.ok(msg.startsWith('nodes[node1].podCidrs.ipv4: changes from "10.244.7.0/24" to "10.244.9.0/24"'), msg);
    assert.match(msg, /allowDisruptiveChange: \["nodes\[node1\]\.podCidrs\.ipv4"\]/);
    assert.deepEqual(r.warnings, []);
  });

  test("allowed by exact path, by a parent path, or *; allowed ones stay visible as warnings", () => {
    for (const allow of [["flannel.backend.vni", "nodes[node1].podCidrs.ipv4"], ["flannel", "nodes[node1]"], ["*"]]) {
      const r = checkDisruptiveChanges(base, moved, allow);
      assert.deepEqual(r.errors, [], allow.join());
      assert.equal(r.warnings.filter((w) => w.code === "change.disruptive-allowed").length, 2);
      assert.match(r.warnings[0]!.message, /Migration: \(1\)/);
    }
    const partial = checkDisruptiveChanges(base, moved, ["flannel.backend.vni"]);
    assert.deepEqual(
      partial.errors.map((e) => e.path),
      ["nodes[node1].podCidrs.ipv4"],
    );
  });

  test("an allow entry that matches nothing is a warning (it would let a later change through unseen)", () => {
    const r = checkDisruptiveChanges(base, base, ["cluster.podCidrs"]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [["change.allow-unused", "allowDisruptiveChange[0]"]],
    );
  });

  test("no previous spec: nothing to check; an invalid previous spec is reported; an invalid next is left to the component", () => {
    assert.deepEqual(checkDisruptiveChanges(undefined, moved), { errors: [], warnings: [], changes: [] });
    const r = checkDisruptiveChanges({ cluster: {} }, moved);
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.path]),
      [["change.previous-invalid", "previous"]],
    );
    assert.deepEqual(checkDisruptiveChanges(base, { cluster: {} }).errors, []);
  });

  test("allows", () => {
    assert.ok(allows("nodes[a]", "nodes[a].podCidrs.ipv4"));
    assert.ok(!allows("nodes[a]", "nodes[ab].podCidrs.ipv4"));
    assert.ok(!allows("flannel.backend", "flannel.backendX"));
    assert.ok(allows("*", "anything"));
  });
});

describe("checkComponentChanges (front ends holding a plan and their options)", () => {
  const plan = planPodCidrs({ cluster: base.cluster as never, nodes: base.nodes as never }).value;
  const moved = planPodCidrs({
    cluster: base.cluster as never,
    nodes: edit((s) => (s.nodes[1]!.podCidrs = ["10.244.9.0/24"])).nodes as never,
  }).value;

  test("FlannelNetwork: a VNI change is refused unless allowed; a default written out is no change", () => {
    const r = checkComponentChanges(
      { plan, flannel: { backend: { type: "vxlan" } } },
      { plan, flannel: { backend: { type: "vxlan", vni: 2 } } },
    );
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.path]),
      [["change.disruptive", "flannel.backend.vni"]],
    );
    assert.deepEqual(checkComponentChanges({ plan, flannel: {} }, { plan, flannel: { backend: { vni: 1 } } }).errors, []);
    const ok = checkComponentChanges({ plan, flannel: {} }, { plan, flannel: { backend: { type: "host-gw" } } }, ["flannel.backend.type"]);
    assert.deepEqual([ok.errors, ok.warnings.map((w) => w.code)], [[], ["change.disruptive-allowed"]]);
  });

  test("FlannelNetwork (systemd, etcd): a release across v0.18.0 switches the etcd API and is refused unless allowed", () => {
    const systemd = (version: string) => ({
      mode: "systemd",
      version,
      systemd: { datastore: "etcd", etcd: { endpoints: ["https://192.168.1.31:2379"] }, release: { sha256: { amd64: "0".repeat(64) } } },
    });
    const r = checkComponentChanges({ plan, flannel: systemd("v0.17.0") }, { plan, flannel: systemd("v0.28.9") });
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.path]),
      [["change.disruptive", "flannel.version"]],
    );
    assert.match(r.errors[0]?.message ?? "", /"v0\.17\.0 \(etcd v2 API\)" to "v0\.28\.9 \(etcd v3 API\)"/);
    const allowed = checkComponentChanges({ plan, flannel: systemd("v0.17.0") }, { plan, flannel: systemd("v0.28.9") }, [
      "flannel.version",
    ]);
    assert.deepEqual([allowed.errors, allowed.warnings.map((w) => w.code)], [[], ["change.disruptive-allowed"]]);
    assert.deepEqual(checkComponentChanges({ plan, flannel: systemd("v0.26.7") }, { plan, flannel: systemd("v0.28.9") }).errors, []);
  });

  test("CalicoNetwork: a pool CIDR change; and node subnet moves between the two plans", () => {
    const r = checkComponentChanges(
      { plan, calico: {} },
      { plan, calico: { ipPools: [{ cidr: "10.244.0.0/17" }, { cidr: "fd00:10:244::/56" }] } },
    );
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ["calico.ipPools[default-ipv4-ippool].cidr"],
    );
    const m = checkComponentChanges({ plan, calico: {} }, { plan: moved, calico: {} });
    assert.deepEqual(
      m.errors.map((e) => e.path),
      ["nodes[node1].podCidrs.ipv4"],
    );
  });

  test("invalid previous options are reported; invalid next options are left to the component", () => {
    assert.deepEqual(
      checkComponentChanges({ plan, flannel: { backend: { type: "nope" } } }, { plan, flannel: {} }).errors.map((e) => e.code),
      ["change.previous-invalid"],
    );
    assert.deepEqual(checkComponentChanges({ plan, flannel: {} }, { plan, flannel: { backend: { type: "nope" } } }).errors, []);
    assert.deepEqual(checkComponentChanges(undefined, { plan, flannel: {} }).errors, []);
  });
});
