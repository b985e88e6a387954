/**
 * Real PEM material for tests that only need well-formed certificates and
 * keys, made with openssl when first asked for (synchronously, so test
 * files can use it in constants): a CA, two client certificates it signed
 * (clientAuth) with their keys, a server-only certificate and a short-lived
 * one. Nothing here is a secret of anything outside the test run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPem {
  /** CA certificate (CA:TRUE, keyCertSign), ten years. */
  readonly ca: string;
  readonly caKey: string;
  /** flanneld client certificate (CN flanneld, clientAuth) signed by `ca`, ten years, and its key. */
  readonly cert: string;
  readonly key: string;
  /** A second client certificate and key (a renewal). */
  readonly cert2: string;
  readonly key2: string;
  /** A certificate with extendedKeyUsage serverAuth only, and its key. */
  readonly serverOnly: string;
  /** A client certificate valid for 10 days. */
  readonly shortLived: string;
}

let cached: TestPem | undefined;

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** The material, made once per process. */
export function testPem(): TestPem {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), `podnet-pem-${process.pid}-`));
  try {
    const f = (name: string) => join(dir, name);
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      f("ca-key.pem"),
      "-out",
      f("ca.pem"),
      "-days",
      "3650",
      "-subj",
      "/CN=podnet-test-ca",
      "-addext",
      "basicConstraints=critical,CA:true",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const leaf = (name: string, subject: string, eku: string, days: string) => {
      writeFileSync(
        f(`${name}.ext`),
        `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${eku}\n`,
      );
      openssl([
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        f(`${name}-key.pem`),
        "-out",
        f(`${name}.csr`),
        "-subj",
        subject,
      ]);
      openssl([
        "x509",
        "-req",
        "-in",
        f(`${name}.csr`),
        "-CA",
        f("ca.pem"),
        "-CAkey",
        f("ca-key.pem"),
        "-CAcreateserial",
        "-out",
        f(`${name}.pem`),
        "-days",
        days,
        "-extfile",
        f(`${name}.ext`),
      ]);
    };
    leaf("client", "/O=k8s/CN=flanneld", "clientAuth", "3650");
    leaf("client2", "/O=k8s/CN=flanneld", "clientAuth", "3650");
    leaf("server", "/CN=etcd", "serverAuth", "3650");
    leaf("short", "/CN=flanneld", "clientAuth", "10");
    const r = (name: string) => readFileSync(f(name), "utf8");
    cached = {
      ca: r("ca.pem"),
      caKey: r("ca-key.pem"),
      cert: r("client.pem"),
      key: r("client-key.pem"),
      cert2: r("client2.pem"),
      key2: r("client2-key.pem"),
      serverOnly: r("server.pem"),
      shortLived: r("short.pem"),
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
