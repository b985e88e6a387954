/**
 * The Pulumi verify step under mocks (no engine, no provider plugin: nothing
 * runs): one `remote.Command` per node with a connection, running the node's
 * self-check script on stdin of `bash -s`, after what it depends on, with the
 * private key as a secret and the script's sha256 as a trigger. The script
 * itself runs for real on test nodes in test/doctor.test.ts.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type DoctorPlan, planDoctor, renderDoctorCheckScript } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { isSecretInput, mockPulumi, reasons, recorder, settle, sha256, unwrap } from "../../../test/support/pulumi-mocks.js";

const created = mockPulumi({ computed: () => ({ stdout: "", stderr: "" }) });
let mod: typeof import("@podnet/pulumi");

before(async () => {
  mod = await import("@podnet/pulumi");
});

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZQ==\n-----END OPENSSH PRIVATE KEY-----\n";

function doctorPlan(): DoctorPlan {
  const r = planDoctor({
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [
      { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
      { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
      { name: "n3", interfaces: [{ name: "eth0", addresses: ["192.168.1.33/24"] }] },
    ],
    flannel: { backend: { type: "vxlan" } },
    prep: { firewall: "firewalld", cniPlugins: false },
  });
  assert.deepEqual(r.errors, []);
  return r.value as DoctorPlan;
}

describe("Pulumi doctor verify step (mocks)", () => {
  test("one remote.Command per connected node: bash -s with the node's self-check, after the install", async () => {
    const doctor = doctorPlan();
    const installed = new pulumi.ComponentResource("test:index:Installed", "installed");
    const rec = recorder();
    const before = created.length;
    const cmds = mod.doctorVerifyCommands(
      "net-verify",
      {
        doctor,
        connections: { n1: { host: "192.168.1.31", privateKey: KEY }, n3: { host: "192.168.1.33", user: "ops", privateKey: KEY } },
        triggers: { n1: ["install-sha-n1"] },
      },
      { dependsOn: [installed], transformations: rec.transformations },
    );
    await settle();
    assert.deepEqual(Object.keys(cmds), ["n1", "n3"]);
    const mine = created.slice(before).filter((c) => c.type === "command:remote:Command");
    assert.deepEqual(mine.map((c) => c.name).sort(), ["net-verify-n1", "net-verify-n3"]);
    const n1 = mine.find((c) => c.name === "net-verify-n1")!;
    const script = renderDoctorCheckScript(doctor.nodes[0] as (typeof doctor.nodes)[number]);
    assert.equal(n1.inputs.create, "bash -s");
    assert.equal(n1.inputs.update, "bash -s");
    assert.equal(n1.inputs.stdin, script);
    assert.match(script, /^# podnet verify for node n1:/m);
    // DaemonSet mode: kube-controller-manager assigns the subnets, so the plan's are only predicted;
    // the script counts the node's routes instead of naming the peers' subnets.
    assert.match(script, /podnet_fail route\.missing '2 route\(s\) of \/24 subnets dev flannel\.1 \(node "n2", "n3"\); found '/);
    assert.doesNotMatch(script, /subnet\.stale/);
    assert.deepEqual(n1.inputs.triggers, [sha256(script), "install-sha-n1"]);
    const conn = unwrap(n1.inputs.connection) as Record<string, unknown>;
    assert.equal(conn.host, "192.168.1.31");
    assert.equal(conn.user, "root");
    assert.equal(conn.port, 22);
    assert.ok(isSecretInput(n1.inputs.connection), "the connection (with the SSH key) is a secret");
    assert.equal(conn.privateKey, KEY);
    // A user other than root goes through passwordless sudo, like the node layer.
    const n3 = mine.find((c) => c.name === "net-verify-n3")!;
    assert.equal(n3.inputs.create, "sudo -n bash -s");
    assert.deepEqual(rec.deps["net-verify-n1"], ["installed"]);
    assert.deepEqual(rec.deps["net-verify-n3"], ["installed"]);
  });

  test("a connection for a node the plan lacks is an InputPropertiesError, before anything is created", () => {
    const before = created.length;
    assert.throws(
      () => mod.doctorVerifyCommands("x", { doctor: doctorPlan(), connections: { n9: { host: "10.0.0.9", privateKey: KEY } } }),
      (e: unknown) => pulumi.InputPropertiesError.isInstance(e) && /connections\.n9: no node "n9" in the plan/.test(reasons(e)),
    );
    assert.equal(created.length, before);
  });

  test("an expectation unfit for a script is refused before any resource exists", () => {
    const doctor = doctorPlan();
    const bad = {
      ...(doctor.nodes[0] as (typeof doctor.nodes)[number]),
      devices: [{ name: "flannel.1; rm -rf /", kind: "vxlan", purpose: "x" }],
    };
    assert.throws(
      () => mod.doctorVerifyCommand("bad", { expected: bad, connection: { host: "h", privateKey: KEY } }),
      (e: unknown) => pulumi.InputPropertiesError.isInstance(e),
    );
  });
});
