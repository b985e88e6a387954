/**
 * Node values that arrive late (Outputs of other resources, as `vm.privateIp`
 * in a real program) under Pulumi mocks: the same children and inputs as the
 * plain program once they resolve; a bad resolved value fails the deployment
 * with the path-named problem and no remote command or Kubernetes object is
 * registered; a structural value as an Output is refused before anything exists.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe, test } from "node:test";
import type { PodCidrPlanOptions } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";
import { testPem } from "../../../test/support/pem.js";
import { mockPulumi, outputValue, type Registered, reasons, SECRET_SIG, settle } from "../../../test/support/pulumi-mocks.js";

const { ca: CA_PEM, cert: CERT_PEM, key: KEY_PEM } = testPem();
/** The addresses the mock "VMs" get, by resource name. */
const IPS: Record<string, string> = { "vm-n1": "192.168.1.31", "vm-n2": "192.168.1.32" };
const created = mockPulumi({ computed: (type, name) => (type === "test:index:Vm" ? { privateIp: IPS[name] } : {}) });
let pn: typeof import("@podnet/pulumi");

before(async () => {
  pn = await import("@podnet/pulumi");
});

/** A stand-in for a cloud VM: its `privateIp` is an Output known only once it is created. */
class Vm extends pulumi.CustomResource {
  declare readonly privateIp: pulumi.Output<string>;
  constructor(name: string) {
    super("test:index:Vm", name, { privateIp: undefined });
  }
}

const cluster = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
/** The plan options, each node's address and ssh host given by `ip`. */
function planOptions(ip: (node: string, addr: string) => pulumi.Input<string>, prefix = "/24") {
  const withPrefix = (a: pulumi.Input<string>) =>
    typeof a === "string" ? `${a}${prefix}` : pulumi.output(a).apply((x) => `${x}${prefix}`);
  return {
    cluster,
    nodes: ["n1", "n2"].map((name, i) => ({
      name,
      roles: (i === 0 ? ["control-plane", "etcd", "worker"] : ["worker"]) as ("control-plane" | "etcd" | "worker")[],
      interfaces: [{ name: "eth0", addresses: [withPrefix(ip(name, `192.168.1.${31 + i}`))] }],
      ssh: { host: ip(name, `192.168.1.${31 + i}`), user: "ubuntu" },
    })),
  };
}
const plain = (_: string, addr: string) => addr;
const systemd = (endpoint: pulumi.Input<string>) => ({
  etcd: { endpoints: [endpoint], tls: {} },
  release: { sha256: { amd64: "a".repeat(64) } },
  containerRuntime: "docker" as const,
});
const hosts = { privateKey: "KEY", etcdClientCert: { certPem: CERT_PEM, keyPem: KEY_PEM }, etcdServerCaPem: CA_PEM };

/** Every component of a small program: a plan, flannel (both modes), host preparation. */
function program(p: string, ip: (node: string, addr: string) => pulumi.Input<string>) {
  const plan = new pn.PodCidrPlan(`${p}-plan`, planOptions(ip));
  const flannel = new pn.FlannelNetwork(`${p}-flannel`, { plan });
  const prep = new pn.NodeNetworkPrep(`${p}-prep`, {
    plan,
    hostRequirements: [flannel.hostRequirements],
    privateKey: "KEY",
    scope: "prep",
  });
  const n1 = ip("n1", "192.168.1.31");
  const endpoint = typeof n1 === "string" ? `https://${n1}:2379` : pulumi.output(n1).apply((a) => `https://${a}:2379`);
  const binary = new pn.FlannelNetwork(`${p}-binary`, {
    plan: planOptions(ip),
    mode: "systemd",
    systemd: systemd(endpoint),
    hosts,
  });
  return { plan, flannel, prep, binary };
}

/** Secret envelopes replaced by their values, everywhere in an input. */
function open(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(open);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Object.values(o).includes(SECRET_SIG)) return open(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, open(x)]));
  }
  return v;
}

/** The registrations of one program, named without its prefix. */
const of = (p: string, list: readonly Registered[]) =>
  list
    .filter((r) => r.name.startsWith(`${p}-`))
    .map((r) => ({ type: r.type, name: r.name.slice(p.length), inputs: open(r.inputs) }))
    .sort((a, b) => a.name.localeCompare(b.name));

describe("late node values (Pulumi, mocks)", () => {
  test("Outputs that resolve to good values: the same children with the same inputs as the plain program", async () => {
    const a = program("plain", plain);
    const vms: Record<string, Vm> = { n1: new Vm("vm-n1"), n2: new Vm("vm-n2") };
    const b = program("late", (node) => (vms[node] as Vm).privateIp);
    assert.throws(() => b.plan.plan, /the plan depends on Outputs .* use planOutput/);
    assert.deepEqual(await outputValue(b.plan.planOutput), a.plan.plan);
    assert.deepEqual(await outputValue(b.prep.reports), await outputValue(a.prep.reports));
    assert.deepEqual(await outputValue(b.binary.podMtu), await outputValue(a.binary.podMtu));
    await settle();
    const plainChildren = of("plain", created);
    assert.ok(plainChildren.filter((c) => c.type === "command:remote:Command").length >= 16, "prep and flannel-binary commands");
    assert.ok(plainChildren.some((c) => c.type === "kubernetes:apps/v1:DaemonSet"));
    assert.deepEqual(of("late", created), plainChildren);
  });

  test("an Output where the structure must be plain is an InputPropertiesError naming it, before anything exists", async () => {
    await settle();
    const before = created.length;
    const options = { cluster, nodes: [{ name: pulumi.output("n1"), interfaces: [] }] } as unknown as PodCidrPlanOptions;
    assert.throws(
      () => new pn.PodCidrPlan("structure", options),
      (e: unknown) => /^nodes\[0\]\.name: an Output is not accepted here/.test(reasons(e)),
    );
    await settle();
    assert.equal(created.length, before);
  });

  test("known problems still fail synchronously, with late values elsewhere", () => {
    const options = planOptions((node, addr) => (node === "n1" ? pulumi.output(addr) : addr));
    assert.throws(
      () => new pn.PodCidrPlan("known-bad", { ...options, cluster: { ...cluster, serviceCidrs: ["10.96.0.1/12"] } }),
      (e: unknown) => /cluster\.serviceCidrs\[0\]/.test(reasons(e)) && !/addresses/.test(reasons(e)),
    );
  });
});

/**
 * Runs a program in a child process under mocks that print every registration (type and name);
 * a failed deployment surfaces there as the rejected registration.
 */
function deploy(body: string, badIp = "10.244.7.9"): { status: number | null; stderr: string; registered: string[] } {
  const script = `
    import * as pulumi from "@pulumi/pulumi";
    const ips = { "vm-n1": "192.168.1.31", "vm-n2": process.env.BAD_IP };
    pulumi.runtime.setMocks({
      newResource: (a) => {
        console.log("REGISTERED " + a.type + " " + a.name);
        return { id: a.name + "-id", state: { ...a.inputs, ...(a.type === "test:index:Vm" ? { privateIp: ips[a.name] } : {}) } };
      },
      call: (a) => a.inputs,
    }, "p", "s", false);
    const pn = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)});
    class Vm extends pulumi.CustomResource { constructor(n) { super("test:index:Vm", n, { privateIp: undefined }); } }
    const vms = { n1: new Vm("vm-n1"), n2: new Vm("vm-n2") };
    const nodes = ["n1", "n2"].map((name, i) => ({
      name,
      roles: i === 0 ? ["control-plane", "etcd", "worker"] : ["worker"],
      interfaces: [{ name: "eth0", addresses: [vms[name].privateIp.apply((a) => a + "/24")] }],
      ssh: { host: vms[name].privateIp },
    }));
    const options = { cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes };
    ${body}
  `;
  return deployScript(script, badIp);
}

function deployScript(script: string, badIp: string): { status: number | null; stderr: string; registered: string[] } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    cwd: import.meta.dirname,
    env: { ...process.env, BAD_IP: badIp },
  });
  const registered = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("REGISTERED "))
    .map((l) => l.slice("REGISTERED ".length));
  return { status: r.status, stderr: r.stderr, registered };
}

describe("a late value that resolves to a bad one (Pulumi, mocks, child process)", () => {
  test("an address inside the pod CIDR fails with its path before any remote command or Kubernetes object", () => {
    const r = deploy(`
      const plan = new pn.PodCidrPlan("plan", options);
      const flannel = new pn.FlannelNetwork("flannel", { plan });
      new pn.NodeNetworkPrep("prep", { plan, hostRequirements: [flannel.hostRequirements], privateKey: "KEY" });
      new pn.FlannelNetwork("binary", {
        plan: options,
        mode: "systemd",
        systemd: { etcd: { endpoints: ["http://192.168.1.31:2379"] }, release: { sha256: { amd64: "${"a".repeat(64)}" } }, containerRuntime: "docker" },
        hosts: { privateKey: "KEY" },
      });
    `);
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /PodCidrPlan: \d+ problems? in the network spec/);
    assert.match(
      r.stderr,
      /cluster\.podCidrs\[0\] "10\.244\.0\.0\/16" overlaps nodes\[1\]\.interfaces\[0\] "10\.244\.7\.9\/24" \(node "n2", eth0\); move the pod CIDR/,
    );
    // The components and the VMs registered; nothing that acts on a node or the cluster did.
    assert.ok(r.registered.includes("podnet:index:NodeNetworkPrep prep"), r.registered.join("\n"));
    assert.ok(r.registered.includes("test:index:Vm vm-n2"));
    const acting = r.registered.filter((x) => x.startsWith("command:") || x.startsWith("kubernetes:"));
    assert.deepEqual(acting, []);
  });

  test("the same program with good values registers its commands and objects (the check above can fail)", () => {
    const r = deployScript(
      `
      import * as pulumi from "@pulumi/pulumi";
      const ips = { "vm-n1": "192.168.1.31", "vm-n2": process.env.BAD_IP };
      pulumi.runtime.setMocks({
        newResource: (a) => {
          console.log("REGISTERED " + a.type + " " + a.name);
          return { id: a.name + "-id", state: { ...a.inputs, ...(a.type === "test:index:Vm" ? { privateIp: ips[a.name] } : {}) } };
        },
        call: (a) => a.inputs,
      }, "p", "s", false);
      const pn = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)});
      class Vm extends pulumi.CustomResource { constructor(n) { super("test:index:Vm", n, { privateIp: undefined }); } }
      const vms = { n1: new Vm("vm-n1"), n2: new Vm("vm-n2") };
      const nodes = ["n1", "n2"].map((name) => ({
        name,
        interfaces: [{ name: "eth0", addresses: [vms[name].privateIp.apply((a) => a + "/24")] }],
        ssh: { host: vms[name].privateIp },
      }));
      const plan = new pn.PodCidrPlan("plan", { cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes });
      const flannel = new pn.FlannelNetwork("flannel", { plan });
      new pn.NodeNetworkPrep("prep", { plan, hostRequirements: [flannel.hostRequirements], privateKey: "KEY" });
    `,
      "192.168.1.32",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.registered.includes("command:remote:Command prep-n2-install"), r.registered.join("\n"));
    assert.ok(r.registered.includes("kubernetes:apps/v1:DaemonSet flannel-daemonset"));
  });

  test("an ssh host that is not a host name fails NodeNetworkPrep with its path before any remote command", () => {
    const script = deploy(
      `
      const bad = { ...options, nodes: options.nodes.map((n, i) => (i === 1 ? { ...n, ssh: { host: pulumi.output("evil;rm -rf /") } } : n)) };
      new pn.NodeNetworkPrep("prep", { plan: bad, privateKey: "KEY" });
    `,
      "192.168.1.32",
    );
    assert.notEqual(script.status, 0);
    assert.match(script.stderr, /NodeNetworkPrep: \d+ problems? in the network spec/);
    assert.match(script.stderr, /nodes\[1\]\.ssh\.host/);
    assert.deepEqual(
      script.registered.filter((x) => x.startsWith("command:")),
      [],
    );
  });

  test("an etcd endpoint that is not a URL fails mode systemd with its path before any remote command", () => {
    const r = deploy(
      `
      new pn.FlannelNetwork("binary", {
        plan: options,
        mode: "systemd",
        systemd: {
          etcd: { endpoints: [vms.n1.privateIp.apply((a) => "etcd at " + a)] },
          release: { sha256: { amd64: "${"a".repeat(64)}" } },
          containerRuntime: "docker",
        },
        hosts: { privateKey: "KEY" },
      });
    `,
      "192.168.1.32",
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /FlannelNetwork: \d+ problems? in the network spec/);
    assert.match(r.stderr, /flannel\.systemd\.etcd\.endpoints\[0\]/);
    assert.deepEqual(
      r.registered.filter((x) => x.startsWith("command:") || x.startsWith("kubernetes:")),
      [],
    );
  });
});
