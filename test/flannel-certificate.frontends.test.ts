/**
 * The flanneld certificate section (mode systemd) is checked in the core, so
 * the same bad section gives the same problems in the core, the cdk8s
 * construct, the Pulumi component and `podnet validate`.
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FlannelNetwork as FlannelConstruct } from "@podnet/cdk8s";
import { run } from "@podnet/cli";
import { flanneldCertSchema, formatProblem, NetworkPlanError } from "@podnet/core";
import { flanneldCertificateSpec, Problems } from "@podnet/core/internal";
import * as pulumi from "@pulumi/pulumi";
import { Testing } from "cdk8s";
import { parse } from "yaml";
import { testPem } from "./support/pem.js";
import { mockPulumi } from "./support/pulumi-mocks.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const example = join(root, "examples/cli");
// biome-ignore lint/suspicious/noExplicitAny: the example spec as parsed YAML
const spec: any = parse(readFileSync(join(example, "flannel-binary.yaml"), "utf8"));
const certificate = { commonName: "flanneld/admin", organization: "k8s, Inc", organizationalUnit: " ops", rsaBits: 1024 };
spec.flannel.systemd.certificate = certificate;

const core = new Problems();
flanneldCertificateSpec(flanneldCertSchema.parse(certificate), "flannel.systemd.certificate", core);
const expected = core.errors.map(formatProblem);

mockPulumi();
let PulumiFlannel: typeof import("@podnet/pulumi").FlannelNetwork;
before(async () => {
  PulumiFlannel = (await import("@podnet/pulumi")).FlannelNetwork;
});

describe("flanneld certificate section: front ends agree", () => {
  test("the core finds the three bad subject values and the short RSA key", () => {
    assert.deepEqual(
      core.errors.map((e) => e.path),
      [
        "flannel.systemd.certificate.commonName",
        "flannel.systemd.certificate.organization",
        "flannel.systemd.certificate.organizationalUnit",
        "flannel.systemd.certificate.rsaBits",
      ],
    );
    assert.equal(
      expected[0],
      'flannel.systemd.certificate.commonName: "flanneld/admin" is not a subject value podnet accepts (1-64 letters, digits, inner spaces and . \' ( ) _ @ : -; no control characters, "/" or the DN specials , + = ; < > " \\); e.g. "flanneld"',
    );
  });

  test("cdk8s: the constructor throws with the same problems", () => {
    const { cluster, nodes, flannel } = spec;
    assert.throws(
      () => new FlannelConstruct(Testing.chart(), "flannel", { plan: { cluster, nodes }, ...flannel }),
      (e: unknown) => e instanceof NetworkPlanError && expected.every((m) => e.problems.some((p) => formatProblem(p) === m)),
    );
  });

  test("Pulumi: an InputPropertiesError with the same problems", () => {
    const { cluster, nodes, flannel } = spec;
    assert.throws(
      () => new PulumiFlannel("flannel", { plan: { cluster, nodes }, ...flannel, hosts: { privateKey: "k" } }),
      (e: unknown) =>
        e instanceof pulumi.InputPropertiesError &&
        expected.every((m) => (e as pulumi.InputPropertiesError).errors?.some((x) => x.reason === m)),
    );
  });

  test("CLI: podnet validate exits 1 and prints each problem", async () => {
    const dir = tempDir("cert-fe");
    cpSync(join(example, "pki"), join(dir, "pki"), { recursive: true });
    writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
    const err: string[] = [];
    const code = await run(["validate", join(dir, "spec.json")], { out: () => {}, err: (l) => err.push(l) });
    assert.equal(code, 1);
    for (const m of expected) assert.ok(err.includes(`error: ${m}`), `missing line: ${m}\n${err.join("\n")}`);
  });

  test("CLI: certificate files are parsed as X.509: a server-only certificate as certFile, a key as caFile", async () => {
    const dir = tempDir("cert-files");
    cpSync(join(example, "pki"), join(dir, "pki"), { recursive: true });
    writeFileSync(join(dir, "pki/flanneld.pem"), testPem().serverOnly);
    writeFileSync(join(dir, "pki/ca.pem"), testPem().key);
    const good = structuredClone(spec);
    delete good.flannel.systemd.certificate;
    writeFileSync(join(dir, "spec.json"), JSON.stringify(good));
    const err: string[] = [];
    const code = await run(["validate", join(dir, "spec.json")], { out: () => {}, err: (l) => err.push(l) });
    assert.equal(code, 1);
    assert.deepEqual(
      err.filter((l) => l.startsWith("error: ")),
      [
        'error: flannel.systemd.etcd.tls.caFile: is not an X.509 certificate in PEM form (expected only "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" blocks, found a "PRIVATE KEY" block); give the certificate file, not a key or a request',
        'error: flannel.systemd.etcd.tls.certFile: the certificate ("CN=etcd") has extended key usages but not clientAuth, so etcd refuses it as a client certificate; issue it with extendedKeyUsage clientAuth',
      ],
    );
    assert.ok(!err.join("\n").includes(testPem().key.split("\n")[1] as string), "the key is not shown");
  });
});
