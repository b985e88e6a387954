/**
 * FlannelNetwork mode systemd under Pulumi mocks (no engine, no provider
 * plugin: nothing is deployed, no command runs): resources per node, the
 * dependsOn chain prep -> certs -> datastore -> binaries -> config -> start ->
 * verify, the uninstall holder for `pulumi destroy`, the client certificate
 * from @pulumi/tls, and that every key, token and kubeconfig is a secret.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { PodCidrPlanOptions } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "../../../test/support/pem.js";
import { isSecretInput, mockPulumi, outputValue, reasons, recorder, settle, unwrap } from "../../../test/support/pulumi-mocks.js";

const { ca: CA_PEM, cert: CERT_PEM, key: KEY_PEM, caKey: CA_KEY_PEM } = testPem();
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmbGFubmVsIn0.c2lnbmF0dXJlLXRva2Vu";

const created = mockPulumi({
  // Outputs the providers would compute.
  computed: {
    "tls:index/privateKey:PrivateKey": { privateKeyPem: KEY_PEM },
    "tls:index/selfSignedCert:SelfSignedCert": { certPem: CA_PEM },
    "tls:index/certRequest:CertRequest": {
      certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----\nQ1NS\n-----END CERTIFICATE REQUEST-----\n",
    },
    "tls:index/locallySignedCert:LocallySignedCert": { certPem: CERT_PEM, readyForRenewal: false },
    "kubernetes:core/v1:Secret": { data: { token: Buffer.from(TOKEN).toString("base64") } },
  },
});
let FlannelNetwork: typeof import("@podnet/pulumi").FlannelNetwork;
let k8s: typeof import("@pulumi/kubernetes");

before(async () => {
  ({ FlannelNetwork } = await import("@podnet/pulumi"));
  k8s = await import("@pulumi/kubernetes");
});

/** The seeds' scenario. */
const seeds: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21, ipv6: 64 } },
  nodes: [31, 32, 33].map((h, i) => ({
    name: `node${i + 1}`,
    roles: ["control-plane", "etcd", "worker"] as ("control-plane" | "etcd" | "worker")[],
    interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`] }],
    podCidrs: [["172.30.72.0/21", "172.30.184.0/21", "172.30.32.0/21"][i] as string],
    ssh: { host: `192.168.1.${h}` },
  })),
};
const systemd = {
  etcd: { endpoints: ["https://192.168.1.31:2379"], prefix: "/kubernetes/network", tls: {} },
  release: { sha256: { amd64: "a".repeat(64) } },
  containerRuntime: "docker" as const,
};

describe("Pulumi FlannelNetwork, mode systemd (mocks)", () => {
  test("etcd + Docker: six commands per node, one datastore step, the client certificate; ordered by dependsOn", async () => {
    const prep = new pulumi.ComponentResource("test:index:Prep", "prep");
    const rec = recorder();
    const f = new FlannelNetwork(
      "fl",
      { plan: seeds, mode: "systemd", iface: ["eth0"], subnetLen: 21, systemd, hosts: { privateKey: pulumi.secret("ssh-key") } },
      { transformations: rec.transformations, dependsOn: [prep] },
    );
    await settle();
    const mine = created.filter((c) => c.name.startsWith("fl-"));
    for (const node of ["node1", "node2", "node3"]) {
      const perNode = mine.filter((c) => c.name.startsWith(`fl-${node}-`));
      assert.deepEqual(
        perNode.map((c) => `${c.type} ${c.name}`).sort(),
        ["uninstall", "certs", "binaries", "config", "start", "verify"].map((s) => `command:remote:Command fl-${node}-${s}`).sort(),
      );
      assert.deepEqual(rec.deps[`fl-${node}-uninstall`], ["prep"]);
      assert.deepEqual(rec.deps[`fl-${node}-certs`], [`fl-${node}-uninstall`]);
      assert.deepEqual(rec.deps[`fl-${node}-binaries`], [`fl-${node}-certs`, "fl-etcd-config"]);
      assert.deepEqual(rec.deps[`fl-${node}-config`], [`fl-${node}-binaries`]);
      assert.deepEqual(rec.deps[`fl-${node}-start`], [`fl-${node}-config`]);
      assert.deepEqual(rec.deps[`fl-${node}-verify`], [`fl-${node}-start`]);
    }
    assert.deepEqual(rec.deps["fl-etcd-config"], ["fl-node1-certs"], "the config is written on the first etcd node, after its certificate");
    assert.deepEqual(
      mine
        .filter((c) => c.type.startsWith("tls:"))
        .map((c) => c.type)
        .sort(),
      [
        "tls:index/certRequest:CertRequest",
        "tls:index/locallySignedCert:LocallySignedCert",
        "tls:index/privateKey:PrivateKey",
        "tls:index/privateKey:PrivateKey",
        "tls:index/selfSignedCert:SelfSignedCert",
      ],
    );
    const signed = mine.find((c) => c.type === "tls:index/locallySignedCert:LocallySignedCert");
    assert.deepEqual(signed?.inputs.allowedUses, ["digital_signature", "key_encipherment", "client_auth"]);
    assert.equal(isSecretInput(signed?.inputs.caPrivateKeyPem), true, "the CA key is sent as a secret");
    const csr = mine.find((c) => c.type === "tls:index/certRequest:CertRequest");
    assert.deepEqual(csr?.inputs.subject, { commonName: "flanneld" });
    assert.ok(f.systemd);
    assert.equal(await pulumi.isSecret(f.systemd.certificate?.keyPem as pulumi.Output<string>), true);
  });

  test("the key travels only inside the certs command's secret stdin; the other steps are plain and hold no key", async () => {
    const node = (s: string) => created.find((c) => c.name === `fl-node2-${s}`);
    const certs = node("certs");
    assert.equal(isSecretInput(certs?.inputs.stdin), true);
    assert.match(String(unwrap(certs?.inputs.stdin)), new RegExp(Buffer.from(KEY_PEM).toString("base64").slice(0, 40)));
    for (const s of ["uninstall", "binaries", "config", "start", "verify"]) {
      const stdin = node(s)?.inputs.stdin;
      assert.equal(isSecretInput(stdin), false, `${s} stdin is not secret`);
      assert.ok(
        !String(stdin).includes("PRIVATE KEY") && !String(stdin).includes(Buffer.from(KEY_PEM).toString("base64").slice(0, 40)),
        `${s} holds no key`,
      );
    }
    for (const s of ["uninstall", "certs", "binaries"]) {
      const conn = node(s)?.inputs.connection;
      assert.equal(isSecretInput(conn), true, "the connection (with the SSH key) is a secret");
      assert.equal((unwrap(conn) as { privateKey: string }).privateKey, "ssh-key");
    }
    // pulumi destroy: only the uninstall holder has a delete; the install steps re-run when their script changes.
    assert.equal(node("uninstall")?.inputs.delete, "bash -s");
    assert.equal(node("uninstall")?.inputs.create, undefined);
    assert.equal(node("start")?.inputs.create, "bash -s");
    assert.equal((node("start")?.inputs.triggers as string[] | undefined)?.length, 1);
    assert.match(String(node("uninstall")?.inputs.stdin), /each step's uninstall\.sh, last step first/);
    const datastore = created.find((c) => c.name === "fl-etcd-config");
    assert.match(String(datastore?.inputs.stdin), /^prefix='\/kubernetes\/network'$/m);
  });

  test("a given CA signs the certificate and no CA is created; renewal is a replacement trigger", async () => {
    const before = created.length;
    const triggers = new Map<string, unknown>();
    const recordTrigger: pulumi.ResourceTransformation = (a) => {
      if (a.type.startsWith("tls:")) triggers.set(a.name, (a.opts as { replacementTrigger?: unknown }).replacementTrigger);
      return undefined;
    };
    new FlannelNetwork(
      "own",
      {
        plan: seeds,
        mode: "systemd",
        iface: ["eth0"],
        systemd: { ...systemd, certificate: { organization: "k8s", organizationalUnit: "4Paradigm", renewalTrigger: "2026-11" } },
        hosts: {
          privateKey: "k",
          etcdCa: { certPem: CA_PEM, keyPem: CA_KEY_PEM },
        },
      },
      { transformations: [recordTrigger] },
    );
    await settle();
    const mine = created.slice(before).filter((c) => c.name.startsWith("own-"));
    assert.equal(mine.filter((c) => c.type === "tls:index/selfSignedCert:SelfSignedCert").length, 0);
    assert.equal(mine.filter((c) => c.type === "tls:index/privateKey:PrivateKey").length, 1);
    const signed = mine.find((c) => c.type === "tls:index/locallySignedCert:LocallySignedCert");
    assert.equal(isSecretInput(signed?.inputs.caPrivateKeyPem), true);
    assert.deepEqual(mine.find((c) => c.type === "tls:index/certRequest:CertRequest")?.inputs.subject, {
      commonName: "flanneld",
      organization: "k8s",
      organizationalUnit: "4Paradigm",
    });
    assert.equal(triggers.get("own-etcd-client-key"), "2026-11", "a new trigger value replaces the key");
    assert.equal(triggers.get("own-etcd-client-cert"), "2026-11", "and the certificate");
    assert.equal(triggers.get("own-etcd-client-csr"), undefined);
  });

  test("kube-subnet-mgr: RBAC objects, the token read back, a secret kubeconfig, six commands per node", async () => {
    const before = created.length;
    const f = new FlannelNetwork("kube", {
      plan: { ...seeds, nodes: seeds.nodes?.map((n) => ({ ...n, podCidrs: undefined })) ?? [] },
      mode: "systemd",
      iface: ["eth0"],
      systemd: {
        datastore: "kube-subnet-mgr",
        kubeSubnetMgr: { apiServer: "https://192.168.1.31:6443" },
        release: { sha256: { amd64: "a".repeat(64) } },
        containerRuntime: "containerd",
        cniPlugin: { sha256: { amd64: "b".repeat(64) } },
      },
      hosts: { privateKey: "k", kubeCaPem: CA_PEM },
    });
    await settle();
    const mine = created.slice(before).filter((c) => c.name.startsWith("kube-"));
    assert.deepEqual(
      mine
        .filter((c) => c.type.startsWith("kubernetes:"))
        .map((c) => `${c.type} ${c.name}`)
        .sort(),
      [
        "kubernetes:core/v1:Secret kube-secret",
        "kubernetes:core/v1:Secret kube-token-read",
        "kubernetes:core/v1:ServiceAccount kube-serviceaccount",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole kube-clusterrole",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding kube-clusterrolebinding",
      ],
    );
    assert.equal(mine.filter((c) => c.name.startsWith("kube-node1-")).length, 6);
    const kubeconfig = f.systemd?.kubeconfig as pulumi.Output<string>;
    assert.equal(await pulumi.isSecret(kubeconfig), true);
    assert.match(await outputValue(kubeconfig), new RegExp(`token: ${TOKEN}`));
    const certs = mine.find((c) => c.name === "kube-node1-certs");
    assert.equal(isSecretInput(certs?.inputs.stdin), true);
    for (const c of mine.filter(
      (x) => x.type === "command:remote:Command" && x.name !== "kube-node1-certs" && x.name.endsWith("-certs") === false,
    )) {
      assert.ok(!String(c.inputs.stdin).includes(Buffer.from(TOKEN).toString("base64").slice(0, 30)), `${c.name} holds no token`);
    }
    void k8s;
  });

  test("validation happens before any child exists: missing hosts, a missing per-node key, a missing sha256", async () => {
    const before = created.length;
    assert.throws(
      () => new FlannelNetwork("bad", { plan: seeds, mode: "systemd", iface: ["eth0"], systemd }),
      (e) => /hosts: mode "systemd" needs hosts/.test(reasons(e)),
    );
    assert.throws(
      () => new FlannelNetwork("bad2", { plan: seeds, mode: "systemd", iface: ["eth0"], systemd, hosts: { privateKey: { node1: "k" } } }),
      (e) => /hosts\.privateKey: no key for node "node2"/.test(reasons(e)),
    );
    assert.throws(
      () =>
        new FlannelNetwork("bad3", {
          plan: seeds,
          mode: "systemd",
          iface: ["eth0"],
          systemd: { ...systemd, release: { sha256: {} } },
          hosts: { privateKey: "k" },
        }),
      (e) => /flannel\.systemd\.release\.sha256\.amd64: missing/.test(reasons(e)),
    );
    await settle();
    assert.equal(created.slice(before).filter((c) => c.name.startsWith("bad")).length, 0);
  });
});
