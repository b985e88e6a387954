/**
 * The seed scenario (runbook 001: Calico on kubeadm) through `podnet render`,
 * the rejection of Calico's default pool on that inventory, and the bundle's
 * scripts for real: shellcheck, and calico/apply.sh run under bash with stub
 * curl/kubectl, checking the pinned sha256 before anything is applied.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { CidrPlan } from "@podnet/core";
import { calicoComponent, Problems } from "@podnet/core/internal";
import { parse, stringify } from "yaml";
import { calicoReferenceDir, parseK8sYaml, referencePlan } from "./calico-fixtures.js";
import { podnet } from "./support/cli.js";
import { needs, needsReference } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const seedFile = join(root, "examples/cli/calico-kubeadm.yaml");
const dir = tempDir("calico-cli");

const seedSpec = (): Obj => parse(readFileSync(seedFile, "utf8"));
function specFile(name: string, spec: Obj): string {
  const p = join(dir, name);
  writeFileSync(p, stringify(spec));
  return p;
}

describe("seed scenario: examples/cli/calico-kubeadm.yaml", () => {
  const out = join(dir, "seed");

  test("renders calico.yaml with the pool, the autodetection method and the host needs", async () => {
    const r = await podnet("render", seedFile, "--out", out);
    assert.equal(r.code, 0, r.err);
    const objs = parseK8sYaml(readFileSync(join(out, "manifests/calico.yaml"), "utf8"));
    const ds = objs.find((o) => o.kind === "DaemonSet") as Obj;
    const env = Object.fromEntries(
      (ds.spec.template.spec.containers[0].env as Obj[]).filter((e) => "value" in e).map((e) => [e.name, e.value]),
    );
    assert.equal(env.CALICO_IPV4POOL_CIDR, "172.16.0.0/16");
    assert.equal(env.IP_AUTODETECTION_METHOD, "interface=ens33");
    assert.equal(env.CALICO_IPV4POOL_IPIP, "Always");
    assert.equal(objs.filter((o) => o.kind === "CustomResourceDefinition").length, 0, "CRDs are a prerequisite, not copied");

    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    // One source of truth: kubeadm's podSubnet is the pool.
    assert.equal(plan.plan.flags.kubeadm.networking.podSubnet, env.CALICO_IPV4POOL_CIDR);
    const calico = plan.components.calico;
    assert.deepStrictEqual(
      calico.ipPools.map((p: Obj) => [p.name, p.cidr, p.ipipMode]),
      [["default-ipv4-ippool", "172.16.0.0/16", "Always"]],
    );
    assert.deepStrictEqual(calico.autodetection.ipv4.nodes["k8s-master-01"], { interface: "ens33", address: "192.168.79.128", mtu: 1500 });
    assert.deepStrictEqual(calico.firewall, [
      "179/tcp (Calico BGP (BIRD) between nodes)",
      "ipip (Calico IP-in-IP (IP protocol 4) between nodes)",
    ]);
    assert.equal(calico.mtu.largestSafe, 1480);
    assert.deepStrictEqual(
      calico.prerequisites.map((m: Obj) => m.name),
      ["operator-crds.yaml"],
    );

    const readme = readFileSync(join(out, "calico/README.txt"), "utf8");
    assert.match(readme, /kubectl create -f operator-crds\.yaml/);
    assert.match(readme, /sha256 53b2e2791915809db8016b72d4ceac9d1dd529d053984eb203c06b94c6639ee3/);
    assert.match(readme, /unmanaged-devices=interface-name:cali\*;interface-name:tunl\*/);
  });

  test("the prep section turns Calico's needs into firewalld and NetworkManager steps", () => {
    const install = readFileSync(join(out, "nodes/k8s-master-01/install.sh"), "utf8");
    assert.match(install, /'179\/tcp'/);
    assert.match(install, /protocol '4'/);
    assert.match(
      readFileSync(join(out, "nodes/k8s-node-01/root/etc/NetworkManager/conf.d/podnet.conf"), "utf8"),
      /interface-name:cali\*;interface-name:tunl\*/,
    );
  });

  test("rendering twice gives the same bytes", async () => {
    const again = join(dir, "seed-again");
    assert.equal((await podnet("render", seedFile, "--out", again)).code, 0);
    for (const f of ["manifests/calico.yaml", "calico/apply.sh", "calico/README.txt", "plan.json"]) {
      assert.equal(readFileSync(join(again, f), "utf8"), readFileSync(join(out, f), "utf8"), f);
    }
  });

  test("Calico's default 192.168.0.0/16 as the pod CIDR is rejected: it overlaps ens33's 192.168.79.0/24", async () => {
    const spec = seedSpec();
    spec.cluster.podCidrs = ["192.168.0.0/16"];
    const r = await podnet("render", specFile("default-pod-cidr.yaml", spec), "--out", join(dir, "never"));
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^error: cluster\.podCidrs\[0\] "192\.168\.0\.0\/16" overlaps nodes\[0\]\.interfaces\[0\] "192\.168\.79\.128\/24" \(node "k8s-master-01", ens33\) and 2 more interfaces on that network; move the pod CIDR outside the node network "192\.168\.79\.0\/24"$/m,
    );
    assert.match(r.err, /nothing written/);
  });

  test("Calico's default pool written into calico.ipPools is rejected with both reasons", async () => {
    const spec = seedSpec();
    spec.calico.ipPools = [{ cidr: "192.168.0.0/16" }];
    const r = await podnet("validate", specFile("default-pool.yaml", spec));
    assert.equal(r.code, 1);
    const errors = r.err.split("\n").filter((l) => l.startsWith("error: "));
    assert.deepStrictEqual(errors, [
      'error: calico.ipPools[0].cidr: "192.168.0.0/16" is not inside the IPv4 pod CIDR "172.16.0.0/16" (cluster.podCidrs[0], also kubeadm\'s podSubnet and kube-controller-manager\'s --cluster-cidr); pools must lie inside it, e.g. "172.16.0.0/16"',
      'error: calico.ipPools[0].cidr: "192.168.0.0/16" overlaps nodes[0].interfaces[0] "192.168.79.128/24" (node "k8s-master-01", ens33); pod addresses would collide with the hosts\' network, pick a pool that avoids it, e.g. "172.16.0.0/16" or "10.244.0.0/16"',
      'error: calico.ipPools[0].cidr: "192.168.0.0/16" overlaps nodes[0].interfaces[1] "192.168.122.1/24" (node "k8s-master-01", virbr0); pod addresses would collide with the hosts\' network, pick a pool that avoids it, e.g. "172.16.0.0/16" or "10.244.0.0/16"',
    ]);
  });

  test("first-found would have worked here (virbr0 and docker0 are excluded), but a second NIC makes it an error", async () => {
    const spec = seedSpec();
    delete spec.calico.ipAutodetection;
    spec.nodes[1].interfaces.push({ name: "ens34", addresses: ["10.10.0.5/24"] });
    const r = await podnet("validate", specFile("first-found.yaml", spec));
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /error: calico\.ipAutodetection\.ipv4: the default method "first-found" could pick 2 IPv4 addresses on node "k8s-node-01": ens33 192\.168\.79\.129, ens34 10\.10\.0\.5 \(the order depends on the kernel\); choose one, e\.g\. "interface=ens33" or "cidr=192\.168\.79\.0\/24"/,
    );
  });
});

/** Bundle files of a `calico:` section on the reference plan. */
function bundle(section: Obj, plan: CidrPlan = referencePlan()): Record<string, string> {
  const p = new Problems();
  const a = calicoComponent(section, plan, p);
  assert.ok(a, JSON.stringify(p.errors));
  return Object.fromEntries(Object.entries(a.files ?? {}).map(([k, f]) => [k, f.content]));
}

const SCRIPT_CASES: ReadonlyArray<[string, Obj]> = [
  ["operator", {}],
  ["manifest with resources", { install: "manifest", ipPools: [{ cidr: "192.168.0.0/17" }, { cidr: "192.168.128.0/17" }] }],
  [
    "etcd with TLS and resources",
    {
      install: "manifest",
      datastore: "etcd",
      etcd: {
        endpoints: ["https://10.0.0.10:2379"],
        tls: { ca: "/etc/calico/ca.pem", cert: "/etc/calico/c.pem", key: "/etc/calico/c.key" },
      },
      bgp: { asNumber: 65001 },
    },
  ],
];

describe("bundle scripts pass shellcheck", { skip: needs("shellcheck") }, () => {
  for (const [name, section] of SCRIPT_CASES) {
    test(name, () => {
      for (const [path, content] of Object.entries(bundle(section)).filter(([p]) => p.endsWith(".sh"))) {
        const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: content, encoding: "utf8" });
        assert.equal(r.status, 0, `${path}:\n${r.stdout}${r.stderr}`);
      }
    });
  }

  test("etcd TLS: the Secret comes from etcd-secret.sh (never from the bundle); calicoctl gets the resources", () => {
    const files = bundle(SCRIPT_CASES[2]?.[1] as Obj);
    assert.match(files["calico/etcd-secret.sh"] ?? "", /--from-file=etcd-key='\/etc\/calico\/c\.key'/);
    assert.match(files["calico/apply.sh"] ?? "", /calicoctl\}" apply -f "\$here\/calicoctl-resources\.yaml"/);
    assert.match(files["calico/calicoctl-resources.yaml"] ?? "", /apiVersion: projectcalico\.org\/v3/);
  });
});

describe("calico/apply.sh checks the pinned sha256 before applying anything", {
  skip: needs("bash", "sha256sum") || needsReference(),
}, () => {
  /** Runs apply.sh with stub curl (serves files from `served`) and stub kubectl (logs its arguments). */
  function runApply(section: Obj, served: Record<string, string>): { status: number | null; stderr: string; calls: string[] } {
    const base = mkdtempSync(join(dir, "apply-"));
    const bin = join(base, "bin");
    mkdirSync(bin);
    mkdirSync(join(base, "bundle", "calico"), { recursive: true });
    mkdirSync(join(base, "bundle", "manifests"), { recursive: true });
    const files = bundle(section);
    for (const [p, c] of Object.entries(files)) writeFileSync(join(base, "bundle", p), c);
    for (const [name, src] of Object.entries(served)) copyFileSync(src, join(base, name));
    const log = join(base, "kubectl.log");
    writeFileSync(
      join(bin, "curl"),
      `#!/bin/bash\nout=""; url=""\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; --proto|--retry) shift 2;; -*) shift;; *) url="$1"; shift;; esac; done\ncp "${base}/$(basename "$url")" "$out"\n`,
    );
    writeFileSync(join(bin, "kubectl"), `#!/bin/bash\necho "$*" >> "${log}"\n`);
    chmodSync(join(bin, "curl"), 0o755);
    chmodSync(join(bin, "kubectl"), 0o755);
    const r = spawnSync("bash", [join(base, "bundle/calico/apply.sh")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(log, "utf8").trim().split("\n");
    } catch {
      calls = [];
    }
    return { status: r.status, stderr: r.stderr, calls };
  }
  const ref = (f: string) => join(calicoReferenceDir() as string, f);

  test("operator path: CRDs, wait, operator, then the custom resources, all server-side", () => {
    const r = runApply({}, { "operator-crds.yaml": ref("operator-crds.yaml"), "tigera-operator.yaml": ref("tigera-operator.yaml") });
    assert.equal(r.status, 0, r.stderr);
    const strip = (c: string) => c.replace(/\/\S*\/(\S+\.yaml)/g, "$1");
    assert.deepStrictEqual(r.calls.map(strip), [
      "apply --server-side --force-conflicts -f operator-crds.yaml",
      "wait --for=condition=Established --timeout=120s -f operator-crds.yaml",
      "apply --server-side --force-conflicts -f tigera-operator.yaml",
      "apply --server-side -f calico-custom-resources.yaml",
    ]);
  });

  test("a tampered download stops the script before kubectl runs", () => {
    const tampered = join(dir, "tigera-operator.yaml");
    writeFileSync(tampered, `${readFileSync(ref("tigera-operator.yaml"), "utf8")}\n# changed\n`);
    const r = runApply({}, { "operator-crds.yaml": ref("operator-crds.yaml"), "tigera-operator.yaml": tampered });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /tigera-operator\.yaml: sha256 mismatch, nothing applied/);
    assert.deepStrictEqual(r.calls, []);
  });
});
