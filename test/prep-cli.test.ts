/**
 * `podnet render` with a `prep:` section: per-node bundles hold the host
 * files under root/ and install.sh / uninstall.sh (mode 0755) that are
 * byte-identical to what the core renders (and what NodeRunner sends); a
 * hostile spec writes nothing.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { renderNodeScripts, renderSpec } from "@podnet/core";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const dir = tempDir("prep-cli");

const spec = {
  apiVersion: "podnet/v1",
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    { name: "cp1", roles: ["control-plane", "etcd"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "w1", arch: "arm64", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
  ],
  prep: { firewall: "firewalld", networkManager: false },
};

describe("podnet render with prep:", () => {
  test("nodes/<node>/install.sh, uninstall.sh (0755) and root/<path> files", async () => {
    const file = join(dir, "spec.json");
    writeFileSync(file, JSON.stringify(spec));
    const out = join(dir, "out");
    const r = await podnet("render", file, "--out", out);
    assert.equal(r.code, 0, r.err);
    const bundle = renderSpec(spec).value;
    assert.ok(bundle);
    for (const state of bundle.nodes) {
      const scripts = renderNodeScripts(state);
      for (const [name, text] of [
        ["install.sh", scripts.install],
        ["uninstall.sh", scripts.uninstall],
      ] as const) {
        const path = join(out, "nodes", state.node, name);
        assert.equal(readFileSync(path, "utf8"), text);
        assert.equal(statSync(path).mode & 0o777, 0o755, `${path} mode`);
      }
      const sysctl = join(out, "nodes", state.node, "root/etc/sysctl.d/podnet.conf");
      assert.equal(statSync(sysctl).mode & 0o777, 0o644);
      assert.match(readFileSync(sysctl, "utf8"), /^net\.ipv4\.ip_forward = 1$/m);
    }
    assert.ok(readFileSync(join(out, "nodes/w1/install.sh"), "utf8").includes("cni-plugins-linux-arm64-v1.7.1.tgz"));
    assert.ok(!existsSync(join(out, "nodes/w1/root/etc/NetworkManager")));
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    assert.equal(
      plan.components.prep.nodes.cp1.firewall.openings,
      "2379-2380/tcp (etcd client and peer API), 6443/tcp (Kubernetes API server), 10250/tcp (kubelet API)",
    );
  });

  test("hostile values: exit 1, problems named, nothing written", async () => {
    const file = join(dir, "hostile.json");
    writeFileSync(file, JSON.stringify({ ...spec, prep: { firewall: "firewalld", zone: "public; reboot", cniBinDir: "/opt/cni bin" } }));
    const out = join(dir, "hostile-out");
    const r = await podnet("render", file, "--out", out);
    assert.equal(r.code, 1);
    assert.match(r.err, /prep\.zone: "public; reboot" is not a safe firewalld zone name/);
    assert.match(r.err, /prep\.cniBinDir: "\/opt\/cni bin" is not a safe absolute path/);
    assert.equal(existsSync(out), false);
  });
});
