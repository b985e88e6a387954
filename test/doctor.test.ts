/**
 * `podnet doctor` on real test nodes (sshd in network namespaces, real ssh):
 * the nodes are set up the way flannel (vxlan, kube subnet manager) and
 * NodeNetworkPrep leave them: flannel.1 with the planned MTU and address,
 * routes to the other nodes' subnets through it, subnet.env, flannel's narrow
 * masquerade rules, sysctls, the CNI conflist, NetworkManager's conf.d file and
 * firewalld's openings. Then one thing at a time is broken the way it breaks
 * in the field; doctor (through the CLI, over ssh) must report exactly that
 * fault, and nothing on the healthy nodes. The self-checking script of the
 * Pulumi verify step runs on the same nodes and must fail on the same faults.
 * kube-controller-manager assigns node subnets in registration order: a
 * healthy cluster registered in another order than the spec has no findings,
 * with or without the Node objects (`--nodes-json`).
 *
 * Run as root: node --import tsx --test test/doctor.test.ts
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "@podnet/cli";
import {
  checkNodeNetworkPrep,
  type DoctorPlan,
  type ExpectedNodeState,
  flannelHostRequirements,
  planDoctor,
  renderDoctorCheckScript,
} from "@podnet/core";
import { firewalldCommands, flannelCniConfJson, nthAddress, parseCidr } from "@podnet/core/internal";
import { stringify } from "yaml";
import { nodeListJson, registeredAsPlanned, withCluster } from "../packages/core/test/doctor-fixtures.js";
import { diffSnapshots, nodeHarnessSkip, startTestNodes, type TestCluster, type TestNode } from "./harness/nodes.js";
import { needs } from "./support/real.js";

const skip = nodeHarnessSkip() || needs("iptables-restore", "iptables-save", "firewall-offline-cmd", "NetworkManager");
const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

interface Report {
  nodes: Array<{
    node: string;
    status: string;
    error?: string;
    findings: Array<{ node: string; code: string; expected: string; found: string; fix: string }>;
    info: Array<{ node: string; code: string }>;
    unchecked: unknown[];
  }>;
  exitCode: number;
}

describe("podnet doctor on real nodes", { skip }, () => {
  let cluster: TestCluster;
  let dir: string;
  let specFile: string;
  let doctor: DoctorPlan;
  /** The expectations against a cluster whose Nodes hold the planned subnets (what --nodes-json gives). */
  let registered: DoctorPlan;
  /** `kubectl get nodes -o json` of that cluster. */
  let nodesJson: string;
  let nmConf: string;
  const timings: number[] = [];

  const expectedOf = (n: TestNode, d: DoctorPlan = doctor): ExpectedNodeState =>
    d.nodes.find((e) => e.node === n.name) as ExpectedNodeState;
  /** The subnet a node holds; `assigned` overrides the plan (a cluster registered in another order). */
  let assigned: Record<string, string> = {};
  const subnetOf = (n: TestNode) => assigned[n.name] ?? (expectedOf(n).subnet?.planned.ipv4 as string);

  function specFor(c: TestCluster, overrides: Record<string, { port?: number }> = {}): Record<string, unknown> {
    return {
      apiVersion: "podnet/v1",
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
      nodes: c.nodes.map((n) => ({
        name: n.name,
        interfaces: [{ name: "eth0", addresses: [`${n.address}/24`] }],
        ssh: { host: n.address, user: "root", privateKeyFile: c.identityFile, ...(overrides[n.name] ?? {}) },
      })),
      flannel: { backend: { type: "vxlan" } },
      prep: { firewall: "firewalld", cniPlugins: false },
    };
  }

  /** What flanneld (vxlan) leaves on a node holding `own`, with routes to `peers`. */
  function networkScript(n: TestNode, own: string, peers: readonly string[], mtu = 1450): string {
    const c = parseCidr(own);
    assert.ok(c.ok);
    const net = nthAddress(c.value, 0n);
    const first = `${nthAddress(c.value, 1n)}/${c.value.prefix}`;
    return `set -euo pipefail
ip link del flannel.1 2>/dev/null || true
ip link add flannel.1 type vxlan id 1 dstport 8472 dev eth0 local ${n.address} nolearning
ip link set flannel.1 mtu ${mtu} up
ip addr add ${net}/32 dev flannel.1
${peers
  .map((p) => {
    const pc = parseCidr(p);
    assert.ok(pc.ok);
    return `ip route replace ${p} via ${nthAddress(pc.value, 0n)} dev flannel.1 onlink`;
  })
  .join("\n")}
mkdir -p /run/flannel
printf '%s\\n' FLANNEL_NETWORK=10.244.0.0/16 FLANNEL_SUBNET=${first} FLANNEL_MTU=${mtu} FLANNEL_IPMASQ=true >/run/flannel/subnet.env
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
iptables-restore <<'EOF'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s ${own} -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d ${own} -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d ${own} -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
EOF
`;
  }

  /** Files flannel's install-cni and NodeNetworkPrep place, written into the node's root. */
  function placeFiles(n: TestNode): void {
    mkdirSync(n.hostPath("/etc/cni/net.d"), { recursive: true });
    rmSync(n.hostPath("/etc/cni/net.d"), { recursive: true, force: true });
    mkdirSync(n.hostPath("/etc/cni/net.d"), { recursive: true });
    writeFileSync(n.hostPath("/etc/cni/net.d/10-flannel.conflist"), flannelCniConfJson());
    mkdirSync(n.hostPath("/etc/NetworkManager/conf.d"), { recursive: true });
    writeFileSync(n.hostPath("/etc/NetworkManager/conf.d/podnet.conf"), nmConf);
  }

  async function heal(nodes: readonly TestNode[] = cluster.nodes): Promise<void> {
    await Promise.all(
      nodes.map(async (n) => {
        placeFiles(n);
        const peers = cluster.nodes.filter((p) => p !== n).map(subnetOf);
        const r = await n.script(networkScript(n, subnetOf(n), peers));
        assert.equal(r.code, 0, r.stderr);
      }),
    );
  }

  async function podnetDoctor(file = specFile, extra: readonly string[] = []): Promise<{ code: number; report: Report; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const started = performance.now();
    const code = await run(
      [
        "doctor",
        file,
        "--json",
        "--ssh-command",
        `ip netns exec ${cluster.client.netns} ssh -F none`,
        "--ssh-option",
        "StrictHostKeyChecking=no",
        "--ssh-option",
        "UserKnownHostsFile=/dev/null",
        "--ssh-option",
        "GlobalKnownHostsFile=/dev/null",
        "--ssh-option",
        "LogLevel=ERROR",
        "--timeout",
        "30",
        ...extra,
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    timings.push(performance.now() - started);
    return { code, report: JSON.parse(out.join("\n")) as Report, err: err.join("\n") };
  }

  const codes = (r: Report) => r.nodes.flatMap((n) => n.findings.map((f) => `${f.node} ${f.code}`));

  before(async () => {
    cluster = await startTestNodes({ count: 3, prefix: "doctor", names: ["node0", "node1", "node2"] });
    dir = mkdtempSync(join(tmpdir(), "podnet-doctor-"));
    specFile = join(dir, "cluster.yaml");
    const spec = specFor(cluster);
    writeFileSync(specFile, stringify(spec));
    const planned = planDoctor(spec);
    assert.deepEqual(planned.errors, []);
    doctor = planned.value as DoctorPlan;
    registered = withCluster(doctor);
    nodesJson = join(dir, "nodes.json");
    writeFileSync(nodesJson, JSON.stringify(registeredAsPlanned(doctor), null, 2));
    // NodeNetworkPrep's own NetworkManager file for flannel's devices.
    const prep = checkNodeNetworkPrep({
      plan: doctor.plan,
      options: { cniPlugins: false },
      hostRequirements: [
        flannelHostRequirements({ backend: { type: "vxlan" }, ipv4: true, ipv6: false, healthzPort: 0, enableNFTables: false }),
      ],
    });
    nmConf = prep.value?.commonUnits.find((u) => u.id === "prep/network-manager")?.files[0]?.content as string;
    assert.match(nmConf, /unmanaged-devices\+=interface-name:flannel\*/);
    await heal();
    // firewalld as NodeNetworkPrep's unit leaves it (daemon not running: the permanent configuration).
    await Promise.all(
      cluster.nodes.map(async (n) => {
        const fw = expectedOf(n).firewalld;
        assert.ok(fw);
        const cmds = firewalldCommands({ ...fw, masquerade: false }).map((args) => `firewall-offline-cmd ${args.join(" ")} >/dev/null`);
        const r = await n.script(`set -euo pipefail\n${cmds.join("\n")}\n`);
        assert.equal(r.code, 0, r.stderr);
      }),
    );
  });

  after(async () => {
    if (timings.length > 0) {
      const sorted = [...timings].sort((a, b) => a - b);
      console.log(
        `doctor on 3 nodes: ${timings.length} runs, median ${Math.round(sorted[Math.floor(sorted.length / 2)] as number)} ms, max ${Math.round(sorted.at(-1) as number)} ms`,
      );
    }
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("healthy nodes: exit 0, no findings, nothing unchecked", async () => {
    const r = await podnetDoctor();
    assert.deepEqual(codes(r.report), [], JSON.stringify(r.report.nodes, null, 1));
    assert.deepEqual(
      r.report.nodes.map((n) => [n.node, n.status, n.unchecked]),
      cluster.nodes.map((n) => [n.name, "healthy", []]),
      r.err,
    );
    assert.equal(r.code, 0);
  });

  test("the collection is read-only: no file and no network state changes on the nodes", async () => {
    const state = async (n: TestNode) => {
      const r = await n.exec(
        "ip -d -j link show; ip -j addr show; ip -j route show table all; ip -6 -j route show table all; iptables-save | grep -v '^#'; sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables",
      );
      // Counters and IPv6 duplicate address detection ("tentative" on a fresh link-local address)
      // change with time, not with what doctor does.
      return r.stdout.replace(/\[\d+:\d+\]/g, "").replace(/"tentative":true,/g, "");
    };
    const before = await Promise.all(cluster.nodes.map(async (n) => ({ files: await n.snapshot(), net: await state(n) })));
    const r = await podnetDoctor();
    assert.equal(r.code, 0, r.err);
    for (const [i, n] of cluster.nodes.entries()) {
      const b = before[i] as { files: Awaited<ReturnType<TestNode["snapshot"]>>; net: string };
      assert.deepEqual(diffSnapshots(b.files, await n.snapshot()), [], n.name);
      assert.equal(await state(n), b.net, n.name);
    }
  });

  test("the installed CLI binary gives the same exit code (and readable output)", () => {
    const p = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(repoRoot, "packages/cli/src/main.ts"),
        "doctor",
        specFile,
        "--ssh-command",
        `ip netns exec ${cluster.client.netns} ssh -F none`,
        "--ssh-option",
        "StrictHostKeyChecking=no",
        "--ssh-option",
        "UserKnownHostsFile=/dev/null",
        "--ssh-option",
        "LogLevel=ERROR",
      ],
      { cwd: repoRoot, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(p.status, 0, p.stdout + p.stderr);
    assert.match(p.stdout, /^node0 \(10\.213\.\d+\.11\): healthy \(/m);
    assert.match(p.stdout, /summary: 3 nodes: 3 healthy, 0 with findings/);
  });

  test("the verify step's self-check passes on every healthy node", async () => {
    for (const n of cluster.nodes) {
      const r = await n.script(renderDoctorCheckScript(expectedOf(n)));
      assert.equal(r.code, 0, `${n.name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /healthy \(\d+ checks\)/);
    }
  });

  /** One fault each: break it, expect exactly that finding (and the self-check's code), heal. */
  const faults: Array<{
    name: string;
    node: number;
    finding: string;
    /** The verify script reports it too (all but the NAT probes). */
    selfCheck?: string;
    /** The verify script rendered from the plan alone (subnets only predicted) cannot tell this fault. */
    needsCluster?: boolean;
    break: (n: TestNode) => Promise<void>;
    also?: (r: Report) => void;
  }> = [
    {
      name: "stale lease: flanneld holds another subnet than planned (seed 004)",
      node: 1,
      finding: "subnet.stale",
      selfCheck: "subnet.stale",
      needsCluster: true,
      async break(n) {
        // What flannel does with an old lease: the node takes 10.244.36.0/24 and the others route to it.
        const stale = "10.244.36.0/24";
        const others = cluster.nodes.filter((p) => p !== n);
        const r = await n.script(networkScript(n, stale, others.map(subnetOf)));
        assert.equal(r.code, 0, r.stderr);
        for (const o of others) {
          const peers = cluster.nodes.filter((p) => p !== o).map((p) => (p === n ? stale : subnetOf(p)));
          const x = await o.script(networkScript(o, subnetOf(o), peers));
          assert.equal(x.code, 0, x.stderr);
        }
      },
      also(r) {
        const f = r.nodes[1]?.findings[0];
        assert.match(f?.found ?? "", /FLANNEL_SUBNET=10\.244\.36\.1\/24/);
        assert.match(f?.expected ?? "", /10\.244\.1\.0\/24/);
      },
    },
    {
      name: "a route to another node's subnet is missing",
      node: 0,
      finding: "route.missing",
      selfCheck: "route.missing",
      async break(n) {
        await n.exec(`ip route del ${subnetOf(cluster.nodes[2] as TestNode)}`, { check: true });
      },
      also(r) {
        assert.match(r.nodes[0]?.findings[0]?.expected ?? "", /10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink/);
      },
    },
    {
      name: "flannel.1 has the wrong MTU",
      node: 2,
      finding: "overlay.mtu",
      selfCheck: "overlay.mtu",
      async break(n) {
        await n.exec("ip link set flannel.1 mtu 1400", { check: true });
      },
    },
    {
      name: "Docker's broad MASQUERADE rule next to flannel's hides pod source addresses",
      node: 1,
      finding: "masquerade.pod-to-pod",
      async break(n) {
        await n.exec(`iptables -t nat -A POSTROUTING -s ${subnetOf(n)} ! -o docker0 -j MASQUERADE`, { check: true });
      },
      also(r) {
        const f = r.nodes[1]?.findings[0];
        assert.match(f?.found ?? "", /-A POSTROUTING -s 10\.244\.1\.0\/24 ! -o docker0 -j MASQUERADE/);
        assert.match(f?.fix ?? "", /-s 10\.244\.1\.0\/24 ! -d 10\.244\.0\.0\/16 ! -o docker0 -j MASQUERADE/);
        assert.match(f?.fix ?? "", /--ip-masq=false/);
      },
    },
    {
      name: "IPv4 forwarding is off",
      node: 0,
      finding: "sysctl.value",
      selfCheck: "sysctl.value",
      async break(n) {
        await n.exec("sysctl -qw net.ipv4.ip_forward=0", { check: true });
      },
      also(r) {
        assert.match(r.nodes[0]?.findings[0]?.expected ?? "", /^net\.ipv4\.ip_forward = 1/);
      },
    },
    {
      name: "br_netfilter's bridge-nf-call-iptables is off",
      node: 1,
      finding: "sysctl.value",
      selfCheck: "sysctl.value",
      async break(n) {
        await n.exec("sysctl -qw net.bridge.bridge-nf-call-iptables=0", { check: true });
      },
      also(r) {
        assert.match(r.nodes[1]?.findings[0]?.expected ?? "", /^net\.bridge\.bridge-nf-call-iptables = 1/);
      },
    },
    {
      name: "NetworkManager manages flannel's devices (its conf.d file is gone)",
      node: 2,
      finding: "network-manager.manages",
      selfCheck: "network-manager.manages",
      async break(n) {
        rmSync(n.hostPath("/etc/NetworkManager/conf.d/podnet.conf"));
      },
    },
    {
      name: "another CNI config sorts before flannel's",
      node: 0,
      finding: "cni.shadowed",
      selfCheck: "cni.shadowed",
      async break(n) {
        writeFileSync(
          n.hostPath("/etc/cni/net.d/05-containerd-net.conflist"),
          '{"cniVersion":"1.0.0","name":"containerd-net","plugins":[{"type":"bridge"}]}',
        );
      },
    },
    {
      name: "the CNI conflist is missing",
      node: 1,
      finding: "cni.missing",
      selfCheck: "cni.missing",
      async break(n) {
        rmSync(n.hostPath("/etc/cni/net.d/10-flannel.conflist"));
      },
    },
    {
      name: "the VXLAN port is closed in firewalld",
      node: 2,
      finding: "firewalld.port-closed",
      selfCheck: "firewalld.port-closed",
      async break(n) {
        await n.exec("firewall-offline-cmd --zone=public --remove-port=8472/udp >/dev/null", { check: true });
      },
      also(r) {
        assert.match(r.nodes[2]?.findings[0]?.expected ?? "", /^8472\/udp open in firewalld zone public \(flannel: flannel vxlan overlay/);
      },
    },
  ];

  for (const f of faults) {
    test(`finds exactly one fault: ${f.name}`, async () => {
      const n = cluster.nodes[f.node] as TestNode;
      await f.break(n);
      try {
        const r = await podnetDoctor(specFile, ["--nodes-json", nodesJson]);
        assert.deepEqual(
          codes(r.report),
          [`${n.name} ${f.finding}`],
          JSON.stringify(
            r.report.nodes.map((x) => x.findings),
            null,
            1,
          ),
        );
        assert.deepEqual(
          r.report.nodes.flatMap((x) => x.unchecked),
          [],
        );
        assert.equal(r.code, 1);
        f.also?.(r.report);
        // Rendered from the cluster's assignment, and from the plan alone (what the Pulumi verify step has).
        const views = f.needsCluster ? [registered] : [registered, doctor];
        for (const view of f.selfCheck ? views : []) {
          const s = await n.script(renderDoctorCheckScript(expectedOf(n, view)));
          assert.equal(s.code, 1, s.stdout + s.stderr);
          const lines = s.stdout.split("\n").filter((l) => /^podnet-doctor: [a-z-]+\.[a-z-]+:/.test(l));
          assert.deepEqual(
            lines.map((l) => l.split(":")[1]?.trim()),
            [f.selfCheck],
            s.stdout,
          );
        }
        if (f.needsCluster) {
          const s = await n.script(renderDoctorCheckScript(expectedOf(n)));
          assert.equal(s.code, 0, s.stdout + s.stderr);
        }
      } finally {
        if (f.finding === "firewalld.port-closed")
          await n.exec("firewall-offline-cmd --zone=public --add-port=8472/udp >/dev/null", { check: true });
        await heal();
      }
    });
  }

  test("registered in another order than the spec: no findings, with or without the Node objects", async () => {
    // node2 joined first, node0 last: kube-controller-manager handed out the subnets in that order.
    const [a, b, c] = cluster.nodes.map(subnetOf) as [string, string, string];
    assigned = { node0: c, node1: b, node2: a };
    try {
      await heal();
      const plain = await podnetDoctor();
      assert.deepEqual(codes(plain.report), [], JSON.stringify(plain.report.nodes, null, 1));
      assert.equal(plain.code, 0, plain.err);
      const info = (r: Report) => r.nodes.flatMap((n) => n.info.map((i) => `${n.node} ${i.code}`));
      assert.deepEqual(info(plain.report), ["node0 subnet.assigned-differs", "node2 subnet.assigned-differs"]);
      const file = join(dir, "nodes-registered.json");
      writeFileSync(
        file,
        JSON.stringify(
          nodeListJson(cluster.nodes.map((n) => ({ name: n.name, podCidrs: [subnetOf(n)], internalIps: [n.address] })).reverse()),
        ),
      );
      const withNodes = await podnetDoctor(specFile, ["--nodes-json", file]);
      assert.deepEqual(codes(withNodes.report), []);
      assert.equal(withNodes.code, 0, withNodes.err);
      assert.deepEqual(info(withNodes.report), ["node0 subnet.assigned-differs", "node2 subnet.assigned-differs"]);
      const one = await podnetDoctor(specFile, ["--nodes-json", file, "--node", "node0"]);
      assert.deepEqual(codes(one.report), []);
      assert.equal(one.code, 0, one.err);
      // The verify step, rendered from the plan alone, passes too.
      for (const n of cluster.nodes) {
        const r = await n.script(renderDoctorCheckScript(expectedOf(n)));
        assert.equal(r.code, 0, `${n.name}: ${r.stdout}${r.stderr}`);
      }
      // ... and still sees a missing route by counting them.
      await (cluster.nodes[0] as TestNode).exec(`ip route del ${a}`, { check: true });
      const s = await (cluster.nodes[0] as TestNode).script(renderDoctorCheckScript(expectedOf(cluster.nodes[0] as TestNode)));
      assert.equal(s.code, 1, s.stdout);
      assert.match(
        s.stdout,
        /^podnet-doctor: route\.missing: 2 route\(s\) of \/24 subnets dev flannel\.1 \(node "node1", "node2"\); found 1$/m,
      );
    } finally {
      assigned = {};
      await heal();
    }
  });

  test("--node checks only the nodes named", async () => {
    await (cluster.nodes[2] as TestNode).exec("ip link set flannel.1 mtu 1400", { check: true });
    try {
      const r = await podnetDoctor(specFile, ["--node", "node0", "--node", "node1"]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(
        r.report.nodes.map((n) => n.node),
        ["node0", "node1"],
      );
    } finally {
      await heal();
    }
  });

  test("an unreachable node is named and exits 2", async () => {
    const file = join(dir, "unreachable.yaml");
    // Nothing listens on port 2 of node2: ssh is refused at once.
    writeFileSync(file, stringify(specFor(cluster, { node2: { port: 2 } })));
    const r = await podnetDoctor(file);
    assert.equal(r.code, 2);
    const n2 = r.report.nodes.find((n) => n.node === "node2");
    assert.equal(n2?.status, "unreachable");
    assert.match(n2?.error ?? "", /^ssh: .*(refused|port 2)/);
    assert.deepEqual(
      r.report.nodes.filter((n) => n.node !== "node2").map((n) => n.status),
      ["healthy", "healthy"],
    );
  });
});
