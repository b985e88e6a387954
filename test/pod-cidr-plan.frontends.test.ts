/**
 * The same spec is accepted or rejected the same way by every front end:
 * the core, the cdk8s construct, the Pulumi component and the CLI.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { PodCidrPlan as PlanConstruct } from "@podnet/cdk8s";
import { run } from "@podnet/cli";
import { checkPodCidrPlan, formatProblem, type PodCidrPlanOptions } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { Testing } from "cdk8s";
import { mockPulumi, settle } from "./support/pulumi-mocks.js";
import { tempDir } from "./support/temp-dir.js";

const good: PodCidrPlanOptions = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"], dnsServiceIp: "10.96.0.10" },
  nodes: [
    { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
  ],
};
const bad: PodCidrPlanOptions = {
  cluster: { podCidrs: ["192.168.0.0/16"], serviceCidrs: ["10.96.0.1/12"] },
  nodes: [{ name: "n_1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] }],
};
const expectedBad = checkPodCidrPlan(bad).errors.map(formatProblem);

let PulumiPlan: typeof import("@podnet/pulumi").PodCidrPlan;
const created = mockPulumi();
const dir = tempDir("fe");

before(async () => {
  PulumiPlan = (await import("@podnet/pulumi")).PodCidrPlan;
});

function cli(spec: unknown): Promise<{ code: number; out: string[]; err: string[] }> {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const out: string[] = [];
  const err: string[] = [];
  return run(["validate", file], { out: (l) => out.push(l), err: (l) => err.push(l) }).then((code) => ({ code, out, err }));
}

describe("PodCidrPlan front ends agree", () => {
  test("the core finds three problems in the bad spec", () => {
    assert.equal(expectedBad.length, 3, expectedBad.join("\n"));
  });

  test("cdk8s: a good spec builds, a bad one throws in the constructor with every problem", () => {
    const chart = Testing.chart();
    const c = new PlanConstruct(chart, "plan", good);
    assert.equal(c.plan.nodes[1]?.podCidrs.ipv4, "10.244.1.0/24");
    assert.throws(
      () => new PlanConstruct(Testing.chart(), "plan", bad),
      (e: Error) => expectedBad.every((m) => e.message.includes(m)),
    );
  });

  test("Pulumi: a good spec exposes outputs, a bad one is an InputPropertiesError before any resource", async () => {
    const c = new PulumiPlan("plan", good);
    const nodes = await new Promise<Record<string, string[]>>((r) => c.nodePodCidrs.apply(r));
    assert.deepEqual(nodes, { n1: ["10.244.0.0/24"], n2: ["10.244.1.0/24"] });
    const flags = await new Promise<{ kubeProxy: { clusterCIDR: string } }>((r) => c.flags.apply(r));
    assert.equal(flags.kubeProxy.clusterCIDR, "10.244.0.0/16");
    await settle(); // let the good component's registrations land first
    const before = created.length;
    assert.throws(
      () => new PulumiPlan("bad", bad),
      (e: unknown) =>
        e instanceof pulumi.InputPropertiesError &&
        expectedBad.every((m) => (e as pulumi.InputPropertiesError).errors?.some((x) => x.reason === m)),
    );
    await settle(); // registrations are asynchronous: let any pending one land
    assert.equal(created.length, before, "nothing registered for the bad spec");
  });

  test("CLI: exit 0 for the good spec, 1 with each problem on its own line for the bad one", async () => {
    const ok = await cli(good);
    assert.equal(ok.code, 0);
    assert.match(ok.out.join("\n"), /valid \(2 nodes, 0 warnings\)/);
    const ko = await cli(bad);
    assert.equal(ko.code, 1);
    for (const m of expectedBad) assert.ok(ko.err.includes(`error: ${m}`), `missing line: ${m}`);
  });
});
