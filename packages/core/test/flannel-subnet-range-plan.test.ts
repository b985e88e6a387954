/**
 * flannel's subnet range in the plan: with the etcd datastore, SubnetLen and
 * cluster.nodeMaskSize follow each other, and node subnets are allocated only
 * inside flannel's SubnetMin..SubnetMax (the Network's second to last subnet
 * by default), so a spec without pins validates. IPv4, IPv6 and dual-stack.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { testPem } from "../../../test/support/pem.js";
import { type CidrPlan, checkSpec, flannelNetworkSchema } from "../src/index.js";
import { cidr, contains, flannelPlanConstraints } from "../src/internal/index.js";

const { ca: CA, cert: CERT } = testPem();
const files = { files: { "pki/ca.pem": CA, "pki/flanneld.pem": CERT } };

type Spec = {
  cluster: Record<string, unknown>;
  nodes: Array<Record<string, unknown>>;
  flannel: Record<string, unknown> & { systemd: Record<string, unknown> & { etcd: Record<string, unknown> } };
};

function spec(opts: { v6?: boolean; v4?: boolean; nodes?: number } = {}): Spec {
  const v4 = opts.v4 ?? true;
  const v6 = opts.v6 ?? false;
  return {
    cluster: {
      podCidrs: [...(v4 ? ["172.30.0.0/16"] : []), ...(v6 ? ["fd00:10:244::/56"] : [])],
      serviceCidrs: [...(v4 ? ["10.254.0.0/16"] : []), ...(v6 ? ["fd00:10:96::/112"] : [])],
    },
    nodes: Array.from({ length: opts.nodes ?? 3 }, (_, i) => ({
      name: `node${i + 1}`,
      interfaces: [{ name: "eth0", addresses: [...(v4 ? [`192.168.1.${31 + i}/24`] : []), ...(v6 ? [`fd00:1::${31 + i}/64`] : [])] }],
      ssh: { host: `192.168.1.${31 + i}`, user: "root" },
    })),
    flannel: {
      mode: "systemd",
      version: "v0.28.9",
      systemd: {
        datastore: "etcd",
        etcd: {
          endpoints: ["https://192.168.1.31:2379"],
          tls: { caFile: "pki/ca.pem", certFile: "pki/flanneld.pem", keyFile: "pki/flanneld-key.pem" },
        },
        release: { sha256: { amd64: "a".repeat(64) } },
        containerRuntime: "docker",
      },
    },
  };
}

function valid(s: Spec): CidrPlan {
  const r = checkSpec(s, files);
  assert.deepEqual(
    r.errors.map((e) => e.message),
    [],
  );
  assert.ok(r.value?.plan);
  return r.value?.plan;
}

const subnets = (plan: CidrPlan, family: "ipv4" | "ipv6") => plan.nodes.map((n) => n.podCidrs[family]);

describe("flannel etcd: node subnets inside SubnetMin..SubnetMax", () => {
  test("no pins, subnetLen alone: the node mask follows it and the first /21 is skipped", () => {
    const s = spec();
    s.flannel.subnetLen = 21;
    const plan = valid(s);
    assert.equal(plan.nodeMaskSize.ipv4, 21);
    assert.deepEqual(subnets(plan, "ipv4"), ["172.30.8.0/21", "172.30.16.0/21", "172.30.24.0/21"]);
  });

  test("no pins, nodeMaskSize alone: SubnetLen follows it", () => {
    const s = spec();
    s.cluster.nodeMaskSize = { ipv4: 21 };
    const plan = valid(s);
    assert.deepEqual(subnets(plan, "ipv4"), ["172.30.8.0/21", "172.30.16.0/21", "172.30.24.0/21"]);
  });

  test("both given and equal is fine; both given and different is one error", () => {
    const s = spec();
    s.cluster.nodeMaskSize = { ipv4: 21 };
    s.flannel.subnetLen = 21;
    valid(s);
    s.flannel.subnetLen = 22;
    assert.deepEqual(
      checkSpec(s, files).errors.map((e) => e.code),
      ["flannel.etcd.subnet-len-mask"],
    );
  });

  test("neither given: /24 node subnets from the Network's second one", () => {
    assert.deepEqual(subnets(valid(spec()), "ipv4"), ["172.30.1.0/24", "172.30.2.0/24", "172.30.3.0/24"]);
  });

  test("subnetMin and subnetMax: allocation starts at SubnetMin and stays below SubnetMax", () => {
    const s = spec();
    s.flannel.subnetLen = 24;
    s.flannel.subnetMin = "172.30.100.0";
    s.flannel.subnetMax = "172.30.102.0";
    assert.deepEqual(subnets(valid(s), "ipv4"), ["172.30.100.0/24", "172.30.101.0/24", "172.30.102.0/24"]);
    s.flannel.subnetMax = "172.30.101.0";
    assert.deepEqual(
      checkSpec(s, files).errors.map((e) => [e.code, e.message]),
      [
        [
          "capacity.range",
          "flannel.subnetMin: flannel's SubnetMin..SubnetMax (172.30.100.0/24..172.30.101.0/24) holds 2 /24 subnets but 3 nodes need one there; widen the range or use a longer cluster.nodeMaskSize.ipv4",
        ],
      ],
    );
  });

  test("a pin takes its subnet; the others are allocated around it inside the range", () => {
    const s = spec();
    s.flannel.subnetLen = 21;
    (s.nodes[1] as Record<string, unknown>).podCidrs = ["172.30.8.0/21"];
    assert.deepEqual(subnets(valid(s), "ipv4"), ["172.30.16.0/21", "172.30.8.0/21", "172.30.24.0/21"]);
  });

  test("a previous subnet outside the range moves into it, with a warning", () => {
    const s = spec();
    s.flannel.subnetLen = 21;
    const r = checkSpec(s, { ...files, previous: { node1: { ipv4: "172.30.0.0/21" } } });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(subnets(r.value?.plan as CidrPlan, "ipv4"), ["172.30.8.0/21", "172.30.16.0/21", "172.30.24.0/21"]);
    assert.deepEqual(
      r.warnings.filter((w) => w.code === "node.subnet-moved").map((w) => w.message),
      [
        'nodes[0]: node "node1" had IPv4 subnet "172.30.0.0/21" in the previous plan, which lies outside flannel\'s SubnetMin..SubnetMax (172.30.8.0/21..172.30.248.0/21); it gets a new subnet, and its pods must be recreated',
      ],
    );
  });

  test("IPv6 and dual-stack: the IPv6 range skips the first subnet too", () => {
    const v6 = spec({ v4: false, v6: true });
    assert.deepEqual(subnets(valid(v6), "ipv6"), ["fd00:10:244:1::/64", "fd00:10:244:2::/64", "fd00:10:244:3::/64"]);
    const dual = spec({ v6: true });
    dual.flannel.ipv6SubnetLen = 60;
    const plan = valid(dual);
    assert.equal(plan.nodeMaskSize.ipv6, 60);
    assert.deepEqual(subnets(plan, "ipv6"), ["fd00:10:244:10::/60", "fd00:10:244:20::/60", "fd00:10:244:30::/60"]);
    assert.deepEqual(subnets(plan, "ipv4"), ["172.30.1.0/24", "172.30.2.0/24", "172.30.3.0/24"]);
  });

  test("every node subnet lies in flannel's range for any node count that fits", () => {
    for (const n of [1, 7, 31]) {
      const s = spec({ nodes: n });
      s.flannel.subnetLen = 21;
      const plan = valid(s);
      const got = subnets(plan, "ipv4") as string[];
      assert.equal(new Set(got).size, n);
      const range = { lo: cidr("172.30.8.0/21").first, hi: cidr("172.30.248.0/21").first };
      for (const g of got) {
        const c = cidr(g);
        assert.ok(contains(cidr("172.30.0.0/16"), c) && c.first >= range.lo && c.first <= range.hi, g);
      }
    }
  });
});

describe("flannelPlanConstraints", () => {
  const release = { sha256: { amd64: "a".repeat(64) } };
  const parse = (f: Record<string, unknown>) =>
    flannelNetworkSchema.parse(f.systemd ? { ...f, systemd: { release, ...(f.systemd as object) } } : f);
  test("only the etcd datastore constrains the plan", () => {
    const none = { nodeMaskSize: {}, allocation: {} };
    assert.deepEqual(flannelPlanConstraints(parse({ subnetLen: 21 }), { ipv4: false, ipv6: false }), none);
    const kube = parse({ mode: "systemd", subnetLen: 21, systemd: { datastore: "kube-subnet-mgr" } });
    assert.deepEqual(flannelPlanConstraints(kube, { ipv4: false, ipv6: false }), none);
    assert.deepEqual(flannelPlanConstraints(undefined, { ipv4: false, ipv6: false }), none);
  });

  test("without reservations flanneld picks subnets itself: no allocation range", () => {
    const f = parse({ mode: "systemd", subnetLen: 21, systemd: { etcd: { endpoints: ["http://e:2379"], reserveSubnets: false } } });
    assert.deepEqual(flannelPlanConstraints(f, { ipv4: false, ipv6: false }), { nodeMaskSize: { ipv4: 21 }, allocation: {} });
  });

  test("a node mask the spec gives is not replaced", () => {
    const f = parse({ mode: "systemd", subnetLen: 21, ipv6SubnetLen: 60, systemd: { etcd: { endpoints: ["http://e:2379"] } } });
    assert.deepEqual(flannelPlanConstraints(f, { ipv4: true, ipv6: false }).nodeMaskSize, { ipv6: 60 });
    assert.deepEqual(flannelPlanConstraints(f, { ipv4: true, ipv6: false }).allocation, {
      ipv4: { excludeFirst: true, label: "flannel's SubnetMin..SubnetMax", path: "flannel.subnetMin" },
      ipv6: { excludeFirst: true, label: "flannel's IPv6SubnetMin..IPv6SubnetMax", path: "flannel.ipv6SubnetMin" },
    });
  });
});
