/**
 * The flanneld etcd client certificate, as data: the Pulumi component makes it
 * with @pulumi/tls, the tests make the same with openssl, so etcd proves the
 * spec (CN `flanneld`, client-auth only) is what mutual TLS needs.
 * Seed 000 makes it by hand with cfssl: CN flanneld, O k8s, OU 4Paradigm, RSA 2048.
 */
import { z } from "zod";
import { type CertificateCheckOptions, checkCertificatePem, checkPrivateKeyPem } from "../shared/pem.js";
import { type Problems, show } from "../shared/problems.js";

/** Key algorithms @pulumi/tls supports (`tls.PrivateKey.algorithm`). */
export const CertKeyAlgorithm = { RSA: "RSA", ECDSA: "ECDSA", ED25519: "ED25519" } as const;
export type CertKeyAlgorithm = (typeof CertKeyAlgorithm)[keyof typeof CertKeyAlgorithm];

/** ECDSA curves @pulumi/tls supports. */
export const CertEcdsaCurve = { P224: "P224", P256: "P256", P384: "P384", P521: "P521" } as const;
export type CertEcdsaCurve = (typeof CertEcdsaCurve)[keyof typeof CertEcdsaCurve];

/** Common name etcd sees for flanneld (seed 000's cfssl CSR; etcd RBAC maps CN to a user). */
export const FLANNELD_CERT_COMMON_NAME = "flanneld";

/**
 * Subject values (CN, O, OU): they reach @pulumi/tls's CertRequest, the user name etcd
 * derives from the CN, and DN strings (RFC 4514) in etcd's logs and `openssl x509 -subject`.
 * So: printable ASCII without the DN specials `,+=;<>"\` and the `-subj` separator `/`,
 * no leading or trailing space, 1-64 characters (X.520 upper bound of ub-common-name,
 * ub-organization-name and ub-organizational-unit-name).
 */
const SUBJECT_VALUE = /^(?! )[A-Za-z0-9 .'()_@:-]{1,64}(?<! )$/;

/** The zod schema of flanneld's etcd client certificate request. */
export const flanneldCertSchema = z.strictObject({
  /** Subject common name. @default "flanneld" */
  commonName: z.string().default(FLANNELD_CERT_COMMON_NAME),
  /** Subject organisation (O). @default - none */
  organization: z.string().optional(),
  /** Subject organisational unit (OU). @default - none */
  organizationalUnit: z.string().optional(),
  /** Private key algorithm. @default "RSA" */
  keyAlgorithm: z.enum(CertKeyAlgorithm).default("RSA"),
  /** RSA key size. @default 2048 (seed 000's cfssl CSR) */
  rsaBits: z.number().int().default(2048),
  /** ECDSA curve. @default "P256" */
  ecdsaCurve: z.enum(CertEcdsaCurve).default("P256"),
  /** Validity in hours. @default 8760 (one year) */
  validityHours: z.number().int().default(8760),
  /** Renew this many hours before expiry (Pulumi replaces the certificate on the next update). @default 720 (30 days) */
  earlyRenewalHours: z.number().int().default(720),
  /** Change this value to renew the key and certificate now. @default "" */
  renewalTrigger: z.string().default(""),
});
/** flanneld's etcd client certificate request as a user writes it. */
export type FlanneldCertOptions = z.input<typeof flanneldCertSchema>;
/** flanneld's etcd client certificate request, parsed with defaults filled in. */
export type FlanneldCertConfig = z.output<typeof flanneldCertSchema>;

/** @pulumi/tls `allowedUses` names of a client certificate. */
export type CertUse = "digital_signature" | "key_encipherment" | "client_auth";

/** Everything needed to make the certificate with @pulumi/tls or openssl. */
export interface FlanneldCertificateSpec {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly keyAlgorithm: CertKeyAlgorithm;
  readonly rsaBits?: number;
  readonly ecdsaCurve?: CertEcdsaCurve;
  readonly validityHours: number;
  readonly earlyRenewalHours: number;
  readonly renewalTrigger: string;
  /** Key usages plus the one extended usage: client authentication, nothing else. */
  readonly allowedUses: readonly CertUse[];
}

/** Validates the options and returns the certificate spec (undefined after an error). */
export function flanneldCertificateSpec(cfg: FlanneldCertConfig, base: string, p: Problems): FlanneldCertificateSpec | undefined {
  const before = p.errors.length;
  for (const k of ["commonName", "organization", "organizationalUnit"] as const) {
    const v = cfg[k];
    if (v !== undefined && !SUBJECT_VALUE.test(v)) {
      p.error(
        `${base}.${k}`,
        "cert.subject",
        `${base}.${k}: ${show(v)} is not a subject value podnet accepts (1-64 letters, digits, inner spaces and . ' ( ) _ @ : -; no control characters, "/" or the DN specials , + = ; < > " \\); e.g. "flanneld"`,
      );
    }
  }
  if (cfg.commonName !== FLANNELD_CERT_COMMON_NAME && cfg.commonName !== undefined) {
    p.warn(
      `${base}.commonName`,
      "cert.common-name",
      `${base}.commonName: "${cfg.commonName}" instead of "flanneld"; make sure etcd's role bindings (if any) name this user`,
    );
  }
  // RSA below 2048 bits is disallowed by NIST SP 800-131A; above 8192 is impractical.
  if (cfg.keyAlgorithm === "RSA" && (cfg.rsaBits < 2048 || cfg.rsaBits > 8192 || cfg.rsaBits % 1024 !== 0)) {
    p.error(
      `${base}.rsaBits`,
      "cert.rsa-bits",
      `${base}.rsaBits: ${cfg.rsaBits} is not 2048, 3072, 4096 ... 8192 (NIST SP 800-131A: at least 2048)`,
    );
  }
  // At least one hour; at most ten years (a client certificate that outlives its CA helps nobody).
  if (cfg.validityHours < 1 || cfg.validityHours > 87_600) {
    p.error(
      `${base}.validityHours`,
      "cert.validity",
      `${base}.validityHours: ${cfg.validityHours} is outside 1..87600 (one hour to ten years)`,
    );
  }
  if (cfg.earlyRenewalHours < 0 || cfg.earlyRenewalHours >= cfg.validityHours) {
    p.error(
      `${base}.earlyRenewalHours`,
      "cert.early-renewal",
      `${base}.earlyRenewalHours: ${cfg.earlyRenewalHours} must be at least 0 and below validityHours (${cfg.validityHours})`,
    );
  }
  if (p.errors.length > before) return undefined;
  return {
    commonName: cfg.commonName,
    ...(cfg.organization !== undefined ? { organization: cfg.organization } : {}),
    ...(cfg.organizationalUnit !== undefined ? { organizationalUnit: cfg.organizationalUnit } : {}),
    keyAlgorithm: cfg.keyAlgorithm,
    ...(cfg.keyAlgorithm === "RSA" ? { rsaBits: cfg.rsaBits } : {}),
    ...(cfg.keyAlgorithm === "ECDSA" ? { ecdsaCurve: cfg.ecdsaCurve } : {}),
    validityHours: cfg.validityHours,
    earlyRenewalHours: cfg.earlyRenewalHours,
    renewalTrigger: cfg.renewalTrigger,
    allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
  };
}

/**
 * Checks PEM material without ever putting key content in a message: a certificate (or a
 * bundle of them) parsed as X.509 with its validity and usage, or an unencrypted private key.
 */
export function checkPem(
  kind: "certificate" | "key",
  content: string,
  path: string,
  p: Problems,
  opts: CertificateCheckOptions = {},
): boolean {
  if (kind === "certificate") return checkCertificatePem(content, path, p, opts) !== undefined;
  return checkPrivateKeyPem(content, path, p) !== undefined;
}
