/**
 * examples/pulumi-flannel-binary runs under Pulumi mocks (no engine, no
 * provider plugin: nothing is deployed, no command runs): the seeds' scenario
 * registers the plan, the host preparation, and flannel in mode systemd with
 * six commands per node, one etcd config step and the flanneld client
 * certificate signed by the configured CA.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "./support/pem.js";
import { isSecretInput, mockPulumi, outputValue, settle } from "./support/pulumi-mocks.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain inputs
type Obj = Record<string, any>;
const { ca: CA, caKey: CA_KEY, cert: CERT, key: KEY } = testPem();

/** Outputs the tls provider would compute. */
const tls: Record<string, Obj> = {
  "tls:index/privateKey:PrivateKey": { privateKeyPem: KEY },
  "tls:index/certRequest:CertRequest": { certRequestPem: "csr" },
  "tls:index/locallySignedCert:LocallySignedCert": { certPem: CERT },
};
const registered = mockPulumi<Obj>({
  project: "pulumi-flannel-binary",
  computed: (type, name) => (type === "command:remote:Command" ? { stdout: `ran ${name}` } : tls[type]),
});
pulumi.runtime.setAllConfig(
  {
    "pulumi-flannel-binary:sshPrivateKey": "ssh-private-key",
    "pulumi-flannel-binary:etcdCaCert": CA,
    "pulumi-flannel-binary:etcdCaKey": CA_KEY,
    "pulumi-flannel-binary:flannelSha256": "b".repeat(64),
  },
  ["pulumi-flannel-binary:sshPrivateKey", "pulumi-flannel-binary:etcdCaKey"],
);
const program = await import("../examples/pulumi-flannel-binary/index.js");

describe("examples/pulumi-flannel-binary (mocks)", () => {
  test("registers the plan, host preparation and flannel in mode systemd: six commands per node, one etcd step", async () => {
    await settle();
    const types = registered.map((r) => r.type);
    assert.ok(types.includes("podnet:index:PodCidrPlan"));
    assert.ok(types.includes("podnet:index:NodeNetworkPrep"));
    assert.ok(types.includes("podnet:index:FlannelNetwork"));
    assert.ok(types.includes("podnet:index:FlanneldCertificate"));
    for (const node of ["node1", "node2", "node3"]) {
      assert.deepEqual(
        registered
          .filter((r) => r.name.startsWith(`flannel-${node}-`))
          .map((r) => r.name.slice(`flannel-${node}-`.length))
          .sort(),
        ["binaries", "certs", "config", "start", "uninstall", "verify"],
      );
    }
    const etcd = registered.find((r) => r.name === "flannel-etcd-config");
    assert.match(
      String(etcd?.inputs.stdin),
      /^config='\{"Network":"172\.30\.0\.0\/16","SubnetLen":21,"EnableNFTables":false,"Backend":\{"Type":"vxlan"\}\}'$/m,
    );
    assert.match(String(etcd?.inputs.stdin), /^reserve 'node2' '\/kubernetes\/network\/subnets\/172\.30\.184\.0-21' /m);
    // No new CA: the configured one signs, its key sent as a secret.
    assert.equal(registered.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert").length, 0);
    const signed = registered.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert");
    assert.equal(isSecretInput(signed?.inputs.caPrivateKeyPem), true);
    assert.deepEqual(registered.find((r) => r.type === "tls:index/certRequest:CertRequest")?.inputs.subject, {
      commonName: "flanneld",
      organization: "k8s",
      organizationalUnit: "4Paradigm",
    });
    const certs = registered.find((r) => r.name === "flannel-node1-certs");
    assert.equal(isSecretInput(certs?.inputs.stdin), true, "the certs step (with the key) is a secret");
    const config = registered.find((r) => r.name === "flannel-node1-config");
    assert.match(String(config?.inputs.stdin), /podnet_file '\/etc\/systemd\/system\/docker\.service\.d\/10-flannel\.conf'/);
    const mtu = (await outputValue(program.podMtu)) as Obj;
    assert.deepEqual(mtu, { node1: 1450, node2: 1450, node3: 1450 });
  });
});
