/**
 * examples/cdk8s-flannel synthesizes offline with the cdk8s CLI
 * (`cdk8s synth --no-check-upgrade`, app `npx tsx main.ts`), and what it
 * writes is exactly what the core renders for the example's inputs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { planPodCidrs, renderFlannelNetwork } from "@podnet/core";
import { parseAllDocuments } from "yaml";
import { cluster, flannel } from "../examples/cdk8s-flannel/cluster.js";
import { needs } from "./support/real.js";

const example = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "cdk8s-flannel");
const cdk8s = join(example, "node_modules", ".bin", "cdk8s");

describe("examples/cdk8s-flannel", { skip: needs({ ok: existsSync(cdk8s), what: "the example's dependencies (pnpm install)" }) }, () => {
  test("cdk8s synth works offline and writes the core's objects", () => {
    const out = mkdtempSync(join(tmpdir(), "podnet-cdk8s-flannel-"));
    try {
      const r = spawnSync(cdk8s, ["synth", "--no-check-upgrade", "--output", out], {
        cwd: example,
        encoding: "utf8",
        // Node 22 first (the app runs through npx tsx); no proxy, so any download attempt fails fast.
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, npm_config_offline: "true" },
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `cdk8s synth failed:\n${r.stderr}\n${r.stdout}`);
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /http error|ENOTFOUND|stack/i);
      assert.match(r.stderr, /pod MTU on node2: 1450/);
      assert.deepEqual(readdirSync(out), ["flannel.k8s.yaml"]);
      const docs = parseAllDocuments(readFileSync(join(out, "flannel.k8s.yaml"), "utf8")).map((d) => d.toJS());
      const expected = renderFlannelNetwork(flannel, planPodCidrs(cluster).value).value.objects;
      assert.deepStrictEqual(docs, JSON.parse(JSON.stringify(expected)));
      const ds = docs.find((d) => d.kind === "DaemonSet");
      assert.deepEqual(ds.spec.template.spec.containers[0].args, ["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081", "--iface=eth1"]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
