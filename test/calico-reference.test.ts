/**
 * The manifest path against upstream: with default options every generated
 * object equals the matching object of the release's calico.yaml (and of
 * calico-vxlan.yaml, calico-typha.yaml and calico-etcd.yaml for those
 * variants), field by field, after YAML 1.1 parsing (as kubectl reads it).
 * CRDs are not generated (a prerequisite); everything else must match except
 * the differences listed per variant, each caused by an option or the plan.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { type CalicoNetworkOptions, type K8sObject, renderCalicoNetwork, toYaml } from "@podnet/core";
import { keyOf, loadReference, normalize, parseK8sYaml, referencePlan } from "./calico-fixtures.js";
import { needsReference } from "./support/real.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;

/** One expected difference: which object, why, and how upstream's object changes. */
interface Difference {
  readonly key: string;
  readonly why: string;
  readonly apply: (o: Obj) => void;
}

const DS = "DaemonSet/kube-system/calico-node";
const CM = "ConfigMap/kube-system/calico-config";
const container = (o: Obj, name: string): Obj => o.spec.template.spec.containers.find((c: Obj) => c.name === name);

function insertEnvAfter(after: string, entry: Obj): (o: Obj) => void {
  return (o) => {
    const env: Obj[] = container(o, "calico-node").env;
    const i = env.findIndex((e) => e.name === after);
    assert.ok(i >= 0, `upstream calico-node has env ${after}`);
    env.splice(i + 1, 0, entry);
  };
}

/** The plan's pod CIDR is always rendered (upstream leaves CALICO_IPV4POOL_CIDR commented out). */
const POOL_CIDR: Difference = {
  key: DS,
  why: "CALICO_IPV4POOL_CIDR from the plan's pod CIDR, where upstream has it commented out",
  apply: insertEnvAfter("FELIX_WIREGUARDMTU", { name: "CALICO_IPV4POOL_CIDR", value: "192.168.0.0/16" }),
};

interface Variant {
  readonly file: string;
  readonly options: CalicoNetworkOptions;
  readonly differences: readonly Difference[];
}

const VARIANTS: readonly Variant[] = [
  { file: "calico.yaml", options: { install: "manifest" }, differences: [POOL_CIDR] },
  // VXLAN CrossSubnet on the pool: podnet derives backend vxlan and drops the BIRD probes, as upstream does.
  { file: "calico-vxlan.yaml", options: { install: "manifest", ipPools: [{ vxlanMode: "CrossSubnet" }] }, differences: [POOL_CIDR] },
  // Upstream's Typha manifest runs one replica; podnet's default follows the node count, so it is given.
  { file: "calico-typha.yaml", options: { install: "manifest", typha: { replicas: 1 } }, differences: [POOL_CIDR] },
  {
    file: "calico-etcd.yaml",
    options: { install: "manifest", datastore: "etcd", etcd: { endpoints: ["http://10.0.0.10:2379"] } },
    differences: [
      POOL_CIDR,
      {
        key: CM,
        why: "etcd_endpoints from the options (upstream has a placeholder)",
        apply: (o) => void (o.data.etcd_endpoints = "http://10.0.0.10:2379"),
      },
    ],
  },
  {
    file: "calico-etcd.yaml",
    options: {
      install: "manifest",
      datastore: "etcd",
      etcd: {
        endpoints: ["https://10.0.0.10:2379", "https://10.0.0.11:2379"],
        tls: { ca: "/pki/ca.pem", cert: "/pki/c.pem", key: "/pki/c.key" },
      },
    },
    differences: [
      POOL_CIDR,
      {
        key: CM,
        why: "two https endpoints, and the TLS paths upstream documents for a TLS-enabled etcd",
        apply: (o) => {
          o.data.etcd_endpoints = "https://10.0.0.10:2379,https://10.0.0.11:2379";
          o.data.etcd_ca = "/calico-secrets/etcd-ca";
          o.data.etcd_cert = "/calico-secrets/etcd-cert";
          o.data.etcd_key = "/calico-secrets/etcd-key";
        },
      },
    ],
  },
];

/** What `podnet render` writes, read back the way kubectl reads it. */
function rendered(options: CalicoNetworkOptions): Map<string, unknown> {
  const r = renderCalicoNetwork(options, referencePlan());
  return new Map(parseK8sYaml(toYaml(r.value.objects)).map((o) => [keyOf(o), normalize(o)]));
}

function upstream(file: string): Map<string, unknown> {
  return new Map(
    loadReference(file)
      .filter((o) => o.kind !== "CustomResourceDefinition")
      .map((o) => [keyOf(o), normalize(o)]),
  );
}

describe("manifest path equals upstream, differences listed", { skip: needsReference() }, () => {
  for (const v of VARIANTS) {
    test(`${v.file} with ${JSON.stringify(v.options)}`, () => {
      const ours = rendered(v.options);
      const ref = upstream(v.file);
      assert.deepStrictEqual([...ours.keys()].sort(), [...ref.keys()].sort(), "same objects (CRDs excluded)");
      // Each listed difference must be real: the object differs from upstream before it is applied.
      for (const d of v.differences)
        assert.ok(!isDeepStrictEqual(ours.get(d.key), ref.get(d.key)), `${d.key}: "${d.why}" is not a difference`);
      for (const d of v.differences) d.apply(ref.get(d.key) as Obj);
      for (const [key, obj] of ours) assert.deepStrictEqual(obj, ref.get(key), key);
    });
  }

  test("the objects that are not listed are untouched by the pool CIDR: every other object equals upstream as is", () => {
    const ours = rendered({ install: "manifest" });
    const ref = upstream("calico.yaml");
    const differing = [...ours.keys()].filter((k) => !isDeepStrictEqual(ours.get(k), ref.get(k)));
    assert.deepStrictEqual(differing, [DS]);
  });

  test("calico.yaml's CRDs are exactly the Calico CRDs of the pinned operator-crds.yaml prerequisite", () => {
    const crds = (f: string) =>
      new Map(
        loadReference(f)
          .filter((o) => o.kind === "CustomResourceDefinition")
          .map((o) => [o.metadata.name, o]),
      );
    const inCalico = crds("calico.yaml");
    const inOperator = crds("operator-crds.yaml");
    assert.equal(inCalico.size, 24);
    for (const [name, crd] of inCalico) assert.deepStrictEqual(inOperator.get(name), crd, name);
    const extra = [...inOperator.keys()].filter((n) => !inCalico.has(n));
    assert.ok(
      extra.every((n) => n.endsWith(".operator.tigera.io")),
      `only operator CRDs are extra: ${extra.join(", ")}`,
    );
  });

  test("the RBAC is no broader than upstream's: same rules for every datastore", () => {
    for (const [file, options] of [
      ["calico.yaml", { install: "manifest" }],
      ["calico-etcd.yaml", { install: "manifest", datastore: "etcd", etcd: { endpoints: ["http://10.0.0.10:2379"] } }],
    ] as const) {
      const ours = rendered(options as CalicoNetworkOptions);
      const ref = upstream(file);
      for (const [key, obj] of ours) if (key.startsWith("ClusterRole")) assert.deepStrictEqual(obj, ref.get(key), `${file} ${key}`);
    }
  });

  test("custom-resources.yaml's pool, written as podnet options, gives upstream's Installation pool", () => {
    const ref = loadReference("custom-resources.yaml").find((o) => o.kind === "Installation") as Obj;
    const r = renderCalicoNetwork({ ipPools: [{ cidr: "192.168.0.0/16", vxlanMode: "CrossSubnet" }] }, referencePlan());
    const inst = r.value.objects.find((o: K8sObject) => o.kind === "Installation") as Obj;
    assert.deepStrictEqual(inst.spec.calicoNetwork.ipPools, ref.spec.calicoNetwork.ipPools);
    const api = r.value.objects.find((o: K8sObject) => o.kind === "APIServer");
    assert.deepStrictEqual(
      api,
      loadReference("custom-resources.yaml").find((o) => o.kind === "APIServer"),
    );
  });
});
