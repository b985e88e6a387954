/**
 * examples/pulumi-node-prep runs under Pulumi mocks (no engine, nothing is
 * deployed): every node gets its install/uninstall commands with the scripts
 * the core renders for flannel's host requirements, the key stays secret.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { isSecretInput, mockPulumi, outputValue } from "./support/pulumi-mocks.js";

const created = mockPulumi({
  project: "pulumi-node-prep",
  stack: "dev",
  computed: { "command:remote:Command": { stdout: "install: done" } },
});
let example: typeof import("../examples/pulumi-node-prep/index.js");

before(async () => {
  pulumi.runtime.setAllConfig({ "pulumi-node-prep:sshPrivateKey": "EXAMPLE KEY" }, ["pulumi-node-prep:sshPrivateKey"]);
  example = await import("../examples/pulumi-node-prep/index.js");
});

describe("examples/pulumi-node-prep (mocks)", () => {
  test("three nodes prepared over SSH, firewalld openings from flannel's needs and the roles", async () => {
    assert.deepEqual(await outputValue(example.reports), { cp1: "install: done", node1: "install: done", node2: "install: done" });
    // Kubernetes' own ports by role, plus flannel's (whatever FlannelNetwork reports) and the NodePorts.
    const flannelPorts = example.flannelNeeds.firewall.filter((n) => n.protocol === "tcp" || n.protocol === "udp").length;
    assert.ok(flannelPorts > 0);
    for (const node of ["cp1", "node1", "node2"]) {
      const ports = example.openings[node] ?? [];
      assert.ok(ports.includes("10250/tcp") && ports.includes("8472/udp") && ports.includes("30000-32767/tcp"), `${node}: ${ports}`);
      assert.equal(ports.includes("6443/tcp"), node === "cp1");
      assert.equal(ports.includes("2379-2380/tcp"), node === "cp1");
    }
    const commands = created.filter((c) => c.type === "command:remote:Command").map((c) => c.name);
    assert.deepEqual(commands.sort(), ["cp1", "node1", "node2"].flatMap((n) => [`prep-${n}-install`, `prep-${n}-uninstall`]).sort());
    const install = created.find((c) => c.name === "prep-node1-install")?.inputs;
    const stdin = install?.stdin as string;
    assert.match(stdin, /^#!\/usr\/bin\/env bash\n/);
    const trusted = [...example.flannelNeeds.trustedInterfaces].sort().map((i) => `'${i}'`);
    assert.ok(stdin.includes(`podnet_fw_want 'trusted' interface ${trusted.join(" ")}\n`), "flannel's interfaces are trusted");
    assert.ok(stdin.includes("/etc/NetworkManager/conf.d/podnet.conf"));
    // @pulumi/pulumi marks secret inputs with its specialSecretSig; the connection holds the key.
    assert.ok(isSecretInput(install?.connection), "the connection (private key) is secret");
  });
});
