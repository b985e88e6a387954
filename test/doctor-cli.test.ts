/**
 * `podnet doctor` through the CLI without root: `--ssh-command` points at a
 * stand-in for ssh that prints a recorded collection output per host (the
 * synthetic nodes of packages/core/test/doctor-fixtures.ts), or fails the way
 * ssh fails. Covers the report text, JSON, exit codes and usage errors; the
 * real ssh and real nodes are in test/doctor.test.ts.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DoctorPlan, planDoctor } from "@podnet/core";
import { stringify } from "yaml";
import { healthyNode, render } from "../packages/core/test/doctor-fixtures.js";
import { podnet } from "./support/cli.js";

const SPEC = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [1, 2, 3].map((i) => ({
    name: `n${i}`,
    interfaces: [{ name: "eth0", addresses: [`192.168.1.3${i}/24`] }],
    ssh: { host: `192.168.1.3${i}`, privateKeyFile: "keys/id_ed25519" },
  })),
  flannel: {},
  prep: { firewall: "firewalld", cniPlugins: false },
};

describe("podnet doctor (stand-in ssh)", () => {
  let dir: string;
  let file: string;
  let fakeSsh: string;
  let doctor: DoctorPlan;

  const write = (host: string, text: string) => writeFileSync(join(dir, `${host}.out`), text);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "podnet-doctor-cli-"));
    file = join(dir, "cluster.yaml");
    writeFileSync(file, stringify(SPEC));
    doctor = planDoctor(SPEC).doctor as DoctorPlan;
    for (const e of doctor.nodes) write(`192.168.1.3${e.index + 1}`, render(healthyNode(e)));
    // Records its arguments, reads the script from stdin, answers like the node at user@host.
    fakeSsh = join(dir, "fake-ssh");
    writeFileSync(
      fakeSsh,
      `#!/bin/sh
for a in "$@"; do case $a in *@*) host=\${a#*@} ;; esac; done
printf '%s\\n' "$*" >>"${dir}/argv.log"
cat >/dev/null
case $host in
  192.168.1.99) echo "ssh: connect to host 192.168.1.99 port 22: Connection refused" >&2; exit 255 ;;
esac
cat "${dir}/$host.out"
`,
    );
    chmodSync(fakeSsh, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const doctorRun = (...extra: string[]) => podnet("doctor", file, "--ssh-command", fakeSsh, ...extra);

  test("healthy: exit 0, one line per node, ssh called in BatchMode with the spec's key and user", async () => {
    const r = await doctorRun("--ssh-option", "StrictHostKeyChecking=accept-new");
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(
      r.out,
      /^n1 \(192\.168\.1\.31\): healthy \(\d+ checks: interface, subnet, overlay, routes, masquerade, sysctl, modules, network-manager, firewalld, cni\)$/m,
    );
    assert.match(r.out, /^summary: 3 nodes: 3 healthy, 0 with findings \(0 findings\), 0 not fully checked$/m);
    const argv = readFileSync(join(dir, "argv.log"), "utf8");
    assert.match(
      argv,
      new RegExp(
        `-o BatchMode=yes -o ConnectTimeout=10 -i ${dir}/keys/id_ed25519 -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -p 22 root@192\\.168\\.1\\.31 -- bash -s`,
      ),
    );
  });

  test("a finding: exit 1, with expected, found and fix; JSON is deterministic", async () => {
    const e = doctor.nodes[1] as DoctorPlan["nodes"][number];
    const fake = healthyNode(e);
    fake.sysctls["net.ipv4.ip_forward"] = "0\n";
    write("192.168.1.32", render(fake));
    try {
      const r = await doctorRun();
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        /^n2 \(192\.168\.1\.32\): 1 finding\n {2}sysctl\.value \[sysctl\]\n {4}expected: net\.ipv4\.ip_forward = 1 .*\n {4}found: {4}net\.ipv4\.ip_forward = 0\n {4}fix: {6}sysctl -w net\.ipv4\.ip_forward=1/m,
      );
      const a = await doctorRun("--json");
      const b = await doctorRun("--json");
      assert.equal(a.out, b.out);
      const report = JSON.parse(a.out) as { kind: string; exitCode: number; summary: Record<string, number> };
      assert.equal(report.kind, "DoctorReport");
      assert.equal(report.exitCode, 1);
      assert.deepEqual(report.summary, { healthy: 2, withFindings: 1, findings: 1, notChecked: 0, unreachable: 0 });
    } finally {
      write("192.168.1.32", render(healthyNode(e)));
    }
  });

  test("unreachable or unchecked nodes: exit 2, each named with the reason", async () => {
    const other = join(dir, "other.yaml");
    const nodes = SPEC.nodes.map((n, i) =>
      i === 1 ? { ...n, ssh: { host: "192.168.1.99" } } : i === 2 ? { name: n.name, interfaces: n.interfaces } : n,
    );
    writeFileSync(other, stringify({ ...SPEC, nodes }));
    const r = await podnet("doctor", other, "--ssh-command", fakeSsh, "--json");
    assert.equal(r.code, 2);
    const report = JSON.parse(r.out) as { nodes: Array<{ node: string; status: string; error?: string }> };
    assert.deepEqual(
      report.nodes.map((n) => [n.node, n.status, n.error]),
      [
        ["n1", "healthy", undefined],
        ["n2", "unreachable", "ssh: ssh: connect to host 192.168.1.99 port 22: Connection refused"],
        ["n3", "unreachable", 'nodes[2].ssh is not set, so doctor cannot reach node "n3" (add ssh: { host: <address>, user: root })'],
      ],
    );
  });

  test("a collection that stops half-way: what is missing is 'could not check' (exit 2)", async () => {
    const e = doctor.nodes[2] as DoctorPlan["nodes"][number];
    write("192.168.1.33", render(healthyNode(e)).split("\n").slice(0, 5).join("\n"));
    try {
      const r = await doctorRun("--node", "n3");
      assert.equal(r.code, 2);
      assert.match(r.out, /n3 \(192\.168\.1\.33\): no findings, but \d+ checks could not run/);
      assert.match(r.out, /could not check sysctl: net\.\S+: not in the collection output/);
    } finally {
      write("192.168.1.33", render(healthyNode(e)));
    }
  });

  test("usage and spec errors are exit 2", async () => {
    assert.equal((await doctorRun("--node", "n9")).code, 2);
    assert.match((await doctorRun("--node", "n9")).err, /--node n9: not in .* \(nodes: n1, n2, n3\)/);
    assert.equal((await doctorRun("--timeout", "0")).code, 2);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, stringify({ ...SPEC, cluster: { ...SPEC.cluster, podCidrs: ["10.244.0.1/16"] } }));
    const r = await podnet("doctor", bad, "--ssh-command", fakeSsh);
    assert.equal(r.code, 2);
    assert.match(r.err, /host bits set/);
    assert.match(r.err, /no node was checked/);
    const missing = await podnet("doctor", file, "--ssh-command", join(dir, "no-such-ssh"), "--node", "n1");
    assert.equal(missing.code, 2);
    assert.match(missing.out, /n1 \(192\.168\.1\.31\): could not check: cannot run ssh: spawn .*no-such-ssh ENOENT/);
  });
});
