/**
 * The CalicoNetwork construct: default (operator) and custom (manifest path)
 * snapshots (plain JSON next to this test; regenerate with
 * UPDATE_SNAPSHOTS=1), synth equal to the core's objects, the checked include
 * of the operator manifest, etcd TLS data, errors in the constructor.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { NetworkPlanError, type PodCidrPlanOptions } from "@podnet/core";
import { App, Chart, Testing } from "cdk8s";
import { needsReference, sharedReference } from "../../../test/support/real.js";
import { CalicoNetwork, FlannelNetwork, PodCidrPlan } from "../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;
const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), `podnet-cdk8s-calico-${process.pid}-`));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SEED: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    {
      name: "k8s-master-01",
      roles: ["control-plane"],
      interfaces: [
        { name: "ens33", addresses: ["192.168.79.128/24"], defaultRoute: true },
        { name: "virbr0", addresses: ["192.168.122.1/24"] },
      ],
    },
    { name: "k8s-node-01", interfaces: [{ name: "ens33", addresses: ["192.168.79.129/24"] }] },
    { name: "k8s-node-02", interfaces: [{ name: "ens33", addresses: ["192.168.79.130/24"] }] },
  ],
};

function snapshot(name: string, actual: unknown): void {
  const file = join(here, `calico-network.${name}.snapshot.json`);
  if (process.env.UPDATE_SNAPSHOTS === "1" || !existsSync(file)) {
    if (process.env.UPDATE_SNAPSHOTS !== "1") assert.fail(`snapshot ${file} is missing; run with UPDATE_SNAPSHOTS=1 to write it`);
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  }
  assert.deepStrictEqual(actual, JSON.parse(readFileSync(file, "utf8")));
}

describe("cdk8s CalicoNetwork", () => {
  test("default snapshot (operator path); the synth equals the core's objects", () => {
    const chart = Testing.chart();
    const plan = new PodCidrPlan(chart, "plan", SEED);
    const calico = new CalicoNetwork(chart, "calico", { plan, ipAutodetection: { ipv4: "interface=ens33" } });
    const synth = Testing.synth(chart);
    snapshot("default", synth);
    assert.deepStrictEqual(synth, JSON.parse(JSON.stringify(calico.render.objects)));
    assert.deepStrictEqual(
      calico.prerequisites.map((m) => m.name),
      ["operator-crds.yaml", "tigera-operator.yaml"],
    );
    assert.deepStrictEqual((synth[0] as Obj).spec.calicoNetwork.nodeAddressAutodetectionV4, { interface: "ens33" });
  });

  test("custom snapshot: manifest path, Typha, extra pool, BGP peers, WireGuard, MTU, a chart namespace", () => {
    const app = Testing.app();
    const chart = new Chart(app, "net", { namespace: "apps" });
    const calico = new CalicoNetwork(chart, "calico", {
      plan: SEED,
      install: "manifest",
      ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17", vxlanMode: "CrossSubnet", natOutgoing: false }],
      ipAutodetection: { ipv4: "interface=ens33" },
      typha: { replicas: 2 },
      mtu: 1440,
      wireguard: { ipv4: true },
      bgp: { asNumber: 64600, peers: [{ name: "tor", peerIP: "192.168.79.1", asNumber: 64601 }] },
      registry: "registry.example.com",
    });
    const synth = Testing.synth(chart) as Obj[];
    snapshot("custom", synth);
    assert.deepStrictEqual(
      synth.map((o) => o.kind),
      [...calico.render.objects, ...calico.render.resources].map((o) => o.kind),
    );
    for (const o of synth) {
      const namespaced = !["ClusterRole", "ClusterRoleBinding", "IPPool", "BGPConfiguration", "FelixConfiguration", "BGPPeer"].includes(
        o.kind,
      );
      assert.equal(o.metadata.namespace, namespaced ? "kube-system" : undefined, `${o.kind}/${o.metadata.name}`);
    }
    assert.deepStrictEqual(
      calico.prerequisites.map((m) => m.name),
      ["operator-crds.yaml"],
    );
  });

  test("etcd TLS material goes into the Secret (base64); the ConfigMap points at it", () => {
    const chart = Testing.chart();
    new CalicoNetwork(chart, "calico", {
      plan: SEED,
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["https://192.168.79.128:2379"], tls: { ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM" } },
    });
    const synth = Testing.synth(chart) as Obj[];
    const secret = synth.find((o) => o.kind === "Secret");
    assert.deepStrictEqual(secret?.data, { "etcd-ca": "Q0EgUEVN", "etcd-cert": "Q0VSVCBQRU0=", "etcd-key": "S0VZIFBFTQ==" });
    assert.equal(synth.find((o) => o.kind === "ConfigMap")?.data.etcd_key, "/calico-secrets/etcd-key");
  });

  test("bad props throw in the constructor, with every problem", () => {
    const chart = Testing.chart();
    assert.throws(
      () => new CalicoNetwork(chart, "calico", { plan: SEED, ipPools: [{ cidr: "192.168.0.0/16" }], typha: {} }),
      (e: unknown) => {
        assert.ok(e instanceof NetworkPlanError);
        assert.deepStrictEqual(
          e.problems.map((p) => p.path),
          ["typha", "ipPools[0].cidr", "ipPools[0].cidr", "ipPools[0].cidr"],
        );
        return true;
      },
    );
  });

  test("one pod network per app: a second CalicoNetwork or a FlannelNetwork fails synth", () => {
    const app = new App({ outdir: tmp });
    const chart = new Chart(app, "net");
    new CalicoNetwork(chart, "calico", { plan: SEED });
    new CalicoNetwork(new Chart(app, "other"), "calico2", { plan: SEED });
    new FlannelNetwork(chart, "flannel", { plan: SEED, iface: ["ens33"] });
    assert.throws(
      () => app.synthYaml(),
      (e: unknown) => {
        const m = (e as Error).message;
        assert.match(
          m,
          /2 CalicoNetwork constructs \(net\/calico, other\/calico2\) would render the same cluster-scoped objects; keep one/,
        );
        assert.match(
          m,
          /CalicoNetwork net\/calico and FlannelNetwork net\/flannel are in one app; a cluster runs one pod network, keep one/,
        );
        return true;
      },
    );
  });

  test("warnings become podnet:warning metadata", () => {
    const chart = Testing.chart();
    const c = new CalicoNetwork(chart, "calico", {
      plan: SEED,
      ipAutodetection: { ipv4: "interface=ens33" },
      backend: "bird",
      ipPools: [{ vxlanMode: "Always" }],
    });
    assert.deepStrictEqual(
      c.node.metadata.filter((m) => m.type === "podnet:warning").map((m) => m.data),
      ['backend: "bird" with VXLAN-only pools runs BGP (and needs 179/tcp) for nothing unless you peer with routers; use backend "vxlan"'],
    );
  });
});

describe("cdk8s CalicoNetwork: include of the operator manifest", { skip: needsReference() }, () => {
  const ref = (f: string) => join(sharedReference() as string, "calico", "v3.30.7", f);

  test("the release's tigera-operator.yaml is included first, and is no longer a prerequisite", () => {
    const chart = Testing.chart();
    const c = new CalicoNetwork(chart, "calico", {
      plan: SEED,
      ipAutodetection: { ipv4: "interface=ens33" },
      operatorManifest: ref("tigera-operator.yaml"),
    });
    const synth = Testing.synth(chart) as Obj[];
    assert.deepStrictEqual(
      synth.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Namespace/tigera-operator",
        "ServiceAccount/tigera-operator",
        "ClusterRole/tigera-operator-secrets",
        "ClusterRole/tigera-operator",
        "ClusterRoleBinding/tigera-operator",
        "RoleBinding/tigera-operator-secrets",
        "Deployment/tigera-operator",
        "Installation/default",
        "APIServer/default",
      ],
    );
    assert.deepStrictEqual(
      c.prerequisites.map((m) => m.name),
      ["operator-crds.yaml"],
    );
  });

  test("a copy that is not the pinned file, a URL, or a file of the wrong path is refused", () => {
    const changed = join(tmp, "tigera-operator.yaml");
    copyFileSync(ref("tigera-operator.yaml"), changed);
    writeFileSync(changed, `${readFileSync(changed, "utf8")}# edited\n`);
    const make = (props: Obj) => () =>
      new CalicoNetwork(Testing.chart(), "calico", { plan: SEED, ipAutodetection: { ipv4: "interface=ens33" }, ...props });
    assert.throws(
      make({ operatorManifest: changed }),
      /operatorManifest: ".*tigera-operator\.yaml" has sha256 [0-9a-f]{64}, but tigera-operator\.yaml of this release \(https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/v3\.30\.7\/manifests\/tigera-operator\.yaml\) has bcc9f89c/,
    );
    assert.throws(
      make({ operatorManifest: "https://example.com/tigera-operator.yaml" }),
      /operatorManifest: "https:\/\/example\.com\/tigera-operator\.yaml" is a URL; download/,
    );
    assert.throws(make({ operatorManifest: join(tmp, "absent.yaml") }), /operatorManifest: cannot read ".*absent\.yaml": ENOENT/);
    assert.throws(
      make({ install: "manifest", operatorManifest: ref("tigera-operator.yaml") }),
      /operatorManifest: tigera-operator\.yaml is not a prerequisite of this install path/,
    );
  });
});
