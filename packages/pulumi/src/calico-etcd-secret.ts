/**
 * CalicoNetwork's etcd TLS Secret (`calico-etcd-secrets`, manifest path with
 * the etcd datastore): the given PEM material, or a client certificate issued
 * here with @pulumi/tls by the given CA. Every value is a Pulumi secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** etcd client TLS: the PEM material itself, or a CA that signs a client certificate issued here. */
export type CalicoEtcdTls =
  | { readonly ca: pulumi.Input<string>; readonly cert: pulumi.Input<string>; readonly key: pulumi.Input<string> }
  | {
      readonly issueWith: {
        readonly caCertPem: pulumi.Input<string>;
        readonly caPrivateKeyPem: pulumi.Input<string>;
        readonly validityHours?: number;
      };
    };

/** A CA that signs the client certificate issued here. */
export type IssueWith = Extract<CalicoEtcdTls, { issueWith: unknown }>["issueWith"];

/** Secret calico-etcd-secrets under `parent` (`secret`: the rendered object's fields, inputs each): the given PEM material, or a client certificate issued by the given CA. */
export function calicoEtcdSecret(
  parent: pulumi.ComponentResource,
  name: string,
  secret: Readonly<Record<string, unknown>>,
  given: { ca?: unknown; cert?: unknown; key?: unknown } | undefined,
  issue?: IssueWith,
): k8s.core.v1.Secret {
  let material: { ca: pulumi.Input<string>; cert: pulumi.Input<string>; key: pulumi.Input<string> } | undefined;
  if (given) material = given as never;
  if (issue) {
    const key = new tls.PrivateKey(`${name}-etcd-client`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
    const csr = new tls.CertRequest(
      `${name}-etcd-client`,
      { privateKeyPem: key.privateKeyPem, subject: { commonName: "calico" } },
      { parent },
    );
    const cert = new tls.LocallySignedCert(
      `${name}-etcd-client`,
      {
        certRequestPem: csr.certRequestPem,
        caCertPem: issue.caCertPem,
        caPrivateKeyPem: pulumi.secret(issue.caPrivateKeyPem),
        // One year unless told otherwise; renewal is a `pulumi up` away.
        validityPeriodHours: issue.validityHours ?? 8760,
        allowedUses: ["digitalSignature", "keyEncipherment", "clientAuth"],
      },
      { parent },
    );
    material = { ca: issue.caCertPem, cert: cert.certPem, key: key.privateKeyPem };
  }
  const stringData = material
    ? { "etcd-ca": pulumi.secret(material.ca), "etcd-cert": pulumi.secret(material.cert), "etcd-key": pulumi.secret(material.key) }
    : undefined;
  return new k8s.core.v1.Secret(`${name}-etcd-secrets`, { ...secret, ...(stringData ? { stringData } : {}) }, { parent });
}
