/**
 * `podnet render` with a `flannel:` section: manifests/flannel.yaml holds the
 * core's objects, plan.json the flannel summary (pod MTU and interface per
 * node, never the PSK), and a bad section changes nothing under --out.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { planPodCidrs, renderFlannelNetwork } from "@podnet/core";
import { parseAllDocuments, stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = tempDir("flannel-cli");

const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";
const base = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    { name: "a", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "b", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"], mtu: 9000 }] },
  ],
};

function spec(name: string, flannel: unknown): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, stringify({ ...base, flannel }));
  return p;
}

describe("podnet render: flannel section", () => {
  test("writes manifests/flannel.yaml and the flannel summary in plan.json", async () => {
    const out = join(dir, "ok");
    const r = await podnet("render", spec("ok", { backend: { type: "wireguard", psk: PSK, mtu: 1500 } }), "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(join(out, "manifests")), ["flannel.yaml"]);
    const docs = parseAllDocuments(readFileSync(join(out, "manifests", "flannel.yaml"), "utf8")).map((d) => d.toJS());
    const expected = renderFlannelNetwork({ backend: { type: "wireguard", psk: PSK, mtu: 1500 } }, planPodCidrs(base).value).value.objects;
    assert.deepStrictEqual(docs, JSON.parse(JSON.stringify(expected)));
    const planJson = readFileSync(join(out, "plan.json"), "utf8");
    const flannel = JSON.parse(planJson).components.flannel;
    assert.deepEqual(
      Object.entries(flannel.nodes).map(([n, v]) => [n, (v as { podMtu: number }).podMtu]),
      [
        ["a", 1420],
        ["b", 1420],
      ],
    );
    assert.deepEqual(flannel.backend, { type: "wireguard", mtu: 1500, psk: "(secret)" });
    assert.deepEqual(
      flannel.hostRequirements.firewall.map((f: { port: number; protocol: string }) => `${f.port}/${f.protocol}`),
      ["51820/udp", "8081/tcp"],
    );
    assert.ok(!planJson.includes(PSK), "plan.json never holds the PSK");
    assert.ok(!r.out.includes(PSK) && !r.err.includes(PSK), "the PSK is never printed");
  });

  test("a bad flannel section prints every problem and leaves --out untouched", async () => {
    const out = join(dir, "kept");
    mkdirSync(out);
    writeFileSync(join(out, "marker"), "old");
    const r = await podnet("render", spec("bad", { backend: { type: "host-gw", vni: 0 }, iface: ["eth1"] }), "--out", out);
    assert.equal(r.code, 1);
    assert.match(r.err, /flannel\.backend\.vni: applies only to backend type "vxlan", but flannel\.backend\.type is "host-gw"; remove it/);
    assert.match(r.err, /flannel\.iface: no interface of node "a" \(nodes\[0\]\) matches flannel\.iface \["eth1"\]/);
    assert.match(r.err, /nothing written to/);
    assert.deepEqual(readdirSync(out), ["marker"]);
    assert.equal(readFileSync(join(out, "marker"), "utf8"), "old");
  });

  test("the CLI example's flannel section renders", async () => {
    const out = join(dir, "example");
    const r = await podnet("render", join(root, "examples", "cli", "cluster.yaml"), "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(join(out, "manifests", "flannel.yaml")));
    const flannel = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")).components.flannel;
    assert.deepEqual(flannel.networks, { ipv4: "10.244.0.0/16", ipv6: "fd00:10:244::/56" });
    assert.equal(flannel.nodes.node1.podMtu, 1450);
  });
});
