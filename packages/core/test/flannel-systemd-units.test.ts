/**
 * The units of the flannel binary path, in the core (real tools in
 * test/flannel-systemd-units.test.ts):
 * - values reaching flanneld.service: control characters are a Problem naming
 *   the path, and every command-line word is quoted for systemd so it stays one
 *   argument (checked against an independent reading of systemd's rules);
 * - the CLI's flannel/secrets unit runs first, again whenever a secret is
 *   staged, and when the certificate changes; a replaced secret restarts flanneld;
 * - flannel/push-secrets.sh does not depend on where the spec lives and uses
 *   `sudo -n` for a non-root ssh user;
 * - uninstall removes every flannel link, not only the current config's.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { testPem } from "../../../test/support/pem.js";
import { flannelNetworkSchema, planPodCidrs, renderNodeScripts, renderSpec } from "../src/index.js";
import {
  FLANNELD_RESTART_MARKER,
  flanneldUnit,
  flannelSystemdNodeStates,
  isFlannelLink,
  Problems,
  planFlannelSystemd,
  systemdEnvironment,
  systemdExecWord,
  unitDigest,
} from "../src/internal/index.js";

const { ca: CA, cert: CERT, cert2: CERT2, key: KEY } = testPem();
const SHA = "a".repeat(64);

function spec(flannel: Record<string, unknown> = {}, node: Record<string, unknown> = {}) {
  return {
    cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21 } },
    nodes: [31, 32].map((h, i) => ({
      name: `node${i + 1}`,
      roles: ["worker"] as "worker"[],
      interfaces: [{ name: "eth0", addresses: [`192.168.1.${h}/24`] }],
      podCidrs: [["172.30.72.0/21", "172.30.184.0/21"][i] as string],
      ssh: { host: `192.168.1.${h}`, ...node },
    })),
    flannel: {
      mode: "systemd",
      iface: ["eth0"],
      ...flannel,
      systemd: {
        etcd: {
          endpoints: ["https://192.168.1.31:2379"],
          prefix: "/kubernetes/network",
          tls: { caFile: "pki/ca.pem", certFile: "pki/flanneld.pem", keyFile: "pki/flanneld-key.pem" },
        },
        release: { sha256: { amd64: SHA } },
        containerRuntime: "docker",
      },
    },
  };
}

const files = (cert = CERT) => ({ "pki/ca.pem": CA, "pki/flanneld.pem": cert });

/**
 * An independent reading of systemd.service(5) "Command lines": words split at
 * unquoted whitespace, double quotes group, backslash escapes (C style) inside
 * and outside quotes; then `%%` is a percent (specifiers) and `$$` a dollar
 * (variable expansion). Throws on anything it would not pass through literally.
 */
function systemdArgv(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const c = (ch: string) => ({ n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", s: " " })[ch];
  while (i < line.length) {
    while (line[i] === " ") i++;
    if (i >= line.length) break;
    let word = "";
    let quoted = false;
    for (; i < line.length; i++) {
      const ch = line[i] as string;
      if (ch === "\\") {
        const e = c(line[i + 1] ?? "");
        if (e === undefined) throw new Error(`unknown escape \\${line[i + 1]} in ${line}`);
        word += e;
        i++;
      } else if (ch === '"') quoted = !quoted;
      else if (ch === " " && !quoted) break;
      else word += ch;
    }
    if (quoted) throw new Error(`unterminated quote in ${line}`);
    words.push(word);
  }
  return words.map((w) => {
    if (/%[^%]|%$/.test(w.replaceAll("%%", ""))) throw new Error(`a specifier in ${w}`);
    if (/\$/.test(w.replaceAll("$$", ""))) throw new Error(`a variable in ${w}`);
    return w.replaceAll("%%", "%").replaceAll("$$", "$");
  });
}

/** The ExecStart= command line of a unit, continuation lines joined. */
function execStart(unit: string): string {
  const lines = unit.split("\n");
  let i = lines.findIndex((l) => l.startsWith("ExecStart="));
  let out = (lines[i] ?? "").slice("ExecStart=".length);
  while (out.endsWith(" \\")) {
    i++;
    out = `${out.slice(0, -2)} ${(lines[i] ?? "").trimStart()}`;
  }
  return out;
}

describe("values that reach flanneld.service", () => {
  test("a newline in flannel.ifaceRegex is a Problem naming the path; nothing is rendered", () => {
    // The regexp matches eth0 (first branch), so only the newline stands in the way of an injected ExecStartPre=.
    const r = renderSpec(spec({ iface: [], ifaceRegex: ["eth0|\nExecStartPre=/bin/touch /tmp/pwn"] }), { files: files() });
    assert.equal(r.value, undefined);
    assert.deepEqual(
      r.errors.map((e) => [e.path, e.code]),
      [["flannel.ifaceRegex[0]", "flannel.systemd.control-char"]],
    );
    assert.match(
      r.errors[0]?.message ?? "",
      /^flannel\.ifaceRegex\[0\]: "eth0\|\\nExecStartPre=\/bin\/touch \/tmp\/pwn" contains the control character U\+000A; values written into flanneld\.service must not hold control characters .*\(in an RE2 pattern write \\n or \\t instead\)$/,
    );
  });

  test("a tab or DEL is refused too, each at its own path; a value with its own rule is reported once", () => {
    const r = renderSpec(spec({ iface: [], ifaceRegex: ["^eth\t0", "^eth0\u007f"], extraArgs: ["--v=2\n"] }), { files: files() });
    assert.deepEqual(
      r.errors.map((e) => [e.path, e.code]),
      [
        ["flannel.extraArgs[0]", "flannel.extra-arg"],
        ["flannel.ifaceRegex[0]", "flannel.systemd.control-char"],
        ["flannel.ifaceRegex[1]", "flannel.systemd.control-char"],
      ],
    );
    assert.match(r.errors[2]?.message ?? "", /U\+007F/);
  });

  test("a regexp with spaces, $, %, a backslash and quotes is one argument, quoted for systemd", () => {
    // Matches eth0 (first branch); the second holds everything systemd would interpret.
    const regex = String.raw`^eth0$|x y$%{1}\d "'`;
    const r = renderSpec(spec({ iface: [], ifaceRegex: [regex] }), { files: files() });
    assert.deepEqual(r.errors, []);
    const unit = r.value?.nodes[0]?.units.find((u) => u.id === "flannel/config")?.files[0]?.content ?? "";
    assert.match(unit, /^ {2}"--iface-regex=\^eth0\$\$\|x y\$\$%%\{1\}\\\\d \\"'" \\$/m);
    const argv = systemdArgv(execStart(unit));
    assert.equal(argv[0], "/usr/local/bin/flanneld");
    assert.equal(argv.filter((a) => a.startsWith("--iface-regex=")).length, 1);
    assert.ok(argv.includes(`--iface-regex=${regex}`), argv.join(" | "));
  });

  test("plain words stay bare, so units of ordinary specs keep their bytes", () => {
    assert.equal(systemdExecWord("--etcd-endpoints=https://192.168.1.31:2379"), "--etcd-endpoints=https://192.168.1.31:2379");
    assert.equal(systemdExecWord("--foo=50%"), "--foo=50%%");
    assert.equal(systemdExecWord(""), '""');
    assert.equal(systemdExecWord(";"), '";"');
    assert.equal(systemdEnvironment("NODE_NAME", "w1"), "NODE_NAME=w1");
    // Environment= does not expand $: only backslash, quote and % are escaped there.
    assert.equal(systemdEnvironment("X", 'a $b "c"'), '"X=a $b \\"c\\""');
    assert.throws(() => systemdExecWord("a\nb"), /control character U\+000A/);
  });

  test("property: any printable word reads back as exactly that word, as one argument", () => {
    const special = fc.constantFrom(..." \\\"'$%;#{}`*?&|<>()[]=,.:/@+-_~éü".split(""));
    const word = fc.string({ unit: fc.oneof(special, fc.constantFrom(..."abcXYZ019".split(""))), maxLength: 24 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        const line = ["/usr/local/bin/flanneld", a, b].map(systemdExecWord).join(" ");
        assert.deepEqual(systemdArgv(line), ["/usr/local/bin/flanneld", a, b]);
      }),
      { numRuns: 500 },
    );
  });

  test("mk-docker-opts.sh's ExecStartPost and NODE_NAME go through the same quoting", () => {
    const unit = flanneldUnit({
      binDir: "/opt/k8s/bin",
      args: ["--kube-subnet-mgr"],
      nodeName: "w1",
      etcdLocal: false,
      runtime: "docker",
      docker: { optionsKey: "DOCKER_NETWORK_OPTIONS", optionsFile: "/run/flannel/docker", subnetFile: "/run/flannel/subnet.env" },
    });
    assert.match(
      unit,
      /^ExecStartPost=\/opt\/k8s\/bin\/mk-docker-opts\.sh -k DOCKER_NETWORK_OPTIONS -d \/run\/flannel\/docker -f \/run\/flannel\/subnet\.env$/m,
    );
    assert.match(unit, /^Environment=NODE_NAME=w1$/m);
  });
});

describe("the CLI's flannel/secrets unit", () => {
  const r = renderSpec(spec(), { files: files() });
  const units = r.value?.nodes[0]?.units ?? [];
  const secrets = units.find((u) => u.id === "flannel/secrets");
  const service = units.find((u) => u.id === "flannel/service");

  test("runs first, again whenever a secret is staged, and carries the certificate it must match", () => {
    assert.deepEqual(r.errors, []);
    assert.equal(units[0]?.id, "flannel/secrets");
    assert.equal(secrets?.rerunWhen, "[[ -e '/run/podnet-secrets/flanneld-key.pem' ]]");
    const snippet = secrets?.commands[0]?.create ?? "";
    assert.match(snippet, /podnet_flannel_key_fits/);
    assert.match(snippet, new RegExp(Buffer.from(CERT).toString("base64")));
    assert.match(snippet, new RegExp(`touch -- '${FLANNELD_RESTART_MARKER}'`));
    assert.match(
      snippet,
      /'\/etc\/flanneld\/cert\/flanneld-key\.pem on this node does not belong to the certificate of flannel\.systemd\.etcd\.tls\.certFile \(a renewed certificate needs its new key\), and no new key was staged: run flannel\/push-secrets\.sh \(it copies flannel\.systemd\.etcd\.tls\.keyFile\), then install\.sh again; nothing was replaced'/,
    );
  });

  test("a renewed certificate changes the unit (so it runs and wants the new key); the service restarts on the marker", () => {
    const renewed = renderSpec(spec(), { files: files(CERT2) }).value?.nodes[0]?.units.find((u) => u.id === "flannel/secrets");
    assert.ok(secrets && renewed);
    assert.notEqual(unitDigest(renewed), unitDigest(secrets));
    assert.equal(service?.rerunWhen, `[[ -e '${FLANNELD_RESTART_MARKER}' ]]`);
    assert.match(
      service?.commands[0]?.create ?? "",
      new RegExp(`systemctl restart flanneld\\.service\\nrm -f -- '${FLANNELD_RESTART_MARKER}'`),
    );
    const install = renderNodeScripts(r.value?.nodes[0] as NonNullable<typeof r.value>["nodes"][number]).install;
    assert.match(install, /if \[\[ "\$PODNET_MODE" == none \]\] && podnet_unit_1_rerun_when; then PODNET_MODE=update; fi/);
  });

  test("the Pulumi path (key and token inside the units) has no staging unit and no marker", () => {
    const pl = planPodCidrs({ cluster: spec().cluster, nodes: spec().nodes }).value;
    const config = flannelNetworkSchema.parse(spec().flannel);
    const p = new Problems();
    const sp = planFlannelSystemd({ config, plan: pl, base: "flannel" }, p);
    assert.ok(sp, JSON.stringify(p.errors));
    const key = KEY;
    const [state] = flannelSystemdNodeStates(sp, { etcdCa: CA, etcdCert: CERT, etcdKey: key }, p);
    assert.deepEqual(p.errors, []);
    assert.equal(
      state?.units.find((u) => u.id === "flannel/secrets"),
      undefined,
    );
    const svc = state?.units.find((u) => u.id === "flannel/service");
    assert.equal(svc?.rerunWhen, undefined);
    assert.doesNotMatch(svc?.commands[0]?.create ?? "", /podnet-flanneld\.restart/);
  });

  test("uninstall deletes every flannel link by pattern, names checked; cni0 and flannel0 by name", () => {
    const del = service?.commands[0]?.delete ?? "";
    assert.match(del, /mapfile -t links < <\(ip -o link show 2>\/dev\/null \| sed -n /);
    assert.match(del, /^ {4}flannel\.\* \| flannel-v6\.\* \| flannel-wg\*\) ;;$/m);
    assert.match(del, /\[\[ "\$dev" =~ \^\[A-Za-z0-9\._-\]\{1,15\}\$ \]\] \|\| continue/);
    assert.doesNotMatch(del, /ip link show dev 'flannel\.1'/, "the current VNI's device is one of the pattern's");
    for (const n of ["flannel.1", "flannel.42", "flannel-v6.1", "flannel-wg", "flannel-wg-v6", "flannel.ipip"])
      assert.ok(isFlannelLink(n), n);
    for (const n of ["flannel0", "flannelx", "cni0", "vxlan0"]) assert.ok(!isFlannelLink(n), n);
  });
});

describe("flannel/push-secrets.sh", () => {
  test("the same spec rendered from two folders (one with a space) gives byte-identical bundles", () => {
    const a = renderSpec(spec(), { files: files(), baseDir: "/srv/spec", specDirFromBundle: ".." });
    const b = renderSpec(spec(), { files: files(), baseDir: "/home/ops/my cluster", specDirFromBundle: ".." });
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    assert.deepEqual(b.value, a.value);
    const push = a.value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.match(push, /^bundle_dir=\$\(cd -- "\$\(dirname -- "\$\{BASH_SOURCE\[0\]\}"\)\/\.\." && pwd -P\)$/m);
    assert.match(push, /^SPEC_DIR=\$\{SPEC_DIR:-\$bundle_dir\/'\.\.'\}$/m);
    assert.match(push, /^# SPEC_DIR: the folder the spec's relative paths/m);
    assert.match(push, /^push 'node1' 'root@192\.168\.1\.31' 22 '' "\$SPEC_DIR"\/'pki\/flanneld-key\.pem' 'umask 077 /m);
    assert.ok(!push.includes("/srv/spec"));
    assert.ok(!push.includes("$PWD"), "never the working directory");
    const spaced = renderSpec(spec(), { files: files(), specDirFromBundle: "../my cluster's" }).value?.files["flannel/push-secrets.sh"]
      ?.content;
    assert.match(spaced ?? "", /^SPEC_DIR=\$\{SPEC_DIR:-\$bundle_dir\/'\.\.\/my cluster'\\''s'\}$/m, "quoted, spaces and quotes kept");
  });

  test("no spec folder known (not rendered into a folder): SPEC_DIR is required; one with a control character is a warning", () => {
    const push = renderSpec(spec(), { files: files() }).value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.match(
      push,
      /^\[\[ -n "\$\{SPEC_DIR:-\}" \]\] \|\| die 'set SPEC_DIR to the folder of the spec this bundle was rendered from'$/m,
    );
    assert.doesNotMatch(push, /bundle_dir/);
    const odd = renderSpec(spec(), { files: files(), specDirFromBundle: "../my\ncluster" });
    assert.deepEqual(odd.errors, []);
    assert.ok(odd.warnings.some((w) => w.code === "flannel.systemd.spec-dir" && w.message.includes("holds a control character")));
    assert.match(odd.value?.files["flannel/push-secrets.sh"]?.content ?? "", /die 'set SPEC_DIR to the folder/);
  });

  test("only absolute paths: the script needs no SPEC_DIR at all", () => {
    const s = spec();
    s.flannel.systemd.etcd.tls.keyFile = "/secure/flanneld-key.pem";
    const push = renderSpec(s, { files: files(), specDirFromBundle: ".." }).value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.doesNotMatch(push, /bundle_dir|"\$SPEC_DIR"|SPEC_DIR=\$\{|die 'set SPEC_DIR/);
    assert.match(push, /^push 'node1' 'root@192\.168\.1\.31' 22 '' '\/secure\/flanneld-key\.pem' /m);
  });

  test("absolute paths stay absolute; a relative ssh identity is resolved from SPEC_DIR too", () => {
    const s = spec({}, { privateKeyFile: "keys/id_ed25519" });
    s.flannel.systemd.etcd.tls.keyFile = "/secure/flanneld-key.pem";
    const push = renderSpec(s, { files: files() }).value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.match(push, /^push 'node2' 'root@192\.168\.1\.32' 22 "\$SPEC_DIR"\/'keys\/id_ed25519' '\/secure\/flanneld-key\.pem' /m);
  });

  test("a non-root ssh user writes through sudo -n, like install.sh; root does not", () => {
    const push = renderSpec(spec({}, { user: "ops" }), { files: files() }).value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.match(
      push,
      /^push 'node1' 'ops@192\.168\.1\.31' 22 '' "\$SPEC_DIR"\/'pki\/flanneld-key\.pem' 'sudo -n sh -c '\\''umask 077 && mkdir -p -- /m,
    );
    const root = renderSpec(spec(), { files: files() }).value?.files["flannel/push-secrets.sh"]?.content ?? "";
    assert.doesNotMatch(root, /sudo -n sh -c/);
  });
});
