/**
 * The CalicoNetwork component under Pulumi mocks (no engine, no provider
 * plugin: nothing is deployed). Asserts the resource graph: the pinned Helm
 * release and its values, the pinned manifests (sha256 checked before use),
 * custom resources after the operator, manifest-path objects after the CRDs,
 * etcd TLS material as secrets (given or issued with @pulumi/tls), and
 * validation before any child exists.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type PodCidrPlanOptions, planPodCidrs, renderCalicoNetwork, toYaml } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "../../../test/support/pem.js";
import { mockPulumi, outputValue, recorder, SECRET_SIG, SPECIAL_SIG_KEY, settle, warningsOf } from "../../../test/support/pulumi-mocks.js";
import { needsReference, sharedReference } from "../../../test/support/real.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;
const PEM = testPem();
const registered = mockPulumi<Obj>({
  // Outputs the tls provider would compute.
  computed: {
    "tls:index/privateKey:PrivateKey": { privateKeyPem: "-----BEGIN EC PRIVATE KEY-----mock" },
    "tls:index/certRequest:CertRequest": { certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----mock" },
    "tls:index/locallySignedCert:LocallySignedCert": { certPem: "-----BEGIN CERTIFICATE-----client" },
  },
});
const { CalicoNetwork, PodCidrPlan } = await import("../src/index.js");

const CLUSTER: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: ["128", "129", "130"].map((a, i) => ({ name: `n${i + 1}`, interfaces: [{ name: "ens33", addresses: [`192.168.79.${a}/24`] }] })),
};

const mine = (before: number) => registered.slice(before).filter((r) => !r.type.startsWith("podnet:"));

describe("Pulumi CalicoNetwork (mocks)", () => {
  test("operator path via Helm: the pinned chart with the Installation in its values; resources after the release", async () => {
    const plan = new PodCidrPlan("plan", CLUSTER);
    const rec = recorder();
    const before = registered.length;
    const c = new CalicoNetwork(
      "cal",
      { plan, ipAutodetection: { ipv4: "interface=ens33" }, bgp: { asNumber: 64600 } },
      { transformations: rec.transformations },
    );
    await settle();
    const kids = mine(before);
    assert.deepStrictEqual(kids.map((k) => `${k.type} ${k.name}`).sort(), [
      "kubernetes:crd.projectcalico.org/v1:BGPConfiguration cal-bgpconfiguration-default",
      "kubernetes:helm.sh/v3:Release cal-tigera-operator",
    ]);
    const release = kids.find((k) => k.type === "kubernetes:helm.sh/v3:Release")?.inputs as Obj;
    assert.equal(release.chart, "tigera-operator");
    assert.equal(release.version, "v3.30.7");
    assert.deepStrictEqual(release.repositoryOpts, { repo: "https://docs.tigera.io/calico/charts" });
    assert.equal(release.namespace, "tigera-operator");
    assert.equal(release.createNamespace, true);
    const core = renderCalicoNetwork({ ipAutodetection: { ipv4: "interface=ens33" }, bgp: { asNumber: 64600 } }, plan.plan);
    assert.deepStrictEqual(release.values, JSON.parse(JSON.stringify(core.value.operator?.helm.values)));
    assert.deepStrictEqual(release.values.installation.calicoNetwork.nodeAddressAutodetectionV4, { interface: "ens33" });
    assert.deepStrictEqual(rec.deps["cal-bgpconfiguration-default"], ["cal-tigera-operator"]);
    assert.ok(c.operatorRelease);
    assert.deepStrictEqual(((await outputValue(c.summary)) as Obj).firewall, core.value.summary.firewall);
  });

  test("manifest path: CRDs (sha256 checked), then the calico.yaml objects, then the resources", { skip: needsReference() }, async () => {
    const dir = join(sharedReference() as string, "calico", "v3.30.7");
    const loader = async (url: string) => readFileSync(join(dir, url.split("/").pop() as string), "utf8");
    const rec = recorder();
    const before = registered.length;
    const opts = { install: "manifest" as const, ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17" }] };
    new CalicoNetwork("man", { plan: CLUSTER, ...opts, manifestLoader: loader }, { transformations: rec.transformations });
    await settle();
    const kids = mine(before);
    const crds = kids.find((k) => k.name === "man-crds");
    assert.equal(crds?.type, "kubernetes:yaml/v2:ConfigGroup");
    assert.equal(crds?.inputs.yaml, readFileSync(join(dir, "operator-crds.yaml"), "utf8"));
    const calico = kids.find((k) => k.name === "man-calico");
    const core = renderCalicoNetwork(opts, planPodCidrs(CLUSTER).value);
    assert.deepStrictEqual(calico?.inputs.objs, JSON.parse(JSON.stringify(core.value.objects)));
    assert.deepStrictEqual(rec.deps["man-calico"], ["man-crds"]);
    assert.deepStrictEqual(rec.deps["man-ippool-ipv4-ippool-1"], ["man-calico"]);
  });

  test("operator path via the pinned manifests: CRDs, operator, then Installation and APIServer", { skip: needsReference() }, async () => {
    const dir = join(sharedReference() as string, "calico", "v3.30.7");
    const loader = async (url: string) => readFileSync(join(dir, url.split("/").pop() as string), "utf8");
    const rec = recorder();
    const before = registered.length;
    new CalicoNetwork(
      "op",
      { plan: CLUSTER, operatorInstall: "manifest", manifestLoader: loader },
      { transformations: rec.transformations },
    );
    await settle();
    assert.deepStrictEqual(
      mine(before)
        .map((k) => `${k.type} ${k.name}`)
        .sort(),
      [
        "kubernetes:operator.tigera.io/v1:APIServer op-apiserver-default",
        "kubernetes:operator.tigera.io/v1:Installation op-installation-default",
        "kubernetes:yaml/v2:ConfigGroup op-crds",
        "kubernetes:yaml/v2:ConfigGroup op-operator",
      ],
    );
    assert.deepStrictEqual(rec.deps["op-operator"], ["op-crds"]);
    assert.deepStrictEqual(rec.deps["op-installation-default"], ["op-operator"]);
  });

  test("a download whose sha256 differs fails before anything uses it", () => {
    const script = `
      import * as pulumi from "@pulumi/pulumi";
      pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
      const { CalicoNetwork } = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)});
      new CalicoNetwork("x", { plan: ${JSON.stringify(CLUSTER)}, operatorInstall: "manifest", manifestLoader: async () => "kind: Tampered\\n" });
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: import.meta.dirname,
    });
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /CalicoNetwork: operator-crds\.yaml from https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/v3\.30\.7\/manifests\/operator-crds\.yaml has sha256 [0-9a-f]{64}, expected 53b2e279/,
    );
  });

  test("etcd: given TLS material is sent only in the Secret, as secrets", async () => {
    const before = registered.length;
    const c = new CalicoNetwork("etc", {
      plan: CLUSTER,
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["https://192.168.79.128:2379"], tls: { ca: PEM.ca, cert: PEM.cert, key: pulumi.secret("KEY-PEM") } },
    });
    await settle();
    const kids = mine(before);
    const secret = kids.find((k) => k.type === "kubernetes:core/v1:Secret");
    assert.ok(secret);
    const sd = secret.inputs.stringData as Obj;
    assert.equal(sd[SPECIAL_SIG_KEY], SECRET_SIG, "stringData is sent as a secret");
    assert.deepStrictEqual(sd.value, { "etcd-ca": PEM.ca, "etcd-cert": PEM.cert, "etcd-key": "KEY-PEM" });
    assert.ok(!JSON.stringify(kids.filter((k) => k !== secret)).includes("KEY-PEM"), "no other child carries the key");
    assert.equal(
      ((kids.find((k) => k.name === "etc-calico")?.inputs.objs ?? []) as Obj[]).find((o) => o.kind === "ConfigMap")?.data.etcd_key,
      "/calico-secrets/etcd-key",
    );
    assert.equal(
      kids.some((k) => k.name === "etc-crds"),
      false,
      "etcd needs no CRDs",
    );
    assert.ok(c.render.resolved.etcd?.tls);
  });

  test("etcd: given PEM strings are parsed before any resource: a non-certificate, a key of another certificate", async () => {
    await settle();
    const before = registered.length;
    assert.throws(
      () =>
        new CalicoNetwork("badpem", {
          plan: CLUSTER,
          install: "manifest",
          datastore: "etcd",
          etcd: { endpoints: ["https://192.168.79.128:2379"], tls: { ca: "CA-PEM", cert: PEM.cert, key: PEM.key2 } },
        }),
      (e: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(e));
        assert.deepStrictEqual(
          e.errors.map((x) => x.propertyPath),
          ["calico.etcd.tls.ca", "calico.etcd.tls.key"],
        );
        assert.match(e.errors[0]?.reason ?? "", /is not an X\.509 certificate in PEM form/);
        assert.match(e.errors[1]?.reason ?? "", /the private key does not belong to the certificate in calico\.etcd\.tls\.cert/);
        assert.ok(!JSON.stringify(e.errors).includes(PEM.key2.split("\n")[1] as string), "the key is not shown");
        return true;
      },
    );
    await settle();
    assert.equal(registered.length, before, "nothing registered");
  });

  test("etcd: a client certificate issued with @pulumi/tls; its key is a secret", async () => {
    const before = registered.length;
    new CalicoNetwork("iss", {
      plan: CLUSTER,
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["https://192.168.79.128:2379"], tls: { issueWith: { caCertPem: PEM.ca, caPrivateKeyPem: "CA-KEY" } } },
    });
    await settle();
    const kids = mine(before);
    assert.deepStrictEqual(
      kids
        .filter((k) => k.type.startsWith("tls:"))
        .map((k) => k.type)
        .sort(),
      ["tls:index/certRequest:CertRequest", "tls:index/locallySignedCert:LocallySignedCert", "tls:index/privateKey:PrivateKey"],
    );
    const signed = kids.find((k) => k.type === "tls:index/locallySignedCert:LocallySignedCert")?.inputs as Obj;
    assert.deepStrictEqual(signed.allowedUses, ["digitalSignature", "keyEncipherment", "clientAuth"]);
    assert.equal(signed.caPrivateKeyPem[SPECIAL_SIG_KEY], SECRET_SIG, "the CA key is sent as a secret");
    const sd = kids.find((k) => k.type === "kubernetes:core/v1:Secret")?.inputs.stringData as Obj;
    assert.equal(sd[SPECIAL_SIG_KEY], SECRET_SIG);
    assert.deepStrictEqual(sd.value, {
      "etcd-ca": PEM.ca,
      "etcd-cert": "-----BEGIN CERTIFICATE-----client",
      "etcd-key": "-----BEGIN EC PRIVATE KEY-----mock",
    });
  });

  test("etcd: Calico resources are not created as Kubernetes resources; calicoctlYaml holds them, with a warning", async () => {
    const before = registered.length;
    const opts = {
      install: "manifest" as const,
      datastore: "etcd" as const,
      ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17" }],
      bgp: { asNumber: 64600 },
    };
    let c!: InstanceType<typeof CalicoNetwork>;
    const warned = warningsOf(() => {
      c = new CalicoNetwork("ctl", { plan: CLUSTER, ...opts, etcd: { endpoints: ["http://192.168.79.128:2379"] } });
    });
    await settle();
    const kids = mine(before);
    assert.deepStrictEqual(
      kids.filter((k) => k.type.includes("projectcalico.org")),
      [],
      "no IPPool, BGPConfiguration, ... as Kubernetes resources",
    );
    const core = renderCalicoNetwork({ ...opts, etcd: { endpoints: ["http://192.168.79.128:2379"] } }, planPodCidrs(CLUSTER).value);
    assert.deepStrictEqual(
      c.calicoctlResources.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`),
      ["projectcalico.org/v3 IPPool/ipv4-ippool-1", "projectcalico.org/v3 BGPConfiguration/default"],
    );
    assert.equal(await outputValue(c.calicoctlYaml), toYaml(core.value.calicoctlResources));
    assert.deepStrictEqual(warned, [
      'calico.datastore: "etcd" keeps Calico resources in etcd, where no API server serves projectcalico.org/v3, so IPPool "ipv4-ippool-1", BGPConfiguration "default" are not Kubernetes objects; apply them with calicoctl (DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=... calicoctl apply -f FILE): podnet render writes calico/calicoctl-resources.yaml, the cdk8s and Pulumi CalicoNetwork leave them out and expose them as calicoctlYaml',
    ]);
  });

  describe("disruptive changes from previous", () => {
    // What was applied last, as an earlier plan.json holds it.
    const previous = { plan: JSON.parse(JSON.stringify(planPodCidrs(CLUSTER).value)), calico: {} };

    test("a pool CIDR change is an InputPropertiesError before any child is created", async () => {
      await settle();
      const before = registered.length;
      assert.throws(
        () => new CalicoNetwork("chg", { plan: CLUSTER, ipPools: [{ cidr: "172.16.0.0/17" }], previous }),
        (e: unknown) => {
          assert.ok(pulumi.InputPropertiesError.isInstance(e));
          assert.deepStrictEqual(
            e.errors.map((x) => [x.propertyPath, x.reason]),
            [
              [
                "calico.ipPools[default-ipv4-ippool].cidr",
                'calico.ipPools[default-ipv4-ippool].cidr: changes from "172.16.0.0/16" to "172.16.0.0/17", which disrupts running pods: a pool\'s CIDR is immutable: pods must move to a new pool. Carry out the migration (podnet diff OLD NEW prints the steps), then allow it with allowDisruptiveChange: ["calico.ipPools[default-ipv4-ippool].cidr"]',
              ],
            ],
          );
          return true;
        },
      );
      await settle();
      assert.equal(registered.length, before, "nothing was registered");
    });

    test("allowed by allowDisruptiveChange: created, with the migration as a warning", async () => {
      const before = registered.length;
      const warned = warningsOf(
        () =>
          new CalicoNetwork("chg-ok", {
            plan: CLUSTER,
            ipPools: [{ cidr: "172.16.0.0/17" }],
            previous,
            allowDisruptiveChange: ["calico.ipPools[default-ipv4-ippool].cidr"],
          }),
      );
      await settle();
      assert.ok(mine(before).some((k) => k.type === "kubernetes:helm.sh/v3:Release"));
      assert.equal(warned.length, 1);
      assert.match(
        warned[0] ?? "",
        /^calico\.ipPools\[default-ipv4-ippool\]\.cidr: changes from "172\.16\.0\.0\/16" to "172\.16\.0\.0\/17", allowed by allowDisruptiveChange "calico\.ipPools\[default-ipv4-ippool\]\.cidr"; .* Migration: \(1\) The CIDR cannot change/,
      );
    });

    test("a change applied in place (natOutgoing) passes without a warning", async () => {
      const warned = warningsOf(
        () => new CalicoNetwork("chg-nat", { plan: CLUSTER, ipPools: [{ cidr: "172.16.0.0/16", natOutgoing: false }], previous }),
      );
      assert.deepStrictEqual(warned, []);
    });
  });

  test("bad args fail with InputPropertiesError before any child is created", async () => {
    await settle();
    const before = registered.length;
    assert.throws(
      () => new CalicoNetwork("bad", { plan: CLUSTER, ipPools: [{ cidr: "192.168.0.0/16" }], mtu: 1500 }),
      (e: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(e));
        assert.deepStrictEqual(
          e.errors.map((x) => x.propertyPath),
          ["calico.ipPools[0].cidr", "calico.ipPools[0].cidr", "calico.mtu"],
        );
        assert.match(e.errors[2]?.reason ?? "", /mtu: 1500 is above 1480, the largest pod MTU that fits/);
        return true;
      },
    );
    assert.throws(
      () =>
        new CalicoNetwork("bad2", {
          plan: CLUSTER,
          install: "manifest",
          datastore: "etcd",
          etcd: { endpoints: ["https://a:2379"], tls: { ca: "x", cert: "y" } as never },
        }),
      (e: unknown) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        e.errors[0]?.propertyPath === "calico.etcd.tls" &&
        /has ca and cert but not key/.test(e.errors[0]?.reason ?? ""),
    );
    await settle();
    assert.equal(registered.length, before, "nothing was registered");
  });
});
