/**
 * examples/cdk8s-calico synthesizes offline with the cdk8s CLI
 * (`cdk8s synth --no-check-upgrade`, app `npx tsx main.ts`); what it writes is
 * what the core renders for the example's inputs, and with
 * TIGERA_OPERATOR_MANIFEST pointing at the release's file the operator is
 * included first.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { planPodCidrs, renderCalicoNetwork } from "@podnet/core";
import { parseAllDocuments } from "yaml";
import { calico, cluster } from "../examples/cdk8s-calico/cluster.js";
import { calicoReferenceDir } from "./calico-fixtures.js";
import { needs, needsReference } from "./support/real.js";

const example = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "cdk8s-calico");
const cdk8s = join(example, "node_modules", ".bin", "cdk8s");

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;

function synth(env: Record<string, string> = {}): { docs: Obj[]; stderr: string } {
  const out = mkdtempSync(join(tmpdir(), `podnet-cdk8s-calico-${process.pid}-`));
  try {
    const r = spawnSync(cdk8s, ["synth", "--no-check-upgrade", "--output", out], {
      cwd: example,
      encoding: "utf8",
      // Node 22 first (the app runs through npx tsx); offline, so any download attempt fails fast.
      env: { ...process.env, ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, npm_config_offline: "true" },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `cdk8s synth failed:\n${r.stderr}\n${r.stdout}`);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /http error|ENOTFOUND|stack/i);
    assert.deepEqual(readdirSync(out), ["calico.k8s.yaml"]);
    return { docs: parseAllDocuments(readFileSync(join(out, "calico.k8s.yaml"), "utf8")).map((d) => d.toJS()), stderr: r.stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("examples/cdk8s-calico", { skip: needs({ ok: existsSync(cdk8s), what: "the example's dependencies (pnpm install)" }) }, () => {
  test("cdk8s synth works offline, writes the core's objects and names the prerequisites", () => {
    const { docs, stderr } = synth();
    const expected = renderCalicoNetwork({ ...calico }, planPodCidrs(cluster).value).value.objects;
    assert.deepStrictEqual(docs, JSON.parse(JSON.stringify(expected)));
    assert.equal(docs[0]?.spec.calicoNetwork.ipPools[0].cidr, "172.16.0.0/16");
    assert.match(
      stderr,
      /apply first \(kubectl apply --server-side\): https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/v3\.30\.7\/manifests\/operator-crds\.yaml sha256 53b2e279/,
    );
  });

  test("with the release's tigera-operator.yaml it is included before the Installation", { skip: needsReference() }, () => {
    const { docs, stderr } = synth({ TIGERA_OPERATOR_MANIFEST: join(calicoReferenceDir() as string, "tigera-operator.yaml") });
    assert.deepStrictEqual(docs.map((d) => d.kind).slice(-3), ["Deployment", "Installation", "APIServer"]);
    assert.equal(docs[0]?.kind, "Namespace");
    assert.doesNotMatch(stderr, /tigera-operator\.yaml sha256/);
  });
});
