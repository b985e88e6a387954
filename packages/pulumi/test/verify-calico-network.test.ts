/**
 * CalicoNetwork's `verify` option under Pulumi mocks (no engine, nothing
 * runs): with `hosts`, one `remote.Command` per node sending doctor's
 * self-checking script (Calico's expectations) to `bash -s` after the
 * resource that brings calico-node and the Calico resources; without
 * `hosts` a warning and none; without `verify` none.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type ExpectedNodeState, type PodCidrPlanOptions, planDoctorForPlan, planPodCidrs, renderDoctorCheckScript } from "@podnet/core";
import { expectedNodeState } from "@podnet/core/internal";
import * as pulumi from "@pulumi/pulumi";
import { isSecretInput, mockPulumi, recorder, settle, warningsOf } from "../../../test/support/pulumi-mocks.js";

const created = mockPulumi();
let CalicoNetwork: typeof import("@podnet/pulumi").CalicoNetwork;

before(async () => {
  ({ CalicoNetwork } = await import("@podnet/pulumi"));
});

const doctorCommands = (from: number) =>
  created.slice(from).filter((c) => c.type === "command:remote:Command" && c.name.endsWith("-doctor"));

const CLUSTER: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: ["128", "129"].map((a, i) => ({
    name: `n${i + 1}`,
    interfaces: [{ name: "ens33", addresses: [`192.168.79.${a}/24`] }],
    ssh: { host: `192.168.79.${a}` },
  })),
};
const calico = { ipAutodetection: { ipv4: "interface=ens33" }, bgp: { asNumber: 64600 } };

describe("CalicoNetwork verify (Pulumi, mocks)", () => {
  test("operator path with hosts: one doctor command per node after the Helm release and the Calico resources", async () => {
    const rec = recorder();
    const start = created.length;
    const c = new CalicoNetwork(
      "cv",
      { plan: CLUSTER, ...calico, hosts: { privateKey: pulumi.secret("ssh-key") }, verify: true },
      { transformations: rec.transformations },
    );
    await settle();
    const mine = doctorCommands(start);
    assert.deepEqual(mine.map((x) => x.name).sort(), ["cv-n1-doctor", "cv-n2-doctor"]);
    assert.deepEqual(Object.keys(c.verify ?? {}).sort(), ["n1", "n2"]);
    const doctor = planDoctorForPlan(planPodCidrs(CLUSTER).value, { calico }).value;
    assert.ok(doctor);
    for (const node of ["n1", "n2"]) {
      const cmd = mine.find((x) => x.name === `cv-${node}-doctor`)!;
      const script = renderDoctorCheckScript(expectedNodeState(doctor, node) as ExpectedNodeState);
      assert.equal(cmd.inputs.stdin, script);
      assert.match(script, /podnet-doctor: /);
      assert.match(script, /10-calico\.conflist/, "Calico's CNI config is checked");
      assert.deepEqual(rec.deps[`cv-${node}-doctor`], ["cv-tigera-operator", "cv-bgpconfiguration-default"]);
      assert.ok(isSecretInput(cmd.inputs.connection));
    }
  });

  test("manifest path with hosts: after the ConfigGroup holding calico-node", async () => {
    const rec = recorder();
    const start = created.length;
    new CalicoNetwork(
      "cm",
      { plan: CLUSTER, install: "manifest", installCrds: false, hosts: { privateKey: "ssh-key" }, verify: true },
      { transformations: rec.transformations },
    );
    await settle();
    assert.deepEqual(
      doctorCommands(start)
        .map((x) => x.name)
        .sort(),
      ["cm-n1-doctor", "cm-n2-doctor"],
    );
    assert.deepEqual(rec.deps["cm-n1-doctor"], ["cm-calico"]);
  });

  test("verify without hosts warns and creates none; verify absent creates none", async () => {
    const start = created.length;
    const seen = warningsOf(() => {
      new CalicoNetwork("cw", { plan: CLUSTER, ...calico, verify: true });
      new CalicoNetwork("cn", { plan: CLUSTER, ...calico, hosts: { privateKey: "ssh-key" } });
    });
    await settle();
    assert.ok(created.slice(start).some((c) => c.name === "cn-tigera-operator"));
    assert.deepEqual(doctorCommands(start), []);
    assert.equal(seen.filter((m) => m.startsWith("verify: true, but hosts is not set")).length, 1, seen.join("\n"));
  });
});
