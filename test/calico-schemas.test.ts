/**
 * Schemas: the operator CRs (Installation, APIServer, Goldmane, Whisker) and
 * Calico's resources (IPPool, BGPConfiguration, FelixConfiguration, BGPPeer)
 * validate against the OpenAPI v3 schemas of the release's operator-crds.yaml
 * (with ajv; patterns compiled as RE2, as the API server does; objects closed
 * to unknown fields unless the CRD preserves them, so a misspelt field fails).
 * Every Kubernetes object of the manifest path validates with kubernetes-models.
 * CEL rules (x-kubernetes-validations) are not evaluated here.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CidrPlan } from "@podnet/core";
import { type CalicoNetworkOptions, type K8sObject, planPodCidrs, renderCalicoNetwork } from "@podnet/core";
import { Ajv, type ValidateFunction } from "ajv";
import * as models from "kubernetes-models";
import { RE2JS } from "re2js";
import { loadReference, referencePlan, seedPlan } from "./calico-fixtures.js";
import { needsReference } from "./support/real.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;

function dualStackPlan(): CidrPlan {
  return planPodCidrs({
    cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
    nodes: ["a", "b", "c", "d"].map((n, i) => ({
      name: `node-${n}`,
      interfaces: [{ name: "eth0", addresses: [`192.168.1.${31 + i}/24`, `fd00:192:168:1::${31 + i}/64`], mtu: 9000 }],
    })),
  }).value;
}

/** Option sets that between them touch every rendered field. */
const CASES: ReadonlyArray<{ name: string; plan: () => CidrPlan; options: CalicoNetworkOptions }> = [
  { name: "operator defaults", plan: referencePlan, options: {} },
  {
    name: "operator, seed scenario, every operator option",
    plan: seedPlan,
    options: {
      ipAutodetection: { ipv4: "interface=ens33" },
      mtu: 1440,
      wireguard: { ipv4: true },
      linuxDataplane: "Nftables",
      registry: "registry.example.com:5000",
      controlPlaneReplicas: 1,
      goldmane: true,
      whisker: true,
      overrides: { calicoNodeDaemonSet: { spec: { template: { spec: { tolerations: [{ operator: "Exists" }] } } } } },
      bgp: {
        asNumber: 64600,
        listenPort: 1179,
        peers: [
          { name: "tor-1", peerIP: "192.168.79.1", asNumber: 64601 },
          { name: "rr-mesh", nodeSelector: "all()", peerSelector: "route-reflector == 'true'" },
        ],
      },
    },
  },
  {
    name: "operator, dual-stack VXLAN with object autodetection and two pools per family",
    plan: dualStackPlan,
    options: {
      ipPools: [
        { cidr: "10.244.0.0/17", vxlanMode: "CrossSubnet" },
        { cidr: "10.244.128.0/17", vxlanMode: "Always", natOutgoing: false, nodeSelector: "zone == 'b'", blockSize: 27 },
        { cidr: "fd00:10:244::/57", vxlanMode: "Always" },
        { cidr: "fd00:10:244:80::/57", vxlanMode: "Never", blockSize: 120 },
      ],
      backend: "bird",
      ipAutodetection: { ipv4: { cidrs: ["192.168.1.0/24"] }, ipv6: { canReach: "fd00:192:168:1::1" } },
      wireguard: { ipv4: true, ipv6: true },
      mtu: 8900,
    },
  },
  {
    name: "manifest, dual-stack, extra pools, BGP and Felix resources",
    plan: dualStackPlan,
    options: {
      install: "manifest",
      ipPools: [
        { cidr: "10.244.0.0/17" },
        { cidr: "10.244.128.0/17", ipipMode: "CrossSubnet" },
        { cidr: "fd00:10:244::/57" },
        { cidr: "fd00:10:244:80::/57", natOutgoing: true },
      ],
      bgp: { nodeToNodeMesh: false, peers: [{ name: "rr", node: "node-a", peerIP: "192.168.1.1", asNumber: 65000 }] },
      wireguard: { ipv4: true, ipv6: true },
      mtu: 8900,
      typha: { replicas: 2 },
    },
  },
  {
    name: "manifest, etcd with TLS",
    plan: referencePlan,
    options: {
      install: "manifest",
      datastore: "etcd",
      etcd: { endpoints: ["https://10.0.0.10:2379"], tls: { ca: "/a", cert: "/b", key: "/c" } },
      bgp: { asNumber: 65001 },
    },
  },
];

/** Go's regexp semantics for `pattern` (the API server is written in Go). */
const re2Engine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    // ajv keys its cache of compiled patterns on toString(): it must be unique per pattern.
    return { test: (s: string) => re.matcher(s).find(), toString: () => `re2:${pattern}` };
  },
  { code: "re2" },
);

/** Closes every object schema that lists properties and does not preserve unknown fields. */
function closeSchema(s: Obj): Obj {
  if (Array.isArray(s)) return s.map(closeSchema);
  if (s === null || typeof s !== "object") return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s))
    out[k] =
      k === "properties"
        ? Object.fromEntries(Object.entries(v as Obj).map(([p, ps]) => [p, closeSchema(ps as Obj)]))
        : closeSchema(v as Obj);
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"])
    out.additionalProperties = false;
  return out;
}

let validators: Map<string, ValidateFunction> | undefined;
function validatorFor(o: K8sObject): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: re2Engine } });
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    for (const f of ["date-time", "byte", "uri", "string"]) ajv.addFormat(f, true);
    validators = new Map();
    for (const crd of loadReference("operator-crds.yaml") as Obj[]) {
      const version = crd.spec.versions.find((v: Obj) => v.storage);
      const schema = closeSchema(version.schema.openAPIV3Schema);
      // metadata is typed as a bare object in CRDs; the API server checks it separately.
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
  const v = validators.get(`${o.apiVersion}/${o.kind}`);
  assert.ok(v, `no CRD for ${o.apiVersion} ${o.kind}`);
  return v;
}

function assertCrdValid(o: K8sObject, label: string): void {
  const v = validatorFor(o);
  const ok = v(o);
  assert.ok(ok, `${label}: ${o.kind}/${o.metadata.name}: ${JSON.stringify(v.errors, null, 1)}`);
}

describe("operator CRs and Calico resources validate against operator-crds.yaml", { skip: needsReference() }, () => {
  for (const c of CASES) {
    test(c.name, () => {
      const r = renderCalicoNetwork(c.options, c.plan());
      const crs = [...r.value.objects, ...r.value.resources].filter(
        (o) => !/^(v1|apps\/v1|policy\/v1|rbac\.authorization\.k8s\.io\/v1)$/.test(o.apiVersion),
      );
      assert.ok(crs.length > 0);
      for (const o of crs) {
        // etcd-datastore resources are projectcalico.org/v3 for calicoctl, with the CRDs' fields.
        assertCrdValid(o.apiVersion === "projectcalico.org/v3" ? { ...o, apiVersion: "crd.projectcalico.org/v1" } : o, c.name);
      }
      if (r.value.operator) {
        const { enabled, ...spec } = r.value.operator.helm.values.installation as Obj;
        assert.equal(enabled, true);
        assertCrdValid(
          { apiVersion: "operator.tigera.io/v1", kind: "Installation", metadata: { name: "default" }, spec },
          `${c.name} (Helm values)`,
        );
      }
    });
  }

  test("the harness rejects what the API server would: unknown field, bad enum, RE2-only pattern", () => {
    const inst = (spec: Obj): K8sObject => ({
      apiVersion: "operator.tigera.io/v1",
      kind: "Installation",
      metadata: { name: "default" },
      spec,
    });
    const reject = (o: K8sObject) => assert.equal(validatorFor(o)(o), false, JSON.stringify(o));
    reject(inst({ calicoNetwork: { ipPools: [{ cidr: "10.0.0.0/16", encapsulation: "GRE" }] } }));
    reject(inst({ calicoNetwork: { ipPool: [] } }));
    reject(inst({ calicoNetwork: { ipPools: new Array(26).fill({ cidr: "10.0.0.0/16" }) } }));
    reject({
      apiVersion: "crd.projectcalico.org/v1",
      kind: "FelixConfiguration",
      metadata: { name: "default" },
      spec: { defaultEndpointToHostAction: "Allow" },
    });
    const ok: K8sObject = {
      apiVersion: "crd.projectcalico.org/v1",
      kind: "FelixConfiguration",
      metadata: { name: "default" },
      spec: { defaultEndpointToHostAction: "accept" },
    };
    const vf = validatorFor(ok);
    assert.equal(vf(ok), true, `(?i) pattern compiled as RE2: ${JSON.stringify(vf.errors)}`);
  });
});

/** The kubernetes-models class for an object. */
function modelFor(o: K8sObject): { new (d: unknown): { validate(): void } } {
  const [group, version] = o.apiVersion.includes("/") ? (o.apiVersion.split("/") as [string, string]) : ["", o.apiVersion];
  const ns =
    group === ""
      ? (models as Obj).v1
      : (models as Obj)[group.replace(/\.k8s\.io$/, "K8sIo").replace(/\.(\w)/g, (_m: string, ch: string) => ch.toUpperCase())]?.[version];
  const cls = ns?.[o.kind];
  assert.ok(cls, `kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return cls;
}

describe("manifest path objects validate against the Kubernetes schema (kubernetes-models)", () => {
  const variants: ReadonlyArray<[string, () => CidrPlan, CalicoNetworkOptions]> = [
    ["calico.yaml", referencePlan, { install: "manifest" }],
    ["vxlan", referencePlan, { install: "manifest", ipPools: [{ vxlanMode: "Always" }] }],
    ["typha", referencePlan, { install: "manifest", typha: { replicas: 2 } }],
    ["etcd", referencePlan, { install: "manifest", datastore: "etcd", etcd: { endpoints: ["http://10.0.0.10:2379"] } }],
    ["dual-stack", dualStackPlan, { install: "manifest", ipAutodetection: { ipv6: "interface=eth0" }, typha: { replicas: 2 }, mtu: 1400 }],
  ];
  for (const [name, plan, options] of variants) {
    test(name, () => {
      const r = renderCalicoNetwork(options, plan());
      const kinds = new Set<string>();
      for (const o of r.value.objects) {
        const Model = modelFor(o);
        new Model(o).validate();
        kinds.add(o.kind);
      }
      assert.ok(kinds.has("DaemonSet") && kinds.has("ClusterRole") && kinds.has("ConfigMap"));
    });
  }

  test("the harness catches a broken object", () => {
    const r = renderCalicoNetwork({ install: "manifest" }, referencePlan());
    const ds = structuredClone(r.value.objects.find((o) => o.kind === "DaemonSet")) as Obj;
    ds.spec.template.spec.hostNetwork = "yes";
    const Model = modelFor(ds as K8sObject);
    assert.throws(() => new Model(ds).validate(), /hostNetwork must be boolean/);
  });
});
