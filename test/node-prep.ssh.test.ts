/**
 * NodeNetworkPrep on real SSH test nodes (test/harness): the rendered
 * install.sh / uninstall.sh are sent exactly as the Pulumi NodeRunner sends
 * them (`bash -s`, script on stdin) over real ssh to sshd in private network,
 * mount and PID namespaces.
 *
 * - install: files land with the right modes, sysctls are in effect in the
 *   node's network namespace (and not on the host), firewalld zones hold
 *   exactly the expected openings and pass `--check-config`, the CNI plugins
 *   come from a local HTTP server and are verified by sha256;
 * - a second install changes nothing (file-tree snapshot) and says so;
 * - a changed spec converges (dropping firewalld removes exactly its openings);
 * - uninstall returns the node's file tree to its baseline;
 * - a sha256 mismatch stops before an existing binary is replaced, and the
 *   replaced original comes back on uninstall.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type HostRequirements,
  type NodeNetworkPrepOptions,
  type NodeState,
  planNodeNetworkPrep,
  planPodCidrs,
  renderNodeScripts,
} from "@podnet/core";
import { nodeScriptCommand } from "@podnet/core/internal";
import { startHttpServer, type TestHttpServer } from "./harness/http.js";
import { diffSnapshots, nodeHarnessSkip, type Snapshot, startTestNodes, type TestCluster, type TestNode } from "./harness/nodes.js";
import { needs } from "./support/real.js";

const skip =
  nodeHarnessSkip() ||
  needs("tar", "firewall-offline-cmd", {
    ok: ["bridge", "host-local", "portmap", "loopback"].every((p) => pathExists(`/usr/lib/cni/${p}`)),
    what: "the Debian CNI plugins in /usr/lib/cni",
  });
const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
const PLUGINS = ["bridge", "host-local", "portmap", "loopback"];
const SECRET = "s3cr3t-token-never-printed";

function pathExists(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}

const plan = planPodCidrs({
  cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
  nodes: [
    { name: "cp1", roles: ["control-plane", "etcd"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:1::31/64"] }] },
    { name: "w1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:1::32/64"] }] },
  ],
}).value;
const flannel: HostRequirements = {
  component: "flannel",
  firewall: [{ protocol: "udp", port: 8472, purpose: "vxlan overlay" }],
  unmanagedDevices: ["flannel*", "cni0"],
  trustedInterfaces: ["flannel.+", "cni0"],
  kernelModules: ["vxlan"],
};

describe("NodeNetworkPrep over real SSH", { skip, concurrency: false }, () => {
  let cluster: TestCluster;
  let http: TestHttpServer;
  let scratch: string;
  let tarballSha: string;
  const baseline = new Map<string, Snapshot>();
  const suiteStart = performance.now();

  /** The prep units for a node, plus (on cp1) a unit with a secret file. */
  const stateFor = (node: string, options: NodeNetworkPrepOptions = {}): NodeState => {
    const r = planNodeNetworkPrep({
      plan,
      hostRequirements: [flannel],
      scope: "prep",
      options: { firewall: "firewalld", cniPlugins: { baseUrl: http.url, sha256: { amd64: tarballSha } }, ...options },
    });
    const state = r.value.nodes.find((n) => n.node === node)?.state as NodeState;
    if (node !== "cp1") return state;
    return {
      ...state,
      units: [
        ...state.units,
        {
          id: "test/secret",
          description: "a secret file",
          files: [{ path: "/etc/podnet-test/token", content: SECRET, mode: "0600", secret: true }],
          commands: [],
        },
      ],
    };
  };
  const nodeOf = (name: string) => cluster.nodes.find((n) => n.name === name) as TestNode;
  /** Runs a script the way NodeRunner does: `bash -s` with the script on stdin. */
  const runScript = (node: TestNode, script: string) => node.exec(nodeScriptCommand(), { input: script, timeoutMs: 120_000 });
  const sh = async (node: TestNode, command: string) => {
    const r = await node.exec(command);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), `podnet-prep-ssh-${process.pid}-`));
    const served = join(scratch, "www", "v1.7.1");
    mkdirSync(served, { recursive: true });
    const tarball = join(served, "cni-plugins-linux-amd64-v1.7.1.tgz");
    // Same layout as the upstream release archive: ./bridge, ./host-local, ...
    execFileSync("tar", ["-czf", tarball, "-C", "/usr/lib/cni", ...PLUGINS.map((p) => `./${p}`)]);
    tarballSha = sha256(readFileSync(tarball));
    cluster = await startTestNodes({ count: 2, prefix: "nodeprep", names: ["cp1", "w1"] });
    http = await startHttpServer({ netns: cluster.client.netns, address: cluster.client.address, dir: join(scratch, "www") });
    for (const n of cluster.nodes) baseline.set(n.name, await n.snapshot());
  });
  after(async () => {
    await http?.stop();
    await cluster?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.stderr.write(`node suite (start, tests, stop): ${((performance.now() - suiteStart) / 1000).toFixed(1)} s\n`);
  });

  test("install: files, modes, sysctls in the node's namespace, firewalld zones, CNI plugins", async (t) => {
    t.diagnostic(`2 test nodes started in ${cluster.timings.startMs.toFixed(0)} ms`);
    const hostForward = execFileSync("sysctl", ["-n", "net.ipv4.ip_forward"], { encoding: "utf8" });
    const results = await Promise.all(["cp1", "w1"].map((name) => runScript(nodeOf(name), renderNodeScripts(stateFor(name)).install)));
    for (const [i, r] of results.entries()) {
      t.diagnostic(`${["cp1", "w1"][i]}: first install ${r.durationMs.toFixed(0)} ms`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /install: done \(\d+ changes, \d+ units\)/);
      assert.ok(!(r.stdout + r.stderr).includes(SECRET), "the secret is never printed");
    }
    const cp1 = nodeOf("cp1");
    const w1 = nodeOf("w1");
    assert.equal(
      await sh(
        cp1,
        "stat -c '%n %a %U:%G' /etc/modules-load.d/podnet.conf /etc/sysctl.d/podnet.conf /etc/NetworkManager/conf.d/podnet.conf /etc/podnet-test/token /opt/cni/bin/bridge /opt/cni/bin/loopback",
      ),
      [
        "/etc/modules-load.d/podnet.conf 644 root:root",
        "/etc/sysctl.d/podnet.conf 644 root:root",
        "/etc/NetworkManager/conf.d/podnet.conf 644 root:root",
        "/etc/podnet-test/token 600 root:root",
        "/opt/cni/bin/bridge 755 root:root",
        "/opt/cni/bin/loopback 755 root:root",
        "",
      ].join("\n"),
    );
    assert.equal(readFileSync(cp1.hostPath("/etc/podnet-test/token"), "utf8"), SECRET);
    // sysctls: in effect inside the node's network namespace, seen over ssh and from the host with ip netns exec.
    const keys = [
      "net.ipv4.ip_forward",
      "net.ipv6.conf.all.forwarding",
      "net.bridge.bridge-nf-call-iptables",
      "net.bridge.bridge-nf-call-ip6tables",
    ];
    assert.equal(await sh(w1, `sysctl -n ${keys.join(" ")}`), "1\n1\n1\n1\n");
    assert.equal(execFileSync("ip", ["netns", "exec", w1.netns, "sysctl", "-n", "net.ipv4.ip_forward"], { encoding: "utf8" }), "1\n");
    assert.equal(
      execFileSync("sysctl", ["-n", "net.ipv4.ip_forward"], { encoding: "utf8" }),
      hostForward,
      "the host's own value is untouched",
    );
    // firewalld: exactly the expected openings per role, accepted by firewalld's own check.
    const ports = (node: TestNode) =>
      [
        ...readFileSync(node.hostPath("/etc/firewalld/zones/public.xml"), "utf8").matchAll(/<port port="([^"]+)" protocol="([^"]+)"\/>/g),
      ].map((m) => `${m[1]}/${m[2]}`);
    assert.deepEqual(ports(cp1), ["2379-2380/tcp", "6443/tcp", "10250/tcp", "8472/udp"]);
    assert.deepEqual(ports(w1), ["10250/tcp", "8472/udp"]);
    const head = readFileSync("/usr/lib/firewalld/zones/trusted.xml", "utf8").match(
      /<zone[^>]*>\n {2}<short>.*<\/short>\n {2}<description>.*<\/description>\n/,
    )?.[0];
    assert.equal(
      readFileSync(w1.hostPath("/etc/firewalld/zones/trusted.xml"), "utf8"),
      `<?xml version="1.0" encoding="utf-8"?>\n${head}  <interface name="cni0"/>
  <interface name="flannel.+"/>
  <source address="10.244.0.0/16"/>
  <source address="fd00:10:244::/56"/>
  <source address="10.96.0.0/12"/>
  <source address="fd00:10:96::/112"/>
  <forward/>
</zone>
`,
    );
    for (const node of [cp1, w1]) await sh(node, "firewall-offline-cmd --check-config");
    // CNI plugins: the served archive's binaries, verified, and they run.
    for (const p of PLUGINS)
      assert.equal(sha256(readFileSync(w1.hostPath(`/opt/cni/bin/${p}`))), sha256(readFileSync(`/usr/lib/cni/${p}`)), p);
    assert.match(await sh(w1, "CNI_COMMAND=VERSION /opt/cni/bin/bridge </dev/null"), /"supportedVersions"/);
    assert.deepEqual(
      http.requests.map((q) => `${q.method} ${q.path} ${q.status}`),
      ["GET /v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz 200", "GET /v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz 200"],
    );
  });

  test("a second install changes nothing and says so", async () => {
    for (const name of ["cp1", "w1"]) {
      const node = nodeOf(name);
      const state = stateFor(name);
      const before = await node.snapshot();
      const r = await runScript(node, renderNodeScripts(state).install);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split("\n"), [
        ...state.units.map((u) => `podnet[${name}]: ${u.id}: unchanged`),
        `podnet[${name}]: install: nothing changed (${state.units.length} units unchanged)`,
      ]);
      assert.deepEqual(diffSnapshots(before, await node.snapshot()), []);
    }
    assert.equal(http.requests.length, 2, "nothing was downloaded again");
  });

  test("a changed spec converges: an extra port updates firewalld; firewall none removes exactly podnet's openings", async () => {
    const w1 = nodeOf("w1");
    const up = await runScript(
      w1,
      renderNodeScripts(stateFor("w1", { extraPorts: [{ port: 30000, portEnd: 32767, purpose: "NodePorts" }] })).install,
    );
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.match(
      up.stdout,
      /prep\/firewalld: update: open firewalld ports and trust pod traffic\n.*--add-port=30000-32767\/tcp\n.*prep\/firewalld: updated\n/,
    );
    assert.match(up.stdout, /prep\/sysctl: unchanged/);
    assert.match(await sh(w1, "firewall-offline-cmd --zone=public --list-ports"), /^10250\/tcp 30000-32767\/tcp 8472\/udp\n$/);
    const r = await runScript(w1, renderNodeScripts(stateFor("w1", { firewall: "none" })).install);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /unit prep\.firewalld is no longer part of this node's state; removing it/);
    assert.match(r.stdout, /firewalld zone public is as before; removed its file/);
    assert.equal(await sh(w1, "ls -A /etc/firewalld/zones"), "");
    assert.equal(await sh(w1, "sysctl -n net.ipv4.ip_forward"), "1\n", "the other units stay");
  });

  test("uninstall returns each node's file tree to its baseline and restores the sysctls", async () => {
    await Promise.all(
      cluster.nodes.map(async (node) => {
        const r = await runScript(node, renderNodeScripts(stateFor(node.name)).uninstall);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /uninstall: done \(\d+ units removed\)/);
        assert.deepEqual(diffSnapshots(baseline.get(node.name) as Snapshot, await node.snapshot()), []);
        assert.equal(await sh(node, "sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding"), "0\n0\n");
        const again = await runScript(node, renderNodeScripts(stateFor(node.name)).uninstall);
        assert.match(again.stdout, /uninstall: nothing to remove/);
      }),
    );
  });

  test("swapOff comments out fstab swap entries and puts them back (swapon/swapoff stubbed inside the node)", async () => {
    const cp1 = nodeOf("cp1");
    // Stubs in the node's private /usr/local/sbin: the real swapoff would act on the shared kernel.
    const stub = (name: string) =>
      cp1.exec(`cat >/usr/local/sbin/${name} && chmod 0755 /usr/local/sbin/${name}`, {
        input: `#!/bin/sh\necho "${name} $*" >>/var/tmp/swap-calls\n${name === "swapon" ? 'if [ "$1" = --show ]; then echo "/swapfile file 1G 0B -2"; fi\n' : ""}`,
        check: true,
      });
    await stub("swapon");
    await stub("swapoff");
    assert.equal(await sh(cp1, "command -v swapoff swapon"), "/usr/local/sbin/swapoff\n/usr/local/sbin/swapon\n");
    const fstab = "UUID=1234 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n";
    await cp1.exec("cat >/etc/fstab", { input: fstab, check: true });
    const before = await cp1.snapshot();
    const state = stateFor("cp1", { swapOff: true, firewall: "none", cniPlugins: false });
    const r = await runScript(cp1, renderNodeScripts(state).install);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      readFileSync(cp1.hostPath("/etc/fstab"), "utf8"),
      "UUID=1234 / ext4 defaults 0 1\n# podnet swap-off: /swapfile none swap sw 0 0\n# /old none swap sw 0 0\n",
    );
    assert.equal(await sh(cp1, "cat /var/tmp/swap-calls"), "swapon --show --noheadings\nswapoff -a\n");
    const un = await runScript(cp1, renderNodeScripts(state).uninstall);
    assert.equal(un.code, 0, un.stdout + un.stderr);
    assert.equal(await sh(cp1, "cat /var/tmp/swap-calls"), "swapon --show --noheadings\nswapoff -a\nswapon -a\n");
    await cp1.exec("rm /var/tmp/swap-calls", { check: true });
    assert.deepEqual(diffSnapshots(before, await cp1.snapshot()), []);
  });

  test("a sha256 mismatch stops before the existing binary is replaced; uninstall restores the original", async () => {
    const w1 = nodeOf("w1");
    const original = "#!/bin/sh\necho original bridge\n";
    await w1.exec("mkdir -p /opt/cni/bin && cat >/opt/cni/bin/bridge && chmod 0755 /opt/cni/bin/bridge", { input: original, check: true });
    const withOriginal = await w1.snapshot();
    const wrong = sha256("not the archive");
    const bad = await runScript(
      w1,
      renderNodeScripts(stateFor("w1", { cniPlugins: { baseUrl: http.url, sha256: { amd64: wrong } } })).install,
    );
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      new RegExp(
        `sha256 of ${http.url}/v1\\.7\\.1/cni-plugins-linux-amd64-v1\\.7\\.1\\.tgz is ${tarballSha} but ${wrong} was expected; the download was discarded and nothing was replaced`,
      ),
    );
    assert.match(bad.stderr, /FAILED \(exit 1\) in unit prep\/cni-plugins/);
    assert.equal(readFileSync(w1.hostPath("/opt/cni/bin/bridge"), "utf8"), original);
    assert.equal(await sh(w1, "ls -A /opt/cni/bin"), "bridge\n", "no other plugin was installed either");
    // The right checksum replaces it; uninstall puts the original back.
    const good = await runScript(w1, renderNodeScripts(stateFor("w1")).install);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /saved the existing \/opt\/cni\/bin\/bridge for uninstall/);
    assert.equal(sha256(readFileSync(w1.hostPath("/opt/cni/bin/bridge"))), sha256(readFileSync("/usr/lib/cni/bridge")));
    const un = await runScript(w1, renderNodeScripts(stateFor("w1")).uninstall);
    assert.equal(un.code, 0, un.stdout + un.stderr);
    assert.match(un.stdout, /restored the original \/opt\/cni\/bin\/bridge/);
    assert.deepEqual(diffSnapshots(withOriginal, await w1.snapshot()), []);
  });
});
