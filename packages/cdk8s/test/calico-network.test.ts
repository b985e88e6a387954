/**
 * The CalicoNetwork construct: default (operator) and custom (manifest path)
 * snapshots (plain JSON next to this test; regenerate with
 * UPDATE_SNAPSHOTS=1), synth equal to the core's objects, the checked include
 * of the operator manifest, etcd TLS data, errors in the constructor.
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { NetworkPlanError, type PodCidrPlanOptions, planPodCidrs, toYaml } from "@podnet/core";
import { App, Chart, Testing } from "cdk8s";
import { needsReference, sharedReference } from "../../../test/support/real.js";
import { snapshots } from "../../../test/support/snapshot.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { CalicoNetwork, FlannelNetwork, PodCidrPlan } from "../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;
const tmp = tempDir("cdk8s-calico");

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

const snapshot = snapshots(import.meta.url, "calico-network");

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

  test("etcd: Calico resources are not synthesized (no API server serves them); calicoctlYaml holds them, with a warning", () => {
    const chart = Testing.chart();
    const c = new CalicoNetwork(chart, "calico", {
      plan: SEED,
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["http://192.168.79.128:2379"] },
      ipAutodetection: { ipv4: "interface=ens33" },
      ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17" }],
      bgp: { asNumber: 64600, peers: [{ name: "tor", peerIP: "192.168.79.1", asNumber: 64601 }] },
    });
    const synth = Testing.synth(chart) as Obj[];
    assert.deepStrictEqual(
      synth.filter((o) => o.apiVersion.includes("projectcalico.org")),
      [],
    );
    assert.deepStrictEqual(synth, JSON.parse(JSON.stringify(c.render.objects)));
    assert.deepStrictEqual(
      c.calicoctlResources.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`),
      ["projectcalico.org/v3 IPPool/ipv4-ippool-1", "projectcalico.org/v3 BGPConfiguration/default", "projectcalico.org/v3 BGPPeer/tor"],
    );
    assert.equal(c.calicoctlYaml, toYaml(c.calicoctlResources));
    assert.match(c.calicoctlYaml, /^apiVersion: projectcalico\.org\/v3\nkind: IPPool\n/);
    assert.deepStrictEqual(
      c.node.metadata.filter((m) => m.type === "podnet:warning").map((m) => m.data),
      [
        'calico.datastore: "etcd" keeps Calico resources in etcd, where no API server serves projectcalico.org/v3, so IPPool "ipv4-ippool-1", BGPConfiguration "default", BGPPeer "tor" are not Kubernetes objects; apply them with calicoctl (DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=... calicoctl apply -f FILE): podnet render writes calico/calicoctl-resources.yaml, the cdk8s and Pulumi CalicoNetwork leave them out and expose them as calicoctlYaml',
      ],
    );
    const kdd = new CalicoNetwork(Testing.chart(), "kdd", {
      plan: SEED,
      install: "manifest",
      ipAutodetection: { ipv4: "interface=ens33" },
    });
    assert.deepStrictEqual([kdd.calicoctlResources, kdd.calicoctlYaml], [[], ""]);
  });

  describe("disruptive changes from previous", () => {
    // What was applied last, as an earlier plan.json holds it.
    const previous = {
      plan: JSON.parse(JSON.stringify(planPodCidrs(SEED).value)),
      calico: { ipAutodetection: { ipv4: "interface=ens33" } },
    };
    const next = (props: Obj) => () =>
      new CalicoNetwork(Testing.chart(), "calico", { plan: SEED, ipAutodetection: { ipv4: "interface=ens33" }, previous, ...props });

    test("a pool CIDR change throws in the constructor", () => {
      assert.throws(next({ ipPools: [{ cidr: "172.16.0.0/17" }] }), (e: unknown) => {
        assert.ok(e instanceof NetworkPlanError);
        assert.deepStrictEqual(
          e.problems.map((p) => [p.path, p.code, p.message]),
          [
            [
              "calico.ipPools[default-ipv4-ippool].cidr",
              "change.disruptive",
              'calico.ipPools[default-ipv4-ippool].cidr: changes from "172.16.0.0/16" to "172.16.0.0/17", which disrupts running pods: a pool\'s CIDR is immutable: pods must move to a new pool. Carry out the migration (podnet diff OLD NEW prints the steps), then allow it with allowDisruptiveChange: ["calico.ipPools[default-ipv4-ippool].cidr"]',
            ],
          ],
        );
        return true;
      });
    });

    test("allowed by allowDisruptiveChange: synth goes on, with the migration as a warning", () => {
      const c = next({ ipPools: [{ cidr: "172.16.0.0/17" }], allowDisruptiveChange: ["calico.ipPools"] })();
      const warnings = c.node.metadata.filter((m) => m.type === "podnet:warning").map((m) => String(m.data));
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0] ?? "",
        /^calico\.ipPools\[default-ipv4-ippool\]\.cidr: changes from "172\.16\.0\.0\/16" to "172\.16\.0\.0\/17", allowed by allowDisruptiveChange "calico\.ipPools"; .* Migration: \(1\) The CIDR cannot change/,
      );
      assert.equal((Testing.synth(Chart.of(c)) as Obj[])[0]?.spec.calicoNetwork.ipPools[0].cidr, "172.16.0.0/17");
    });

    test("a change applied in place (natOutgoing) passes without a warning", () => {
      const c = next({ ipPools: [{ cidr: "172.16.0.0/16", natOutgoing: false }] })();
      assert.deepStrictEqual(
        c.node.metadata.filter((m) => m.type === "podnet:warning"),
        [],
      );
    });
  });

  test("bad props throw in the constructor, with every problem", () => {
    const chart = Testing.chart();
    assert.throws(
      () => new CalicoNetwork(chart, "calico", { plan: SEED, ipPools: [{ cidr: "192.168.0.0/16" }], typha: {} }),
      (e: unknown) => {
        assert.ok(e instanceof NetworkPlanError);
        assert.deepStrictEqual(
          e.problems.map((p) => p.path),
          ["calico.typha", "calico.ipPools[0].cidr", "calico.ipPools[0].cidr", "calico.ipPools[0].cidr"],
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
      [
        'calico.backend: "bird" with VXLAN-only pools runs BGP (and needs 179/tcp) for nothing unless you peer with routers; use backend "vxlan"',
      ],
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
