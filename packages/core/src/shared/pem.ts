/**
 * PEM material parsed, not pattern-matched: certificates with node:crypto's
 * X509Certificate (every block of a bundle), private keys with
 * createPrivateKey, a key against its certificate with checkPrivateKey.
 * Messages name the file's path and the certificate's subject, never key
 * material. Validity depends on the clock: `now` is a parameter.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import type { Problems } from "./problems.js";

/** How a certificate is used, for the usage checks. */
export type CertificateRole = "ca" | "client" | "any";

export interface CertificateCheckOptions {
  /** `ca`: every block must be a CA; `client`: the first block is a TLS client certificate. @default "any" */
  readonly role?: CertificateRole;
  /** What "now" is for the validity checks. @default - the current time */
  readonly now?: Date;
  /** Warn when a certificate expires within this many days. @default 30 */
  readonly warnDays?: number;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const DAY_MS = 86_400_000;
/** Extended key usage OIDs (RFC 5280 §4.2.1.12). */
const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const EKU_ANY = "2.5.29.37.0";

function blocks(content: string): Array<{ type: string; text: string }> {
  return [...content.matchAll(BLOCK)].map((m) => ({ type: m[1] as string, text: m[0] }));
}

/** `CN=flanneld, O=k8s` from the certificate's multi-line subject. */
function subjectOf(cert: X509Certificate): string {
  return cert.subject.split("\n").join(", ");
}

const day = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Parses every certificate in `content` and checks validity and usage; returns them, or
 * undefined after an error. An expired or not-yet-valid certificate is an error (the TLS
 * handshake fails), one expiring within `warnDays` a warning.
 */
export function checkCertificatePem(
  content: string,
  path: string,
  p: Problems,
  opts: CertificateCheckOptions = {},
): X509Certificate[] | undefined {
  const now = opts.now ?? new Date();
  const warnDays = opts.warnDays ?? 30;
  const role = opts.role ?? "any";
  const found = blocks(content);
  const certs = found.filter((b) => b.type === "CERTIFICATE");
  const stray = content.replace(BLOCK, "").trim();
  if (certs.length === 0 || certs.length !== found.length || stray !== "") {
    p.error(
      path,
      "cert.pem",
      `${path}: is not an X.509 certificate in PEM form (expected only "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" blocks${found.length > certs.length ? `, found a "${found.find((b) => b.type !== "CERTIFICATE")?.type}" block` : ""}); give the certificate file, not a key or a request`,
    );
    return undefined;
  }
  const before = p.errors.length;
  const out: X509Certificate[] = [];
  certs.forEach((b, i) => {
    const which = certs.length > 1 ? `certificate ${i + 1} of ${certs.length}` : "the certificate";
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(b.text);
    } catch {
      p.error(
        path,
        "cert.pem",
        `${path}: ${which} is not an X.509 certificate in PEM form (its base64 body does not parse); give the PEM file as issued, unmodified`,
      );
      return;
    }
    out.push(cert);
    const subject = `${which} ("${subjectOf(cert)}")`;
    checkValidity(cert, subject, path, now, warnDays, p);
    checkUsage(cert, subject, role, i === 0, path, p);
  });
  return p.errors.length > before ? undefined : out;
}

/** Reports a certificate that expired, is not yet valid (errors) or expires within `warnDays` (warning). */
function checkValidity(cert: X509Certificate, subject: string, path: string, now: Date, warnDays: number, p: Problems): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (to.getTime() <= now.getTime()) {
    p.error(
      path,
      "cert.expired",
      `${path}: ${subject} expired on ${day(to)}; TLS connections with it fail; renew it and give the new file`,
    );
  } else if (from.getTime() > now.getTime()) {
    p.error(
      path,
      "cert.not-yet-valid",
      `${path}: ${subject} is valid only from ${day(from)}; TLS connections with it fail until then; check the issuer's clock or reissue it`,
    );
  } else if (to.getTime() - now.getTime() < warnDays * DAY_MS) {
    const days = Math.floor((to.getTime() - now.getTime()) / DAY_MS);
    p.warn(
      path,
      "cert.expires-soon",
      `${path}: ${subject} expires on ${day(to)}, in ${days} day${days === 1 ? "" : "s"}; renew it before then`,
    );
  }
}

/** Reports a certificate that does not fit its role: a CA that is none, a client certificate (the first block) without clientAuth or that is a CA. */
function checkUsage(cert: X509Certificate, subject: string, role: CertificateRole, first: boolean, path: string, p: Problems): void {
  if (role === "ca" && !cert.ca) {
    p.warn(
      path,
      "cert.not-ca",
      `${path}: ${subject} is not a CA certificate (no basicConstraints CA:TRUE), so it cannot verify certificates it did not sign itself; give the CA's certificate`,
    );
  }
  if (role === "client" && first) {
    const eku = cert.keyUsage;
    if (eku !== undefined && eku.length > 0 && !eku.includes(EKU_CLIENT_AUTH) && !eku.includes(EKU_ANY)) {
      p.error(
        path,
        "cert.client-auth",
        `${path}: ${subject} has extended key usages but not clientAuth, so etcd refuses it as a client certificate; issue it with extendedKeyUsage clientAuth`,
      );
    }
    if (cert.ca) {
      p.warn(
        path,
        "cert.client-is-ca",
        `${path}: ${subject} is a CA certificate (CA:TRUE); give the client certificate the CA issued, not the CA itself`,
      );
    }
  }
}

/**
 * Checks that `content` is one unencrypted private key and parses it; the key's content never
 * appears in a message.
 */
export function checkPrivateKeyPem(content: string, path: string, p: Problems): KeyObject | undefined {
  const found = blocks(content);
  const block = found.length === 1 ? found[0] : undefined;
  if (!block || !/^(RSA |EC |ENCRYPTED )?PRIVATE KEY$/.test(block.type) || content.replace(BLOCK, "").trim() !== "") {
    p.error(
      path,
      "cert.key-pem",
      `${path}: is not one PEM private key ("-----BEGIN ... PRIVATE KEY-----"); its content is not shown; give the key file that belongs to the certificate`,
    );
    return undefined;
  }
  if (block.type === "ENCRYPTED PRIVATE KEY" || /^Proc-Type: 4,ENCRYPTED/m.test(block.text)) {
    p.error(
      path,
      "cert.key-encrypted",
      `${path}: the private key is encrypted; the network daemon on the node (flanneld, calico-node) cannot ask for a passphrase, give an unencrypted key (mode 0600 on the node)`,
    );
    return undefined;
  }
  try {
    return createPrivateKey({ key: block.text, format: "pem" });
  } catch {
    p.error(
      path,
      "cert.key-pem",
      `${path}: is not a private key node:crypto can read (the PEM block does not parse); its content is not shown; give the key file as generated`,
    );
    return undefined;
  }
}

/** A key that does not belong to its certificate is an error: the TLS handshake would fail. */
export function checkKeyMatchesCertificate(cert: X509Certificate, key: KeyObject, certPath: string, keyPath: string, p: Problems): boolean {
  let ok = false;
  try {
    ok = cert.checkPrivateKey(key);
  } catch {
    ok = false; // a key of another type than the certificate's
  }
  if (ok) return true;
  p.error(
    keyPath,
    "cert.key-mismatch",
    `${keyPath}: the private key does not belong to the certificate in ${certPath} ("${subjectOf(cert)}"); give the key generated with that certificate, or both anew`,
  );
  return false;
}

/**
 * A TLS client's PEM material as a front end holds it (`ca`, `cert`, `key` under `base`): the
 * values that are plain strings are checked (values arriving late, e.g. Pulumi outputs, are
 * skipped): the CA, the client certificate with clientAuth, the key, and that key and
 * certificate belong together.
 */
export function checkClientTlsPem(
  material: { readonly ca?: unknown; readonly cert?: unknown; readonly key?: unknown },
  base: string,
  p: Problems,
  opts: Omit<CertificateCheckOptions, "role"> = {},
): void {
  if (typeof material.ca === "string") checkCertificatePem(material.ca, `${base}.ca`, p, { ...opts, role: "ca" });
  const cert =
    typeof material.cert === "string" ? checkCertificatePem(material.cert, `${base}.cert`, p, { ...opts, role: "client" }) : undefined;
  const key = typeof material.key === "string" ? checkPrivateKeyPem(material.key, `${base}.key`, p) : undefined;
  if (cert?.[0] && key) checkKeyMatchesCertificate(cert[0], key, `${base}.cert`, `${base}.key`, p);
}
