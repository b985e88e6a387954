/**
 * flannel in mode systemd with the etcd datastore hands out node subnets only
 * inside SubnetMin..SubnetMax (by default every subnet but the Network's
 * first). A program written without pins plans inside that range in every
 * front end, as the CLI does for a spec with a `flannel:` section; a plan made
 * without flannel's options is refused with the fix that needs no pins.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { PodCidrPlan as PlanConstruct } from "@podnet/cdk8s";
import { checkSpec, type FlannelNetworkOptions, type PodCidrPlanOptions } from "@podnet/core";
import { Testing } from "cdk8s";
import { mockPulumi, outputValue, reasons, settle } from "./support/pulumi-mocks.js";

const created = mockPulumi();
let pn: typeof import("@podnet/pulumi");

before(async () => {
  pn = await import("@podnet/pulumi");
});

/** Three nodes, no pins, defaults left out. */
const options: PodCidrPlanOptions = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [31, 32, 33].map((h, i) => ({
    name: `node${i + 1}`,
    roles: i === 0 ? ["control-plane", "etcd", "worker"] : ["worker"],
    interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`] }],
    ssh: { host: `192.168.1.${h}` },
  })),
};
const flannel: FlannelNetworkOptions = {
  mode: "systemd",
  systemd: {
    etcd: { endpoints: ["http://192.168.1.31:2379"] },
    release: { sha256: { amd64: "a".repeat(64) } },
    containerRuntime: "docker",
  },
};
const hosts = { privateKey: "KEY" };
/** The range by default: every /24 of 10.244.0.0/16 but the first. */
const inRange = (cidr: string) => /^10\.244\.\d+\.0\/24$/.test(cidr) && cidr !== "10.244.0.0/24";

describe("node subnets inside flannel's SubnetMin..SubnetMax without pins", () => {
  test("the CLI's spec plans inside the range (the reference)", () => {
    const r = checkSpec({ ...options, flannel });
    assert.deepEqual(r.errors, []);
    assert.ok(
      r.value?.plan?.nodes.every((n) => inRange(n.podCidrs.ipv4 as string)),
      JSON.stringify(r.value?.plan?.nodes.map((n) => n.podCidrs)),
    );
  });

  test("Pulumi: FlannelNetwork given the plan options plans inside the range and validates", async () => {
    const f = new pn.FlannelNetwork("opts", { plan: options, ...flannel, hosts });
    assert.deepEqual(Object.keys(await outputValue(f.podMtu)), ["node1", "node2", "node3"]);
    await settle();
    const config = created.find((c) => c.name === "opts-etcd-config");
    assert.ok(config, "the datastore step is created");
    const reservations = String(config.inputs.stdin).match(/10\.244\.\d+\.0-24/g) ?? [];
    assert.equal(reservations.length, 3, String(config.inputs.stdin).slice(0, 2000));
    assert.ok(
      reservations.every((r) => inRange(r.replace("-", "/"))),
      reservations.join(" "),
    );
  });

  test("Pulumi: a PodCidrPlan given flannel's options plans inside the range, and FlannelNetwork takes it", async () => {
    const plan = new pn.PodCidrPlan("with-flannel", { ...options, flannel });
    const subnets = Object.values(await outputValue(plan.nodePodCidrs)).flat();
    assert.equal(subnets.length, 3);
    assert.ok(subnets.every(inRange), subnets.join(" "));
    assert.doesNotThrow(() => new pn.FlannelNetwork("from-plan", { plan, ...flannel, hosts }));
  });

  test("Pulumi: a PodCidrPlan planned without flannel's options is refused, naming the fix", () => {
    const plan = new pn.PodCidrPlan("without", options);
    assert.throws(
      () => new pn.FlannelNetwork("refused", { plan, ...flannel, hosts }),
      (e: unknown) =>
        /nodes\[0\]\.podCidrs: node "node1" has IPv4 subnet "10\.244\.0\.0\/24" but flannel never hands out the first subnet/.test(
          reasons(e),
        ) &&
        /give the PodCidrPlan flannel: <these FlannelNetwork options>, or pass the plan's options as FlannelNetwork's plan/.test(
          reasons(e),
        ),
    );
  });

  test("cdk8s: a PodCidrPlan given flannel's options plans inside the range; without them it keeps the whole pod CIDR", () => {
    const c = new PlanConstruct(Testing.chart(), "plan", { ...options, flannel });
    assert.ok(
      c.plan.nodes.every((n) => inRange(n.podCidrs.ipv4 as string)),
      JSON.stringify(c.plan.nodes.map((n) => n.podCidrs)),
    );
    const plain = new PlanConstruct(Testing.chart(), "plain", options);
    assert.equal(plain.plan.nodes[0]?.podCidrs.ipv4, "10.244.0.0/24");
    const daemonset = new PlanConstruct(Testing.chart(), "ds", { ...options, flannel: {} });
    assert.equal(daemonset.plan.nodes[0]?.podCidrs.ipv4, "10.244.0.0/24", "the DaemonSet's kube subnet manager takes the whole pod CIDR");
  });
});
