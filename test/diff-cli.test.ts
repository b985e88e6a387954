/**
 * `podnet diff OLD NEW` end to end: exit 0 without disruptive changes, 1
 * with them (0 again once each is allowed), 2 for usage errors and invalid
 * specs; text and JSON output.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const example = join(root, "examples/cli/cluster.yaml");
const dir = tempDir("diff");

type Spec = { cluster: Record<string, unknown>; nodes: Array<Record<string, unknown>>; [k: string]: unknown };
const base = parse(readFileSync(example, "utf8")) as Spec;

function variant(name: string, change: (s: Spec) => void): string {
  const s = structuredClone(base);
  change(s);
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, stringify(s));
  return p;
}

describe("podnet diff", () => {
  test("the same spec: no changes, exit 0", async () => {
    const r = await podnet("diff", example, example);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Spec changes: 0 \(0 disruptive\)$/);
  });

  test("in-place changes: listed with their effect, exit 0", async () => {
    const next = variant("maxpods", (s) => (s.cluster.maxPodsPerNode = 64));
    const r = await podnet("diff", example, next);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /cluster\.maxPodsPerNode: 110 -> 64/);
    assert.match(r.out, /plan\.json: \d+ values change/);
    assert.match(r.out, /plan\.flags\.kubelet\.maxPods: 110 -> 64/);
  });

  test("a node subnet move and a flannel VNI change: DISRUPTIVE with steps, exit 1; allowed: exit 0", async () => {
    const old = variant("flannel", (s) => (s.flannel = { backend: { type: "vxlan" } }));
    const next = variant("flannel-moved", (s) => {
      s.flannel = { backend: { type: "vxlan", vni: 9 } };
      s.nodes[1]!.podCidrs = ["10.244.8.0/24"];
    });
    const r = await podnet("diff", old, next);
    assert.equal(r.code, 1);
    assert.match(r.out, /DISRUPTIVE flannel\.backend\.vni: 1 -> 9/);
    assert.match(r.out, /DISRUPTIVE nodes\[node1\]\.podCidrs\.ipv4: "10\.244\.7\.0\/24" -> "10\.244\.8\.0\/24"/);
    assert.match(r.out, /1\. kubectl drain node1/);
    assert.match(r.out, /changed manifests\/flannel\.yaml ConfigMap\/kube-flannel\/kube-flannel-cfg \(data\.net-conf\.json\)/);
    assert.match(r.err, /2 disruptive changes: flannel\.backend\.vni, nodes\[node1\]\.podCidrs\.ipv4/);
    const partly = await podnet("diff", old, next, "--allow-disruptive-change", "flannel.backend.vni");
    assert.equal(partly.code, 1);
    const allowed = await podnet("diff", old, next, "--allow-disruptive-change", "flannel.backend.vni", "nodes[node1]");
    assert.equal(allowed.code, 0, allowed.err);
    assert.match(allowed.out, /DISRUPTIVE \(allowed\) flannel\.backend\.vni/);
  });

  test("--json: the whole diff as JSON", async () => {
    const next = variant("svc", (s) => {
      s.cluster.serviceCidrs = ["10.97.0.0/16", "fd00:10:96::/112"];
      s.cluster.dnsServiceIp = "10.97.0.10";
    });
    const r = await podnet("diff", example, next, "--json");
    assert.equal(r.code, 1);
    const d = JSON.parse(r.out) as {
      changes: Array<{ path: string; disruptive: boolean; migration: string[] }>;
      artifacts: { planJson: unknown[] };
    };
    assert.deepEqual(
      d.changes.map((c) => [c.path, c.disruptive]),
      [["cluster.serviceCidrs", true]],
    );
    assert.ok(d.changes[0]!.migration.length >= 4);
    assert.ok(d.artifacts.planJson.length > 0);
  });

  test("exit 2: missing arguments, unreadable file, invalid spec (both named)", async () => {
    const bad = variant("bad", (s) => (s.cluster.podCidrs = ["10.244.0.1/16"]));
    const cases: Array<[string[], RegExp]> = [
      [["diff", example], /missing required argument/],
      [["diff", example, join(dir, "nope.yaml")], /cannot read .*nope\.yaml: no such file/],
      [
        ["diff", bad, example],
        /error: .*bad\.yaml: cluster\.podCidrs\[0\]: "10\.244\.0\.1\/16" has host bits set[\s\S]*cannot diff: .*bad\.yaml must be a valid spec/,
      ],
      [["diff", example, bad], /cannot diff: .*bad\.yaml must be a valid spec/],
    ];
    for (const [args, msg] of cases) {
      const r = await podnet(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, msg);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });
});
