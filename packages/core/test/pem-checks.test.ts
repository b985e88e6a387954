/**
 * PEM checks parse the material as X.509 (node:crypto): bad bodies, keys in
 * place of certificates, expiry and not-yet-valid (with a fixed `now`),
 * expiring soon, missing clientAuth, a non-CA given as CA, mismatched and
 * encrypted keys. Key content never appears in a message.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, test } from "node:test";
import { testPem } from "../../../test/support/pem.js";
import { checkCertificatePem, checkKeyMatchesCertificate, checkPrivateKeyPem, Problems } from "../src/internal/index.js";

const pem = testPem();
const P = "flannel.systemd.etcd.tls.certFile";
const K = "flannel.systemd.etcd.tls.keyFile";
const validTo = new Date(new X509Certificate(pem.cert).validTo);
const validFrom = new Date(new X509Certificate(pem.cert).validFrom);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function run(fn: (p: Problems) => unknown): { errors: string[][]; warnings: string[][] } {
  const p = new Problems();
  fn(p);
  return { errors: p.errors.map((e) => [e.code, e.message]), warnings: p.warnings.map((w) => [w.code, w.message]) };
}

describe("certificates", () => {
  test("a CA, a client certificate and a bundle of both pass", () => {
    assert.deepEqual(
      run((p) => checkCertificatePem(pem.ca, P, p, { role: "ca" })),
      { errors: [], warnings: [] },
    );
    assert.deepEqual(
      run((p) => checkCertificatePem(pem.cert, P, p, { role: "client" })),
      { errors: [], warnings: [] },
    );
    const q = new Problems();
    assert.equal(checkCertificatePem(`${pem.cert}${pem.ca}`, P, q, { role: "client" })?.length, 2);
  });

  test("text that only looks like PEM is not a certificate", () => {
    const fake = "-----BEGIN CERTIFICATE-----\nQ0FDRVJU\n-----END CERTIFICATE-----\n";
    assert.deepEqual(run((p) => checkCertificatePem(fake, P, p)).errors, [
      [
        "cert.pem",
        `${P}: the certificate is not an X.509 certificate in PEM form (its base64 body does not parse); give the PEM file as issued, unmodified`,
      ],
    ]);
    assert.deepEqual(run((p) => checkCertificatePem(`${pem.ca}${fake}`, P, p)).errors, [
      [
        "cert.pem",
        `${P}: certificate 2 of 2 is not an X.509 certificate in PEM form (its base64 body does not parse); give the PEM file as issued, unmodified`,
      ],
    ]);
  });

  test("a key or free text in place of a certificate, without showing it", () => {
    const r = run((p) => checkCertificatePem(pem.key, P, p));
    assert.deepEqual(r.errors, [
      [
        "cert.pem",
        `${P}: is not an X.509 certificate in PEM form (expected only "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" blocks, found a "PRIVATE KEY" block); give the certificate file, not a key or a request`,
      ],
    ]);
    assert.equal(run((p) => checkCertificatePem("hello", P, p)).errors[0]?.[0], "cert.pem");
    assert.ok(!JSON.stringify(r).includes(pem.key.split("\n")[1] as string));
  });

  test("expired, not yet valid and expiring soon, against a fixed now", () => {
    const after = new Date(validTo.getTime() + 1000);
    assert.deepEqual(run((p) => checkCertificatePem(pem.cert, P, p, { now: after })).errors, [
      [
        "cert.expired",
        `${P}: the certificate ("O=k8s, CN=flanneld") expired on ${iso(validTo)}; TLS connections with it fail; renew it and give the new file`,
      ],
    ]);
    const beforeStart = new Date(validFrom.getTime() - 60_000);
    assert.deepEqual(run((p) => checkCertificatePem(pem.cert, P, p, { now: beforeStart })).errors, [
      [
        "cert.not-yet-valid",
        `${P}: the certificate ("O=k8s, CN=flanneld") is valid only from ${iso(validFrom)}; TLS connections with it fail until then; check the issuer's clock or reissue it`,
      ],
    ]);
    const soon = new Date(validTo.getTime() - 5 * 86_400_000 - 1000);
    assert.deepEqual(
      run((p) => checkCertificatePem(pem.cert, P, p, { now: soon })),
      {
        errors: [],
        warnings: [
          ["cert.expires-soon", `${P}: the certificate ("O=k8s, CN=flanneld") expires on ${iso(validTo)}, in 5 days; renew it before then`],
        ],
      },
    );
    // With the real clock: the ten-day certificate warns, the ten-year one does not.
    assert.equal(run((p) => checkCertificatePem(pem.shortLived, P, p)).warnings[0]?.[0], "cert.expires-soon");
  });

  test("a client certificate without clientAuth is an error; a CA as client, a leaf as CA are warnings", () => {
    assert.deepEqual(run((p) => checkCertificatePem(pem.serverOnly, P, p, { role: "client" })).errors, [
      [
        "cert.client-auth",
        `${P}: the certificate ("CN=etcd") has extended key usages but not clientAuth, so etcd refuses it as a client certificate; issue it with extendedKeyUsage clientAuth`,
      ],
    ]);
    assert.deepEqual(run((p) => checkCertificatePem(pem.ca, P, p, { role: "client" })).warnings, [
      [
        "cert.client-is-ca",
        `${P}: the certificate ("CN=podnet-test-ca") is a CA certificate (CA:TRUE); give the client certificate the CA issued, not the CA itself`,
      ],
    ]);
    assert.deepEqual(run((p) => checkCertificatePem(pem.cert, P, p, { role: "ca" })).warnings, [
      [
        "cert.not-ca",
        `${P}: the certificate ("O=k8s, CN=flanneld") is not a CA certificate (no basicConstraints CA:TRUE), so it cannot verify certificates it did not sign itself; give the CA's certificate`,
      ],
    ]);
  });
});

describe("private keys", () => {
  test("the key of the certificate passes; another key is a mismatch", () => {
    const cert = new X509Certificate(pem.cert);
    const mine = run((p) => {
      const k = checkPrivateKeyPem(pem.key, K, p);
      assert.ok(k);
      checkKeyMatchesCertificate(cert, k, P, K, p);
    });
    assert.deepEqual(mine, { errors: [], warnings: [] });
    const other = run((p) => {
      const k = checkPrivateKeyPem(pem.key2, K, p);
      assert.ok(k);
      checkKeyMatchesCertificate(cert, k, P, K, p);
    });
    assert.deepEqual(other.errors, [
      [
        "cert.key-mismatch",
        `${K}: the private key does not belong to the certificate in ${P} ("O=k8s, CN=flanneld"); give the key generated with that certificate, or both anew`,
      ],
    ]);
  });

  test("a certificate, a broken key or an encrypted key is refused without showing it", () => {
    const broken = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0a2V5bWF0ZXJpYWw=\n-----END PRIVATE KEY-----\n";
    const encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nc2VjcmV0a2V5bWF0ZXJpYWw=\n-----END ENCRYPTED PRIVATE KEY-----\n";
    const r = [pem.cert, broken, encrypted, "c2VjcmV0a2V5bWF0ZXJpYWw="].map((k) => run((p) => checkPrivateKeyPem(k, K, p)).errors);
    assert.deepEqual(
      r.map((e) => e.map(([c]) => c)),
      [["cert.key-pem"], ["cert.key-pem"], ["cert.key-encrypted"], ["cert.key-pem"]],
    );
    assert.equal(
      r[1]?.[0]?.[1],
      `${K}: is not a private key node:crypto can read (the PEM block does not parse); its content is not shown; give the key file as generated`,
    );
    assert.ok(!JSON.stringify(r).includes("c2VjcmV0"));
  });
});
