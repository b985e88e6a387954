/**
 * Every Pulumi component and cdk8s construct given `undefined` args, or a
 * string where the plan belongs, fails with the project's error (Pulumi:
 * InputPropertiesError; cdk8s: NetworkPlanError) naming the path, never a
 * TypeError, and registers nothing.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { CalicoNetwork, FlannelNetwork, NodeNetworkPrep, PodCidrPlan } from "@podnet/cdk8s";
import { NetworkPlanError } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { Testing } from "cdk8s";
import { mockPulumi, settle } from "./support/pulumi-mocks.js";

const created = mockPulumi();
let pulumiComponents: Record<string, unknown>;
before(async () => {
  const m = await import("@podnet/pulumi");
  pulumiComponents = {
    PodCidrPlan: m.PodCidrPlan,
    FlannelNetwork: m.FlannelNetwork,
    CalicoNetwork: m.CalicoNetwork,
    NodeNetworkPrep: m.NodeNetworkPrep,
  };
});

const CDK8S = { PodCidrPlan, FlannelNetwork, CalicoNetwork, NodeNetworkPrep };
const WITH_PLAN = ["FlannelNetwork", "CalicoNetwork", "NodeNetworkPrep"] as const;
const ALL = ["PodCidrPlan", ...WITH_PLAN] as const;

const argsMessage = (c: string, what: string, plan: boolean) =>
  `${what}: ${c} needs an object of options, got undefined; pass e.g. ${plan ? "{ plan }" : "{ cluster: { podCidrs: [...], serviceCidrs: [...] }, nodes: [...] }"}`;
const planMessage = (c: string) =>
  `plan: ${c} needs a PodCidrPlan, a computed plan or the plan's options (an object), got string "10.244.0.0/16"; pass e.g. plan: new PodCidrPlan(...)`;

describe("cdk8s constructs: bad props are a NetworkPlanError", () => {
  for (const c of ALL) {
    test(`${c}: undefined props`, () => {
      const Ctor = CDK8S[c] as unknown as new (s: unknown, id: string, p: unknown) => unknown;
      assert.throws(
        () => new Ctor(Testing.chart(), "x", undefined),
        (e: unknown) => e instanceof NetworkPlanError && e.problems[0]?.message === argsMessage(c, "props", c !== "PodCidrPlan"),
      );
    });
  }
  for (const c of WITH_PLAN) {
    test(`${c}: a string plan`, () => {
      const Ctor = CDK8S[c] as unknown as new (s: unknown, id: string, p: unknown) => unknown;
      assert.throws(
        () => new Ctor(Testing.chart(), "x", { plan: "10.244.0.0/16" }),
        (e: unknown) => e instanceof NetworkPlanError && e.problems[0]?.path === "plan" && e.problems[0]?.message === planMessage(c),
      );
    });
  }
});

describe("Pulumi components: bad args are an InputPropertiesError before any resource", () => {
  const expectInputError = async (make: () => unknown, path: string, message: string) => {
    await settle();
    const before = created.length;
    assert.throws(make, (e: unknown) => {
      assert.ok(e instanceof pulumi.InputPropertiesError, String(e));
      assert.deepEqual(
        e.errors?.map((x) => [x.propertyPath, x.reason]),
        [[path, message]],
      );
      return true;
    });
    await settle();
    assert.equal(created.length, before, "nothing registered");
  };
  for (const c of ALL) {
    test(`${c}: undefined args`, async () => {
      const Ctor = pulumiComponents[c] as unknown as new (n: string, a: unknown) => unknown;
      await expectInputError(() => new Ctor("x", undefined), "args", argsMessage(c, "args", c !== "PodCidrPlan"));
    });
  }
  for (const c of WITH_PLAN) {
    test(`${c}: a string plan`, async () => {
      const Ctor = pulumiComponents[c] as unknown as new (n: string, a: unknown) => unknown;
      await expectInputError(() => new Ctor("x", { plan: "10.244.0.0/16" }), "plan", planMessage(c));
    });
  }
});
