/**
 * FlannelNetwork mode systemd through the real CLI and real validators:
 * `podnet render` of the seeds' scenario (examples/cli/flannel-binary.yaml)
 * with certificates made by openssl; the key never reaches the output folder
 * or the console; every script passes shellcheck; every unit passes
 * `systemd-analyze verify` with empty stderr (stub binaries under --root);
 * the kube-subnet-mgr kubeconfig parses with kubectl and a schema.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { flanneldCertSchema, renderSpec, specFileRefs } from "@podnet/core";
import { flanneldCertificateSpec, flannelKubeconfig, flannelStepInstall, flannelUninstallDriver, Problems } from "@podnet/core/internal";
import { Ajv } from "ajv";
import { parse, stringify } from "yaml";
import { run } from "./harness/proc.js";
import { type PodnetResult, podnet } from "./support/cli.js";
import { type CertFiles, makeCa, makeClientCert } from "./support/etcd.js";
import { needs } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const example = join(root, "examples/cli/flannel-binary.yaml");
const SKIP = needs("openssl", "shellcheck", "systemd-analyze", "kubectl");

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * The base64 body lines of a PEM key that are not also in the public certificate (an RSA
 * key repeats the public modulus, which may line up with the certificate's lines): any of
 * them in a file means the key leaked.
 */
function keyLines(pem: string, publicCert: string): string[] {
  return pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----") && !publicCert.includes(l));
}

/** `systemd-analyze verify --root` with the vendor units and stub executables; returns stderr. */
async function verifyUnits(
  rootDir: string,
  units: Record<string, string>,
  executables: readonly string[],
): Promise<{ code: number; stderr: string }> {
  mkdirSync(join(rootDir, "lib/systemd"), { recursive: true });
  cpSync("/lib/systemd/system", join(rootDir, "lib/systemd/system"), { recursive: true });
  for (const [path, text] of Object.entries(units)) {
    mkdirSync(dirname(join(rootDir, path)), { recursive: true });
    writeFileSync(join(rootDir, path), text);
  }
  for (const exe of executables) {
    mkdirSync(dirname(join(rootDir, exe)), { recursive: true });
    writeFileSync(join(rootDir, exe), "#!/bin/sh\nexit 0\n");
    chmodSync(join(rootDir, exe), 0o755);
  }
  const names = Object.keys(units)
    .filter((p) => p.endsWith(".service"))
    .map((p) => p.slice(p.lastIndexOf("/") + 1));
  const r = await run("systemd-analyze", ["verify", `--root=${rootDir}`, ...names]);
  return { code: r.code, stderr: r.stderr };
}

describe("podnet render, mode systemd (etcd, Docker): the seeds' scenario", { skip: SKIP }, () => {
  const dir = tempDir("flannel-systemd");
  const out = join(dir, "out");
  let key: string;
  let cert: string;
  let result: PodnetResult;

  before(async () => {
    // The spec names pki/ca.pem, pki/flanneld.pem and pki/flanneld-key.pem relative to itself.
    copyFileSync(example, join(dir, "flannel-binary.yaml"));
    const pki = join(dir, "pki");
    const ca = await makeCa(pki, "ca");
    const p = new Problems();
    const spec = flanneldCertificateSpec(
      flanneldCertSchema.parse({ organization: "k8s", organizationalUnit: "4Paradigm" }),
      "certificate",
      p,
    );
    assert.ok(spec);
    await makeClientCert(ca, pki, spec, "flanneld");
    key = readFileSync(join(pki, "flanneld-key.pem"), "utf8");
    cert = readFileSync(join(pki, "flanneld.pem"), "utf8");
    result = await podnet("render", join(dir, "flannel-binary.yaml"), "--out", out);
  });

  test("renders the per-node bundles, the etcd folder and the push script", () => {
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /release\.sha256\.amd64: all zeros is a placeholder/, "the example's placeholder sha256 is called out");
    const files = walk(out)
      .map((f) => f.slice(out.length + 1))
      .sort();
    for (const f of [
      "etcd/write-config.sh",
      "etcd/config.json",
      "flannel/push-secrets.sh",
      "plan.json",
      "nodes/node1/install.sh",
      "nodes/node1/uninstall.sh",
      "nodes/node1/root/etc/systemd/system/flanneld.service",
      "nodes/node1/root/etc/systemd/system/docker.service.d/10-flannel.conf",
      "nodes/node1/root/etc/flanneld/cert/ca.pem",
      "nodes/node1/root/etc/flanneld/cert/flanneld.pem",
      "nodes/node3/install.sh",
    ]) {
      assert.ok(files.includes(f), `${f} missing; got ${files.join(", ")}`);
    }
    assert.ok(!files.some((f) => f.includes("flanneld-key")), "the key file is not part of the bundle");
    assert.equal(
      readFileSync(join(out, "etcd/config.json"), "utf8"),
      '{"Network":"172.30.0.0/16","SubnetLen":21,"EnableNFTables":false,"Backend":{"Type":"vxlan"}}\n',
    );
    assert.equal(statSync(join(out, "etcd/write-config.sh")).mode & 0o777, 0o755);
  });

  test("the private key appears nowhere: not in any output file, not in plan.json, not on the console", () => {
    const lines = keyLines(key, cert);
    assert.ok(lines.length > 5);
    for (const f of walk(out)) {
      const text = readFileSync(f, "utf8");
      assert.ok(!text.includes("PRIVATE KEY"), `${f} holds a PEM private key`);
      for (const l of lines) assert.ok(!text.includes(l), `${f} holds a line of the key`);
    }
    for (const l of lines) assert.ok(!result.out.includes(l) && !result.err.includes(l));
    // The push script names the key file, it does not contain it.
    assert.match(readFileSync(join(out, "flannel/push-secrets.sh"), "utf8"), /pki\/flanneld-key\.pem' 'umask 077/);
  });

  test("plan.json records the etcd config, reservations and the release pin, no key material", () => {
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as { components: { flannel: Record<string, unknown> } };
    const f = plan.components.flannel as {
      mode: string;
      etcd: { api: string; prefix: string; reservations: Record<string, { key: string; value: string }> };
      release: Record<string, { url: string; sha256: string }>;
    };
    assert.equal(f.mode, "systemd");
    assert.equal(f.etcd.api, "v3");
    assert.equal(f.etcd.prefix, "/kubernetes/network");
    assert.deepEqual(f.etcd.reservations.node1, {
      key: "/kubernetes/network/subnets/172.30.72.0-21",
      value: '{"PublicIP":"192.168.1.31","BackendType":"vxlan"}',
    });
    assert.equal(
      f.release.amd64?.url,
      "https://github.com/flannel-io/flannel/releases/download/v0.28.9/flannel-v0.28.9-linux-amd64.tar.gz",
    );
  });

  test("every generated script passes shellcheck with no findings", async () => {
    const scripts = walk(out).filter((f) => f.endsWith(".sh"));
    assert.ok(scripts.length >= 8);
    const r = await run("shellcheck", ["-s", "bash", ...scripts]);
    assert.equal(r.code, 0, r.stdout);
  });

  test("the Pulumi path's scripts (one install.sh per step, the uninstall driver) pass shellcheck too", async () => {
    const spec = parse(readFileSync(join(dir, "flannel-binary.yaml"), "utf8")) as unknown;
    const files = Object.fromEntries(specFileRefs(spec).map((r) => [r.file, readFileSync(join(dir, r.file), "utf8")]));
    const bundle = renderSpec(spec, { files, baseDir: dir }).value;
    const state = bundle?.nodes[0];
    assert.ok(state);
    const scripts = [flannelUninstallDriver(state), ...state.units.map((u) => flannelStepInstall(state, u.id))];
    for (const [i, text] of scripts.entries()) writeFileSync(join(dir, `step-${i}.sh`), text);
    const r = await run("shellcheck", ["-s", "bash", ...scripts.map((_, i) => join(dir, `step-${i}.sh`))]);
    assert.equal(r.code, 0, r.stdout);
  });

  test("flanneld.service and the Docker drop-in pass systemd-analyze verify with empty stderr (stub binaries)", async () => {
    const node = join(out, "nodes/node1/root");
    const unit = readFileSync(join(node, "etc/systemd/system/flanneld.service"), "utf8");
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, /^After=network-online\.target etcd\.service$/m);
    assert.match(unit, /^Before=docker\.service$/m);
    assert.match(unit, /^Restart=always$/m);
    assert.match(unit, /--etcd-prefix=\/kubernetes\/network/);
    assert.match(unit, /--iface=eno16777736/);
    assert.match(
      unit,
      /^ExecStartPost=\/opt\/k8s\/bin\/mk-docker-opts\.sh -k DOCKER_NETWORK_OPTIONS -d \/run\/flannel\/docker -f \/run\/flannel\/subnet\.env$/m,
    );
    const dropIn = readFileSync(join(node, "etc/systemd/system/docker.service.d/10-flannel.conf"), "utf8");
    const r = await verifyUnits(
      join(dir, "sdroot"),
      {
        "etc/systemd/system/flanneld.service": unit,
        "etc/systemd/system/docker.service":
          "[Unit]\nDescription=Docker (test stub)\n\n[Service]\nExecStart=/usr/bin/dockerd -H fd://\n\n[Install]\nWantedBy=multi-user.target\n",
        "etc/systemd/system/docker.service.d/10-flannel.conf": dropIn,
      },
      ["opt/k8s/bin/flanneld", "opt/k8s/bin/mk-docker-opts.sh", "usr/bin/dockerd"],
    );
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
  });

  test("the check fails on a broken unit (the verify step can fail)", async () => {
    const unit = readFileSync(join(out, "nodes/node1/root/etc/systemd/system/flanneld.service"), "utf8").replace(
      "Type=notify",
      "Typo=notify",
    );
    const r = await verifyUnits(join(dir, "sdroot-bad"), { "etc/systemd/system/flanneld.service": unit }, [
      "opt/k8s/bin/flanneld",
      "opt/k8s/bin/mk-docker-opts.sh",
    ]);
    assert.match(r.stderr, /Unknown key 'Typo'/);
  });
  test("push-secrets.sh finds the key from any working directory and pushes it to every node (fake ssh on PATH)", () => {
    const script = join(out, "flannel/push-secrets.sh");
    assert.equal(spawnSync("shellcheck", ["-s", "bash", script], { encoding: "utf8" }).stdout, "");
    const bin = join(dir, "fake-bin");
    const log = join(dir, "ssh-log");
    mkdirSync(bin, { recursive: true });
    mkdirSync(log, { recursive: true });
    // Records each call: its arguments (one per line) and what it read on stdin.
    writeFileSync(
      join(bin, "ssh"),
      '#!/usr/bin/env bash\nset -euo pipefail\nn=$(find "$PUSH_LOG" -name "*.args" | wc -l)\nprintf "%s\\n" "$@" >"$PUSH_LOG/$n.args"\ncat >"$PUSH_LOG/$n.stdin"\n',
      { mode: 0o755 },
    );
    const elsewhere = join(dir, "somewhere", "else");
    mkdirSync(elsewhere, { recursive: true });
    const env = { PATH: `${bin}:${process.env.PATH}`, PUSH_LOG: log, LANG: "C" };
    const r = spawnSync("bash", [script], { cwd: elsewhere, env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const calls = readdirSync(log)
      .filter((f) => f.endsWith(".args"))
      .sort()
      .map((f) => ({
        args: readFileSync(join(log, f), "utf8").trimEnd().split("\n"),
        stdin: readFileSync(join(log, f.replace(".args", ".stdin")), "utf8"),
      }));
    assert.deepEqual(
      calls.map((c) => c.args.slice(0, 4)),
      Array.from({ length: 3 }, () => ["-p", "22", "-o", "BatchMode=yes"]),
    );
    assert.deepEqual(
      calls.map((c) => c.args[4]),
      ["root@192.168.1.31", "root@192.168.1.32", "root@192.168.1.33"],
    );
    for (const c of calls) {
      assert.equal(c.stdin, key, "the spec's pki/flanneld-key.pem, found relative to the spec, not to the working directory");
      assert.match(c.args[5] ?? "", /cat >'\/run\/podnet-secrets\/.*flanneld-key\.pem\.new'/);
    }
    assert.match(r.stdout, /copied .*\/pki\/flanneld-key\.pem to node node3/);

    // The bundle moved away from the spec: a clear error, and SPEC_DIR overrides.
    const moved = join(elsewhere, "bundle");
    cpSync(out, moved, { recursive: true });
    const lost = spawnSync("bash", [join(moved, "flannel/push-secrets.sh")], { cwd: elsewhere, env, encoding: "utf8" });
    assert.equal(lost.status, 1);
    assert.match(lost.stderr, /cannot read .*pki\/flanneld-key\.pem \(relative paths start from SPEC_DIR=/);
    const told = spawnSync("bash", [join(moved, "flannel/push-secrets.sh")], {
      cwd: "/",
      env: { ...env, SPEC_DIR: dir },
      encoding: "utf8",
    });
    assert.equal(told.status, 0, told.stderr);
  });

  test("the bundle is byte-identical whatever folder render runs from (relative or absolute arguments)", () => {
    const tsx = import.meta.resolve("tsx");
    const main = join(root, "packages/cli/src/main.ts");
    const other = join(dir, "from-root");
    const r = spawnSync(
      process.execPath,
      ["--import", tsx, main, "render", join(dir, "flannel-binary.yaml").slice(1), "--out", other.slice(1)],
      {
        cwd: "/",
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const files = walk(out).map((f) => f.slice(out.length));
    assert.deepEqual(
      walk(other).map((f) => f.slice(other.length)),
      files,
    );
    for (const f of files) assert.equal(readFileSync(join(other, f), "utf8"), readFileSync(join(out, f), "utf8"), f);
  });
});

describe("podnet render, mode systemd (kube-subnet-mgr, containerd): kubeconfig, conflist, RBAC", { skip: SKIP }, () => {
  const dir = tempDir("flannel-kube");
  const out = join(dir, "out");
  let ca: CertFiles;
  let result: PodnetResult;

  before(async () => {
    ca = await makeCa(join(dir, "pki"), "kubernetes-ca");
    const spec = {
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
      nodes: ["a", "b"].map((name, i) => ({
        name,
        interfaces: [{ name: "eth0", addresses: [`172.17.20.${201 + i}/24`] }],
        ssh: { host: `172.17.20.${201 + i}` },
      })),
      flannel: {
        mode: "systemd",
        version: "v0.14.0",
        backend: { type: "vxlan", directRouting: true },
        systemd: {
          datastore: "kube-subnet-mgr",
          kubeSubnetMgr: { apiServer: "https://172.17.20.200:6443", caFile: "pki/kubernetes-ca.pem" },
          release: { sha256: { amd64: "1".repeat(64) } },
          containerRuntime: "containerd",
          cniPlugin: { sha256: { amd64: "2".repeat(64) } },
        },
      },
    };
    writeFileSync(join(dir, "spec.yaml"), stringify(spec));
    result = await podnet("render", join(dir, "spec.yaml"), "--out", out);
  });

  test("renders RBAC no broader than upstream's, the token Secret, and per-node NODE_NAME", () => {
    assert.equal(result.code, 0, result.err);
    const objects = readFileSync(join(out, "manifests/flannel.yaml"), "utf8")
      .split(/^---$/m)
      .map((d) => parse(d) as { kind: string; type?: string; rules?: unknown; metadata: { annotations?: Record<string, string> } });
    assert.deepEqual(
      objects.map((o) => o.kind),
      ["ClusterRole", "ClusterRoleBinding", "ServiceAccount", "Secret"],
    );
    assert.deepEqual(objects[0]?.rules, [
      { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
    ]);
    assert.equal(objects[3]?.type, "kubernetes.io/service-account-token");
    assert.equal(objects[3]?.metadata.annotations?.["kubernetes.io/service-account.name"], "flannel");
    const unitB = readFileSync(join(out, "nodes/b/root/etc/systemd/system/flanneld.service"), "utf8");
    assert.match(unitB, /^Environment=NODE_NAME=b$/m);
    assert.match(unitB, /--kube-subnet-mgr/);
    assert.match(unitB, /--kubeconfig-file=\/etc\/kubernetes\/flannel\.conf/);
    assert.match(unitB, /^Before=containerd\.service kubelet\.service$/m);
  });

  test("the node kubeconfig (mode 0600) parses with kubectl and names the pushed token file", async () => {
    const file = join(out, "nodes/a/root/etc/kubernetes/flannel.conf");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const r = await run("kubectl", ["config", "view", "--kubeconfig", file, "--raw", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const view = JSON.parse(r.stdout) as {
      clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }>;
      users: Array<{ user: Record<string, string> }>;
      "current-context": string;
    };
    assert.equal(view.clusters[0]?.cluster.server, "https://172.17.20.200:6443");
    assert.equal(
      Buffer.from(view.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString(),
      readFileSync(ca.cert, "utf8"),
    );
    assert.deepEqual(view.users[0]?.user, { tokenFile: "/etc/flanneld/token" });
    assert.equal(view["current-context"], "flannel@kubernetes");
  });

  test("a kubeconfig with an embedded token (the Pulumi path) parses with kubectl and against a schema", async () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06Zmxhbm5lbCJ9.c2lnbmF0dXJl";
    const text = flannelKubeconfig({ server: "https://[fd00::1]:6443", caPem: readFileSync(ca.cert, "utf8"), token });
    const file = join(dir, "embedded.conf");
    writeFileSync(file, text, { mode: 0o600 });
    const r = await run("kubectl", ["config", "view", "--kubeconfig", file, "--raw", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { users: Array<{ user: { token: string } }> }).users[0]?.user.token, token);
    const redacted = await run("kubectl", ["config", "view", "--kubeconfig", file]);
    assert.ok(!redacted.stdout.includes(token), "kubectl shows the token only with --raw");
    const ajv = new Ajv({ allErrors: true, strict: true });
    const named = (inner: object) => ({
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["name", ...Object.keys(inner)],
        additionalProperties: false,
        properties: { name: { type: "string" }, ...inner },
      },
    });
    const validate = ajv.compile({
      type: "object",
      required: ["apiVersion", "kind", "clusters", "users", "contexts", "current-context"],
      additionalProperties: false,
      properties: {
        apiVersion: { const: "v1" },
        kind: { const: "Config" },
        preferences: { type: "object" },
        "current-context": { type: "string" },
        clusters: named({
          cluster: {
            type: "object",
            required: ["server", "certificate-authority-data"],
            additionalProperties: false,
            properties: {
              server: { type: "string", pattern: "^https://" },
              "certificate-authority-data": { type: "string", pattern: "^[A-Za-z0-9+/=]+$" },
            },
          },
        }),
        users: named({
          user: {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            maxProperties: 1,
            properties: { token: { type: "string" }, tokenFile: { type: "string" } },
          },
        }),
        contexts: named({
          context: {
            type: "object",
            required: ["cluster", "user"],
            additionalProperties: false,
            properties: { cluster: { type: "string" }, user: { type: "string" } },
          },
        }),
      },
    });
    assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
  });

  test("the conflist and net-conf.json are in place; flanneld.service passes systemd-analyze verify", async () => {
    const node = join(out, "nodes/a/root");
    const conflist = JSON.parse(readFileSync(join(node, "etc/cni/net.d/10-flannel.conflist"), "utf8")) as {
      plugins: Array<{ type: string }>;
    };
    assert.deepEqual(
      conflist.plugins.map((p) => p.type),
      ["flannel", "portmap"],
    );
    assert.deepEqual(JSON.parse(readFileSync(join(node, "etc/kube-flannel/net-conf.json"), "utf8")), {
      Network: "10.244.0.0/16",
      EnableNFTables: false,
      Backend: { Type: "vxlan", DirectRouting: true },
    });
    const unit = readFileSync(join(node, "etc/systemd/system/flanneld.service"), "utf8");
    const r = await verifyUnits(join(dir, "sdroot"), { "etc/systemd/system/flanneld.service": unit }, ["usr/local/bin/flanneld"]);
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
  });

  test("the scripts pass shellcheck; push-secrets.sh reads the token from the cluster when no tokenFile is given", async () => {
    const push = readFileSync(join(out, "flannel/push-secrets.sh"), "utf8");
    assert.match(push, /kubectl -n 'kube-system' get secret 'flannel-token' -o 'jsonpath=\{\.data\.token\}'/);
    const r = await run("shellcheck", ["-s", "bash", ...walk(out).filter((f) => f.endsWith(".sh"))]);
    assert.equal(r.code, 0, r.stdout);
  });
});
