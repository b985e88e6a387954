/**
 * The component registry: the spec schema has one section per component,
 * the one-network rule comes from a component's declared conflict, and
 * doctor's fixes name the daemon of the node's own network (each network's
 * wording comes from its component, not from the checks).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkSpec, type DoctorPlan, type ExpectedNodeState, planDoctor, podnetSpecSchema } from "@podnet/core";
import { COMPONENTS, diagnose, nodeFacts } from "@podnet/core/internal";
import { type FakeNode, healthyNode, render } from "./doctor-fixtures.js";

const node = (i: number) => ({
  name: `n${i}`,
  roles: i === 1 ? ["control-plane"] : ["worker"],
  interfaces: [{ name: "ens4", addresses: [`192.168.1.3${i}/24`] }],
});
const cluster = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };

function firstNode(spec: unknown): ExpectedNodeState {
  const r = planDoctor(spec);
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  return (r.value as DoctorPlan).nodes[0] as ExpectedNodeState;
}

function fixOf(e: ExpectedNodeState, code: string, tweak: (n: FakeNode) => void): string {
  const fake = healthyNode(e);
  tweak(fake);
  const d = diagnose(e, nodeFacts(render(fake)));
  const f = d.findings.find((x) => x.code === code);
  assert.ok(f, `${code} in ${JSON.stringify(d.findings.map((x) => x.code))}`);
  return f.fix;
}

describe("component registry", () => {
  test("the spec schema has apiVersion, cluster, nodes and one section per component, in registry order", () => {
    assert.deepEqual(Object.keys(podnetSpecSchema.shape), ["apiVersion", "cluster", "nodes", ...COMPONENTS.map((c) => c.key)]);
    assert.deepEqual(
      COMPONENTS.map((c) => [c.key, c.kind]),
      [
        ["flannel", "network"],
        ["calico", "network"],
        ["prep", "host"],
      ],
    );
  });

  test("flannel and calico together: one conflict error on calico, from render and from doctor alike", () => {
    const spec = { cluster, nodes: [node(1), node(2)], flannel: {}, calico: {} };
    const conflict = (errors: readonly { path: string; code: string }[]) =>
      errors.filter((e) => e.code === "calico.flannel-conflict").map((e) => e.path);
    assert.deepEqual(conflict(checkSpec(spec).errors), ["calico"]);
    assert.deepEqual(conflict(planDoctor(spec).errors), ["calico"]);
  });

  test("doctor's fixes name the node's own network: its CNI writer and the daemon that creates its devices", () => {
    const flannel = firstNode({ cluster, nodes: [node(1), node(2)], flannel: {} });
    const calico = firstNode({ cluster, nodes: [node(1), node(2)], calico: { install: "manifest" } });
    const noCni = (n: FakeNode) => {
      for (const dir of Object.keys(n.dirs)) if (dir.endsWith("/net.d")) n.dirs[dir] = [];
    };
    assert.match(fixOf(flannel, "cni.missing", noCni), /^the kube-flannel pod's install-cni step/);
    assert.match(fixOf(calico, "cni.missing", noCni), /^calico-node's install-cni step/);
    const noDevice = (name: string) => (n: FakeNode) => {
      n.links = n.links.filter((l) => l.ifname !== name);
    };
    assert.match(fixOf(flannel, "overlay.missing", noDevice("flannel.1")), /^flanneld creates it at start: check the kube-flannel pod/);
    assert.match(fixOf(calico, "overlay.missing", noDevice("tunl0")), /^calico-node creates it/);
  });
});
