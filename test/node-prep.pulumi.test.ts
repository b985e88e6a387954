/**
 * The Pulumi NodeNetworkPrep component and NodeRunner under mocks (no engine,
 * nothing deployed): children and their types, the exact script bytes sent as
 * stdin to `bash -s`, the uninstall wiring for `pulumi destroy`, triggers,
 * dependsOn, secrets, and validation before any child exists.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type NodeState, type PodCidrPlanOptions, planNodeNetworkPrep, planPodCidrs, renderNodeScripts } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { flannelNeeds as flannel, sshNodesPlan as planOptions } from "./prep-fixtures.js";
import { isSecretInput, mockPulumi, outputValue, reasons, recorder, settle, sha256, unwrap } from "./support/pulumi-mocks.js";

const created = mockPulumi({ computed: (type, name) => (type === "command:remote:Command" ? { stdout: `ran ${name}` } : {}) });
let NodeNetworkPrep: typeof import("@podnet/pulumi").NodeNetworkPrep;
let NodeRunner: typeof import("@podnet/pulumi").NodeRunner;

before(async () => {
  ({ NodeNetworkPrep, NodeRunner } = await import("@podnet/pulumi"));
});

describe("NodeNetworkPrep (Pulumi, mocks)", () => {
  test("one NodeRunner per node, each with an uninstall and an install remote.Command", async () => {
    const rec = recorder();
    const prep = new NodeNetworkPrep(
      "prep",
      { plan: planOptions, hostRequirements: [flannel], privateKey: pulumi.secret("PRIVATE KEY"), firewall: "firewalld" },
      { transformations: rec.transformations },
    );
    await outputValue(prep.reports);
    await settle();
    const mine = created.filter((c) => c.name.startsWith("prep"));
    assert.deepEqual(
      mine.map((c) => `${c.type} ${c.name}`).sort(),
      [
        "podnet:index:NodeNetworkPrep prep",
        "podnet:index:NodeRunner prep-cp1",
        "command:remote:Command prep-cp1-uninstall",
        "command:remote:Command prep-cp1-install",
        "podnet:index:NodeRunner prep-w1",
        "command:remote:Command prep-w1-uninstall",
        "command:remote:Command prep-w1-install",
      ].sort(),
    );
    // The exact bytes `podnet render` writes and the SSH tests run.
    const expected = planNodeNetworkPrep({
      plan: planPodCidrs(planOptions).value,
      options: { firewall: "firewalld" },
      hostRequirements: [flannel],
      scope: "prep",
    }).value;
    for (const node of ["cp1", "w1"]) {
      const scripts = renderNodeScripts(expected.nodes.find((n) => n.node === node)?.state as NodeState);
      const install = mine.find((c) => c.name === `prep-${node}-install`)?.inputs ?? {};
      const uninstall = mine.find((c) => c.name === `prep-${node}-uninstall`)?.inputs ?? {};
      const sudo = node === "w1";
      assert.equal(install.create, sudo ? "sudo -n bash -s" : "bash -s");
      assert.equal(install.delete, undefined, "install has no delete: replacing it never uninstalls");
      assert.equal(unwrap(install.stdin), scripts.install);
      assert.deepEqual(install.triggers, [sha256(scripts.install)]);
      assert.equal(uninstall.create, undefined, "the uninstaller does nothing on create or update");
      assert.equal(uninstall.delete, sudo ? "sudo -n bash -s" : "bash -s");
      assert.equal(uninstall.stdin, scripts.uninstall);
      // The connection carries the private key as a secret.
      assert.ok(isSecretInput(install.connection), "connection (with privateKey) is secret");
      assert.deepEqual(unwrap(install.connection), {
        host: node === "cp1" ? "192.168.1.31" : "192.168.1.32",
        port: node === "cp1" ? 22 : 2222,
        user: node === "cp1" ? "root" : "ubuntu",
        privateKey: "PRIVATE KEY",
        // @pulumi/command 1.x fills in its own connection defaults.
        dialErrorLimit: 10,
        perDialTimeout: 15,
      });
      assert.deepEqual(rec.deps[`prep-${node}-install`], [`prep-${node}-uninstall`], "destroy runs uninstall after install is gone");
    }
    assert.deepEqual(await outputValue(prep.reports), { cp1: "ran prep-cp1-install", w1: "ran prep-w1-install" });
    assert.deepEqual(prep.result.nodes[1]?.firewall?.ports, ["10250/tcp", "8472/udp"]);
  });

  test("a plain-text key becomes a secret; one key per node is accepted", async () => {
    const prep = new NodeNetworkPrep("keys", { plan: planOptions, privateKey: { cp1: "KEY-A", w1: "KEY-B" } });
    await outputValue(prep.reports);
    await settle();
    const conn = (name: string) => created.find((c) => c.name === name)?.inputs.connection;
    assert.ok(isSecretInput(conn("keys-cp1-install")));
    assert.equal((unwrap(conn("keys-w1-install")) as { privateKey: string }).privateKey, "KEY-B");
  });

  test("problems are an InputPropertiesError before any child exists", () => {
    const count = created.length;
    assert.throws(
      () =>
        new NodeNetworkPrep("bad", {
          plan: planOptions,
          privateKey: "k",
          firewall: "firewalld",
          zone: "my zone",
          cniBinDir: "/opt/cni bin",
        }),
      (e: Error) =>
        /prep.zone: "my zone" is not a safe firewalld zone name/.test(reasons(e)) && /prep.cniBinDir: "\/opt\/cni bin"/.test(reasons(e)),
    );
    const noSsh: PodCidrPlanOptions = { ...planOptions, nodes: (planOptions.nodes ?? []).map(({ ssh: _, ...n }) => n) };
    assert.throws(
      () => new NodeNetworkPrep("nossh", { plan: noSsh, privateKey: "k" }),
      (e: Error) => /plan.nodes\[0\].ssh: node "cp1" has no ssh connection/.test(reasons(e)),
    );
    assert.throws(
      () => new NodeNetworkPrep("nokey", { plan: planOptions, privateKey: { cp1: "k" } }),
      (e: Error) => /privateKey: no key for node "w1"/.test(reasons(e)),
    );
    assert.equal(created.length, count);
  });
});

describe("NodeRunner (Pulumi, mocks)", () => {
  test("a state with a secret file sends install.sh as a secret", async () => {
    const state: NodeState = {
      node: "n1",
      scope: "flannel",
      units: [
        {
          id: "flannel/certs",
          description: "client key",
          files: [{ path: "/etc/flannel/key.pem", content: "KEY", mode: "0600", secret: true }],
          commands: [],
        },
      ],
    };
    const r = new NodeRunner("certs", { state, connection: { host: "10.0.0.1", privateKey: "k" } });
    await outputValue(r.stdout);
    await settle();
    const install = created.find((c) => c.name === "certs-install")?.inputs;
    assert.ok(isSecretInput(install?.stdin), "stdin holding key material is secret");
    assert.equal(unwrap(install?.stdin), renderNodeScripts(state).install);
    assert.equal(r.installSha256, sha256(renderNodeScripts(state).install));
  });

  test("a hostile state is rejected before anything is registered", () => {
    const count = created.length;
    assert.throws(
      () => new NodeRunner("evil", { state: { node: "a;rm -rf /", units: [] }, connection: { host: "h", privateKey: "k" } }),
      (e: Error) => /node.node: "a;rm -rf \/" is not a safe node name/.test(reasons(e)),
    );
    assert.equal(created.length, count);
  });
});
