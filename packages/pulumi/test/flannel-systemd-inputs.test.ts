/**
 * The inputs of Pulumi FlannelNetwork mode systemd, under mocks (nothing is
 * deployed, no command runs on a node):
 * - the CLI's file fields (`systemd.etcd.tls.*File`, `kubeSubnetMgr.caFile` /
 *   `tokenFile`) are an InputPropertiesError naming the `hosts.*` argument to
 *   use, before any child exists;
 * - a token Secret the token controller has not filled yet makes the certs
 *   step's script fail saying so (checked with bash), instead of writing a
 *   kubeconfig with an empty token.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe, test } from "node:test";
import type { PodCidrPlanOptions } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "../../../test/support/pem.js";
import { isSecretInput, mockPulumi, outputValue, reasons, settle, unwrap } from "../../../test/support/pulumi-mocks.js";

const { ca: CA_PEM, cert: CERT_PEM, key: KEY_PEM } = testPem();
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmbGFubmVsIn0.c2lnbmF0dXJlLXRva2Vu";

const created = mockPulumi({
  // The token Secret as read right after its creation: "late" has no token yet, "ready" has one.
  computed: (type, name) =>
    type === "kubernetes:core/v1:Secret" && name === "ready-token-read"
      ? { data: { token: Buffer.from(TOKEN).toString("base64") } }
      : type === "kubernetes:core/v1:Secret"
        ? { data: {} }
        : undefined,
});
let FlannelNetwork: typeof import("@podnet/pulumi").FlannelNetwork;

before(async () => {
  ({ FlannelNetwork } = await import("@podnet/pulumi"));
});

const plan: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 24, ipv6: 64 } },
  nodes: [31, 32].map((h, i) => ({
    name: `node${i + 1}`,
    roles: ["worker"] as "worker"[],
    interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`] }],
    ssh: { host: `192.168.1.${h}` },
  })),
};
/** etcd reserves each node's subnet: the nodes keep theirs. */
const etcdPlan: PodCidrPlanOptions = {
  ...plan,
  nodes: (plan.nodes ?? []).map((n, i) => ({ ...n, podCidrs: [`172.30.${i + 1}.0/24`] })),
};
const release = { sha256: { amd64: "a".repeat(64) } };
const etcd = (tls: Record<string, string>) => ({
  etcd: { endpoints: ["https://192.168.1.31:2379"], prefix: "/kubernetes/network", tls },
  release,
  containerRuntime: "docker" as const,
});
const kube = (extra: Record<string, string>) => ({
  datastore: "kube-subnet-mgr" as const,
  kubeSubnetMgr: { apiServer: "https://192.168.1.31:6443", ...extra },
  release,
  containerRuntime: "docker" as const,
});

/** The InputPropertiesError's entries as [propertyPath, reason]. */
function entries(e: unknown): Array<[string, string]> {
  assert.ok(pulumi.InputPropertiesError.isInstance(e), String(e));
  return (e as unknown as { errors: { propertyPath: string; reason: string }[] }).errors.map((x) => [x.propertyPath, x.reason]);
}

describe("Pulumi FlannelNetwork systemd: the CLI's file fields", () => {
  test("systemd.etcd.tls.caFile/certFile/keyFile are errors naming hosts.etcdServerCaPem and hosts.etcdClientCert", async () => {
    const before = created.length;
    let caught: unknown;
    try {
      new FlannelNetwork("files", {
        plan: etcdPlan,
        mode: "systemd",
        iface: ["eth0"],
        systemd: etcd({ caFile: "pki/ca.pem", certFile: "pki/flanneld.pem", keyFile: "pki/flanneld-key.pem" }),
        hosts: { privateKey: "k" },
      });
    } catch (e) {
      caught = e;
    }
    const got = entries(caught);
    assert.deepEqual(
      got.map(([path]) => path),
      ["systemd.etcd.tls.caFile", "systemd.etcd.tls.certFile", "systemd.etcd.tls.keyFile"],
    );
    assert.match(
      got[0]?.[1] ?? "",
      /^systemd\.etcd\.tls\.caFile: "pki\/ca\.pem" is a file for the CLI \(podnet render\); Pulumi reads no files and would ignore it: remove it and pass the PEM of etcd's server CA as hosts\.etcdServerCaPem \(or hosts\.etcdCa/,
    );
    assert.match(got[1]?.[1] ?? "", /hosts\.etcdClientCert\.certPem, or leave it out and podnet issues one with @pulumi\/tls$/);
    assert.match(got[2]?.[1] ?? "", /hosts\.etcdClientCert\.keyPem \(a secret\)/);
    await settle();
    assert.equal(created.slice(before).filter((c) => c.name.startsWith("files-")).length, 0, "no child was created");
  });

  test("kubeSubnetMgr.caFile/tokenFile are errors naming hosts.kubeCaPem and hosts.kubeToken", () => {
    let caught: unknown;
    try {
      new FlannelNetwork("kfiles", {
        plan,
        mode: "systemd",
        iface: ["eth0"],
        systemd: kube({ caFile: "/etc/kubernetes/pki/ca.crt", tokenFile: "flannel.token" }),
        hosts: { privateKey: "k", kubeCaPem: CA_PEM },
      });
    } catch (e) {
      caught = e;
    }
    const got = entries(caught);
    assert.deepEqual(
      got.map(([path]) => path),
      ["systemd.kubeSubnetMgr.caFile", "systemd.kubeSubnetMgr.tokenFile"],
    );
    assert.match(got[0]?.[1] ?? "", /remove it and pass the cluster CA's PEM as hosts\.kubeCaPem$/);
    assert.match(
      got[1]?.[1] ?? "",
      /remove it and pass the token as hosts\.kubeToken \(a secret\), or leave it out and podnet reads it from the Secret kube-system\/flannel-token it creates$/,
    );
    assert.match(reasons(caught), /systemd\.kubeSubnetMgr\.caFile: "\/etc\/kubernetes\/pki\/ca\.crt" is a file for the CLI/);
  });

  test("tls: {} with the PEM material in hosts is fine", async () => {
    const before = created.length;
    const f = new FlannelNetwork("pem", {
      plan: etcdPlan,
      mode: "systemd",
      iface: ["eth0"],
      systemd: etcd({}),
      hosts: {
        privateKey: "k",
        etcdServerCaPem: CA_PEM,
        etcdClientCert: { certPem: CERT_PEM, keyPem: pulumi.secret(KEY_PEM) },
      },
    });
    await settle();
    assert.ok(f.systemd?.nodes.node1);
    assert.equal(created.slice(before).filter((c) => c.name.startsWith("pem-node1-")).length, 6);
  });
});

describe("Pulumi FlannelNetwork systemd: PEM inputs given as strings are parsed before any child", () => {
  test("a non-certificate CA and a key of another certificate are InputPropertiesErrors naming the inputs", async () => {
    await settle();
    const before = created.length;
    let caught: unknown;
    try {
      new FlannelNetwork("badpem", {
        plan: etcdPlan,
        mode: "systemd",
        iface: ["eth0"],
        systemd: etcd({}),
        hosts: { privateKey: "k", etcdServerCaPem: "CA", etcdClientCert: { certPem: CERT_PEM, keyPem: testPem().key2 } },
      });
    } catch (e) {
      caught = e;
    }
    assert.ok(pulumi.InputPropertiesError.isInstance(caught), String(caught));
    assert.deepEqual(
      caught.errors.map((e) => e.propertyPath),
      ["hosts.etcdServerCaPem", "hosts.etcdClientCert.keyPem"],
    );
    assert.match(caught.errors[1]?.reason ?? "", /the private key does not belong to the certificate in hosts\.etcdClientCert\.certPem/);
    await settle();
    assert.equal(created.length, before, "nothing registered");
  });

  test("the signing CA's key must belong to its certificate", () => {
    assert.throws(
      () =>
        new FlannelNetwork("badca", {
          plan: etcdPlan,
          mode: "systemd",
          iface: ["eth0"],
          systemd: etcd({}),
          hosts: { privateKey: "k", etcdCa: { certPem: CA_PEM, keyPem: KEY_PEM } },
        }),
      (e: unknown) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        e.errors.length === 1 &&
        e.errors[0]?.propertyPath === "hosts.etcdCa.keyPem" &&
        /does not belong to the certificate in hosts\.etcdCa\.certPem \("CN=podnet-test-ca"\)/.test(e.errors[0]?.reason ?? ""),
    );
  });
});

describe("Pulumi FlannelNetwork systemd: the token Secret read right after its creation", () => {
  const component = (name: string) =>
    new FlannelNetwork(name, { plan, mode: "systemd", iface: ["eth0"], systemd: kube({}), hosts: { privateKey: "k", kubeCaPem: CA_PEM } });

  test("still empty: the certs step's script writes nothing and fails with what to do; no empty-token kubeconfig", async () => {
    const f = component("late");
    await settle();
    const certs = created.find((c) => c.name === "late-node1-certs");
    assert.equal(isSecretInput(certs?.inputs.stdin), true, "the certs step's stdin stays a secret");
    const script = String(unwrap(certs?.inputs.stdin));
    assert.match(script, /the token controller has not filled Secret kube-system\/flannel-token yet/);
    assert.match(script, /run pulumi up again/);
    assert.doesNotMatch(script, /podnet_file|kubeconfig-file|apiVersion: v1/, "no kubeconfig is written");
    // Real bash: the step fails (so `pulumi up` fails) with the message, and changes nothing.
    const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      "podnet[node1]: error: the token controller has not filled Secret kube-system/flannel-token yet (data.token is empty), so no kubeconfig was written; run pulumi up again\n",
    );
    assert.equal(r.stdout, "");
    assert.equal(await outputValue(f.systemd?.kubeconfig as pulumi.Output<string>), "");
    // The other steps do not need the token and are rendered as usual.
    assert.match(String(created.find((c) => c.name === "late-node1-start")?.inputs.stdin), /systemctl restart flanneld\.service/);
  });

  test("filled in (the next pulumi up reads it again): the certs step writes the kubeconfig with the token", async () => {
    const f = component("ready");
    await settle();
    const script = String(unwrap(created.find((c) => c.name === "ready-node1-certs")?.inputs.stdin));
    assert.doesNotMatch(script, /token controller has not filled/);
    assert.match(script, /podnet_file '\/etc\/kubernetes\/flannel\.conf' '0600'/);
    assert.match(await outputValue(f.systemd?.kubeconfig as pulumi.Output<string>), new RegExp(`token: ${TOKEN}`));
  });
});
