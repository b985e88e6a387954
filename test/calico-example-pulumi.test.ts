/**
 * examples/pulumi-calico-operator runs under Pulumi mocks (no engine, no
 * provider plugin: nothing is deployed): the program registers the plan, the
 * CalicoNetwork component and the pinned tigera-operator Helm release whose
 * values carry the Installation for the plan.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mockPulumi, outputValue, settle } from "./support/pulumi-mocks.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;
const registered = mockPulumi<Obj>({ project: "pulumi-calico-operator" });
const program = await import("../examples/pulumi-calico-operator/index.js");

describe("examples/pulumi-calico-operator (mocks)", () => {
  test("registers the pinned Helm release with the plan's Installation", async () => {
    await settle();
    assert.deepStrictEqual(registered.map((r) => `${r.type} ${r.name}`).sort(), [
      "kubernetes:crd.projectcalico.org/v1:BGPConfiguration calico-bgpconfiguration-default",
      "kubernetes:crd.projectcalico.org/v1:FelixConfiguration calico-felixconfiguration-default",
      "kubernetes:helm.sh/v3:Release calico-tigera-operator",
      "podnet:index:CalicoNetwork calico",
      "podnet:index:PodCidrPlan plan",
    ]);
    const release = registered.find((r) => r.type === "kubernetes:helm.sh/v3:Release")?.inputs ?? {};
    assert.deepStrictEqual(
      [release.chart, release.version, release.repositoryOpts?.repo],
      ["tigera-operator", "v3.30.7", "https://docs.tigera.io/calico/charts"],
    );
    const net = release.values.installation.calicoNetwork;
    assert.deepStrictEqual(
      net.ipPools.map((p: Record<string, unknown>) => p.cidr),
      ["172.16.0.0/16"],
    );
    assert.deepStrictEqual(net.nodeAddressAutodetectionV4, { interface: "ens33" });
    const felix = registered.find((r) => r.name === "calico-felixconfiguration-default")?.inputs;
    assert.equal(felix?.spec.wireguardEnabled, true);
    const summary = (await outputValue(program.summary)) as Obj;
    assert.deepStrictEqual(summary.firewall, [
      "179/tcp (Calico BGP (BIRD) between nodes)",
      "ipip (Calico IP-in-IP (IP protocol 4) between nodes)",
      "5473/tcp (Calico Typha (Felix connects to it))",
      "51820/udp (Calico WireGuard (IPv4))",
    ]);
    assert.equal(program.hostRequirements.component, "calico");
  });
});
