/**
 * One plan document everywhere: `podnet plan --json` prints byte for byte the
 * plan.json `podnet render` writes, for every example spec and for specs written
 * the way a newcomer would (flannel DaemonSet, flannel systemd with etcd and with
 * kube-subnet-mgr, Calico manifest and operator, dual-stack). The document holds
 * each component's per-node and per-pool facts, and the table shows them.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkSpec, type PlanDocument, renderSpec } from "@podnet/core";
import { stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples", "cli");
const dir = tempDir("plan-document");
mkdirSync(join(dir, "pki"));
for (const f of ["ca.pem", "flanneld.pem"]) copyFileSync(join(examples, "pki", f), join(dir, "pki", f));

const SHA = { amd64: "1".repeat(64) };
const threeNodes = (dual: boolean) =>
  [31, 32, 33].map((h, i) => ({
    name: i === 0 ? "cp1" : `w${i}`,
    ...(i === 0 ? { roles: ["control-plane", "etcd"] } : {}),
    interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`, ...(dual ? [`fd00:192:168:1::${h}/64`] : [])] }],
    ssh: { host: `192.168.1.${h}` },
  }));
const v4 = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const dual = { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] };

/** Specs as a user writes them from the README: defaults left out, no pins. */
const userSpecs: Record<string, unknown> = {
  "flannel-daemonset": { cluster: v4, nodes: threeNodes(false), flannel: {} },
  "flannel-systemd-etcd": {
    cluster: v4,
    nodes: threeNodes(false),
    flannel: {
      mode: "systemd",
      subnetMin: "10.244.0.0",
      systemd: {
        datastore: "etcd",
        containerRuntime: "docker",
        etcd: {
          endpoints: ["https://192.168.1.31:2379"],
          tls: { caFile: "pki/ca.pem", certFile: "pki/flanneld.pem", keyFile: "pki/key.pem" },
        },
        release: { sha256: SHA },
      },
    },
  },
  "flannel-kube-subnet-mgr": {
    cluster: v4,
    nodes: threeNodes(false),
    flannel: {
      mode: "systemd",
      systemd: {
        datastore: "kube-subnet-mgr",
        kubeSubnetMgr: { apiServer: "https://192.168.1.31:6443", caFile: "pki/ca.pem", tokenFile: "pki/token" },
        release: { sha256: SHA },
        cniPlugin: { sha256: SHA },
      },
    },
  },
  "calico-manifest": { cluster: v4, nodes: threeNodes(false), calico: {} },
  "calico-operator": { cluster: v4, nodes: threeNodes(false), calico: { install: "operator", ipPools: [{ vxlanMode: "CrossSubnet" }] } },
  "flannel-dual-stack": {
    cluster: dual,
    nodes: threeNodes(true),
    flannel: { backend: { type: "host-gw" } },
    prep: { firewall: "firewalld" },
  },
  "calico-dual-stack": { cluster: dual, nodes: threeNodes(true), calico: { install: "operator" } },
};

const specFiles: Array<[string, string]> = [
  ...readdirSync(examples)
    .filter((f) => f.endsWith(".yaml"))
    .map((f): [string, string] => [`examples/cli/${f}`, join(examples, f)]),
  ...Object.entries(userSpecs).map(([name, spec]): [string, string] => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(spec));
    return [name, file];
  }),
];

async function rendered(name: string, file: string): Promise<{ json: string; planJson: string; table: string }> {
  const out = join(dir, `out-${name.replace(/\W/g, "-")}`);
  const r = await podnet("render", file, "--out", out);
  assert.equal(r.code, 0, `${name}: ${r.err}`);
  const json = await podnet("plan", file, "--json");
  assert.equal(json.code, 0, `${name}: ${json.err}`);
  const table = await podnet("plan", file);
  assert.equal(table.code, 0, `${name}: ${table.err}`);
  return { json: `${json.out}\n`, planJson: readFileSync(join(out, "plan.json"), "utf8"), table: table.out };
}

describe("plan --json equals plan.json", () => {
  for (const [name, file] of specFiles) {
    test(name, async () => {
      const r = await rendered(name, file);
      assert.equal(r.json, r.planJson, "the same bytes");
      const doc = JSON.parse(r.json) as PlanDocument;
      assert.equal(doc.kind, "Plan");
      assert.ok(Object.keys(doc.allocation).length > 0, "the allocation --previous reads");
      const { flannel, calico } = doc.components;
      assert.ok(flannel || calico, "a network component's facts");
      for (const n of doc.plan.nodes) {
        if (flannel) {
          const facts = flannel.nodes[n.name];
          assert.ok(facts, `flannel facts of ${n.name}`);
          assert.match(facts.interface, /^e/);
          assert.ok(facts.addresses.ipv4 ?? facts.addresses.ipv6, `${n.name}: public IP`);
          assert.ok(facts.podMtu >= 1280 && facts.podMtu <= 1500, `${n.name}: pod MTU ${facts.podMtu}`);
          assert.match(
            r.table,
            new RegExp(`\\n  ${n.name} +${facts.interface} +${facts.addresses.ipv4 ?? facts.addresses.ipv6}.* ${facts.podMtu}\\n`),
          );
        }
        if (calico) {
          for (const f of doc.plan.families) assert.ok(calico.autodetection[f], `${f} autodetection`);
          assert.match(r.table, new RegExp(`\\n  ${n.name} +${calico.autodetection.ipv4?.nodes[n.name]?.address ?? "at run time"} `));
        }
      }
      if (calico) {
        assert.deepEqual(
          calico.ipPools.map((p) => p.family),
          doc.plan.families,
          "a pool per family",
        );
        for (const p of calico.ipPools) assert.match(r.table, new RegExp(`\\n  ${p.name} +${p.cidr} +[0-9,^]+ x /${p.blockSize} `));
      }
    });
  }

  test("the core's checkSpec document is the bundle's plan.json", () => {
    for (const spec of Object.values(userSpecs).filter((s) => !JSON.stringify(s).includes("pki/"))) {
      const doc = checkSpec(spec).value?.document;
      assert.ok(doc);
      assert.deepEqual(doc, renderSpec(spec).value?.planJson);
    }
  });

  test("plan --json output serves as --previous: node subnets stay put when a node is inserted first", async () => {
    const spec = { cluster: v4, nodes: threeNodes(false), flannel: {} };
    const first = join(dir, "grow-1.yaml");
    writeFileSync(first, stringify(spec));
    const before = await podnet("plan", first, "--json");
    const previous = join(dir, "grow-plan.json");
    writeFileSync(previous, `${before.out}\n`);
    const grown = join(dir, "grow-2.yaml");
    const extra = { name: "w0", interfaces: [{ name: "eth0", addresses: ["192.168.1.30/24"] }], ssh: { host: "192.168.1.30" } };
    writeFileSync(grown, stringify({ ...spec, nodes: [extra, ...spec.nodes] }));
    const out = join(dir, "grow-out");
    assert.equal((await podnet("render", grown, "--out", out, "--previous", previous)).code, 0);
    const after = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as PlanDocument;
    const was = (JSON.parse(before.out) as PlanDocument).allocation;
    for (const n of spec.nodes) assert.deepEqual(after.allocation[n.name], was[n.name], n.name);
    assert.equal(after.allocation.w0?.ipv4, "10.244.3.0/24");
  });

  test("an invalid spec prints no document, exit 1", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, stringify({ cluster: v4, nodes: threeNodes(false), calico: { ipPools: [{ cidr: "10.245.0.0/16" }] } }));
    const r = await podnet("plan", file, "--json");
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.match(r.err, /calico\.ipPools\[0\]\.cidr: "10\.245\.0\.0\/16" is not inside/);
  });
});

describe("plan table: per-node network facts", () => {
  test("flannel: interface, public IP (both families), pod MTU; source names the family", async () => {
    const r = await podnet("plan", join(dir, "flannel-dual-stack.yaml"));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\n {2}cp1 +control-plane,etcd +10\.244\.0\.0\/24 +fd00:10:244::\/64 +ipv4 allocated, ipv6 allocated +eth0=/);
    assert.match(r.out, /\nFlannel \(daemonset v[0-9.]+, backend host-gw\)\n {2}node +interface +public IP +interface MTU +pod MTU\n/);
    assert.match(r.out, /\n {2}w2 +eth0 +192\.168\.1\.33, fd00:192:168:1::33 +1500 +1500\n/);
    const pinned = await podnet("plan", join(examples, "cluster.yaml"));
    assert.match(pinned.out, /\n {2}node1 +worker +10\.244\.7\.0\/24 +fd00:10:244:1::\/64 +ipv4 pinned, ipv6 allocated /);
  });

  test("Calico: pools with blocks and encapsulation, the address autodetection picks, the pod MTU", async () => {
    const r = await podnet("plan", join(dir, "calico-operator.yaml"));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\nCalico \(operator v[0-9.]+, backend vxlan\)\n/);
    assert.match(
      r.out,
      /\n {2}default-ipv4-ippool +10\.244\.0\.0\/16 +1,024 x \/26 \(64 addresses each\) +VXLAN CrossSubnet +yes +all\(\)\n/,
    );
    assert.match(r.out, /\n {2}node +ipv4 address \(first-found\) +pools\n {2}cp1 +192\.168\.1\.31 \(eth0\) +default-ipv4-ippool\n/);
    assert.match(r.out, /pod MTU: auto/);
    assert.match(r.out, /unused by calico-ipam/);
    const d = await podnet("plan", join(dir, "calico-dual-stack.yaml"));
    assert.match(d.out, /\n {2}default-ipv6-ippool +fd00:10:244::\/56 +2\^66 x \/122 \(64 addresses each\) +none +no +all\(\)\n/);
    assert.match(d.out, /\n {2}w1 +192\.168\.1\.32 \(eth0\) +fd00:192:168:1::32 \(eth0\) +default-ipv4-ippool, default-ipv6-ippool\n/);
    const section = d.out.slice(d.out.indexOf("\nCalico ("), d.out.indexOf("\nFlags"));
    for (const line of section.split("\n")) assert.ok(line.length <= 130, `readable width (${line.length}): ${line}`);
  });
});
