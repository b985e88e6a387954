/**
 * `podnet doctor` through the CLI without root: `--ssh-command` points at a
 * stand-in for ssh that prints a recorded collection output per host (the
 * synthetic nodes of packages/core/test/doctor-fixtures.ts), or fails the way
 * ssh fails. Covers the report text, JSON, exit codes and usage errors; the
 * real ssh and real nodes are in test/doctor.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DoctorPlan, planDoctor } from "@podnet/core";
import { stringify } from "yaml";
import { healthyNode, nodeListJson, render, withCluster } from "../packages/core/test/doctor-fixtures.js";
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

/** n1 registered last: kube-controller-manager gave n2 the first subnet, n3 the second, n1 the third. */
const REGISTERED = nodeListJson([
  { name: "n2", podCidrs: ["10.244.0.0/24"], internalIps: ["192.168.1.32"] },
  { name: "n3", podCidrs: ["10.244.1.0/24"], internalIps: ["192.168.1.33"] },
  { name: "n1", podCidrs: ["10.244.2.0/24"], internalIps: ["192.168.1.31"] },
]);

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
    doctor = planDoctor(SPEC).value as DoctorPlan;
    for (const e of doctor.nodes) write(`192.168.1.3${e.index + 1}`, render(healthyNode(e)));
    // Records its arguments, reads the script from stdin, answers like the node at user@host.
    fakeSsh = join(dir, "fake-ssh");
    writeFileSync(
      fakeSsh,
      `#!/bin/sh
for a in "$@"; do case $a in *@*) host=\${a#*@} ;; esac; done
printf '%s\\n' "$*" >>"${dir}/argv.log"
script=$(cat)
case $host in
  192.168.1.99) echo "ssh: connect to host 192.168.1.99 port 22: Connection refused" >&2; exit 255 ;;
esac
case $script in
  *"kubectl --kubeconfig '/etc/kubernetes/admin.conf' get nodes -o json"*) cat "${dir}/nodes.json"; exit 0 ;;
  *kubectl*) echo "error: stat: no such file or directory" >&2; exit 1 ;;
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

  test("usage errors are exit 2", async () => {
    assert.equal((await doctorRun("--node", "n9")).code, 2);
    assert.match((await doctorRun("--node", "n9")).err, /--node n9: not in .* \(nodes: n1, n2, n3\)/);
    assert.equal((await doctorRun("--timeout", "0")).code, 2);
    const missing = await podnet("doctor", file, "--ssh-command", join(dir, "no-such-ssh"), "--node", "n1");
    assert.equal(missing.code, 2);
    assert.match(missing.out, /n1 \(192\.168\.1\.31\): could not check: cannot run ssh: spawn .*no-such-ssh ENOENT/);
  });

  test("a spec that validate rejects: validate's output and exit code, no node contacted", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, stringify({ ...SPEC, cluster: { ...SPEC.cluster, podCidrs: ["10.244.0.1/16"] } }));
    const validate = await podnet("validate", bad);
    writeFileSync(join(dir, "argv.log"), "");
    const r = await podnet("doctor", bad, "--ssh-command", fakeSsh);
    assert.equal(validate.code, 1);
    assert.equal(r.code, validate.code);
    assert.equal(r.err, validate.err);
    assert.match(r.err, /host bits set/);
    assert.match(r.err, /bad\.yaml: 1 error, 0 warnings$/);
    assert.equal(r.out, "");
    assert.equal(readFileSync(join(dir, "argv.log"), "utf8"), "");
  });

  describe("node subnets kube-controller-manager assigned in another order than the spec", () => {
    const nodesJson = () => join(dir, "nodes.json");
    before(() => {
      writeFileSync(nodesJson(), JSON.stringify(REGISTERED, null, 2));
      for (const e of withCluster(doctor, REGISTERED).nodes) write(`192.168.1.3${e.index + 1}`, render(healthyNode(e)));
    });
    after(() => {
      for (const e of doctor.nodes) write(`192.168.1.3${e.index + 1}`, render(healthyNode(e)));
    });

    test("without the Node objects: exit 0, the difference is information", async () => {
      const r = await doctorRun();
      assert.equal(r.code, 0, r.out + r.err);
      assert.doesNotMatch(r.out, /subnet\.stale/);
      assert.match(r.out, /^n1 \(192\.168\.1\.31\): healthy \(/m);
      assert.match(
        r.out,
        /^ {2}info subnet\.assigned-differs \[subnet\]\n {4}expected: IPv4 subnet 10\.244\.0\.0\/24 .*\n {4}found: {4}FLANNEL_SUBNET=10\.244\.2\.1\/24 .*\n {4}note: {5}.*--nodes-json FILE/m,
      );
      assert.match(r.out, /^summary: 3 nodes: 3 healthy, 0 with findings \(0 findings\)/m);
    });

    test("--nodes-json: checked against the Nodes' spec.podCIDRs, exit 0; only --node n1 still judges its routes", async () => {
      const r = await doctorRun("--nodes-json", nodesJson(), "--json");
      assert.equal(r.code, 0, r.out + r.err);
      const report = JSON.parse(r.out) as {
        nodes: Array<{ node: string; findings: unknown[]; info: Array<{ code: string; found: string }> }>;
      };
      assert.deepEqual(
        report.nodes.map((n) => [n.node, n.findings.length, n.info.map((i) => i.code)]),
        [
          ["n1", 0, ["subnet.assigned-differs"]],
          ["n2", 0, ["subnet.assigned-differs"]],
          ["n3", 0, ["subnet.assigned-differs"]],
        ],
      );
      assert.match(report.nodes[0]?.info[0]?.found ?? "", /10\.244\.2\.0\/24 in the Node's spec\.podCIDRs/);
      const one = await doctorRun("--nodes-json", nodesJson(), "--node", "n1");
      assert.equal(one.code, 0, one.out + one.err);
      assert.match(one.out, /^n1 \(192\.168\.1\.31\): healthy \(\d+ checks: interface, subnet, overlay, routes,/m);
      assert.doesNotMatch(one.out, /routes\.peer-unknown/);
      const alone = await doctorRun("--node", "n1");
      assert.equal(alone.code, 0, alone.out + alone.err);
      assert.match(alone.out, /info routes\.peer-unknown \[routes\]/);
    });

    test("--nodes-json: flanneld holding another subnet than its Node is subnet.stale (exit 1)", async () => {
      const e = withCluster(doctor, REGISTERED).nodes[0] as DoctorPlan["nodes"][number];
      const fake = healthyNode(e);
      fake.files["/run/flannel/subnet.env"] = fake.files["/run/flannel/subnet.env"]?.replace("10.244.2.1/24", "10.244.0.1/24");
      write("192.168.1.31", render(fake));
      try {
        const r = await doctorRun("--nodes-json", nodesJson(), "--node", "n1");
        assert.equal(r.code, 1, r.out + r.err);
        assert.match(r.out, /^ {2}subnet\.stale \[subnet\]$/m);
      } finally {
        write("192.168.1.31", render(healthyNode(e)));
      }
    });

    test("--kube reads the Nodes with kubectl over ssh on the first control-plane node", async () => {
      const cp = join(dir, "cp.yaml");
      writeFileSync(cp, stringify({ ...SPEC, nodes: SPEC.nodes.map((n, i) => (i === 1 ? { ...n, roles: ["control-plane"] } : n)) }));
      writeFileSync(join(dir, "argv.log"), "");
      const r = await podnet("doctor", cp, "--ssh-command", fakeSsh, "--kube", "--node", "n1");
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /found: {4}10\.244\.2\.0\/24 in the Node's spec\.podCIDRs \(kubectl on node "n2"\)/);
      assert.match(readFileSync(join(dir, "argv.log"), "utf8"), /^.* root@192\.168\.1\.32 -- bash -s$/m);
      const other = await podnet("doctor", cp, "--ssh-command", fakeSsh, "--kube", "--remote-kubeconfig", "/root/.kube/config");
      assert.equal(other.code, 2);
      assert.match(other.err, /--kube: kubectl get nodes on node "n2" failed: error: stat/);
      const none = await doctorRun("--kube");
      assert.equal(none.code, 2);
      assert.match(none.err, /--kube runs kubectl on the first node with roles: \[control-plane\], and the spec has none/);
      const unsafe = await podnet("doctor", cp, "--ssh-command", fakeSsh, "--kube", "--remote-kubeconfig", "/tmp/$(reboot)");
      assert.equal(unsafe.code, 2);
      assert.match(unsafe.err, /--remote-kubeconfig "\/tmp\/\$\(reboot\)": an absolute path/);
    });

    test("--kubeconfig runs the local kubectl with it", async () => {
      const kubectl = join(dir, "fake-kubectl");
      writeFileSync(kubectl, `#!/bin/sh\nprintf '%s\\n' "$*" >"${dir}/kubectl.log"\ncat "${dir}/nodes.json"\n`);
      chmodSync(kubectl, 0o755);
      const r = await doctorRun("--kubeconfig", join(dir, "admin.conf"), "--kubectl", kubectl, "--node", "n1");
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal(readFileSync(join(dir, "kubectl.log"), "utf8"), `--kubeconfig ${join(dir, "admin.conf")} get nodes -o json\n`);
      assert.match(r.out, /info subnet\.assigned-differs/);
    });

    test("a malformed or missing Node list is a usage error naming the file (exit 2)", async () => {
      const bad = join(dir, "bad-nodes.json");
      writeFileSync(
        bad,
        JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ metadata: {}, spec: { podCIDRs: ["10.244.0.1/24"] } }] }),
      );
      const r = await doctorRun("--nodes-json", bad);
      assert.equal(r.code, 2);
      assert.ok(
        r.err.includes(`--nodes-json ${bad}: not a Node list as kubectl get nodes -o json prints it:\n  items.0.metadata.name: `),
        r.err,
      );
      writeFileSync(bad, "{ not json");
      const j = await doctorRun("--nodes-json", bad);
      assert.equal(j.code, 2);
      assert.match(j.err, /bad-nodes\.json: not JSON/);
      const gone = await doctorRun("--nodes-json", join(dir, "absent.json"));
      assert.equal(gone.code, 2);
      assert.match(gone.err, /absent\.json: cannot read it \(ENOENT\)/);
      // Bounded like every input: a FIFO is refused by its type instead of blocking the read.
      const fifo = join(dir, "nodes.fifo");
      execFileSync("mkfifo", [fifo]);
      const blocked = await doctorRun("--nodes-json", fifo);
      assert.equal(blocked.code, 2);
      assert.match(blocked.err, /nodes\.fifo.*a FIFO/);
      assert.equal((await doctorRun("--nodes-json", nodesJson(), "--kube")).code, 2);
    });
  });
});
