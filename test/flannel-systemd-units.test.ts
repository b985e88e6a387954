/**
 * The units of the flannel binary path, against real tools:
 *
 * - flanneld.service: `podnet render` refuses an iface regexp with a newline
 *   (it would inject an `ExecStartPre=`); a regexp with spaces, `$`, `%`, a
 *   backslash and quotes renders as one argument that `systemd-analyze verify`
 *   accepts with empty stderr, and that systemd itself reads back unchanged
 *   (`systemd --test` dumps the parsed command line; it refuses to run as root,
 *   so it runs as nobody and loads nothing but unit files);
 * - flannel/push-secrets.sh: the bundle is byte-identical from two spec
 *   folders (one with a space); the script finds the key from `SPEC_DIR` or the
 *   current directory;
 * - on the SSH test nodes (test/harness): renewing the etcd client key (a
 *   renewed certificate without its staged key stops the install before
 *   anything changes; after push-secrets.sh the new key is installed 0600 and
 *   flanneld restarts) and renewing the kube-subnet-mgr token (nothing else
 *   changed: the staged token is still installed and flanneld restarts);
 *   uninstall removes a leftover `flannel.42` from an earlier VNI.
 *
 * systemd cannot run inside a test node: a stub `systemctl` records its calls
 * (as in test/flannel-systemd-nodes.test.ts) and the test checks those calls.
 * flanneld's own outputs (subnet.env, the Docker options, flannel.1) are made
 * by the test so the bundle's verify step passes; nothing pretends to start.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { startHttpServer, type TestHttpServer } from "./harness/http.js";
import { diffSnapshots, nodeHarnessSkip, type Snapshot, startTestNodes, type TestCluster, type TestNode } from "./harness/nodes.js";
import { BASE_ENV, type RunResult, run, runOk } from "./harness/proc.js";
import { podnet } from "./support/cli.js";
import { type CertFiles, makeCa, makeClientCert } from "./support/etcd.js";
import { needs } from "./support/real.js";
import { ACTIVE_FLAG, STUB_SYSTEMCTL, SYSTEMCTL_LOG } from "./support/systemctl-stub.js";
import { tempDir } from "./support/temp-dir.js";

const SYSTEMD = "/lib/systemd/systemd";
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const CLIENT_CERT = {
  commonName: "flanneld",
  organization: "k8s",
  keyAlgorithm: "ECDSA",
  ecdsaCurve: "P256",
  validityHours: 24,
  allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
} as const;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every file of a folder as relative path -> sha256. */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(walk(dir).map((f) => [f.slice(dir.length + 1), sha256(readFileSync(f))]));
}

/** A CLI spec (etcd with TLS, Docker) for `nodes`; the certificate files are relative to the spec. */
function etcdSpec(nodes: unknown[], extra: { ifaceRegex?: string[]; endpoint: string; baseUrl: string; sha: string }) {
  return {
    apiVersion: "podnet/v1",
    cluster: { podCidrs: ["10.60.0.0/16"], serviceCidrs: ["10.96.0.0/16"], nodeMaskSize: { ipv4: 24, ipv6: 64 } },
    nodes,
    flannel: {
      mode: "systemd",
      ...(extra.ifaceRegex ? { ifaceRegex: extra.ifaceRegex } : { iface: ["eth0"] }),
      systemd: {
        datastore: "etcd",
        etcd: {
          endpoints: [extra.endpoint],
          prefix: "/kubernetes/network",
          tls: { caFile: "pki/ca.pem", certFile: "pki/flanneld.pem", keyFile: "pki/flanneld-key.pem" },
        },
        release: { baseUrl: extra.baseUrl, sha256: { amd64: extra.sha } },
        containerRuntime: "docker",
      },
    },
  };
}

/**
 * The argv of systemd's dump line (`Command Line: …`): words in double quotes with
 * backslash escapes, as systemd prints them; then `$$` is the dollar systemd passes at exec.
 */
function dumpedArgv(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " ") i++;
    if (i >= line.length) break;
    let word = "";
    let quoted = false;
    for (; i < line.length && (quoted || line[i] !== " "); i++) {
      if (line[i] === "\\") word += line[++i] ?? "";
      else if (line[i] === '"') quoted = !quoted;
      else word += line[i];
    }
    out.push(word.replaceAll("$$", "$"));
  }
  return out;
}

describe("flanneld.service against systemd", {
  skip: needs("openssl", "systemd-analyze", "setpriv", { ok: existsSync(SYSTEMD), what: SYSTEMD }),
}, () => {
  const dir = tempDir("flannel-units-unit");
  const nodes = [
    {
      name: "node1",
      roles: ["worker"],
      interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }],
      podCidrs: ["10.60.1.0/24"],
      ssh: { host: "192.168.1.31" },
    },
  ];
  const settings = { endpoint: "https://192.168.1.31:2379", baseUrl: "https://example.invalid/flannel", sha: "a".repeat(64) };
  const renderWith = async (folder: string, ifaceRegex: string[]) => {
    writeFileSync(join(folder, "spec.yaml"), stringify(etcdSpec(nodes, { ...settings, ifaceRegex })));
    return podnet("render", join(folder, "spec.yaml"), "--out", join(folder, "out"));
  };

  before(async () => {
    const ca = await makeCa(join(dir, "pki"), "ca");
    await makeClientCert(ca, join(dir, "pki"), CLIENT_CERT, "flanneld");
  });

  test("podnet render refuses a regexp that would inject an ExecStartPre= line, naming the path; nothing is written", async () => {
    // The regexp matches eth0 (first branch), so only the newline stands in the way of an injected ExecStartPre=.
    const r = await renderWith(dir, ["eth0|\nExecStartPre=/bin/touch /tmp/pwn"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /flannel\.ifaceRegex\[0\]: "eth0\|\\nExecStartPre=\/bin\/touch \/tmp\/pwn" contains the control character U\+000A/);
    assert.equal(existsSync(join(dir, "out")), false);
  });

  test("a regexp with spaces, $, %, a backslash and quotes: one argument, verify with empty stderr, read back unchanged by systemd", async (t) => {
    // Matches eth0 through its first branch; the second holds what systemd would otherwise interpret.
    const regex = String.raw`^eth0$|^en p$HOME %n\d "q" 'x'`;
    const r = await renderWith(dir, [regex]);
    assert.equal(r.code, 0, r.err);
    const unit = readFileSync(join(dir, "out/nodes/node1/root/etc/systemd/system/flanneld.service"), "utf8");

    // systemd-analyze verify, with the vendor units and stub executables under --root.
    const root = join(dir, "sdroot");
    mkdirSync(join(root, "lib/systemd"), { recursive: true });
    cpSync("/lib/systemd/system", join(root, "lib/systemd/system"), { recursive: true });
    mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(root, "etc/systemd/system/flanneld.service"), unit);
    for (const exe of ["usr/local/bin/flanneld", "usr/local/bin/mk-docker-opts.sh"]) {
      mkdirSync(dirname(join(root, exe)), { recursive: true });
      writeFileSync(join(root, exe), "#!/bin/sh\nexit 0\n");
      chmodSync(join(root, exe), 0o755);
    }
    const v = await run("systemd-analyze", ["verify", `--root=${root}`, "flanneld.service"]);
    assert.equal(v.stderr, "");
    assert.equal(v.code, 0);

    // systemd's own parse: `systemd --test` dumps each unit with its command lines. It will not
    // run as root, so it runs as nobody, over a world-readable copy of the unit.
    const units = join(dir, "units");
    mkdirSync(units, { recursive: true });
    writeFileSync(join(units, "flanneld.service"), unit, { mode: 0o644 });
    chmodSync(dir, 0o755);
    chmodSync(units, 0o755);
    const d = await run(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", SYSTEMD, "--test", "--system", "--unit=flanneld.service", "--no-pager"],
      { env: { ...BASE_ENV, HOME: "/tmp", SYSTEMD_UNIT_PATH: `${units}:` } },
    );
    assert.equal(d.code, 0, d.stderr);
    const section = d.stdout.slice(d.stdout.indexOf("\t-> Unit flanneld.service:"));
    const m = /-> ExecStart:\n\t+Command Line: (.*)\n/.exec(section.slice(0, section.indexOf("\t-> Unit ", 5)));
    assert.ok(m, "the dump shows flanneld's ExecStart");
    t.diagnostic(`systemd read: ${m[1]}`);
    const argv = dumpedArgv(m[1] as string);
    assert.equal(argv[0], "/usr/local/bin/flanneld");
    assert.deepEqual(
      argv.filter((a) => a.startsWith("--iface-regex")),
      [`--iface-regex=${regex}`],
    );
    assert.ok(!section.slice(0, section.indexOf("\t-> Unit ", 5)).includes("ExecStartPre"));
  });

  test("the bundle does not depend on the spec's folder: a copy in a folder with a space renders byte-identically", async () => {
    const other = join(dir, "my cluster");
    mkdirSync(other, { recursive: true });
    cpSync(join(dir, "pki"), join(other, "pki"), { recursive: true });
    assert.equal((await renderWith(dir, ["^eth0$"])).code, 0);
    const r = await renderWith(other, ["^eth0$"]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(tree(join(other, "out")), tree(join(dir, "out")));
    const push = readFileSync(join(other, "out/flannel/push-secrets.sh"), "utf8");
    assert.ok(!push.includes(dir), "no absolute folder of the spec in push-secrets.sh");
    const sc = await run("shellcheck", ["-s", "bash", join(other, "out/flannel/push-secrets.sh")]);
    assert.equal(sc.code, 0, sc.stdout);
  });
});

describe("renewing secrets and uninstalling on SSH test nodes", {
  skip: nodeHarnessSkip() || needs("openssl", "tar", "shellcheck"),
}, () => {
  const scratch = tempDir("flannel-units-nodes");
  // The specs live in a folder with a space: the CLI path must not care.
  const specDir = join(scratch, "spec dir");
  let cluster: TestCluster;
  let http: TestHttpServer;
  let ca: CertFiles;
  let sshBin = "";
  let archiveSha = "";
  const baseline = new Map<string, Snapshot>();
  const started = performance.now();

  const nodeAt = (i: number) => cluster.nodes[i] as TestNode;
  const sh = async (node: TestNode, command: string) => {
    const r = await node.exec(command);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return r.stdout;
  };
  const calls = async (node: TestNode) =>
    (await sh(node, `cat ${SYSTEMCTL_LOG} 2>/dev/null; rm -f ${SYSTEMCTL_LOG}`)).split("\n").filter(Boolean);
  const snapshot = (node: TestNode) => node.snapshot({ exclude: [SYSTEMCTL_LOG, ACTIVE_FLAG] });
  const nodeSpec = (n: TestNode, podCidr?: string) => ({
    name: n.name,
    roles: ["worker"],
    interfaces: [{ name: "eth0", addresses: [`${n.address}/24`] }],
    ...(podCidr ? { podCidrs: [podCidr] } : {}),
    ssh: { host: n.address, user: "root", privateKeyFile: cluster.identityFile },
  });
  const render = async (name: string, spec: unknown): Promise<string> => {
    writeFileSync(join(specDir, `${name}.yaml`), stringify(spec));
    const out = join(scratch, `out-${name}`);
    const r = await podnet("render", join(specDir, `${name}.yaml`), "--out", out);
    assert.equal(r.code, 0, r.err);
    return out;
  };
  /** push-secrets.sh from the client namespace: with SPEC_DIR, or from the spec's folder (the default). */
  const push = async (out: string, how: "SPEC_DIR" | "cwd"): Promise<RunResult> => {
    const script = join(out, "flannel/push-secrets.sh");
    const env = { ...BASE_ENV, PATH: `${sshBin}:${BASE_ENV.PATH}`, ...(how === "SPEC_DIR" ? { SPEC_DIR: specDir } : {}) };
    const argv = how === "SPEC_DIR" ? ["bash", script] : ["bash", "-c", 'cd -- "$1" && exec bash "$2"', "push", specDir, script];
    const r = await run("ip", ["netns", "exec", cluster.client.netns, ...argv], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r;
  };
  const install = (n: TestNode, out: string) =>
    n.exec("bash -s", { input: readFileSync(join(out, "nodes", n.name, "install.sh")), timeoutMs: 120_000 });
  /** What a running flanneld and mk-docker-opts.sh would have left (they cannot run here), so verify passes. */
  const flanneldRan = (n: TestNode, subnet: string) =>
    sh(
      n,
      [
        `touch ${ACTIVE_FLAG}`,
        "mkdir -p /run/flannel",
        `printf 'FLANNEL_NETWORK=10.60.0.0/16\\nFLANNEL_SUBNET=${subnet}\\nFLANNEL_MTU=1450\\nFLANNEL_IPMASQ=true\\n' >/run/flannel/subnet.env`,
        `printf 'DOCKER_NETWORK_OPTIONS=" --bip=${subnet} --ip-masq=false --mtu=1450"\\n' >/run/flannel/docker`,
        `ip link add flannel.1 type vxlan id 1 dstport 8472 dev eth0 local ${n.address}`,
      ].join(" && "),
    );

  before(async () => {
    mkdirSync(join(specDir, "pki"), { recursive: true });
    cluster = await startTestNodes({ count: 2, prefix: "flfix", names: ["node0", "node1"] });
    const www = join(scratch, "www");
    const stage = join(scratch, "stage");
    mkdirSync(join(www, "v0.28.9"), { recursive: true });
    mkdirSync(stage, { recursive: true });
    for (const f of ["flanneld", "mk-docker-opts.sh"]) {
      writeFileSync(join(stage, f), `#!/bin/sh\n# test stub of ${f}\nexit 0\n`);
      chmodSync(join(stage, f), 0o755);
    }
    const tgz = join(www, "v0.28.9", "flannel-v0.28.9-linux-amd64.tar.gz");
    await runOk("tar", ["-czf", tgz, "-C", stage, "flanneld", "mk-docker-opts.sh"]);
    archiveSha = sha256(readFileSync(tgz));
    http = await startHttpServer({ netns: cluster.client.netns, address: cluster.client.address, dir: www });
    ca = await makeCa(join(specDir, "pki"), "ca");
    // The operator's ssh knows the nodes' host keys; the harness's are throwaway, so accept them.
    sshBin = join(scratch, "bin");
    mkdirSync(sshBin, { recursive: true });
    writeFileSync(
      join(sshBin, "ssh"),
      '#!/bin/sh\nexec /usr/bin/ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes "$@"\n',
    );
    chmodSync(join(sshBin, "ssh"), 0o755);
    for (const n of cluster.nodes) {
      writeFileSync(n.hostPath("/usr/local/sbin/systemctl"), STUB_SYSTEMCTL);
      chmodSync(n.hostPath("/usr/local/sbin/systemctl"), 0o755);
      // etcd is not running: a failing etcdctl, and curl to a closed port, make uninstall's lease delete a warning.
      writeFileSync(n.hostPath("/usr/local/sbin/etcdctl"), "#!/bin/sh\nexit 1\n");
      chmodSync(n.hostPath("/usr/local/sbin/etcdctl"), 0o755);
      baseline.set(n.name, await snapshot(n));
    }
  });

  after(async () => {
    await http?.stop();
    await cluster?.stop();
    process.stderr.write(`flannel units node suite (start, tests, stop): ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  });

  test("etcd client key: a renewed certificate needs its key; after push-secrets.sh the new key is installed 0600 and flanneld restarts", async (t) => {
    const n = nodeAt(0);
    const spec = () =>
      etcdSpec([nodeSpec(n, "10.60.1.0/24")], { endpoint: `https://${cluster.client.address}:2379`, baseUrl: http.url, sha: archiveSha });
    const key = join(specDir, "pki/flanneld-key.pem");
    const cert = join(specDir, "pki/flanneld.pem");
    const keyOnNode = () => readFileSync(n.hostPath("/etc/flanneld/cert/flanneld-key.pem"), "utf8");
    const certOnNode = () => readFileSync(n.hostPath("/etc/flanneld/cert/flanneld.pem"), "utf8");

    // First install: key 1.
    await makeClientCert(ca, join(specDir, "pki"), CLIENT_CERT, "flanneld");
    const key1 = readFileSync(key, "utf8");
    const cert1 = readFileSync(cert, "utf8");
    let out = await render("etcd", spec());
    assert.match((await push(out, "SPEC_DIR")).stdout, /copied .*spec dir\/pki\/flanneld-key\.pem to node node0/);
    await flanneldRan(n, "10.60.1.1/24");
    let r = await install(n, out);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(keyOnNode(), key1);
    assert.equal(await sh(n, "stat -c '%a %U:%G' /etc/flanneld/cert/flanneld-key.pem"), "600 root:root\n");
    assert.ok((await calls(n)).includes("restart flanneld.service"));
    r = await install(n, out);
    assert.match(r.stdout, /install: nothing changed/);
    assert.deepEqual(await calls(n), []);

    // Renewal: a new key and certificate; the bundle is rendered again, the key not pushed yet.
    await makeClientCert(ca, join(specDir, "pki"), CLIENT_CERT, "flanneld");
    const key2 = readFileSync(key, "utf8");
    assert.notEqual(key2, key1);
    out = await render("etcd", spec());
    const before = await snapshot(n);
    r = await install(n, out);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /\/etc\/flanneld\/cert\/flanneld-key\.pem on this node does not belong to the certificate of flannel\.systemd\.etcd\.tls\.certFile \(a renewed certificate needs its new key\), and no new key was staged: run flannel\/push-secrets\.sh/,
    );
    assert.equal(keyOnNode(), key1, "nothing was replaced");
    assert.equal(certOnNode(), cert1, "the certificate either: the secrets unit runs first");
    assert.deepEqual(await calls(n), []);
    assert.deepEqual(
      diffSnapshots(before, await snapshot(n)).filter((l) => !l.includes("/var/lib/podnet/")),
      [],
    );

    // The key arrives (push-secrets.sh from the spec's folder, no SPEC_DIR): installed, 0600, flanneld restarts once.
    await push(out, "cwd");
    r = await install(n, out);
    t.diagnostic(`install with the renewed key: ${r.durationMs.toFixed(0)} ms`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /installed the new \/etc\/flanneld\/cert\/flanneld-key\.pem \(from flannel\.systemd\.etcd\.tls\.keyFile\); flanneld restarts/,
    );
    assert.equal(keyOnNode(), key2);
    assert.equal(certOnNode(), readFileSync(cert, "utf8"));
    assert.equal(await sh(n, "stat -c '%a %U:%G' /etc/flanneld/cert/flanneld-key.pem"), "600 root:root\n");
    assert.equal((await n.exec("test -e /run/podnet-secrets || test -e /run/podnet-flanneld.restart")).code, 1, "staging and marker gone");
    assert.deepEqual(
      (await calls(n)).filter((c) => c.startsWith("restart")),
      ["restart flanneld.service"],
    );

    // The same key pushed again: installed from staging, nothing replaced, no restart.
    await push(out, "SPEC_DIR");
    r = await install(n, out);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /flannel\/secrets: updated/);
    assert.equal((await n.exec("test -e /run/podnet-secrets")).code, 1);
    assert.deepEqual(await calls(n), []);

    // A key that does not belong to the certificate is refused before it replaces anything.
    writeFileSync(join(scratch, "old-key.pem"), key1, { mode: 0o600 });
    await sh(n, "mkdir -p -m 0700 /run/podnet-secrets");
    writeFileSync(n.hostPath("/run/podnet-secrets/flanneld-key.pem"), key1, { mode: 0o600 });
    r = await install(n, out);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /the key staged by push-secrets\.sh \(\/run\/podnet-secrets\/flanneld-key\.pem\) does not belong to the certificate/,
    );
    assert.equal(keyOnNode(), key2);
    await sh(n, "rm -rf /run/podnet-secrets");

    // Uninstall: back to the baseline.
    r = await n.exec("bash -s", { input: readFileSync(join(out, "nodes/node0/uninstall.sh")), timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await calls(n);
    assert.deepEqual(diffSnapshots(baseline.get(n.name) as Snapshot, await snapshot(n)), []);
  });

  test("kube-subnet-mgr token: a staged token is installed with nothing else changed, and flanneld restarts", async () => {
    const n = nodeAt(1);
    writeFileSync(join(specDir, "flannel.token"), `${"a".repeat(40)}.token-one\n`, { mode: 0o600 });
    const out = await render("kube", {
      apiVersion: "podnet/v1",
      cluster: { podCidrs: ["10.60.0.0/16"], serviceCidrs: ["10.96.0.0/16"], nodeMaskSize: { ipv4: 24, ipv6: 64 } },
      nodes: [nodeSpec(n)],
      flannel: {
        mode: "systemd",
        iface: ["eth0"],
        systemd: {
          datastore: "kube-subnet-mgr",
          kubeSubnetMgr: { apiServer: `https://${cluster.client.address}:6443`, caFile: "pki/ca.pem", tokenFile: "flannel.token" },
          release: { baseUrl: http.url, sha256: { amd64: archiveSha } },
          containerRuntime: "docker",
        },
      },
    });
    const tokenOnNode = () => readFileSync(n.hostPath("/etc/flanneld/token"), "utf8");
    await push(out, "cwd");
    await flanneldRan(n, "10.60.7.1/24");
    let r = await install(n, out);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(tokenOnNode(), `${"a".repeat(40)}.token-one\n`);
    assert.ok((await calls(n)).includes("restart flanneld.service"));

    // A new token; the bundle is the same bytes.
    writeFileSync(join(specDir, "flannel.token"), `${"b".repeat(40)}.token-two\n`, { mode: 0o600 });
    await push(out, "SPEC_DIR");
    r = await install(n, out);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /installed the new \/etc\/flanneld\/token .*; flanneld restarts/);
    assert.match(r.stdout, /flannel\/certs: unchanged/);
    assert.equal(tokenOnNode(), `${"b".repeat(40)}.token-two\n`);
    assert.equal(await sh(n, "stat -c '%a %U:%G' /etc/flanneld/token"), "600 root:root\n");
    assert.deepEqual(
      (await calls(n)).filter((c) => c.startsWith("restart")),
      ["restart flanneld.service"],
    );

    // A flannel.42 from an earlier VNI, and a link that is not flannel's.
    await sh(
      n,
      `ip link add flannel.42 type vxlan id 42 dstport 8472 dev eth0 local ${n.address} && ip link add vx-keep type vxlan id 7 dstport 4789 dev eth0`,
    );
    r = await n.exec("bash -s", { input: readFileSync(join(out, "nodes/node1/uninstall.sh")), timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /deleted link flannel\.42/);
    assert.match(r.stdout, /deleted link flannel\.1/);
    const links = await sh(n, "ip -o link show | sed -n 's/^[0-9]*: \\([^:@ ]*\\)[:@].*/\\1/p' | sort | tr '\\n' ' '");
    assert.doesNotMatch(links, /flannel/);
    assert.match(links, /vx-keep/, "a link that is not flannel's stays");
    await sh(n, "ip link delete vx-keep");
    await calls(n);
    assert.deepEqual(diffSnapshots(baseline.get(n.name) as Snapshot, await snapshot(n)), []);
  });
});
