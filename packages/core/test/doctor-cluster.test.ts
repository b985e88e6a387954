/**
 * doctor and the subnets kube-controller-manager assigns: in the kube subnet
 * manager modes the plan's node subnets are a prediction (KCM hands them out
 * in registration order), so a healthy cluster registered in another order
 * has no findings, only information; with the cluster's Node objects
 * (`kubectl get nodes -o json`) doctor checks against their spec.podCIDRs.
 * With the etcd datastore the plan's reservations stay authoritative.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DoctorPlan, type ExpectedNodeState, type PerFamily, planDoctor, renderDoctorCheckScript } from "@podnet/core";
import { applyClusterFacts, diagnose, nodeFacts, observedSubnets, parseClusterFacts } from "@podnet/core/internal";
import { type FakeNode, healthyNode, nodeListJson, registeredAsPlanned, render, withCluster } from "./doctor-fixtures.js";

const node = (i: number) => ({ name: `n${i}`, interfaces: [{ name: "eth0", addresses: [`192.168.1.${30 + i}/24`] }] });
const V4 = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };

function doctorOf(spec: unknown): DoctorPlan {
  const r = planDoctor(spec);
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  return r.value as DoctorPlan;
}

const SPECS: Record<string, unknown> = {
  "DaemonSet (kube subnet manager), vxlan": { cluster: V4, nodes: [node(1), node(2), node(3)], flannel: {} },
  "DaemonSet, host-gw": { cluster: V4, nodes: [node(1), node(2), node(3)], flannel: { backend: { type: "host-gw" } } },
  "systemd mode, kube subnet manager": {
    cluster: V4,
    nodes: [node(1), node(2), node(3)],
    flannel: {
      mode: "systemd",
      iface: ["eth0"],
      systemd: {
        datastore: "kube-subnet-mgr",
        kubeSubnetMgr: { apiServer: "https://192.168.1.31:6443" },
        release: { sha256: { amd64: "0".repeat(64) } },
        containerRuntime: "docker",
      },
    },
  },
};

/** n1 registered last: KCM gave n2 the first subnet, n3 the second, n1 the third. */
const REGISTERED = nodeListJson([
  { name: "n2", podCidrs: ["10.244.0.0/24"], internalIps: ["192.168.1.32"] },
  { name: "n3", podCidrs: ["10.244.1.0/24"], internalIps: ["192.168.1.33"] },
  { name: "n1", podCidrs: ["10.244.2.0/24"], internalIps: ["192.168.1.31"] },
]);

/** What each node of that cluster really has (healthy), as collection output. */
function clusterNodes(doctor: DoctorPlan): Map<string, FakeNode> {
  return new Map(withCluster(doctor, REGISTERED).nodes.map((e) => [e.node, healthyNode(e)]));
}

function observedAll(doctor: DoctorPlan, fakes: Map<string, FakeNode>): Record<string, PerFamily<string>> {
  const out: Record<string, PerFamily<string>> = {};
  for (const e of doctor.nodes) {
    const seen = observedSubnets(e, nodeFacts(render(fakes.get(e.node) as FakeNode)));
    if (seen) out[e.node] = seen;
  }
  return out;
}

describe("doctor: a healthy cluster registered in another order than the spec", () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    test(`${name}: no findings without the Node objects, the difference is information`, () => {
      const doctor = doctorOf(spec);
      const fakes = clusterNodes(doctor);
      const peerSubnets = observedAll(doctor, fakes);
      for (const e of doctor.nodes) {
        const d = diagnose(e, nodeFacts(render(fakes.get(e.node) as FakeNode)), { peerSubnets });
        assert.deepEqual(d.findings, [], `${e.node}: ${JSON.stringify(d.findings, null, 1)}`);
        assert.deepEqual(d.unchecked, []);
        assert.deepEqual(
          d.info.map((f) => f.code),
          ["subnet.assigned-differs"],
        );
        assert.match(d.info[0]?.fix ?? "", /--nodes-json FILE/);
      }
    });

    test(`${name}: no findings against the Node objects; the plan's prediction differing is information`, () => {
      const doctor = doctorOf(spec);
      const facts = parseClusterFacts(REGISTERED, "nodes.json").facts;
      assert.ok(facts);
      const applied = applyClusterFacts(doctor, facts);
      const fakes = clusterNodes(doctor);
      for (const e of applied.doctor.nodes) {
        // No peer subnets observed (e.g. `--node n1`): the routes follow the cluster's assignment.
        const d = diagnose(e, nodeFacts(render(fakes.get(e.node) as FakeNode)));
        assert.deepEqual([...d.findings, ...d.info], [], `${e.node}: ${JSON.stringify(d, null, 1)}`);
        assert.deepEqual(d.unchecked, []);
        assert.ok(d.checks.includes("routes") || e.routes.length === 0);
      }
      const info = applied.info.get("n1") ?? [];
      assert.deepEqual(
        info.map((f) => [f.code, f.expected, f.found]),
        [
          [
            "subnet.assigned-differs",
            "IPv4 10.244.0.0/24 (the plan's prediction)",
            "10.244.2.0/24 in the Node's spec.podCIDRs (nodes.json)",
          ],
        ],
      );
      assert.deepEqual([...applied.info.keys()].sort(), ["n1", "n2", "n3"]);
    });

    test(`${name}: the verify script passes on every node of that cluster`, () => {
      const doctor = doctorOf(spec);
      for (const e of doctor.nodes) {
        const script = renderDoctorCheckScript(e);
        assert.doesNotMatch(script, /subnet\.stale/, e.node);
        assert.doesNotMatch(script, /podnet_route_hop \d '10\.244/, e.node);
      }
    });
  }

  test("without the Node objects and without the peers' facts, routes to a predicted subnet are not judged", () => {
    const doctor = doctorOf(SPECS["DaemonSet (kube subnet manager), vxlan"]);
    const fakes = clusterNodes(doctor);
    const e = doctor.nodes[0] as ExpectedNodeState;
    const d = diagnose(e, nodeFacts(render(fakes.get("n1") as FakeNode)));
    assert.deepEqual(d.findings, []);
    assert.deepEqual(
      d.info.map((f) => f.code),
      ["subnet.assigned-differs", "routes.peer-unknown"],
    );
    assert.match(d.info[1]?.expected ?? "", /"n2", "n3"/);
  });
});

describe("doctor: faults against the cluster's assignment", () => {
  const doctor = doctorOf(SPECS["DaemonSet (kube subnet manager), vxlan"]);
  const applied = withCluster(doctor, REGISTERED);
  const n1 = applied.nodes.find((e) => e.node === "n1") as ExpectedNodeState;

  test("flanneld holds another subnet than its Node's spec.podCIDRs: subnet.stale, fixed by a restart", () => {
    // subnet.env still has the planned 10.244.0.0/24 (left over from an earlier registration).
    const fake = healthyNode(n1);
    fake.files["/run/flannel/subnet.env"] =
      "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.0.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
    const d = diagnose(n1, nodeFacts(render(fake)));
    const stale = d.findings.filter((f) => f.code === "subnet.stale");
    assert.equal(stale.length, 1, JSON.stringify(d.findings, null, 1));
    assert.match(stale[0]?.expected ?? "", /10\.244\.2\.0\/24 \(the Node's spec\.podCIDRs in nodes\.json/);
    assert.match(stale[0]?.fix ?? "", /restart flanneld on node "n1"/);
  });

  test("a route to the subnet the peer's Node holds is missing: route.missing", () => {
    const fake = healthyNode(n1);
    fake.routes.ipv4 = fake.routes.ipv4.filter((r) => r.dst !== "10.244.0.0/24");
    const d = diagnose(n1, nodeFacts(render(fake)));
    assert.deepEqual(
      d.findings.map((f) => f.code),
      ["route.missing"],
    );
    assert.match(d.findings[0]?.expected ?? "", /^10\.244\.0\.0\/24 via 10\.244\.0\.0 dev flannel\.1 onlink \(node "n2"'s/);
  });

  test("the verify script from the cluster's assignment checks the subnet and each route", () => {
    const script = renderDoctorCheckScript(n1);
    assert.match(script, /FLANNEL_SUBNET '10\.244\.2\.1\/24' subnet\.stale/);
    assert.match(script, /podnet_route_hop 4 '10\.244\.0\.2'/);
    assert.match(script, /podnet_route_hop 4 '10\.244\.1\.2'/);
  });

  test("a node the cluster does not know, or without spec.podCIDRs, is information; the plan stays for it", () => {
    const partial = nodeListJson([
      { name: "n1", podCidrs: [], internalIps: ["192.168.1.31"] },
      { name: "n2", podCidrs: ["10.244.1.0/24"], internalIps: ["192.168.1.32"] },
    ]);
    const facts = parseClusterFacts(partial, "nodes.json").facts;
    assert.ok(facts);
    const r = applyClusterFacts(doctor, facts);
    assert.deepEqual(
      [...r.info.entries()].map(([n, fs]) => [n, fs.map((f) => f.code)]),
      [
        ["n1", ["subnet.unassigned"]],
        ["n3", ["node.unregistered"]],
      ],
    );
    const n3 = r.doctor.nodes[2] as ExpectedNodeState;
    assert.equal(n3.subnet?.predicted, true);
    assert.deepEqual(
      n3.routes.map((x) => [x.peer, x.subnet, x.predicted ?? false]),
      [
        ["n1", "10.244.0.0/24", true],
        ["n2", "10.244.1.0/24", false],
      ],
    );
  });

  test("the etcd datastore keeps the plan's reservations: the Node objects change nothing", () => {
    const etcd = doctorOf({
      cluster: V4,
      nodes: [
        { ...node(1), podCidrs: ["10.244.1.0/24"] },
        { ...node(2), podCidrs: ["10.244.2.0/24"] },
      ],
      flannel: {
        mode: "systemd",
        systemd: {
          datastore: "etcd",
          etcd: { endpoints: ["http://192.168.1.31:2379"] },
          release: { sha256: { amd64: "0".repeat(64) } },
          containerRuntime: "docker",
        },
      },
    });
    const facts = parseClusterFacts(
      nodeListJson([
        { name: "n1", podCidrs: ["10.244.7.0/24"], internalIps: [] },
        { name: "n2", podCidrs: ["10.244.8.0/24"], internalIps: [] },
      ]),
      "nodes.json",
    ).facts;
    assert.ok(facts);
    const r = applyClusterFacts(etcd, facts);
    assert.deepEqual(r.doctor, etcd);
    assert.equal(r.info.size, 0);
  });
});

describe("doctor: reading kubectl get nodes -o json", () => {
  test("podCIDRs per family, the older single podCIDR, InternalIP addresses", () => {
    const doc = nodeListJson([
      { name: "a", podCidrs: ["10.244.3.0/24", "fd00:10:244:3::/64"], internalIps: ["192.168.1.31", "fd00:1::31"] },
    ]);
    const legacy = {
      apiVersion: "v1",
      kind: "NodeList",
      items: [{ metadata: { name: "b" }, spec: { podCIDR: "10.244.4.0/24" }, status: { addresses: [] } }],
    };
    const a = parseClusterFacts(doc, "x").facts?.nodes.get("a");
    assert.deepEqual(a, {
      name: "a",
      podCidrs: { ipv4: "10.244.3.0/24", ipv6: "fd00:10:244:3::/64" },
      internalIps: { ipv4: ["192.168.1.31"], ipv6: ["fd00:1::31"] },
    });
    assert.deepEqual(parseClusterFacts(legacy, "x").facts?.nodes.get("b")?.podCidrs, { ipv4: "10.244.4.0/24" });
    assert.equal(parseClusterFacts(registeredAsPlanned(doctorOf(SPECS["DaemonSet, host-gw"])), "x").facts?.nodes.size, 3);
  });

  const BAD: Array<{ name: string; doc: unknown; problem: RegExp }> = [
    { name: "not a list", doc: { apiVersion: "v1", kind: "Node", metadata: { name: "a" } }, problem: /^kind: / },
    {
      name: "a Node without a name",
      doc: { apiVersion: "v1", kind: "List", items: [{ metadata: {} }] },
      problem: /^items\.0\.metadata\.name: /,
    },
    {
      name: "podCIDRs not a list",
      doc: { apiVersion: "v1", kind: "List", items: [{ metadata: { name: "a" }, spec: { podCIDRs: "10.244.0.0/24" } }] },
      problem: /^items\.0\.spec\.podCIDRs: /,
    },
    {
      name: "a podCIDR with host bits",
      doc: { apiVersion: "v1", kind: "List", items: [{ metadata: { name: "a" }, spec: { podCIDRs: ["10.244.0.1/24"] } }] },
      problem: /^items\.0\.spec\.podCIDRs\.0: "10\.244\.0\.1\/24" /,
    },
    {
      name: "a node listed twice",
      doc: { apiVersion: "v1", kind: "List", items: [{ metadata: { name: "a" } }, { metadata: { name: "a" } }] },
      problem: /^items\.1\.metadata\.name: node "a" is listed twice/,
    },
    { name: "not an object", doc: [1, 2], problem: /^\(document\): / },
  ];
  for (const b of BAD) {
    test(`rejected with the JSON path: ${b.name}`, () => {
      const r = parseClusterFacts(b.doc, "x");
      assert.equal(r.facts, undefined);
      assert.ok(
        r.problems.some((p) => b.problem.test(p)),
        r.problems.join("\n"),
      );
    });
  }
});
