/**
 * NodeNetworkPrep and the node layer on real SSH test nodes
 * (test/harness) with the scripts sent as the Pulumi NodeRunner sends them,
 * and firewalld's zone XML from the real firewall-offline-cmd:
 *
 * - a sysctl key that does not exist in the node (an interface that is not
 *   there yet) survives install, uninstall, install, uninstall; a `key=` line
 *   left by an older podnet no longer blocks uninstall;
 * - `networkManager: auto` writes nothing on a node without NetworkManager,
 *   and says so;
 * - uninstall reloads NetworkManager after the original conf.d file is back;
 * - a failing NetworkManager reload or `swapon -a` on uninstall warns and goes on;
 * - a top-level file with a backup is restored;
 * - a pruned unit's stored delete commands never replace those of the unit
 *   that now has its place in the script;
 * - firewalld masquerade follows flannel's ipMasq.
 *
 * Run: node --import tsx --test test/node-prep-units.test.ts (as root)
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  type NodeNetworkPrepOptions,
  type NodeState,
  type NodeUnit,
  planNodeNetworkPrep,
  planPodCidrs,
  renderFlannelNetwork,
  renderNodeScripts,
} from "@podnet/core";
import { firewalldCommands, nodeScriptCommand } from "@podnet/core/internal";
import { diffSnapshots, nodeHarnessSkip, startTestNodes, type TestCluster, type TestNode } from "./harness/nodes.js";
import { needs } from "./support/real.js";

const exec = promisify(execFile);
const SCOPE = "units";
const STATE = `/var/lib/podnet/${SCOPE}`;

const plan = planPodCidrs({
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    { name: "cp1", roles: ["control-plane"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "w1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
  ],
}).value;
const flannel = (ipMasq?: boolean) => renderFlannelNetwork(ipMasq === undefined ? {} : { ipMasq }, plan).value.hostRequirements;

/** The prep units of node w1 (no firewall, no CNI download): modules, sysctl, NetworkManager, … */
function prepState(options: NodeNetworkPrepOptions = {}): NodeState {
  const r = planNodeNetworkPrep({
    plan,
    hostRequirements: [flannel()],
    scope: SCOPE,
    options: { cniPlugins: false, ...options },
  });
  return r.value.nodes[1]?.state as NodeState;
}

describe("node-prep install and uninstall on real SSH nodes", { skip: nodeHarnessSkip(), concurrency: false }, () => {
  let cluster: TestCluster;
  const node = (name: string) => cluster.nodes.find((n) => n.name === name) as TestNode;
  const run = (n: TestNode, script: string) => n.exec(nodeScriptCommand(), { input: script, timeoutMs: 120_000 });
  const ok = async (n: TestNode, script: string) => {
    const r = await run(n, script);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}${r.stderr}`);
    return r;
  };
  const sh = async (n: TestNode, command: string, input?: string) => {
    const r = await n.exec(command, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return r.stdout;
  };
  /** An executable stub at PATH inside the node (its overlay; the host is untouched). */
  const stub = (n: TestNode, path: string, body: string) => sh(n, `cat >${path} && chmod 0755 ${path}`, `#!/bin/sh\n${body}`);

  before(async () => {
    cluster = await startTestNodes({ count: 3, prefix: "prepfix", names: ["nm", "nonm", "misc"] });
  });
  after(async () => {
    await cluster?.stop();
  });

  test("a sysctl key that does not exist in the node: install, uninstall, install, uninstall, back to the baseline", async () => {
    const n = node("misc");
    const key = "net.ipv4.conf.podnet9.rp_filter";
    assert.notEqual((await n.exec("ip link show podnet9")).code, 0, "no interface podnet9 in the node");
    const state = prepState({ sysctl: { [key]: 2 }, networkManager: false });
    const scripts = renderNodeScripts(state);
    const baseline = await n.snapshot();
    const forward = await sh(n, "sysctl -n net.ipv4.ip_forward");
    for (const round of [1, 2]) {
      const install = await ok(n, scripts.install);
      assert.match(
        install.stdout,
        /prep\/sysctl: net\.ipv4\.conf\.podnet9\.rp_filter does not exist yet \(no interface podnet9\); systemd-sysctl sets it from \/etc\/sysctl\.d\/podnet\.conf when the interface appears\n/,
        `round ${round}`,
      );
      assert.equal(await sh(n, "sysctl -n net.ipv4.ip_forward"), "1\n", "the other keys are applied");
      assert.doesNotMatch(readFileSync(n.hostPath(`${STATE}/units/prep.sysctl/sysctl.previous`), "utf8"), /podnet9/);
      const uninstall = await ok(n, scripts.uninstall);
      assert.match(
        uninstall.stdout,
        /prep\/sysctl: net\.ipv4\.conf\.podnet9\.rp_filter did not exist before install; nothing to restore\n/,
      );
      assert.match(uninstall.stdout, /uninstall: done \(\d+ units removed\)/);
      assert.equal(await sh(n, "sysctl -n net.ipv4.ip_forward"), forward, `round ${round}: the value from before install is back`);
      assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), [], `round ${round}`);
    }
  });

  test("a `key=` line recorded by an older podnet no longer blocks uninstall", async () => {
    const n = node("misc");
    const scripts = renderNodeScripts(prepState({ networkManager: false }));
    const baseline = await n.snapshot();
    const rpFilter = await sh(n, "sysctl -n net.ipv4.conf.lo.rp_filter");
    await ok(n, scripts.install);
    // As recorded when the key did not exist yet (e.g. nf_conntrack_max before its module was
    // loaded); the key exists now, so restoring the empty value fails with "Invalid argument".
    await sh(n, `printf 'net.ipv4.conf.lo.rp_filter=\\n' >>${STATE}/units/prep.sysctl/sysctl.previous`);
    const uninstall = await ok(n, scripts.uninstall);
    assert.match(uninstall.stdout, /net\.ipv4\.conf\.lo\.rp_filter had no value before install \(it did not exist\); nothing to restore/);
    assert.equal(await sh(n, "sysctl -n net.ipv4.conf.lo.rp_filter"), rpFilter);
    assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), []);
  });

  test("networkManager auto on a node without NetworkManager: nothing written, and the script says so", async () => {
    const n = node("nonm");
    await sh(n, "rm -f /usr/sbin/NetworkManager /usr/bin/nmcli && rm -rf /etc/NetworkManager");
    assert.notEqual((await n.exec("command -v NetworkManager || ls -d /etc/NetworkManager")).code, 0);
    const state = prepState();
    assert.ok(state.units.some((u) => u.id === "prep/network-manager"));
    const scripts = renderNodeScripts(state);
    const baseline = await n.snapshot();
    const install = await ok(n, scripts.install);
    assert.match(
      install.stdout,
      /prep\/network-manager: left out \/etc\/NetworkManager\/conf\.d\/podnet\.conf: NetworkManager is not installed on this node, nothing to configure \(prep\.networkManager: auto\)\n/,
    );
    assert.doesNotMatch(install.stdout, /NetworkManager (reloaded|is not running)/, "no reload either");
    assert.deepEqual(
      diffSnapshots(baseline, await n.snapshot()).filter((l) => l.includes("NetworkManager")),
      [],
      "no /etc/NetworkManager",
    );
    const again = await ok(n, scripts.install);
    assert.match(again.stdout, /install: nothing changed/);
    await ok(n, scripts.uninstall);
    assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), []);
  });

  test("uninstall reloads NetworkManager after the original conf.d file is restored", async () => {
    const n = node("nm");
    // nmcli stub: NetworkManager "runs"; a reload records the file NetworkManager would read at that moment.
    await stub(
      n,
      "/usr/local/bin/nmcli",
      `case "$*" in
  "-t -f RUNNING general") echo running ;;
  "general reload conf") { echo reload; cat /etc/NetworkManager/conf.d/podnet.conf 2>/dev/null || echo "(no file)"; } >>/var/tmp/nm-reloads ;;
  *) exit 2 ;;
esac
`,
    );
    await sh(n, "mkdir -p /etc/NetworkManager/conf.d && cat >/etc/NetworkManager/conf.d/podnet.conf", "# the site's own file\n");
    const scripts = renderNodeScripts(prepState({ networkManager: "auto" }));
    const baseline = await n.snapshot();
    const install = await ok(n, scripts.install);
    assert.match(install.stdout, /saved the existing \/etc\/NetworkManager\/conf\.d\/podnet\.conf for uninstall/);
    assert.match(install.stdout, /NetworkManager reloaded its configuration/);
    const uninstall = await ok(n, scripts.uninstall);
    const out = uninstall.stdout;
    assert.ok(
      out.indexOf("restored the original /etc/NetworkManager/conf.d/podnet.conf") <
        out.indexOf("NetworkManager reloaded its configuration"),
      out,
    );
    const reloads = readFileSync(n.hostPath("/var/tmp/nm-reloads"), "utf8").split("reload\n").slice(1);
    assert.equal(reloads.length, 2);
    assert.match(reloads[0] ?? "", /unmanaged-devices\+=interface-name:flannel\*;interface-name:cni0/, "install: podnet's file");
    assert.equal(reloads[1], "# the site's own file\n", "uninstall: the restored original, not a missing file");
    await sh(n, "rm /var/tmp/nm-reloads");
    assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), []);
  });

  test("a failing NetworkManager reload or swapon -a on uninstall warns and goes on", async () => {
    const n = node("nm");
    const running = 'case "$*" in\n  "-t -f RUNNING general") echo running ;;\n  *) exit 0 ;;\nesac\n';
    await stub(n, "/usr/local/bin/nmcli", running);
    await stub(
      n,
      "/usr/local/sbin/swapon",
      'if [ "$1" = --show ]; then echo "/swapfile file 1G 0B -2"; exit 0; fi\necho "swapon: $*: no service manager" >&2\nexit 1\n',
    );
    await stub(n, "/usr/local/sbin/swapoff", "exit 0\n");
    await sh(n, "cat >/etc/fstab", "/swapfile none swap sw 0 0\n");
    const scripts = renderNodeScripts(prepState({ swapOff: true }));
    const baseline = await n.snapshot();
    await ok(n, scripts.install);
    assert.equal(readFileSync(n.hostPath("/etc/fstab"), "utf8"), "# podnet swap-off: /swapfile none swap sw 0 0\n");
    // Now NetworkManager's reload fails too (and systemctl has no systemd to talk to in the node).
    await stub(n, "/usr/local/bin/nmcli", 'case "$*" in\n  "-t -f RUNNING general") echo running ;;\n  *) exit 1 ;;\nesac\n');
    const uninstall = await ok(n, scripts.uninstall);
    assert.match(
      uninstall.stderr,
      /podnet\[w1\]: warning: prep\/swap: restored the swap entries in \/etc\/fstab, but swapon -a failed; run it by hand\n/,
    );
    assert.match(
      uninstall.stderr,
      /podnet\[w1\]: warning: prep\/network-manager: reloading NetworkManager failed; run it by hand: nmcli general reload conf\n/,
    );
    assert.match(uninstall.stdout, /uninstall: done \(\d+ units removed\)/);
    assert.equal(readFileSync(n.hostPath("/etc/fstab"), "utf8"), "/swapfile none swap sw 0 0\n");
    await stub(n, "/usr/local/bin/nmcli", running);
    assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), []);
  });

  test("a top-level file with a backup is restored on uninstall", async () => {
    const n = node("misc");
    const path = `/podnet-units-${process.pid}`;
    await sh(n, `cat >${path}`, "the original\n");
    const state: NodeState = {
      node: "misc",
      scope: SCOPE,
      units: [
        { id: "test/top", description: "a file directly under /", files: [{ path, content: "podnet's\n", mode: "0644" }], commands: [] },
      ],
    };
    const scripts = renderNodeScripts(state);
    const baseline = await n.snapshot();
    const install = await ok(n, scripts.install);
    assert.match(install.stdout, new RegExp(`saved the existing ${path} for uninstall`));
    assert.equal(readFileSync(n.hostPath(path), "utf8"), "podnet's\n");
    const uninstall = await ok(n, scripts.uninstall);
    assert.match(uninstall.stdout, new RegExp(`restored the original ${path}\\n`));
    assert.equal(readFileSync(n.hostPath(path), "utf8"), "the original\n");
    assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), []);
    await sh(n, `rm ${path}`);
  });

  test("pruning a unit does not hand its delete commands to the unit that takes its place", async () => {
    const n = node("misc");
    const unit = (name: string): NodeUnit => ({
      id: `test/${name}`,
      description: `unit ${name}`,
      files: [],
      commands: [{ name: `mark ${name}`, create: `podnet_log "create of ${name}"`, delete: `podnet_log "delete of ${name}"` }],
    });
    const baseline = await n.snapshot();
    await ok(n, renderNodeScripts({ node: "misc", scope: SCOPE, units: [unit("x"), unit("y")] }).install);
    // test/y becomes unit 1 of the script, the place test/x had: x is pruned first.
    const second = renderNodeScripts({ node: "misc", scope: SCOPE, units: [unit("y")] });
    const install = await ok(n, second.install);
    assert.match(
      install.stdout,
      /unit test\.x is no longer part of this node's state; removing it\n(?:.*\n)*?podnet\[misc\]: delete of x\n/,
    );
    const uninstall = await ok(n, second.uninstall);
    assert.match(uninstall.stdout, /podnet\[misc\]: delete of y\n/);
    assert.doesNotMatch(uninstall.stdout, /delete of x/);
    assert.deepEqual(diffSnapshots(baseline, await n.snapshot()), []);
  });
});

describe("firewalld masquerade follows flannel's ipMasq (zone XML from firewall-offline-cmd)", {
  skip: needs("firewall-offline-cmd", { ok: process.getuid?.() === 0, what: "root" }),
}, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `podnet-prep-units-${process.pid}-`));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const shipped = readFileSync("/usr/lib/firewalld/zones/public.xml", "utf8");
  const head = shipped.match(/<zone[^>]*>\n {2}<short>.*<\/short>\n {2}<description>.*<\/description>\n/)?.[0];
  const publicXml = async (name: string, ipMasq: boolean | undefined) => {
    const fw = planNodeNetworkPrep({ plan, options: { firewall: "firewalld", cniPlugins: false }, hostRequirements: [flannel(ipMasq)] })
      .value.nodes[1]?.firewall;
    assert.ok(fw);
    const etc = join(dir, name);
    cpSync("/etc/firewalld", etc, { recursive: true });
    for (const args of firewalldCommands(fw)) await exec("firewall-offline-cmd", ["--system-config", etc, ...args]);
    await exec("firewall-offline-cmd", ["--system-config", etc, "--check-config"]);
    return readFileSync(join(etc, "zones/public.xml"), "utf8");
  };
  const expected = (masquerade: boolean) => `<?xml version="1.0" encoding="utf-8"?>\n${head}  <service name="ssh"/>
  <service name="dhcpv6-client"/>
  <port port="8081" protocol="tcp"/>
  <port port="10250" protocol="tcp"/>
  <port port="8472" protocol="udp"/>
${masquerade ? "  <masquerade/>\n" : ""}  <forward/>
</zone>
`;

  test("ipMasq (flannel's default): the node's zone masquerades", async () => {
    assert.equal(await publicXml("default", undefined), expected(true));
  });
  test("ipMasq false: no masquerade, pods keep their addresses", async () => {
    assert.equal(await publicXml("no-masq", false), expected(false));
  });
});
