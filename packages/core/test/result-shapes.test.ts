/**
 * Every public check / plan / render entry point of @podnet/core has one of the result shapes:
 * Checked (`{ value?, errors, warnings }`, value exactly when there is no error), Planned
 * (`{ value, warnings }`, NetworkPlanError on an error) or the bare artifact of an already-checked
 * value. The list comes from the public index: a new entry point without a row here fails.
 * Problem paths start at the spec's root, also when a section is checked on its own.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as core from "../src/index.js";
import { NetworkPlanError } from "../src/index.js";

const cluster = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const nodes: core.NodeOptions[] = [
  { name: "node1", roles: ["control-plane"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
  { name: "node2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
];
const spec = { cluster, nodes, flannel: {} };
const badCluster = { podCidrs: ["10.244.0.1/16"], serviceCidrs: ["10.96.0.0/12"] };
const badSpec = { cluster: badCluster, nodes, flannel: {} };
const plan = () => core.planPodCidrs({ cluster, nodes }).value;
const doctorNode = () => {
  const d = core.planDoctor(spec).value;
  assert.ok(d?.nodes[0]);
  return d.nodes[0];
};

type Call = () => unknown;
interface Row {
  readonly shape: "checked" | "planned" | "artifact";
  readonly valid: Call;
  /** Checked: returns errors; Planned: throws NetworkPlanError; artifact: throws NetworkPlanError when it checks at all. */
  readonly invalid?: Call;
  /** Checked section entry points: every error path of `invalid` starts with this key. */
  readonly section?: string;
}

const ROWS: Record<string, Row> = {
  checkPodCidrPlan: {
    shape: "checked",
    valid: () => core.checkPodCidrPlan({ cluster, nodes }),
    invalid: () => core.checkPodCidrPlan({ cluster: badCluster, nodes }),
    section: "cluster",
  },
  planPodCidrs: {
    shape: "planned",
    valid: () => core.planPodCidrs({ cluster, nodes }),
    invalid: () => core.planPodCidrs({ cluster: badCluster, nodes }),
  },
  checkFlannelNetwork: {
    shape: "checked",
    valid: () => core.checkFlannelNetwork({}, plan()),
    invalid: () => core.checkFlannelNetwork({ backend: { type: "vxlan", port: 70000 } }, plan()),
    section: "flannel",
  },
  renderFlannelNetwork: {
    shape: "planned",
    valid: () => core.renderFlannelNetwork({}, plan()),
    invalid: () => core.renderFlannelNetwork({ backend: { type: "vxlan", port: 70000 } }, plan()),
  },
  checkCalicoNetwork: {
    shape: "checked",
    valid: () => core.checkCalicoNetwork({}, plan()),
    invalid: () => core.checkCalicoNetwork({ ipPools: [{ cidr: "10.244.0.1/16" }], mtu: 100000 }, plan()),
    section: "calico",
  },
  renderCalicoNetwork: {
    shape: "planned",
    valid: () => core.renderCalicoNetwork({}, plan()),
    invalid: () => core.renderCalicoNetwork({ ipPools: [{ cidr: "10.244.0.1/16" }] }, plan()),
  },
  checkNodeNetworkPrep: {
    shape: "checked",
    valid: () => core.checkNodeNetworkPrep({ plan: plan() }),
    invalid: () => core.checkNodeNetworkPrep({ plan: plan(), options: { firewall: "ufw" as never } }),
    section: "prep",
  },
  planNodeNetworkPrep: {
    shape: "planned",
    valid: () => core.planNodeNetworkPrep({ plan: plan() }),
    invalid: () => core.planNodeNetworkPrep({ plan: plan(), options: { firewall: "ufw" as never } }),
  },
  checkSpec: { shape: "checked", valid: () => core.checkSpec(spec), invalid: () => core.checkSpec(badSpec), section: "cluster" },
  renderSpec: { shape: "checked", valid: () => core.renderSpec(spec), invalid: () => core.renderSpec(badSpec), section: "cluster" },
  planDoctor: { shape: "checked", valid: () => core.planDoctor(spec), invalid: () => core.planDoctor(badSpec), section: "cluster" },
  planDoctorForPlan: {
    shape: "checked",
    valid: () => core.planDoctorForPlan(plan(), { flannel: {} }),
    invalid: () => core.planDoctorForPlan(plan(), { flannel: { backend: { type: "vxlan", port: 70000 } } }),
    section: "flannel",
  },
  planDocument: { shape: "artifact", valid: () => core.planDocument(plan(), [], []) },
  renderNodeScripts: {
    shape: "artifact",
    valid: () => core.renderNodeScripts({ node: "node1", units: [] }),
    invalid: () => core.renderNodeScripts({ node: "node 1; rm -rf /", units: [] }),
  },
  renderDoctorCheckScript: { shape: "artifact", valid: () => core.renderDoctorCheckScript(doctorNode()) },
  renderNetworkMap: { shape: "artifact", valid: () => core.renderNetworkMap(plan()) },
  renderNetworkMapOfInput: { shape: "artifact", valid: () => core.renderNetworkMapOfInput(badSpec) },
  renderSpecMap: { shape: "artifact", valid: () => core.renderSpecMap(spec) },
};

const keys = (r: unknown) => Object.keys(r as object).sort();

describe("result shapes of the public entry points", () => {
  test("every check*, plan* and render* function of @podnet/core has a row", () => {
    const entryPoints = Object.entries(core)
      .filter(([name, v]) => typeof v === "function" && /^(check|plan|render)[A-Z]/.test(name))
      .map(([name]) => name)
      .sort();
    assert.deepStrictEqual(entryPoints, Object.keys(ROWS).sort());
  });

  for (const [name, row] of Object.entries(ROWS)) {
    test(`${name}: ${row.shape}`, () => {
      const ok = row.valid();
      if (row.shape === "checked") {
        assert.deepStrictEqual(keys(ok), ["errors", "value", "warnings"]);
        assert.deepStrictEqual((ok as core.Checked<unknown>).errors, []);
        assert.ok(row.invalid);
        const bad = row.invalid() as core.Checked<unknown>;
        assert.deepStrictEqual(keys(bad), ["errors", "warnings"]);
        assert.ok(bad.errors.length > 0);
        const prefix = new RegExp(`^${row.section}([.[]|$)`);
        for (const p of bad.errors) assert.match(p.path, prefix, `${p.path}: ${p.message}`);
      } else if (row.shape === "planned") {
        assert.deepStrictEqual(keys(ok), ["value", "warnings"]);
        assert.ok((ok as core.Planned<unknown>).value !== undefined);
        assert.ok(row.invalid);
        assert.throws(row.invalid, (e: unknown) => e instanceof NetworkPlanError && e.problems.length > 0);
      } else {
        assert.ok(ok !== undefined && ok !== null);
        if (typeof ok === "object") assert.ok(!("value" in ok), "an artifact is returned as itself, not wrapped");
        if (row.invalid) assert.throws(row.invalid, NetworkPlanError);
      }
    });
  }

  test("a section's problems keep the section key when it is checked on its own and inside a spec", () => {
    const alone = core.checkCalicoNetwork({ ipPools: [{ cidr: "10.244.0.1/16" }] }, plan());
    const inSpec = core.checkSpec({ cluster, nodes, calico: { ipPools: [{ cidr: "10.244.0.1/16" }] } });
    assert.deepStrictEqual(
      alone.errors.map((p) => p.path),
      inSpec.errors.map((p) => p.path),
    );
    assert.deepStrictEqual(
      alone.errors.map((p) => p.path),
      ["calico.ipPools[0].cidr"],
    );
  });
});
