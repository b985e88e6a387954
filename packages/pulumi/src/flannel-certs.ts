/**
 * The flanneld etcd client certificate with @pulumi/tls, made to the core's
 * FlanneldCertificateSpec (CN flanneld, client authentication only): signed by
 * the given CA (cert + key, kept secret) or by a CA created here. Changing the
 * spec's `renewalTrigger` replaces the key and the certificate.
 */
import type { FlanneldCertificateSpec } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** A CA to sign with. */
export interface CertificateAuthorityArgs {
  /** CA certificate (PEM). */
  readonly certPem: pulumi.Input<string>;
  /** CA private key (PEM); stored as a secret. */
  readonly keyPem: pulumi.Input<string>;
}

/** The certificate to make and the CA that signs it. */
export interface FlanneldCertificateArgs {
  readonly spec: FlanneldCertificateSpec;
  /** The CA etcd trusts for clients. @default - a new CA (ECDSA P-256, ten years), exported as `caCertPem` for etcd's --trusted-ca-file */
  readonly ca?: CertificateAuthorityArgs;
}

/** A new CA lives ten years (87600 h); the client certificate is renewed far more often. */
const CA_VALIDITY_HOURS = 87_600;

/** flanneld's etcd client certificate (and its CA, unless given), made with @pulumi/tls. */
export class FlanneldCertificate extends pulumi.ComponentResource {
  /** The CA certificate (give it to etcd as --trusted-ca-file when podnet created it). */
  readonly caCertPem: pulumi.Output<string>;
  /** flanneld's client certificate. */
  readonly certPem: pulumi.Output<string>;
  /** flanneld's private key (secret). */
  readonly keyPem: pulumi.Output<string>;
  /** True once the certificate is within earlyRenewalHours of expiry (the next update renews it). */
  readonly readyForRenewal: pulumi.Output<boolean>;

  constructor(name: string, args: FlanneldCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("podnet:index:FlanneldCertificate", name, {}, opts);
    const spec = args.spec;
    let ca: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> };
    if (args.ca) {
      ca = { certPem: pulumi.output(args.ca.certPem), keyPem: pulumi.secret(args.ca.keyPem) };
    } else {
      const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const caCert = new tls.SelfSignedCert(
        `${name}-ca`,
        {
          privateKeyPem: caKey.privateKeyPem,
          subject: { commonName: "podnet flanneld etcd client CA" },
          isCaCertificate: true,
          validityPeriodHours: CA_VALIDITY_HOURS,
          allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        { parent: this },
      );
      ca = { certPem: caCert.certPem, keyPem: pulumi.secret(caKey.privateKeyPem) };
    }
    // Changing renewalTrigger replaces both: a new key, then a new certificate for it.
    const renew = spec.renewalTrigger !== "" ? { replacementTrigger: spec.renewalTrigger } : {};
    const key = new tls.PrivateKey(
      `${name}-key`,
      {
        algorithm: spec.keyAlgorithm,
        ...(spec.rsaBits !== undefined ? { rsaBits: spec.rsaBits } : {}),
        ...(spec.ecdsaCurve !== undefined ? { ecdsaCurve: spec.ecdsaCurve } : {}),
      },
      { parent: this, ...renew },
    );
    const csr = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: {
          commonName: spec.commonName,
          ...(spec.organization !== undefined ? { organization: spec.organization } : {}),
          ...(spec.organizationalUnit !== undefined ? { organizationalUnit: spec.organizationalUnit } : {}),
        },
      },
      { parent: this },
    );
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: csr.certRequestPem,
        caCertPem: ca.certPem,
        caPrivateKeyPem: ca.keyPem,
        validityPeriodHours: spec.validityHours,
        earlyRenewalHours: spec.earlyRenewalHours,
        allowedUses: [...spec.allowedUses],
      },
      { parent: this, ...renew },
    );
    this.caCertPem = ca.certPem;
    this.certPem = cert.certPem;
    this.keyPem = pulumi.secret(key.privateKeyPem);
    this.readyForRenewal = cert.readyForRenewal;
    this.registerOutputs({ caCertPem: this.caCertPem, certPem: this.certPem, keyPem: this.keyPem, readyForRenewal: this.readyForRenewal });
  }
}
