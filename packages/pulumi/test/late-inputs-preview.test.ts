/**
 * `pulumi preview` with node values that are still unknown (Outputs of
 * resources not yet created), under Pulumi mocks in preview mode: every child
 * of the plan, both flannel modes and the host preparation is registered, the
 * same set as the plain program's.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "../../../test/support/pem.js";
import type { Registered } from "../../../test/support/pulumi-mocks.js";

const { ca: CA_PEM, cert: CERT_PEM, key: KEY_PEM } = testPem();
const created: Registered[] = [];
pulumi.runtime.setMocks(
  {
    // In preview a VM's privateIp is not known yet: the mock leaves it out of the state.
    newResource: (a) => {
      created.push({ type: a.type, name: a.name, inputs: a.inputs });
      return { id: `${a.name}-id`, state: a.type === "test:index:Vm" ? {} : a.inputs };
    },
    call: (a) => a.inputs,
  },
  "podnet",
  "test",
  true,
);
let pn: typeof import("@podnet/pulumi");

before(async () => {
  pn = await import("@podnet/pulumi");
});

class Vm extends pulumi.CustomResource {
  declare readonly privateIp: pulumi.Output<string>;
  constructor(name: string) {
    super("test:index:Vm", name, { privateIp: undefined });
  }
}

function program(p: string, ip: (node: string, addr: string) => pulumi.Input<string>) {
  const options = {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: ["n1", "n2"].map((name, i) => {
      const a = ip(name, `192.168.1.${31 + i}`);
      return {
        name,
        roles: (i === 0 ? ["control-plane", "etcd", "worker"] : ["worker"]) as ("control-plane" | "etcd" | "worker")[],
        interfaces: [{ name: "eth0", addresses: [typeof a === "string" ? `${a}/24` : pulumi.output(a).apply((x) => `${x}/24`)] }],
        ssh: { host: a },
      };
    }),
  };
  const plan = new pn.PodCidrPlan(`${p}-plan`, options);
  const flannel = new pn.FlannelNetwork(`${p}-flannel`, { plan });
  new pn.NodeNetworkPrep(`${p}-prep`, { plan, hostRequirements: [flannel.hostRequirements], privateKey: "KEY" });
  new pn.FlannelNetwork(`${p}-binary`, {
    plan: options,
    mode: "systemd",
    systemd: {
      etcd: { endpoints: ["https://192.168.1.31:2379"], tls: {} },
      release: { sha256: { amd64: "a".repeat(64) } },
      containerRuntime: "docker",
    },
    hosts: { privateKey: "KEY", etcdClientCert: { certPem: CERT_PEM, keyPem: KEY_PEM }, etcdServerCaPem: CA_PEM },
  });
  return plan;
}

describe("preview with unknown node values (Pulumi, mocks)", () => {
  test("every child registers, as in the plain program, and the late values stay unknown", async () => {
    program("plain", (_, a) => a);
    const vms = { n1: new Vm("vm-n1"), n2: new Vm("vm-n2") };
    const plan = program("late", (node) => vms[node as "n1"].privateIp);
    let planned = false;
    plan.planOutput.apply(() => {
      planned = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(planned, false, "the plan is unknown until the VMs exist");
    const names = (p: string) =>
      created
        .filter((c) => c.name.startsWith(`${p}-`))
        .map((c) => `${c.type} ${c.name.slice(p.length)}`)
        .sort();
    assert.ok(names("plain").filter((n) => n.startsWith("command:remote:Command")).length >= 16, names("plain").join("\n"));
    assert.deepEqual(names("late"), names("plain"));
  });
});
