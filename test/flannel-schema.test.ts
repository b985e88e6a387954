/**
 * Every object FlannelNetwork renders validates against the Kubernetes
 * OpenAPI schema (kubernetes-models), across versions, families, backends
 * and options. kubernetes-models does not flag unknown fields; the pod spec
 * is typed in core (flannel/daemonset/daemonset.ts) and the default objects are
 * compared with upstream field for field (flannel-upstream.test.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type FlannelNetworkOptions, type K8sObject, planPodCidrs, renderFlannelNetwork } from "@podnet/core";
import * as models from "kubernetes-models";

type Validatable = { validate(): void };
type ModelClass = new (data: object) => Validatable;

const CLASSES: Record<string, ModelClass> = {
  "v1/Namespace": models.v1.Namespace,
  "v1/ServiceAccount": models.v1.ServiceAccount,
  "v1/ConfigMap": models.v1.ConfigMap,
  "v1/Secret": models.v1.Secret,
  "apps/v1/DaemonSet": models.apps.v1.DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": models.rbacAuthorizationK8sIo.v1.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": models.rbacAuthorizationK8sIo.v1.ClusterRoleBinding,
} as unknown as Record<string, ModelClass>;

function validate(o: K8sObject): void {
  const Model = CLASSES[`${o.apiVersion}/${o.kind}`];
  assert.ok(Model, `no schema class for ${o.apiVersion} ${o.kind}`);
  new Model(o as object).validate();
}

const dual = planPodCidrs({
  cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
  nodes: [
    { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:1::31/64"] }] },
    { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:1::32/64"] }] },
  ],
}).value;

const CASES: Array<[string, FlannelNetworkOptions]> = [
  ["defaults (v0.28.9)", {}],
  ["v0.26.7", { version: "v0.26.7" }],
  [
    "wireguard with PSK (Secret, projected volume)",
    { backend: { type: "wireguard", psk: "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=", mode: "separate" } },
  ],
  ["host-gw, healthz off, kube-system", { backend: { type: "host-gw" }, healthzPort: 0, namespace: "kube-system" }],
  [
    "every pod option",
    {
      imageRegistry: "registry.example.com:5000/mirror",
      images: { cniPlugin: `registry.example.com/cni@sha256:${"b".repeat(64)}` },
      imagePullPolicy: "Always",
      imagePullSecrets: ["pull-secret"],
      iface: ["eth0"],
      extraArgs: ["--iptables-resync=10"],
      resources: { requests: { cpu: "200m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { operator: "Exists" },
      ],
      nodeSelector: { "kubernetes.io/arch": "amd64" },
      labels: { "example.com/owner": "net-team" },
      cniBinDir: "/usr/libexec/cni",
      cniConfDir: "/etc/cni/conf.d",
      namespace: "network",
    },
  ],
];

describe("FlannelNetwork objects validate against the Kubernetes schema", () => {
  for (const [name, options] of CASES) {
    test(name, () => {
      const objects = renderFlannelNetwork(options, dual).value.objects;
      assert.ok(objects.length >= 5);
      for (const o of objects) validate(o);
    });
  }

  test("the validator is live: a broken DaemonSet is rejected", () => {
    const ds = renderFlannelNetwork({}, dual).value.objects.find((o) => o.kind === "DaemonSet") as K8sObject & {
      spec: { template: { spec: { hostNetwork: unknown } } };
    };
    const broken = JSON.parse(JSON.stringify(ds));
    broken.spec.template.spec.hostNetwork = "yes";
    assert.throws(() => validate(broken), /hostNetwork must be boolean/);
  });
});
