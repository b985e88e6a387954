/**
 * The FlannelNetwork construct: default and custom snapshots (plain JSON
 * files next to this test; regenerate with UPDATE_SNAPSHOTS=1), synth equal
 * to the core objects, errors in the constructor, warnings as metadata.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { NetworkPlanError, type PodCidrPlanOptions, planPodCidrs } from "@podnet/core";
import { App, Chart, Testing } from "cdk8s";
import { snapshots } from "../../../test/support/snapshot.js";
import { FlannelNetwork, PodCidrPlan } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));

const CLUSTER: PodCidrPlanOptions = {
  cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
  nodes: [
    { name: "cp1", roles: ["control-plane"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:192:168:1::31/64"] }] },
    { name: "node1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:192:168:1::32/64"] }] },
  ],
};

const snapshot = snapshots(import.meta.url, "flannel-network");

describe("cdk8s FlannelNetwork", () => {
  test("default snapshot; the synth equals the core's objects", () => {
    const chart = Testing.chart();
    const plan = new PodCidrPlan(chart, "plan", CLUSTER);
    const flannel = new FlannelNetwork(chart, "flannel", { plan });
    const synth = Testing.synth(chart);
    snapshot("default", synth);
    assert.deepStrictEqual(synth, JSON.parse(JSON.stringify(flannel.network.objects)));
    assert.equal(flannel.namespace, "kube-flannel");
    assert.equal(flannel.daemonSetName, "kube-flannel-ds");
    assert.deepEqual(flannel.podMtu, { cp1: 1450, node1: 1450 });
    assert.deepEqual(
      flannel.hostRequirements.firewall.map((f) => `${f.port}/${f.protocol}`),
      ["8472/udp", "8081/tcp"],
    );
  });

  test("custom snapshot: v0.26.7, wireguard with a PSK, mirror, selectors", () => {
    const chart = Testing.chart();
    new FlannelNetwork(chart, "flannel", {
      plan: CLUSTER,
      version: "v0.26.7",
      imageRegistry: "registry.example.com/flannel-io",
      backend: { type: "wireguard", psk: "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=", persistentKeepaliveInterval: 25 },
      iface: ["eth0"],
      healthzPort: 8081,
      labels: { "example.com/owner": "net" },
      tolerations: [{ operator: "Exists" }],
      resources: { requests: { cpu: "100m", memory: "50Mi" }, limits: { memory: "128Mi" } },
    });
    const synth = Testing.synth(chart);
    snapshot("custom", synth);
    assert.deepEqual(
      synth.map((o: { kind: string }) => o.kind),
      ["Namespace", "ClusterRole", "ClusterRoleBinding", "ServiceAccount", "ConfigMap", "Secret", "DaemonSet"],
    );
  });

  test("takes a plan computed elsewhere", () => {
    const chart = Testing.chart();
    const f = new FlannelNetwork(chart, "flannel", { plan: planPodCidrs(CLUSTER).value, backend: { type: "host-gw" } });
    assert.deepEqual(f.podMtu, { cp1: 1500, node1: 1500 });
  });

  test("bad props throw in the constructor, with every problem", () => {
    const chart = Testing.chart();
    assert.throws(
      () => new FlannelNetwork(chart, "flannel", { plan: CLUSTER, backend: { type: "ipip" }, version: "v0.1.0" }),
      (e: unknown) =>
        e instanceof NetworkPlanError &&
        e.problems.map((p) => p.code).join() === "flannel.version-unknown,flannel.backend-ipv6" &&
        e.message.includes('flannel.backend.type: "ipip" carries IPv4 only'),
    );
  });

  test("warnings become podnet:warning metadata", () => {
    const chart = Testing.chart();
    const f = new FlannelNetwork(chart, "flannel", { plan: CLUSTER, subnetLen: 24 });
    const meta = f.node.metadata.filter((m) => m.type === "podnet:warning").map((m) => m.data);
    assert.deepEqual(meta, [
      'flannel.subnetLen: 24 is ignored in mode "daemonset": the kube subnet manager gives each node its spec.podCIDR (cluster.nodeMaskSize); remove it, or use mode "systemd" with etcd',
    ]);
  });

  describe("disruptive changes from previous", () => {
    // What was applied last, as an earlier plan.json holds it.
    const previous = { plan: JSON.parse(JSON.stringify(planPodCidrs(CLUSTER).value)), flannel: {} };

    test("a VNI change throws in the constructor", () => {
      assert.throws(
        () => new FlannelNetwork(Testing.chart(), "flannel", { plan: CLUSTER, backend: { type: "vxlan", vni: 4 }, previous }),
        (e: unknown) => {
          assert.ok(e instanceof NetworkPlanError);
          assert.deepStrictEqual(
            e.problems.map((p) => [p.path, p.code, p.message]),
            [
              [
                "flannel.backend.vni",
                "change.disruptive",
                'flannel.backend.vni: changes from 1 to 4, which disrupts running pods: the VXLAN device becomes flannel.4: nodes on VNI 1 and VNI 4 cannot reach each other\'s pods. Carry out the migration (podnet diff OLD NEW prints the steps), then allow it with allowDisruptiveChange: ["flannel.backend.vni"]',
              ],
            ],
          );
          return true;
        },
      );
    });

    test("allowed by allowDisruptiveChange: synth goes on, with the migration as a warning", () => {
      const f = new FlannelNetwork(Testing.chart(), "flannel", {
        plan: CLUSTER,
        backend: { type: "vxlan", vni: 4 },
        previous,
        allowDisruptiveChange: ["flannel.backend.vni"],
      });
      const warnings = f.node.metadata.filter((m) => m.type === "podnet:warning").map((m) => String(m.data));
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0] ?? "",
        /^flannel\.backend\.vni: changes from 1 to 4, allowed by allowDisruptiveChange "flannel\.backend\.vni"; .* \(3\) On each node: ip link delete flannel\.1\.$/,
      );
    });

    test("a change applied in place (healthzPort) or a default written out passes without a warning", () => {
      const f = new FlannelNetwork(Testing.chart(), "flannel", {
        plan: CLUSTER,
        backend: { type: "vxlan", vni: 1 },
        healthzPort: 8082,
        previous,
      });
      assert.deepStrictEqual(
        f.node.metadata.filter((m) => m.type === "podnet:warning"),
        [],
      );
    });

    test("a node subnet moved by a pin throws unless allowed", () => {
      const pinned: PodCidrPlanOptions = {
        ...CLUSTER,
        nodes: (CLUSTER.nodes ?? []).map((n) => (n.name === "node1" ? { ...n, podCidrs: ["10.244.9.0/24", "fd00:10:244:9::/64"] } : n)),
      };
      assert.throws(
        () => new FlannelNetwork(Testing.chart(), "flannel", { plan: pinned, previous }),
        (e: unknown) =>
          e instanceof NetworkPlanError && e.problems.map((p) => p.path).join() === "nodes[node1].podCidrs.ipv4,nodes[node1].podCidrs.ipv6",
      );
      assert.ok(new FlannelNetwork(Testing.chart(), "flannel", { plan: pinned, previous, allowDisruptiveChange: ["nodes[node1]"] }));
    });
  });

  test("a chart namespace reaches namespaced objects only", () => {
    const app = Testing.app();
    const chart = new Chart(app, "c", { namespace: "ignored-by-flannel" });
    new FlannelNetwork(chart, "flannel", { plan: CLUSTER });
    const synth = Testing.synth(chart) as Array<{ kind: string; metadata: { namespace?: string } }>;
    for (const o of synth) {
      const expected = ["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.kind) ? undefined : "kube-flannel";
      assert.equal(o.metadata.namespace, expected, o.kind);
    }
  });

  test("two FlannelNetworks in one app fail validation at synth", () => {
    const app = new App({ outdir: join(here, ".podnet-tmp-never-written") });
    const chart = new Chart(app, "c");
    new FlannelNetwork(chart, "a", { plan: CLUSTER });
    new FlannelNetwork(chart, "b", { plan: CLUSTER });
    assert.throws(() => app.synthYaml(), /2 FlannelNetwork constructs \(c\/a, c\/b\) would render the same cluster-scoped objects/);
  });
});
