/**
 * The flannel binary path on real SSH test nodes (network namespaces with
 * sshd, see test/harness) against a real etcd with mutual TLS running in the
 * harness's client namespace:
 *
 * - push-secrets.sh stages the client key on every node over real ssh;
 * - write-config.sh writes the network config and the node reservations, from
 *   the operator's side and again on a node (the Pulumi datastore step: a no-op);
 * - install.sh downloads the pinned, sha256-checked release (served from the
 *   test network), places certificates, unit files, the Docker drop-in or the
 *   CNI conflist and plugin, then enables and starts flanneld; a second run
 *   changes nothing;
 * - uninstall.sh stops flanneld, deletes its links and iptables chains and this
 *   node's etcd key (really, over the test network with the node's certificate),
 *   and returns the node's file tree to its baseline.
 *
 * systemd cannot run inside a test node (PID 1 of a node is sshd, not systemd),
 * so flanneld is never started here: a stub `systemctl` on the node's PATH
 * records its arguments, and the test checks the unit files and those calls,
 * not a pretend start. The verify step is checked against real files and a real
 * vxlan device, with the stub answering `is-active` as the test says.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { flannelNetworkSchema, type NodeState, planPodCidrs, renderNodeScripts, renderSpec, specFileRefs } from "@podnet/core";
import {
  cniConflictSnippet,
  type FlannelSystemdPlan,
  flannelStepInstall,
  flannelSystemdNodeStates,
  flannelUninstallDriver,
  nodeScriptCommand,
  Problems,
  planFlannelSystemd,
} from "@podnet/core/internal";
import { startHttpServer, type TestHttpServer } from "./harness/http.js";
import { diffSnapshots, nodeHarnessSkip, type Snapshot, startTestNodes, type TestCluster, type TestNode } from "./harness/nodes.js";
import { BASE_ENV, run, runOk } from "./harness/proc.js";
import { type CertFiles, type EtcdPki, makeClientCert, makePki, type RunningEtcd, startEtcd } from "./support/etcd.js";
import { needs } from "./support/real.js";
import { ACTIVE_FLAG, STUB_SYSTEMCTL, SYSTEMCTL_LOG } from "./support/systemctl-stub.js";

const SKIP = nodeHarnessSkip() || needs("etcd", "etcdctl", "openssl", "curl", "iptables", "tar");
/** node1 has a failing etcdctl first on its PATH, so its uninstall takes the curl path to etcd. */
const ETCDCTL_LOG = "/var/log/podnet-test-etcdctl.log";
const PREFIX = "/kubernetes/network";

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe("flannel binary path on SSH test nodes with etcd (mutual TLS)", { skip: SKIP }, () => {
  let scratch = "";
  let cluster: TestCluster;
  let http: TestHttpServer;
  let pki: EtcdPki;
  let client: CertFiles;
  let etcd: RunningEtcd;
  const baseline = new Map<string, Snapshot>();
  const states = new Map<string, NodeState>();
  let writeConfig = "";
  let pushSecrets = "";
  let pulumiPlan: () => FlannelSystemdPlan = () => {
    throw new Error("not ready");
  };
  const started = performance.now();

  const nodeAt = (i: number) => cluster.nodes[i] as TestNode;
  const sh = async (node: TestNode, command: string) => {
    const r = await node.exec(command);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return r.stdout;
  };
  /** What the systemctl stub recorded since the last call (and clears it). */
  const systemctlCalls = async (node: TestNode) => {
    const calls = (await sh(node, `cat ${SYSTEMCTL_LOG} 2>/dev/null; rm -f ${SYSTEMCTL_LOG}`)).split("\n").filter(Boolean);
    return calls;
  };
  const snapshot = (node: TestNode) => node.snapshot({ exclude: [SYSTEMCTL_LOG, ACTIVE_FLAG, ETCDCTL_LOG] });
  /** install.sh without the verify unit: flanneld never runs here, so verify is tested on its own below. */
  const withoutVerify = (s: NodeState): NodeState => ({ ...s, units: s.units.filter((u) => u.id !== "flannel/verify") });

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), `podnet-flannel-nodes-${process.pid}-`));
    cluster = await startTestNodes({ count: 2, prefix: "flsysd", names: ["node0", "node1"] });
    // The release archives the nodes download: stub programs (flanneld cannot run in a test node).
    const www = join(scratch, "www");
    const stage = join(scratch, "stage");
    mkdirSync(join(www, "v0.28.9"), { recursive: true });
    mkdirSync(join(www, "v1.9.1-flannel3"), { recursive: true });
    mkdirSync(stage, { recursive: true });
    for (const f of ["flanneld", "mk-docker-opts.sh", "flannel-amd64"]) {
      writeFileSync(join(stage, f), `#!/bin/sh\n# test stub of ${f}\nexit 0\n`);
      chmodSync(join(stage, f), 0o755);
    }
    const flannelTgz = join(www, "v0.28.9", "flannel-v0.28.9-linux-amd64.tar.gz");
    const cniTgz = join(www, "v1.9.1-flannel3", "cni-plugin-flannel-linux-amd64-v1.9.1-flannel3.tgz");
    await runOk("tar", ["-czf", flannelTgz, "-C", stage, "flanneld", "mk-docker-opts.sh"]);
    await runOk("tar", ["-czf", cniTgz, "-C", stage, "flannel-amd64"]);
    http = await startHttpServer({ netns: cluster.client.netns, address: cluster.client.address, dir: www });
    // etcd in the client namespace, reachable from every node over the test network.
    pki = await makePki(join(scratch, "pki"), "ca", [cluster.client.address]);
    client = await makeClientCert(
      pki.ca,
      join(scratch, "pki"),
      {
        commonName: "flanneld",
        organization: "k8s",
        keyAlgorithm: "RSA",
        rsaBits: 2048,
        validityHours: 24,
        allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
      },
      "flanneld",
    );
    etcd = await startEtcd({ dir: scratch, pki, client, netns: cluster.client.netns, host: cluster.client.address });

    const spec = (runtime: "docker" | "containerd") => ({
      cluster: { podCidrs: ["10.50.0.0/16"], serviceCidrs: ["10.96.0.0/16"], nodeMaskSize: { ipv4: 24, ipv6: 64 } },
      nodes: cluster.nodes.map((n, i) => ({
        name: n.name,
        roles: ["worker"] as "worker"[],
        interfaces: [{ name: "eth0", addresses: [`${n.address}/24`] }],
        podCidrs: [`10.50.${i + 1}.0/24`],
        ssh: { host: n.address, user: "root", privateKeyFile: cluster.identityFile },
      })),
      flannel: {
        mode: "systemd",
        backend: { type: "vxlan" },
        systemd: {
          datastore: "etcd",
          etcd: {
            endpoints: [etcd.endpoint],
            prefix: PREFIX,
            tls: { caFile: "pki/ca.pem", certFile: "pki/flanneld.pem", keyFile: "pki/flanneld-key.pem" },
          },
          release: { baseUrl: http.url, sha256: { amd64: sha256(readFileSync(flannelTgz)) } },
          containerRuntime: runtime,
          ...(runtime === "containerd" ? { cniPlugin: { baseUrl: http.url, sha256: { amd64: sha256(readFileSync(cniTgz)) } } } : {}),
        },
      },
    });
    const render = (runtime: "docker" | "containerd") => {
      const s = spec(runtime);
      const files = Object.fromEntries(specFileRefs(s).map((r) => [r.file, readFileSync(join(scratch, r.file), "utf8")]));
      const r = renderSpec(s, { files, baseDir: scratch });
      assert.deepEqual(r.errors, []);
      return r.value as NonNullable<typeof r.value>;
    };
    // node0 runs containerd (CNI plugin + conflist), node1 Docker (mk-docker-opts.sh + drop-in).
    pulumiPlan = () => {
      const sp = spec("containerd");
      const p = new Problems();
      const plan = planPodCidrs({ cluster: sp.cluster, nodes: sp.nodes }).value;
      // Pulumi passes `tls: {}` and the PEM material itself.
      const config = flannelNetworkSchema.parse({
        ...sp.flannel,
        systemd: { ...sp.flannel.systemd, etcd: { ...sp.flannel.systemd.etcd, tls: {} } },
      });
      const out = planFlannelSystemd({ config, plan, base: "flannel" }, p);
      assert.ok(out, JSON.stringify(p.errors));
      return out;
    };
    const containerd = render("containerd");
    const docker = render("docker");
    states.set("node0", containerd.nodes.find((n) => n.node === "node0") as NodeState);
    states.set("node1", docker.nodes.find((n) => n.node === "node1") as NodeState);
    writeConfig = containerd.files["etcd/write-config.sh"]?.content ?? "";
    pushSecrets = containerd.files["flannel/push-secrets.sh"]?.content ?? "";
    for (const n of cluster.nodes) {
      writeFileSync(n.hostPath("/usr/local/sbin/systemctl"), STUB_SYSTEMCTL);
      chmodSync(n.hostPath("/usr/local/sbin/systemctl"), 0o755);
      assert.equal((await sh(n, "command -v systemctl")).trim(), "/usr/local/sbin/systemctl");
      if (n.name === "node1") {
        writeFileSync(n.hostPath("/usr/local/sbin/etcdctl"), `#!/bin/sh\necho "$*" >>${ETCDCTL_LOG}\nexit 1\n`);
        chmodSync(n.hostPath("/usr/local/sbin/etcdctl"), 0o755);
      }
      baseline.set(n.name, await snapshot(n));
    }
  });

  after(async () => {
    await etcd?.stop();
    await http?.stop();
    await cluster?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.stderr.write(`flannel node suite (start, tests, stop): ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  });

  test("push-secrets.sh stages the client key on every node over real ssh, root-only", async () => {
    const bin = join(scratch, "bin");
    mkdirSync(bin, { recursive: true });
    // The operator's ssh knows the nodes' host keys; the harness's are throwaway, so accept them.
    writeFileSync(
      join(bin, "ssh"),
      '#!/bin/sh\nexec /usr/bin/ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes "$@"\n',
    );
    chmodSync(join(bin, "ssh"), 0o755);
    writeFileSync(join(scratch, "push-secrets.sh"), pushSecrets, { mode: 0o755 });
    const r = await run("ip", ["netns", "exec", cluster.client.netns, "bash", join(scratch, "push-secrets.sh")], {
      // The spec's relative paths (pki/…) start from its folder.
      env: { ...BASE_ENV, PATH: `${bin}:${BASE_ENV.PATH}`, SPEC_DIR: scratch },
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /copied .*pki\/flanneld-key\.pem to node node0/);
    assert.ok(!r.stdout.includes("PRIVATE KEY") && !r.stderr.includes("PRIVATE KEY"));
    for (const n of cluster.nodes) {
      assert.equal(await sh(n, "stat -c '%a %U' /run/podnet-secrets /run/podnet-secrets/flanneld-key.pem"), "700 root\n600 root\n");
      assert.equal(readFileSync(n.hostPath("/run/podnet-secrets/flanneld-key.pem"), "utf8"), readFileSync(client.key, "utf8"));
    }
  });

  test("write-config.sh from the operator's side writes the config and one reservation per node", async () => {
    writeFileSync(join(scratch, "write-config.sh"), writeConfig, { mode: 0o755 });
    const r = await run("ip", ["netns", "exec", cluster.client.netns, "bash", join(scratch, "write-config.sh")], {
      env: { ...BASE_ENV, ETCD_CACERT: pki.ca.cert, ETCD_CERT: client.cert, ETCD_KEY: client.key },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      (await etcd.ctl(["get", "--print-value-only", `${PREFIX}/config`], { client })).stdout,
      '{"Network":"10.50.0.0/16","SubnetLen":24,"EnableNFTables":false,"Backend":{"Type":"vxlan"}}\n',
    );
    for (const [i, n] of cluster.nodes.entries()) {
      const v = (await etcd.ctl(["get", "--print-value-only", `${PREFIX}/subnets/10.50.${i + 1}.0-24`], { client })).stdout;
      assert.equal(v, `{"PublicIP":"${n.address}","BackendType":"vxlan"}\n`);
    }
  });

  test("install.sh: pinned downloads, certificates (key 0600), units, runtime integration, enable + start", async (t) => {
    for (const n of cluster.nodes) {
      const state = withoutVerify(states.get(n.name) as NodeState);
      const r = await n.exec(nodeScriptCommand(), { input: renderNodeScripts(state).install, timeoutMs: 120_000 });
      t.diagnostic(`${n.name}: first install ${r.durationMs.toFixed(0)} ms`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /install: done/);
      assert.ok(!(r.stdout + r.stderr).includes("PRIVATE KEY"));
      assert.deepEqual(await systemctlCalls(n), [
        "daemon-reload",
        "enable flanneld.service",
        "restart flanneld.service",
        ...(n.name === "node1" ? ["is-active --quiet docker.service"] : []),
      ]);
      assert.equal(
        await sh(
          n,
          "stat -c '%n %a %U:%G' /etc/flanneld/cert/ca.pem /etc/flanneld/cert/flanneld.pem /etc/flanneld/cert/flanneld-key.pem /usr/local/bin/flanneld /etc/systemd/system/flanneld.service",
        ),
        [
          "/etc/flanneld/cert/ca.pem 644 root:root",
          "/etc/flanneld/cert/flanneld.pem 644 root:root",
          "/etc/flanneld/cert/flanneld-key.pem 600 root:root",
          "/usr/local/bin/flanneld 755 root:root",
          "/etc/systemd/system/flanneld.service 644 root:root",
          "",
        ].join("\n"),
      );
      assert.equal((await n.exec("test -e /run/podnet-secrets")).code, 1, "the staging folder is gone");
      assert.match(
        readFileSync(n.hostPath("/etc/systemd/system/flanneld.service"), "utf8"),
        new RegExp(`--etcd-endpoints=${etcd.endpoint.replaceAll(".", "\\.")}`),
      );
    }
    const [node0, node1] = [nodeAt(0), nodeAt(1)];
    assert.equal(await sh(node0, "stat -c '%a' /opt/cni/bin/flannel /etc/cni/net.d/10-flannel.conflist"), "755\n644\n");
    assert.equal((await node0.exec("test -e /etc/systemd/system/docker.service.d/10-flannel.conf")).code, 1);
    assert.match(
      readFileSync(node1.hostPath("/etc/systemd/system/docker.service.d/10-flannel.conf"), "utf8"),
      /^EnvironmentFile=\/run\/flannel\/docker$/m,
    );
    assert.equal(await sh(node1, "stat -c '%a' /usr/local/bin/mk-docker-opts.sh"), "755\n");
  });

  test("write-config.sh again, on a node over ssh with the node's certificate (the Pulumi datastore step), changes nothing", async () => {
    const r = await nodeAt(0).script(writeConfig, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /config unchanged/);
    assert.match(r.stdout, /nothing changed/);
  });

  test("a second install.sh changes nothing and says so", async () => {
    for (const n of cluster.nodes) {
      const before = await snapshot(n);
      const r = await n.exec(nodeScriptCommand(), {
        input: renderNodeScripts(withoutVerify(states.get(n.name) as NodeState)).install,
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /install: nothing changed/);
      assert.deepEqual(await systemctlCalls(n), [], "flanneld is not restarted when nothing changed");
      assert.deepEqual(diffSnapshots(before, await snapshot(n)), []);
    }
  });

  test("a CNI config that sorts before 10-flannel.conflist stops the install, or is moved aside and put back by uninstall", async () => {
    const n = nodeAt(0);
    const check = (states.get("node0") as NodeState).units.find((u) => u.id === "flannel/config")?.commands[0];
    assert.ok(check);
    assert.match(check.name, /conflicting CNI configs/);
    // containerd's own default config (flannel #1437) sorts first: 'c' < 'f'.
    writeFileSync(n.hostPath("/etc/cni/net.d/10-containerd-net.conflist"), '{"cniVersion":"1.0.0","name":"containerd-net","plugins":[]}\n');
    writeFileSync(n.hostPath("/etc/cni/net.d/99-loopback.conf"), '{"cniVersion":"1.0.0","name":"lo","type":"loopback"}\n');
    const refuse = renderNodeScripts({
      node: "node0",
      scope: "cni-check",
      units: [{ id: "flannel/cni-check", description: "cni check", files: [], commands: [check] }],
    });
    let r = await n.exec(nodeScriptCommand(), { input: refuse.install });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /\/etc\/cni\/net\.d\/10-containerd-net\.conflist sorts before 10-flannel\.conflist, so the container runtime would use it instead of flannel/,
    );
    await sh(n, "rm -rf /var/lib/podnet/cni-check");
    const move = renderNodeScripts({
      node: "node0",
      scope: "cni-move",
      units: [
        {
          id: "flannel/cni-move",
          description: "cni move",
          files: [],
          commands: [{ ...check, create: cniConflictSnippet({ confDir: "/etc/cni/net.d", ours: "10-flannel.conflist", move: true }) }],
        },
      ],
    });
    r = await n.exec(nodeScriptCommand(), { input: move.install });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /moved \/etc\/cni\/net\.d\/10-containerd-net\.conflist aside/);
    assert.match(r.stdout, /WARNING: \/etc\/cni\/net\.d\/99-loopback\.conf is another CNI config/);
    assert.equal((await n.exec("test -e /etc/cni/net.d/10-containerd-net.conflist")).code, 1);
    r = await n.exec(nodeScriptCommand(), { input: move.uninstall });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /put back \/etc\/cni\/net\.d\/10-containerd-net\.conflist/);
    await sh(n, "rm -f /etc/cni/net.d/10-containerd-net.conflist /etc/cni/net.d/99-loopback.conf");
  });

  test("verify: fails while flanneld is inactive or holds another subnet, passes with the reserved subnet and flannel.1", async () => {
    const n = nodeAt(0);
    const verifyUnit = (states.get("node0") as NodeState).units.find((u) => u.id === "flannel/verify");
    assert.ok(verifyUnit);
    // Its own scope, so it is checked (and removed) without touching the installed units.
    const install = renderNodeScripts({ node: "node0", scope: "verify-test", units: [verifyUnit] });
    const runVerify = () => n.exec(nodeScriptCommand(), { input: install.install, timeoutMs: 60_000 });
    const reset = () => sh(n, "rm -rf /var/lib/podnet/verify-test");
    let r = await runVerify();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /flanneld\.service is not active; see journalctl -u flanneld/);
    await reset();
    // The stub now answers "active"; flanneld "took" a stale subnet.
    await sh(
      n,
      `touch ${ACTIVE_FLAG} && mkdir -p /run/flannel && printf 'FLANNEL_NETWORK=10.50.0.0/16\\nFLANNEL_SUBNET=10.50.9.1/24\\nFLANNEL_MTU=1450\\nFLANNEL_IPMASQ=true\\n' >/run/flannel/subnet.env`,
    );
    r = await runVerify();
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /FLANNEL_SUBNET is 10\.50\.9\.1\/24 in \/run\/flannel\/subnet\.env but this node's subnet is 10\.50\.1\.1\/24; a stale lease\? run etcd\/write-config\.sh/,
    );
    await reset();
    await sh(n, "sed -i 's/^FLANNEL_SUBNET=.*/FLANNEL_SUBNET=10.50.1.1\\/24/' /run/flannel/subnet.env");
    r = await runVerify();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /device flannel\.1 is missing/);
    await reset();
    await sh(n, `ip link add flannel.1 type vxlan id 1 dstport 8472 dev eth0 local ${n.address} && ip link set flannel.1 up`);
    r = await runVerify();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /flannel is up: 10\.50\.1\.1\/24 on flannel\.1/);
    const u = await n.exec(nodeScriptCommand(), { input: install.uninstall });
    assert.equal(u.code, 0, u.stderr);
    await sh(n, `rm -f ${ACTIVE_FLAG}`);
    await systemctlCalls(n);
  });

  test("uninstall.sh: stops flanneld, deletes links, iptables chains, subnet.env and this node's etcd key; back to baseline", async () => {
    // What a running flanneld would have left (it cannot run here): devices, chains, subnet.env.
    const n0 = nodeAt(0);
    const n1 = nodeAt(1);
    await sh(n0, "ip link add cni0 type bridge");
    await sh(
      n1,
      `ip link add flannel.1 type vxlan id 1 dstport 8472 dev eth0 local ${n1.address} && mkdir -p /run/flannel && printf 'FLANNEL_SUBNET=10.50.2.1/24\\n' >/run/flannel/subnet.env && printf 'DOCKER_NETWORK_OPTIONS=" --bip=10.50.2.1/24 --ip-masq=false --mtu=1450"\\n' >/run/flannel/docker`,
    );
    for (const n of [n0, n1]) {
      await sh(
        n,
        [
          "iptables -t nat -N FLANNEL-POSTRTG",
          "iptables -t nat -A POSTROUTING -m comment --comment 'flanneld masq' -j FLANNEL-POSTRTG",
          "iptables -t nat -A FLANNEL-POSTRTG -s 10.50.0.0/16 -d 10.50.0.0/16 -m comment --comment 'flanneld masq' -j RETURN",
          "iptables -t filter -N FLANNEL-FWD",
          "iptables -t filter -A FORWARD -m comment --comment 'flanneld forward' -j FLANNEL-FWD",
          "iptables -t filter -A FLANNEL-FWD -s 10.50.0.0/16 -m comment --comment 'flanneld forward' -j ACCEPT",
        ].join(" && "),
      );
    }
    for (const [i, n] of [n0, n1].entries()) {
      const key = `${PREFIX}/subnets/10.50.${i + 1}.0-24`;
      assert.notEqual((await etcd.ctl(["get", "--print-value-only", key], { client })).stdout, "");
      const r = await n.exec(nodeScriptCommand(), {
        input: renderNodeScripts(states.get(n.name) as NodeState).uninstall,
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`deleted etcd key ${key.replaceAll(".", "\\.")}`));
      assert.equal((await etcd.ctl(["get", "--print-value-only", key], { client })).stdout, "", "the node's key is gone from etcd");
      const calls = await systemctlCalls(n);
      assert.deepEqual(calls.slice(0, 2), ["cat flanneld.service", "disable --now flanneld.service"]);
      assert.ok(calls.includes("daemon-reload"), calls.join("; "));
      assert.equal(await sh(n, "ip -o link show | grep -cE ' (flannel\\.1|cni0)[:@]' || true"), "0\n");
      assert.equal(await sh(n, "iptables -t nat -S | grep -c FLANNEL || true; iptables -S | grep -c FLANNEL || true"), "0\n0\n");
      assert.deepEqual(diffSnapshots(baseline.get(n.name) as Snapshot, await snapshot(n)), []);
    }
    // node0 deleted its key with etcdctl; node1's etcdctl failed, so it went through etcd's JSON gateway with curl.
    assert.match(readFileSync(n1.hostPath(ETCDCTL_LOG), "utf8"), /del -- \/kubernetes\/network\/subnets\/10\.50\.2\.0-24/);
    // The cluster config stays: other nodes (and a re-install) still use it.
    assert.notEqual((await etcd.ctl(["get", "--print-value-only", `${PREFIX}/config`], { client })).stdout, "");
  });

  test("the Pulumi path: each step's install.sh in order (key inline, 0600), then the uninstall driver returns the node to baseline", async () => {
    const n = nodeAt(0);
    // The reservation the CLI-path uninstall removed comes back (the Pulumi datastore step).
    const rw = await run("ip", ["netns", "exec", cluster.client.netns, "bash", join(scratch, "write-config.sh")], {
      env: { ...BASE_ENV, ETCD_CACERT: pki.ca.cert, ETCD_CERT: client.cert, ETCD_KEY: client.key },
    });
    assert.equal(rw.code, 0, rw.stderr);
    const plan = pulumiPlan();
    const p = new Problems();
    const [state] = flannelSystemdNodeStates(
      plan,
      { etcdCa: readFileSync(pki.ca.cert, "utf8"), etcdCert: readFileSync(client.cert, "utf8"), etcdKey: readFileSync(client.key, "utf8") },
      p,
    ).filter((st) => st.node === "node0");
    assert.deepEqual(p.errors, []);
    assert.ok(state);
    assert.deepEqual(
      state.units.map((u) => u.id),
      ["flannel/certs", "flannel/binaries", "flannel/config", "flannel/service", "flannel/verify"],
    );
    for (const id of ["flannel/certs", "flannel/binaries", "flannel/config", "flannel/service"]) {
      const r = await n.exec(nodeScriptCommand(), { input: flannelStepInstall(state, id), timeoutMs: 120_000 });
      assert.equal(r.code, 0, `${id}: ${r.stdout}${r.stderr}`);
      assert.ok(!(r.stdout + r.stderr).includes("PRIVATE KEY"));
    }
    assert.equal(await sh(n, "stat -c '%a %U' /etc/flanneld/cert/flanneld-key.pem"), "600 root\n");
    assert.equal(readFileSync(n.hostPath("/etc/flanneld/cert/flanneld-key.pem"), "utf8"), readFileSync(client.key, "utf8"));
    assert.equal(await sh(n, "ls /var/lib/podnet | sort | tr '\\n' ' '"), "flannel-binaries flannel-certs flannel-config flannel-service ");
    await systemctlCalls(n);
    const r = await n.exec(nodeScriptCommand(), { input: flannelUninstallDriver(state), timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /deleted etcd key \/kubernetes\/network\/subnets\/10\.50\.1\.0-24/);
    assert.ok((await systemctlCalls(n)).includes("disable --now flanneld.service"));
    assert.deepEqual(diffSnapshots(baseline.get(n.name) as Snapshot, await snapshot(n)), []);
  });
});
