/**
 * The FlannelNetwork component under Pulumi mocks (no engine, no provider
 * plugin: nothing is deployed). Asserts the resource graph: child types and
 * inputs, parent and provider, dependsOn, secret handling of the wireguard
 * PSK, and validation before any child exists.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { type PodCidrPlanOptions, planPodCidrs, renderFlannelNetwork } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { mockPulumi, outputValue, SECRET_SIG, SPECIAL_SIG_KEY, settle, warningsOf } from "../../../test/support/pulumi-mocks.js";

const registered = mockPulumi();
const { FlannelNetwork, PodCidrPlan } = await import("../src/index.js");
const k8s = await import("@pulumi/kubernetes");

const CLUSTER: PodCidrPlanOptions = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"], mtu: 9000 }] },
  ],
};
const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";

/** Records every child's options through a component transformation (the mock monitor does not expose dependsOn). */
function recorder() {
  const seen: Record<string, { parent?: pulumi.Resource; dependsOn: string[] }> = {};
  const transformations: pulumi.ResourceTransformation[] = [
    (a) => {
      if (!a.type.startsWith("kubernetes:")) return undefined; // the component itself
      const deps = ([] as unknown[]).concat(a.opts.dependsOn ?? []) as pulumi.Resource[];
      seen[a.type] = {
        ...(a.opts.parent ? { parent: a.opts.parent } : {}),
        dependsOn: deps.map((d) => (d as unknown as { __name?: string }).__name ?? "?"),
      };
      return undefined;
    },
  ];
  return { seen, transformations };
}

const ORDER = ["net-namespace", "net-clusterrole", "net-clusterrolebinding", "net-serviceaccount", "net-configmap", "net-daemonset"];

describe("Pulumi FlannelNetwork (mocks)", () => {
  test("creates upstream's objects as children, in order, with dependsOn and the provider passed through", async () => {
    const provider = new k8s.Provider("cluster", {});
    const plan = new PodCidrPlan("plan", CLUSTER);
    const rec = recorder();
    const before = registered.length;
    const f = new FlannelNetwork("net", { plan }, { provider, transformations: rec.transformations });
    await settle();
    // Registration order follows dependsOn (asynchronous); construction order is the apply order.
    assert.deepEqual(Object.keys(f.resources), [
      "Namespace",
      "ClusterRole",
      "ClusterRoleBinding",
      "ServiceAccount",
      "ConfigMap",
      "DaemonSet",
    ]);
    const children = registered
      .slice(before)
      .filter((r) => r.type.startsWith("kubernetes:"))
      .sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
    assert.deepEqual(
      children.map((c) => `${c.type} ${c.name}`),
      [
        "kubernetes:core/v1:Namespace net-namespace",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole net-clusterrole",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding net-clusterrolebinding",
        "kubernetes:core/v1:ServiceAccount net-serviceaccount",
        "kubernetes:core/v1:ConfigMap net-configmap",
        "kubernetes:apps/v1:DaemonSet net-daemonset",
      ],
    );
    // Inputs are the core's objects, untouched.
    const core = renderFlannelNetwork({}, plan.plan).value.objects;
    for (const [i, c] of children.entries()) assert.deepStrictEqual(c.inputs, JSON.parse(JSON.stringify(core[i])), c.name);
    // One provider for every child.
    for (const c of children) assert.match(c.provider ?? "", /::cluster::cluster-id$/, `${c.name} uses the given provider`);
    // Parent and ordering.
    for (const [type, o] of Object.entries(rec.seen)) assert.equal(o.parent, f, `${type} is parented to the component`);
    assert.deepEqual(rec.seen["kubernetes:apps/v1:DaemonSet"]?.dependsOn, [
      "net-namespace",
      "net-serviceaccount",
      "net-clusterrolebinding",
      "net-configmap",
    ]);
    assert.deepEqual(rec.seen["kubernetes:core/v1:ConfigMap"]?.dependsOn, ["net-namespace"]);
    assert.deepEqual(rec.seen["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"]?.dependsOn, ["net-clusterrole"]);
    assert.equal(await outputValue(f.namespace), "kube-flannel");
    assert.equal(await outputValue(f.daemonSetName), "kube-flannel-ds");
    assert.deepEqual(await outputValue(f.podMtu), { n1: 1450, n2: 8950 });
    assert.equal(await outputValue(f.urn), "urn:pulumi:test::podnet::podnet:index:FlannelNetwork::net");
    assert.match(
      await outputValue(f.resources.DaemonSet?.urn as pulumi.Output<string>),
      /podnet:index:FlannelNetwork\$kubernetes:apps\/v1:DaemonSet::net-daemonset$/,
    );
    assert.deepEqual(
      f.hostRequirements.firewall.map((x) => x.port),
      [8472, 8081],
    );
  });

  test("a late PSK (Pulumi secret) lands only in the Secret, as a secret", async () => {
    const before = registered.length;
    const f = new FlannelNetwork("wg", { plan: planPodCidrs(CLUSTER).value, backend: { type: "wireguard" }, psk: pulumi.secret(PSK) });
    await settle();
    const mine = registered.slice(before);
    const secret = mine.find((r) => r.type === "kubernetes:core/v1:Secret");
    assert.ok(secret);
    // The mock monitor receives the value wrapped in Pulumi's secret signature.
    const wrapped = secret.inputs.stringData as Record<string, unknown> & { value: Record<string, string> };
    assert.equal(wrapped[SPECIAL_SIG_KEY], SECRET_SIG, "stringData is sent as a secret");
    const netConf = JSON.parse(wrapped.value["net-conf.json"] ?? "");
    assert.equal(netConf.Backend.PSK, PSK, "the real key, not the validation placeholder");
    assert.ok(!JSON.stringify(mine.filter((r) => r !== secret)).includes(PSK), "no other child carries the key");
    const stringData = (f.resources.Secret as InstanceType<typeof k8s.core.v1.Secret>).stringData;
    assert.equal(await pulumi.isSecret(stringData), true);
    assert.ok(mine.some((r) => r.type === "kubernetes:apps/v1:DaemonSet"));
  });

  test("a PSK given in backend.psk is made secret too", async () => {
    const f = new FlannelNetwork("wg2", { plan: CLUSTER, backend: { type: "wireguard", psk: PSK } });
    await settle();
    const stringData = (f.resources.Secret as InstanceType<typeof k8s.core.v1.Secret>).stringData;
    assert.equal(await pulumi.isSecret(stringData), true);
  });

  test("a late PSK that is not a WireGuard key fails the Secret with a ResourceError that does not show it", () => {
    // In a child process: the failure surfaces as the rejected registration of the Secret.
    const bad = "this-is-secret-and-wrong";
    const script = `
      import * as pulumi from "@pulumi/pulumi";
      pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
      const { FlannelNetwork } = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)});
      new FlannelNetwork("x", { plan: ${JSON.stringify(CLUSTER)}, backend: { type: "wireguard" }, psk: pulumi.secret(${JSON.stringify(bad)}) });
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: import.meta.dirname,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /FlannelNetwork: psk is not a WireGuard key \(32 bytes in base64/);
    assert.ok(!r.stderr.includes(bad) && !r.stdout.includes(bad), "the key is never printed");
  });

  describe("disruptive changes from previous", () => {
    // What was applied last, as an earlier plan.json holds it.
    const previous = { plan: JSON.parse(JSON.stringify(planPodCidrs(CLUSTER).value)), flannel: {} };

    test("a VNI change is an InputPropertiesError before any child is created", async () => {
      await settle();
      const before = registered.length;
      assert.throws(
        () => new FlannelNetwork("vni", { plan: CLUSTER, backend: { type: "vxlan", vni: 4 }, previous }),
        (e: unknown) => {
          assert.ok(pulumi.InputPropertiesError.isInstance(e));
          assert.deepStrictEqual(
            e.errors.map((x) => [x.propertyPath, x.reason]),
            [
              [
                "flannel.backend.vni",
                'flannel.backend.vni: changes from 1 to 4, which disrupts running pods: the VXLAN device becomes flannel.4: nodes on VNI 1 and VNI 4 cannot reach each other\'s pods. Carry out the migration (podnet diff OLD NEW prints the steps), then allow it with allowDisruptiveChange: ["flannel.backend.vni"]',
              ],
            ],
          );
          return true;
        },
      );
      await settle();
      assert.equal(registered.length, before, "nothing was registered");
    });

    test("allowed by allowDisruptiveChange: created, with the migration as a warning", async () => {
      const before = registered.length;
      const seen = warningsOf(
        () =>
          new FlannelNetwork("vni-ok", {
            plan: CLUSTER,
            backend: { type: "vxlan", vni: 4 },
            previous,
            allowDisruptiveChange: ["flannel.backend.vni"],
          }),
      );
      await settle();
      assert.ok(registered.slice(before).some((r) => r.type === "kubernetes:apps/v1:DaemonSet"));
      // The fixture's MTU warning comes first; the allowed change adds one.
      const base = warningsOf(() => new FlannelNetwork("vni-base", { plan: CLUSTER, backend: { type: "vxlan", vni: 4 } }));
      assert.deepStrictEqual(seen.slice(0, -1), base);
      assert.match(
        seen.at(-1) ?? "",
        /^flannel\.backend\.vni: changes from 1 to 4, allowed by allowDisruptiveChange "flannel\.backend\.vni"; .* \(3\) On each node: ip link delete flannel\.1\.$/,
      );
    });

    test("a change applied in place (healthzPort) passes without a warning of its own", () => {
      assert.deepStrictEqual(
        warningsOf(() => new FlannelNetwork("hz", { plan: CLUSTER, healthzPort: 8082, previous })),
        warningsOf(() => new FlannelNetwork("hz-base", { plan: CLUSTER, healthzPort: 8082 })),
      );
    });
  });

  test("bad args fail with InputPropertiesError before any child is created", async () => {
    await settle();
    const before = registered.length;
    assert.throws(
      () => new FlannelNetwork("bad", { plan: CLUSTER, backend: { type: "vxlan", vni: 0 }, iface: ["eth9"] }),
      (e: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(e));
        assert.deepEqual(
          e.errors.map((x) => x.propertyPath),
          ["flannel.backend.vni", "flannel.iface", "flannel.iface"],
        );
        assert.match(e.errors[0]?.reason ?? "", /VNIs are 24-bit, use 1\.\.16777215/);
        return true;
      },
    );
    assert.throws(
      () => new FlannelNetwork("bad2", { plan: CLUSTER, psk: pulumi.secret(PSK) }),
      (e: unknown) => pulumi.InputPropertiesError.isInstance(e) && e.errors[0]?.propertyPath === "psk",
    );
    await settle();
    assert.equal(registered.length, before, "nothing was registered");
  });
});
