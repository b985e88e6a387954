/**
 * CalicoNetwork's `verify` option under Pulumi mocks (no engine, nothing
 * runs): with `hosts`, one `remote.Command` per node sending doctor's
 * self-checking script (Calico's expectations) to `bash -s` after the
 * resource that brings calico-node and the Calico resources; without
 * `hosts` a warning and none; without `verify` none.
 */
import assert from "node:assert/strict";
import { before, describe, mock, test } from "node:test";
import {
  type ExpectedNodeState,
  expectedNodeState,
  type PodCidrPlanOptions,
  planDoctorForPlan,
  planPodCidrs,
  renderDoctorCheckScript,
} from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";

interface Created {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}
const created: Created[] = [];
let CalicoNetwork: typeof import("@podnet/pulumi").CalicoNetwork;

before(async () => {
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        created.push({ type: a.type, name: a.name, inputs: a.inputs });
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call: (a) => a.inputs,
    },
    "podnet",
    "test",
    false,
  );
  ({ CalicoNetwork } = await import("@podnet/pulumi"));
});

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"; // @pulumi/pulumi runtime/rpc specialSecretSig
const isSecret = (v: unknown) => typeof v === "object" && v !== null && Object.values(v).includes(SECRET_SIG);
const settle = () => new Promise((r) => setTimeout(r, 100));
const doctorCommands = (from: number) =>
  created.slice(from).filter((c) => c.type === "command:remote:Command" && c.name.endsWith("-doctor"));

/** Records each child's dependsOn by name (the mock monitor does not expose it). */
function recorder() {
  const deps: Record<string, string[]> = {};
  const transformations: pulumi.ResourceTransformation[] = [
    (a) => {
      deps[a.name] = ([] as unknown[]).concat(a.opts.dependsOn ?? []).map((d) => (d as { __name?: string }).__name ?? "?");
      return undefined;
    },
  ];
  return { deps, transformations };
}

const CLUSTER: PodCidrPlanOptions = {
  cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: ["128", "129"].map((a, i) => ({
    name: `n${i + 1}`,
    interfaces: [{ name: "ens33", addresses: [`192.168.79.${a}/24`] }],
    ssh: { host: `192.168.79.${a}` },
  })),
};
const calico = { ipAutodetection: { ipv4: "interface=ens33" }, bgp: { asNumber: 64600 } };

describe("CalicoNetwork verify (Pulumi, mocks)", () => {
  test("operator path with hosts: one doctor command per node after the Helm release and the Calico resources", async () => {
    const rec = recorder();
    const start = created.length;
    const c = new CalicoNetwork(
      "cv",
      { plan: CLUSTER, ...calico, hosts: { privateKey: pulumi.secret("ssh-key") }, verify: true },
      { transformations: rec.transformations },
    );
    await settle();
    const mine = doctorCommands(start);
    assert.deepEqual(mine.map((x) => x.name).sort(), ["cv-n1-doctor", "cv-n2-doctor"]);
    assert.deepEqual(Object.keys(c.verify ?? {}).sort(), ["n1", "n2"]);
    const doctor = planDoctorForPlan(planPodCidrs(CLUSTER).plan, { calico }).doctor;
    assert.ok(doctor);
    for (const node of ["n1", "n2"]) {
      const cmd = mine.find((x) => x.name === `cv-${node}-doctor`) as Created;
      const script = renderDoctorCheckScript(expectedNodeState(doctor, node) as ExpectedNodeState);
      assert.equal(cmd.inputs.stdin, script);
      assert.match(script, /podnet-doctor: /);
      assert.match(script, /10-calico\.conflist/, "Calico's CNI config is checked");
      assert.deepEqual(rec.deps[`cv-${node}-doctor`], ["cv-tigera-operator", "cv-bgpconfiguration-default"]);
      assert.ok(isSecret(cmd.inputs.connection));
    }
  });

  test("manifest path with hosts: after the ConfigGroup holding calico-node", async () => {
    const rec = recorder();
    const start = created.length;
    new CalicoNetwork(
      "cm",
      { plan: CLUSTER, install: "manifest", installCrds: false, hosts: { privateKey: "ssh-key" }, verify: true },
      { transformations: rec.transformations },
    );
    await settle();
    assert.deepEqual(
      doctorCommands(start)
        .map((x) => x.name)
        .sort(),
      ["cm-n1-doctor", "cm-n2-doctor"],
    );
    assert.deepEqual(rec.deps["cm-n1-doctor"], ["cm-calico"]);
  });

  test("verify without hosts warns and creates none; verify absent creates none", async () => {
    const seen: string[] = [];
    const warn = mock.method(pulumi.log, "warn", (m: string) => {
      seen.push(m);
      return Promise.resolve();
    });
    const start = created.length;
    try {
      new CalicoNetwork("cw", { plan: CLUSTER, ...calico, verify: true });
      new CalicoNetwork("cn", { plan: CLUSTER, ...calico, hosts: { privateKey: "ssh-key" } });
    } finally {
      warn.mock.restore();
    }
    await settle();
    assert.ok(created.slice(start).some((c) => c.name === "cn-tigera-operator"));
    assert.deepEqual(doctorCommands(start), []);
    assert.equal(seen.filter((m) => m.startsWith("verify: true, but hosts is not set")).length, 1, seen.join("\n"));
  });
});
