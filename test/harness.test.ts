/**
 * The SSH test-node harness itself, against the real components: sshd, ssh/scp,
 * network/mount/PID namespaces, overlayfs. Run as root:
 *   node --import tsx --test test/harness.test.ts
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startHttpServer } from "./harness/http.js";
import {
  diffSnapshots,
  mountsUnder,
  netnsPids,
  nodeHarnessSkip,
  RunTimeoutError,
  reapStaleHarnesses,
  startTestNodes,
  type TestCluster,
} from "./harness/nodes.js";
import { isRunning, run, settlesWithin, sleep } from "./harness/proc.js";

const skip = nodeHarnessSkip();
const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

async function hostNetns(): Promise<string[]> {
  const r = await run("ip", ["netns", "list"]);
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter(Boolean);
}

/**
 * Poll until none of `pids` runs, bounded; returns the ones still there. With `zombiesCount`,
 * a zombie (exited, not yet reaped) also counts as still there.
 */
async function waitGone(pids: readonly number[], opts: { zombiesCount?: boolean; ms?: number } = {}): Promise<number[]> {
  const there = (pid: number) => (opts.zombiesCount ? existsSync(`/proc/${pid}`) : isRunning(pid));
  const until = performance.now() + (opts.ms ?? 3000);
  let left = pids.filter(there);
  while (left.length > 0 && performance.now() < until) {
    await sleep(20);
    left = left.filter(there);
  }
  return left;
}

describe("test nodes: sshd in private namespaces", { skip }, () => {
  let cluster: TestCluster;
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "podnet-harness-test-"));
    cluster = await startTestNodes({ count: 2, prefix: "harness" });
  });
  after(async () => {
    await cluster?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("each node answers hostname and id -u over ssh, on IPv4 and IPv6", async (t) => {
    t.diagnostic(`start of 2 nodes took ${cluster.timings.startMs.toFixed(0)} ms (subnet ${cluster.subnet})`);
    for (const node of cluster.nodes) {
      const r = await node.exec("hostname; id -u");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${node.name}\n0\n`);
      assert.notEqual(node.name, hostname(), "the node has its own UTS namespace");
      const r6 = await node.exec("hostname", { ipv6: true });
      assert.equal(r6.stdout, `${node.name}\n`, r6.stderr);
    }
    const [a, b] = cluster.nodes;
    assert.ok(a && b);
    assert.notEqual(a.address, b.address);
    // The login really went over ssh from the client namespace, as sshd logged it.
    assert.match(await a.sshdLog(), new RegExp(`Accepted publickey for root from ${cluster.client.address.replaceAll(".", "\\.")} `));
  });

  it("a file written on node A is invisible on node B and on the host, in every private directory", async () => {
    const [a, b] = cluster.nodes;
    assert.ok(a && b);
    const marker = randomBytes(8).toString("hex");
    const paths = [
      "/etc/podnet-test",
      `/opt/podnet-test-${marker}`,
      `/var/lib/podnet-test-${marker}`,
      `/usr/local/bin/podnet-test-${marker}`,
      `/usr/bin/podnet-test-${marker}`,
      `/run/podnet-test-${marker}`,
      `/tmp/podnet-test-${marker}`,
      `/var/tmp/podnet-test-${marker}`,
      `/root/podnet-test-${marker}`,
    ];
    for (const p of paths) assert.equal(existsSync(p), false, `${p} already exists on the host; the test could not tell`);

    await a.exec(`tee ${paths.join(" ")} > /dev/null`, { input: marker, check: true });

    const onA = await a.exec(`cat ${paths.join(" ")}`, { check: true });
    assert.equal(onA.stdout, marker.repeat(paths.length));
    for (const p of paths) {
      const onB = await b.exec(`test -e ${p}`);
      assert.equal(onB.code, 1, `${p} must not exist on node B`);
      assert.equal(existsSync(p), false, `${p} must not exist on the host`);
      assert.equal(await readFile(a.hostPath(p), "utf8"), marker, `hostPath(${p}) shows node A's file`);
      assert.equal(existsSync(b.hostPath(p)), false);
    }
  });

  it("sysctl -w net.* changes only the node's network namespace; other sysctls are read-only", async () => {
    const [a, b] = cluster.nodes;
    assert.ok(a && b);
    const hostBefore = (await readFile("/proc/sys/net/ipv4/ip_forward", "utf8")).trim();
    const target = hostBefore === "1" ? "0" : "1"; // the opposite of the host's, so a leak would show
    const bBefore = (await b.exec("cat /proc/sys/net/ipv4/ip_forward", { check: true })).stdout.trim();

    const w = await a.exec(`sysctl -w net.ipv4.ip_forward=${target}`, { check: true });
    assert.equal(w.stdout.trim(), `net.ipv4.ip_forward = ${target}`);
    assert.equal((await a.exec("sysctl -n net.ipv4.ip_forward")).stdout.trim(), target);
    assert.equal((await readFile("/proc/sys/net/ipv4/ip_forward", "utf8")).trim(), hostBefore, "host value unchanged");
    assert.equal((await b.exec("cat /proc/sys/net/ipv4/ip_forward")).stdout.trim(), bBefore, "node B unchanged");

    // A non-net key is the shared kernel's: writing it must fail (we write the current value, so even a leak is harmless).
    const swappiness = (await readFile("/proc/sys/vm/swappiness", "utf8")).trim();
    const vm = await a.exec(`sysctl -w vm.swappiness=${swappiness}`);
    assert.notEqual(vm.code, 0, "writing vm.swappiness inside a node must fail");
    assert.match(vm.stderr, /permission denied|read-only/i);
  });

  it("snapshot() ignores idle ssh sessions and detects an added file and mode changes", async () => {
    const [a] = cluster.nodes;
    assert.ok(a);
    const baseline = await a.snapshot();
    for (let i = 0; i < 3; i++) await a.exec("true", { check: true });
    await a.exec("ls -la /etc > /dev/null", { check: true });
    assert.deepEqual(diffSnapshots(baseline, await a.snapshot()), [], "ssh logins alone change nothing");

    const hostsMode = (await a.exec("stat -c %a /etc/hosts", { check: true })).stdout.trim();
    const newMode = hostsMode === "600" ? "0640" : "0600";
    await a.exec(`printf x > /etc/podnet-snap && chmod ${newMode} /etc/hosts && touch /tmp/podnet-snap && chmod 0700 /tmp/podnet-snap`, {
      check: true,
    });
    const changed = await a.snapshot();
    const hostsText = await readFile("/etc/hosts");
    assert.deepEqual(diffSnapshots(baseline, changed), [
      `+ /etc/hosts: file ${newMode} 0:0 ${hostsText.length} sha256:${sha256(hostsText)}`,
      `+ /etc/podnet-snap: file 0644 0:0 1 sha256:${sha256("x")}`,
      `+ /tmp/podnet-snap: file 0700 0:0 0 sha256:${sha256("")}`,
    ]);
    await a.exec("chmod 0644 /tmp/podnet-snap", { check: true });
    assert.deepEqual(diffSnapshots(changed, await a.snapshot()), [
      `~ /tmp/podnet-snap: file 0700 0:0 0 sha256:${sha256("")} => file 0644 0:0 0 sha256:${sha256("")}`,
    ]);

    // Undoing everything (the file is rewritten by copy-up, but its bytes and mode match the host again) is the baseline.
    await a.exec(`rm /etc/podnet-snap /tmp/podnet-snap && chmod ${hostsMode} /etc/hosts`, { check: true });
    assert.deepEqual(diffSnapshots(baseline, await a.snapshot()), []);

    // Deleting a host file is recorded as absent; scoped snapshots only see their paths.
    await a.exec("rm /etc/motd", { check: true });
    assert.deepEqual(await a.snapshot({ paths: ["/etc/motd", "/run/lock"] }), {
      "/etc/motd": "absent",
      "/run/lock": "dir 1777 0:0",
    });
  });

  it("copy() sends a file with scp (SFTP) byte for byte, keeping its mode", async () => {
    const [a] = cluster.nodes;
    assert.ok(a);
    const payload = randomBytes(100_000);
    const local = join(scratch, "payload.bin");
    await writeFile(local, payload, { mode: 0o755 });
    const remote = `/usr/local/bin/podnet-copied-${randomBytes(4).toString("hex")}`;
    await a.copy(local, remote);
    const r = await a.exec(`sha256sum ${remote} && stat -c %a ${remote}`, { check: true });
    assert.equal(r.stdout, `${sha256(payload)}  ${remote}\n755\n`);
    assert.equal(existsSync(remote), false, "nothing lands on the host");
  });

  it("script() runs bash -s with the script on stdin, its args and env", async () => {
    const [a] = cluster.nodes;
    assert.ok(a);
    const r = await a.script('set -euo pipefail\necho "$1|$2|$GREETING|$0"\nexit 3\n', {
      args: ["two words", "it's"],
      env: { GREETING: "hi there" },
    });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "two words|it's|hi there|bash\n");
  });

  it("exec() is bounded: a hung command is killed at its timeout", async () => {
    const [a] = cluster.nodes;
    assert.ok(a);
    const t0 = performance.now();
    await assert.rejects(a.exec("sleep 30", { timeoutMs: 500 }), RunTimeoutError);
    assert.ok(performance.now() - t0 < 3000, "rejected near the timeout");
  });

  it("an HTTP server in the client namespace serves files to a node", async () => {
    const [, b] = cluster.nodes;
    assert.ok(b);
    const dir = join(scratch, "www");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const binary = randomBytes(65_536);
    const text = "flanneld stand-in\nsecond line\n";
    await writeFile(join(dir, "flanneld"), binary);
    await writeFile(join(dir, "notes.txt"), text);
    const http = await startHttpServer({ netns: cluster.client.netns, address: cluster.client.address, dir });
    try {
      assert.match(http.url, /^http:\/\/10\.213\.\d+\.1:\d+$/);
      const hasCurl = (await b.exec("command -v curl")).code === 0;
      if (hasCurl) {
        const r = await b.exec(`curl -fsS ${http.url}/flanneld | sha256sum`, { check: true });
        assert.equal(r.stdout, `${sha256(binary)}  -\n`);
        const missing = await b.exec(`curl -fsS -o /dev/null ${http.url}/nope`);
        assert.equal(missing.code, 22, "curl -f fails on 404");
      }
      // Without curl: bash's /dev/tcp, which every node has.
      const port = http.port;
      const viaBash = await b.exec(
        `exec 3<>/dev/tcp/${cluster.client.address}/${port} && printf 'GET /notes.txt HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' >&3 && sed '1,/^\\r$/d' <&3`,
        { check: true },
      );
      assert.equal(viaBash.stdout, text);
      const logged = await http.waitForRequests(hasCurl ? 3 : 1);
      assert.ok(
        logged.every((r) => r.sent === r.bytes),
        `every response body was sent completely: ${JSON.stringify(logged)}`,
      );
      assert.deepEqual(
        logged.map((r) => `${r.path} ${r.status}`),
        hasCurl ? ["/flanneld 200", "/nope 404", "/notes.txt 200"] : ["/notes.txt 200"],
      );
    } finally {
      await http.stop();
    }
    assert.equal(http.pid, undefined);
  });
});

describe("test nodes: lifecycle and cleanup", { skip }, () => {
  it("starts 3 nodes, measures timings, and stop() leaves no namespace, process, mount or file", async (t) => {
    const t0 = performance.now();
    const cluster = await startTestNodes({ count: 3, prefix: "lifecycle" });
    const startMs = performance.now() - t0;
    let stopped = false;
    try {
      const rtts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        await cluster.nodes[i % 3]?.exec("true", { check: true });
        rtts.push(performance.now() - s);
      }
      rtts.sort((x, y) => x - y);
      // A stray background process on a node must die with it.
      await cluster.nodes[0]?.exec("nohup sleep 300 > /dev/null 2>&1 &", { check: true });
      const names = [cluster.client.netns, ...cluster.nodes.map((n) => n.netns)];
      const pids = (await Promise.all(names.map(netnsPids))).flat();
      assert.ok(pids.length >= 4, `expected at least one sshd per node plus the sleep, got ${pids.length}`);
      // Every mount lives in the instance's private mount namespace: the host's mount table is untouched.
      assert.deepEqual(mountsUnder(cluster.dir), []);
      assert.ok(cluster.mountHelperPid !== undefined);
      pids.push(cluster.mountHelperPid, ...cluster.nodes.map((n) => n.pid as number));

      const s0 = performance.now();
      await cluster.stop();
      stopped = true;
      const stopMs = performance.now() - s0;
      t.diagnostic(
        `start 3 nodes: ${startMs.toFixed(0)} ms; ssh round trip (median of 5): ${rtts[2]?.toFixed(0)} ms; stop: ${stopMs.toFixed(0)} ms`,
      );

      const left = (await hostNetns()).filter((n) => names.includes(n));
      assert.deepEqual(left, [], "no namespace left");
      // Not even a zombie: every process was reaped by its parent, none was handed to the host's init.
      assert.deepEqual(await waitGone(pids, { zombiesCount: true }), [], "no process left");
      assert.equal(existsSync(cluster.dir), false, "no directory left");
      assert.equal(cluster.mountHelperPid, undefined);
      for (const n of cluster.nodes) assert.equal(n.pid, undefined);
      const hostMounts = await readFile("/proc/self/mountinfo", "utf8");
      assert.ok(![cluster.dir, ...names].some((x) => hostMounts.includes(x)), "no host mount of ours left (incl. /run/netns)");
      await cluster.stop(); // idempotent
    } finally {
      if (!stopped) await cluster.stop();
    }
  });

  it("rejects bad options before creating anything, naming every problem", async () => {
    await assert.rejects(startTestNodes({ count: 0, prefix: "Bad_Prefix" }), {
      message:
        'startTestNodes: count: 0 must be an integer from 1 to 244; prefix: "Bad_Prefix" must match [a-z0-9][a-z0-9-]{0,15} (it becomes part of namespace names)',
    });
    assert.deepEqual(
      (await hostNetns()).filter((n) => n.includes("Bad_Prefix")),
      [],
    );
  });

  /** Run the abandon fixture; resolves with its JSON line and the child. */
  async function abandon(mode: "throw" | "hang") {
    const child = spawn(process.execPath, ["--import", "tsx", "test/harness/fixtures/abandon.ts", mode], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString("utf8");
    });
    const until = performance.now() + 30_000;
    while (!out.includes("\n")) {
      if (child.exitCode !== null || performance.now() > until) {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
        throw new Error(`abandon.ts ${mode} printed nothing: ${err}`);
      }
      await sleep(20);
    }
    const info = JSON.parse(out.split("\n")[0] ?? "") as { dir: string; netns: string[]; pids: number[] };
    return { child, exited, info, stderr: () => err };
  }

  it("a test process that dies of an uncaught error still cleans up (exit hook)", async () => {
    const { exited, info, stderr } = await abandon("throw");
    assert.ok(await settlesWithin(exited, 20_000), "the abandoned process exits");
    assert.equal(await exited, 1, stderr());
    assert.match(stderr(), /abandoned on purpose/);
    assert.ok(info.pids.length >= 1);
    assert.deepEqual(await waitGone(info.pids), []);
    assert.deepEqual(
      (await hostNetns()).filter((n) => info.netns.includes(n)),
      [],
    );
    assert.deepEqual(mountsUnder(info.dir), []);
    assert.equal(existsSync(info.dir), false);
  });

  it("a SIGKILLed test process loses its sshd and mounts at once; the next start reaps its namespaces", async () => {
    const { child, exited, info } = await abandon("hang");
    assert.ok(child.pid !== undefined);
    process.kill(child.pid, "SIGKILL");
    await exited;
    // PDEATHSIG: the launchers and the mount helper die with the test process, taking each node's
    // PID namespace and every mount with them.
    assert.deepEqual(await waitGone(info.pids), [], "sshd and the mount helper died with their test process");
    // Network namespaces and the lock directory cannot clean themselves up: the next harness start
    // reaps them. (Another test file starting nodes right now may reap them first; either way they must go.)
    const reaped = reapStaleHarnesses();
    assert.ok(reaped.includes(info.dir) || !existsSync(info.dir), `reaped ${JSON.stringify(reaped)}`);
    assert.deepEqual(
      (await hostNetns()).filter((n) => info.netns.includes(n)),
      [],
    );
    assert.deepEqual(mountsUnder(info.dir), []);
    assert.equal(existsSync(info.dir), false);
  });
});
