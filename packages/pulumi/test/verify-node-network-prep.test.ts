/**
 * NodeNetworkPrep's `verify` option under Pulumi mocks (no engine, nothing
 * runs): one `remote.Command` per node sending doctor's self-checking script
 * to `bash -s`, after every node's install step, re-run when an install
 * script changes; none without `verify`. The script itself runs on real test
 * nodes in test/doctor.test.ts.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type ExpectedNodeState, planDoctorForPlan, planPodCidrs, renderDoctorCheckScript } from "@podnet/core";
import { expectedNodeState } from "@podnet/core/internal";
import * as pulumi from "@pulumi/pulumi";
import { flannelNeeds as flannel, sshNodesPlan as planOptions } from "../../../test/prep-fixtures.js";
import { isSecretInput, mockPulumi, reasons, recorder, settle, sha256, unwrap } from "../../../test/support/pulumi-mocks.js";

const created = mockPulumi({ computed: () => ({ stdout: "", stderr: "" }) });
let NodeNetworkPrep: typeof import("@podnet/pulumi").NodeNetworkPrep;

before(async () => {
  ({ NodeNetworkPrep } = await import("@podnet/pulumi"));
});

describe("NodeNetworkPrep verify (Pulumi, mocks)", () => {
  test("verify: true adds one doctor command per node, after every node's install, triggered by its install script", async () => {
    const rec = recorder();
    const start = created.length;
    const prep = new NodeNetworkPrep(
      "vp",
      { plan: planOptions, hostRequirements: [flannel], privateKey: pulumi.secret("KEY"), firewall: "firewalld", verify: true },
      { transformations: rec.transformations },
    );
    await settle();
    const mine = created.slice(start).filter((c) => c.type === "command:remote:Command" && c.name.endsWith("-doctor"));
    assert.deepEqual(mine.map((c) => c.name).sort(), ["vp-cp1-doctor", "vp-w1-doctor"]);
    assert.deepEqual(Object.keys(prep.verify ?? {}).sort(), ["cp1", "w1"]);
    // The same expectations `podnet doctor` has for a spec with this prep: section.
    const doctor = planDoctorForPlan(planPodCidrs(planOptions).value, {
      prep: { firewall: "firewalld" },
      hostRequirements: [flannel],
    }).value;
    assert.ok(doctor);
    for (const node of ["cp1", "w1"]) {
      const c = mine.find((x) => x.name === `vp-${node}-doctor`)!;
      const script = renderDoctorCheckScript(expectedNodeState(doctor, node) as ExpectedNodeState);
      assert.equal(c.inputs.stdin, script);
      assert.match(String(c.inputs.stdin), /podnet-doctor: /);
      assert.match(script, /firewalld\.port-closed/, "firewalld openings are checked");
      assert.deepEqual(rec.deps[`vp-${node}-doctor`], ["vp-cp1-install", "vp-w1-install"]);
      assert.deepEqual(c.inputs.triggers, [sha256(script), prep.nodes[node]?.installSha256]);
      assert.ok(isSecretInput(c.inputs.connection), "the connection (with the SSH key) is a secret");
    }
    const cp1 = mine.find((x) => x.name === "vp-cp1-doctor")!;
    const w1 = mine.find((x) => x.name === "vp-w1-doctor")!;
    assert.equal(cp1.inputs.create, "bash -s");
    assert.equal(w1.inputs.create, "sudo -n bash -s", "a user other than root goes through sudo, like the runner");
    assert.deepEqual(unwrap(w1.inputs.connection), {
      host: "192.168.1.32",
      port: 2222,
      user: "ubuntu",
      privateKey: "KEY",
      // @pulumi/command 1.x fills in its own connection defaults.
      dialErrorLimit: 10,
      perDialTimeout: 15,
    });
  });

  test("verify absent or false: no doctor command", async () => {
    const start = created.length;
    const a = new NodeNetworkPrep("np", { plan: planOptions, privateKey: "KEY" });
    const b = new NodeNetworkPrep("nf", { plan: planOptions, privateKey: "KEY", verify: false });
    await settle();
    const mine = created.slice(start);
    assert.ok(
      mine.some((c) => c.name === "np-cp1-install"),
      "the runners are there",
    );
    assert.deepEqual(
      mine.filter((c) => c.name.endsWith("-doctor")),
      [],
    );
    assert.equal(a.verify, undefined);
    assert.equal(b.verify, undefined);
  });

  test("verify: true with a key missing for a node fails before any child exists", () => {
    const start = created.length;
    assert.throws(
      () => new NodeNetworkPrep("vk", { plan: planOptions, privateKey: { cp1: "KEY" }, verify: true }),
      (e: unknown) => pulumi.InputPropertiesError.isInstance(e) && /no key for node "w1"/.test(reasons(e)),
    );
    assert.equal(created.length, start);
  });
});
