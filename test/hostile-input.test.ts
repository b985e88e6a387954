/**
 * Hostile input to the CLI: everything it reads (specs, --previous plan.json, the PEM
 * files a spec names) and the pipes it writes to.
 *
 * - The corpus in test/hostile/ (alias bombs, missing and cyclic aliases, 10,000-deep
 *   nesting in flow and block YAML and in JSON, prototype keys, UTF-16/UTF-32, Latin-1,
 *   NUL bytes) goes through every command that reads a spec: each ends in exit 2 with the
 *   file and the rule named, no stack trace, no "internal error".
 * - Devices, FIFOs and oversized files (made here, not committed) are refused by kind and
 *   limit, as a spec, as a plan.json and as a caFile.
 * - Each corpus file, and each generated one, also runs in a child process with a 300 MB
 *   heap: it must end with exit 2, not a V8 out-of-memory crash or a hang (a generous
 *   timeout kills a hang and fails the test; nothing here measures time).
 * - YAML 1.1 directives do not change values, unknown tags warn, malformed previous
 *   allocations are refused, `| head` ends quietly with 141, and Node < 22 is refused.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { INPUT_LIMITS, SPEC_MAX_SCALARS } from "@podnet/cli";
import { parse, stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpusDir = join(root, "test/hostile");
const example = join(root, "examples/cli/cluster.yaml");
const main = join(root, "packages/cli/src/main.ts");
const dir = tempDir("hostile");

/** What each corpus file must be refused for (a fragment of the message). */
const CORPUS: Record<string, RegExp> = {
  "alias-bomb.yaml": /alias-bomb\.yaml: its aliases expand to more than 100 copies \(the limit for a spec/,
  "alias-count.yaml": /alias-count\.yaml: 101 aliases \(\*name\); a spec may use at most 100/,
  "alias-cycle.yaml": /alias-cycle\.yaml:4:9: cluster\.self: alias \*c is inside the value it refers to \(a cycle\)/,
  "alias-missing.yaml": /alias-missing\.yaml:2:13: cluster\.podCidrs: alias \*pods refers to no anchor &pods set before it/,
  "collection-key.yaml": /collection-key\.yaml:2:5: cluster: a key must be a plain string, not a mapping or list/,
  "deep-block-map.yaml": /deep-block-map\.yaml:\d+:\d+: nested deeper than 64 levels of mappings and lists \(the limit for a spec\)/,
  "deep-block-seq.yaml": /deep-block-seq\.yaml:\d+:\d+: nested deeper than 64 levels/,
  "deep-flow-map.yaml": /deep-flow-map\.yaml:\d+:\d+: nested deeper than 64 levels/,
  "deep-flow.yaml": /deep-flow\.yaml:\d+:\d+: nested deeper than 64 levels/,
  "deep-map.json": /deep-map\.json:\d+:\d+: nested deeper than 64 levels/,
  "deep.json": /deep\.json:\d+:\d+: nested deeper than 64 levels/,
  "empty.yaml": /empty\.yaml: empty \(no YAML document\)/,
  "latin1.yaml": /latin1\.yaml: it is not valid UTF-8 .*; save the file as UTF-8/,
  "nul-byte.yaml": /nul-byte\.yaml: it contains a NUL byte at offset \d+ .*; save the file as UTF-8/,
  "proto-key.json": /proto-key\.json:1:\d+: nodes\[0\]\.constructor: the key "constructor" is not allowed in a spec/,
  "proto-key.yaml": /proto-key\.yaml:4:3: cluster\.__proto__: the key "__proto__" is not allowed in a spec/,
  "two-documents.yaml": /two-documents\.yaml: expected exactly one YAML document, found 2/,
  "utf16-bom.yaml": /utf16-bom\.yaml: it is UTF-16 \(little-endian BOM\); save the file as UTF-8/,
  "utf16be-bom.yaml": /utf16be-bom\.yaml: it is UTF-16 \(big-endian BOM\); save the file as UTF-8/,
  "utf16-no-bom.yaml": /utf16-no-bom\.yaml: it looks like UTF-16 or UTF-32 without a BOM .*; save the file as UTF-8/,
  "utf32-bom.yaml": /utf32-bom\.yaml: it is UTF-32 \(little-endian BOM\); save the file as UTF-8/,
};

/** Every way a command reads a spec file F. */
function readers(f: string): string[][] {
  return [
    ["validate", f],
    ["plan", f],
    ["plan", f, "--json"],
    ["render", f, "--out", join(dir, "render-out")],
    ["map", f, "--out", join(dir, "map.svg")],
    ["diff", f, example],
    ["diff", example, f],
    ["doctor", f],
  ];
}

function assertUsageError(r: { code: number; err: string; out?: string }, msg: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.err}`);
  assert.match(r.err, msg, what);
  assert.doesNotMatch(r.err, /internal error|Maximum call stack|\n\s+at /, `${what}: no stack trace or internal error`);
}

/** Runs the CLI in a child process with a 300 MB heap; a hang is killed by the timeout (a failure detector, not a measurement). */
function bounded(args: string[]): { code: number; err: string } {
  const r = spawnSync(process.execPath, ["--max-old-space-size=300", "--import", "tsx", main, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    killSignal: "SIGKILL",
  });
  return { code: r.status ?? (r.signal ? 128 : -1), err: `${r.stderr}${r.signal ? `\n(killed by ${r.signal})` : ""}` };
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const fifo = join(dir, "spec.fifo");
const haveFifo = (() => {
  try {
    execFileSync("mkfifo", [fifo]);
    return true;
  } catch {
    return false;
  }
})();

/** Generated refusals: a device, a FIFO, a folder and a file one byte over the limit. */
function generatedSpecs(): Array<[string, RegExp]> {
  const big = file("oversized.yaml", `cluster: {}\n#${"x".repeat(INPUT_LIMITS.spec.bytes)}\n`);
  const out: Array<[string, RegExp]> = [
    ["/dev/zero", /spec file \/dev\/zero: it is a character device; podnet reads only regular files/],
    ["/dev/urandom", /spec file \/dev\/urandom: it is a character device/],
    [dir, /: it is a folder; give the path of a spec file|: it is a folder; podnet reads only regular files/],
    [big, /oversized\.yaml: larger than 8 MiB, the limit for a spec file \(a 10,000-node spec is about 3\.6 MB\)/],
  ];
  if (haveFifo) out.push([fifo, /spec\.fifo: it is a FIFO \(named pipe\); podnet reads only regular files/]);
  return out;
}

describe("hostile spec files", () => {
  test("the corpus folder and the table list the same files", () => {
    assert.deepEqual(readdirSync(corpusDir).sort(), Object.keys(CORPUS).sort());
  });

  test("every corpus file, through every command that reads a spec: exit 2 naming the file and the rule", async () => {
    for (const [name, msg] of Object.entries(CORPUS)) {
      for (const args of readers(join(corpusDir, name))) assertUsageError(await podnet(...args), msg, `${args.join(" ")}`);
    }
    assert.ok(!existsSync(join(dir, "render-out")), "render wrote nothing");
    assert.ok(!existsSync(join(dir, "map.svg")), "map wrote nothing");
  });

  test("devices, a FIFO, a folder and an oversized file: refused by kind and limit before reading", async (t) => {
    if (!haveFifo) t.diagnostic("mkfifo not available: the FIFO case is skipped");
    for (const [f, msg] of generatedSpecs()) {
      for (const args of readers(f)) assertUsageError(await podnet(...args), msg, `${args.join(" ")}`);
    }
  });

  test("in a child process with a 300 MB heap, each corpus and generated file ends in exit 2 (no OOM, no hang)", () => {
    const files: Array<[string, RegExp]> = [
      ...Object.entries(CORPUS).map(([n, m]): [string, RegExp] => [join(corpusDir, n), m]),
      ...generatedSpecs(),
    ];
    for (const [f, msg] of files) assertUsageError(bounded(["validate", f]), msg, `validate ${f}`);
  });

  test("more than 500,000 values in a spec is refused by count before the parser builds them (300 MB heap)", () => {
    const many = file("many-values.yaml", `cluster: [${"1,".repeat(SPEC_MAX_SCALARS)}1]\n`);
    assertUsageError(
      bounded(["validate", many]),
      /many-values\.yaml:\d+:\d+: more than 500,000 values \(the limit for a spec/,
      "many values",
    );
  });

  test("a plain string of several MB is read and reported within the limit (300 MB heap)", () => {
    const spec = `cluster:\n  podCidrs: ["10.244.0.0/16"]\n  serviceCidrs: ["10.96.0.0/12"]\nnodes:\n  - name: ${"a".repeat(6 * 1024 * 1024)}\n    interfaces: [{name: eth0, addresses: ["192.168.1.31/24"]}]\n`;
    const r = bounded(["validate", file("long-string.yaml", spec)]);
    assert.equal(r.code, 1, r.err.slice(0, 2000));
    assert.match(r.err, /nodes\[0\]\.name: "a+\.\.\. is not a DNS-1123 label/);
  });
});

describe("files a spec names", () => {
  const flannel = parse(readFileSync(join(root, "examples/cli/flannel-binary.yaml"), "utf8"));
  const withCa = (name: string, caFile: string) => {
    const spec = structuredClone(flannel);
    spec.flannel.systemd.etcd.tls.caFile = caFile;
    spec.flannel.systemd.etcd.tls.certFile = join(root, "examples/cli/pki/flanneld.pem");
    return file(name, stringify(spec));
  };

  test("caFile: a device, a FIFO, a folder or an oversized PEM is exit 2 naming the spec path and the limit", async () => {
    const cases: Array<[string, RegExp]> = [
      ["/dev/zero", /flannel\.systemd\.etcd\.tls\.caFile: cannot read PEM file \/dev\/zero: it is a character device/],
      [dir, /flannel\.systemd\.etcd\.tls\.caFile: cannot read PEM file .*: it is a folder/],
      [
        file("huge.pem", `-----BEGIN CERTIFICATE-----\n${"A".repeat(INPUT_LIMITS.PEM.bytes)}\n`),
        /flannel\.systemd\.etcd\.tls\.caFile: cannot read PEM file .*huge\.pem: larger than 1 MiB, the limit for a PEM file/,
      ],
      [
        file("ca16.pem", Buffer.from(`\ufeff${readFileSync(join(root, "examples/cli/pki/ca.pem"), "utf8")}`, "utf16le")),
        /ca16\.pem: it is UTF-16/,
      ],
    ];
    if (haveFifo) cases.push([fifo, /flannel\.systemd\.etcd\.tls\.caFile: cannot read PEM file .*spec\.fifo: it is a FIFO/]);
    for (const [ca, msg] of cases) {
      const spec = withCa("ca-spec.yaml", ca);
      for (const cmd of [["validate"], ["plan"], ["render", "--out", join(dir, "ca-out")]]) {
        const [name, ...rest] = cmd as [string, ...string[]];
        assertUsageError(await podnet(name, spec, ...rest), msg, `${name} with caFile ${ca}`);
      }
      assertUsageError(bounded(["validate", spec]), msg, `validate (child) with caFile ${ca}`);
    }
    assert.ok(!existsSync(join(dir, "ca-out")));
  });

  test("a missing caFile stays a spec error (exit 1) with its path", async () => {
    const r = await podnet("validate", withCa("ca-missing.yaml", join(dir, "no-such.pem")));
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /flannel\.systemd\.etcd\.tls\.caFile: ".*no-such\.pem" could not be read/);
  });
});

describe("--previous plan.json", () => {
  const small = {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [{ name: "node2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] }],
  };
  const spec = file("small.yaml", stringify(small));
  const cases: Array<[string, unknown, RegExp]> = [
    ["number-entry", { allocation: { node2: 7 } }, /allocation\["node2"\] is number 7; expected \{"ipv4": "<cidr>", "ipv6": "<cidr>"\}/],
    ["null-entry", { allocation: { node2: null } }, /allocation\["node2"\] is null; expected/],
    ["list-entry", { allocation: { node2: ["10.244.0.0/24"] } }, /allocation\["node2"\] is a list; expected/],
    ["list-allocation", { allocation: ["10.244.0.0/24"] }, /"allocation" is a list; expected a mapping \{"<node name>"/],
    ["null-allocation", { allocation: null }, /"allocation" is null; expected a mapping/],
    ["number-cidr", { allocation: { node2: { ipv4: 24 } } }, /allocation\["node2"\]\.ipv4 is number 24; expected a CIDR string/],
    [
      "unknown-family",
      { allocation: { node2: { ipv5: "x" } } },
      /allocation\["node2"\]\.ipv5: unknown key; expected only "ipv4" and "ipv6"/,
    ],
    ["a-list", [], /no "allocation" in this plan\.json; expected/],
    ["null", null, /no "allocation" in this plan\.json; expected/],
  ];

  test("malformed entries are usage errors naming the file, the entry and the shape (plan, render, map, diff)", async () => {
    for (const [name, data, msg] of cases) {
      const prev = file(`prev-${name}.json`, JSON.stringify(data));
      const fileMsg = new RegExp(`prev-${name}\\.json: ${msg.source}`);
      for (const args of [
        ["plan", spec, "--previous", prev],
        ["render", spec, "--out", join(dir, "prev-out"), "--previous", prev],
        ["map", spec, "--out", join(dir, "prev.svg"), "--previous", prev],
        ["diff", spec, spec, "--previous", prev],
      ])
        assertUsageError(await podnet(...args), fileMsg, `${args.join(" ")}`);
    }
    assert.ok(!existsSync(join(dir, "prev-out")));
  });

  test("render's implicit DIR/plan.json is checked the same way", async () => {
    const out = join(dir, "implicit");
    assert.equal((await podnet("render", spec, "--out", out)).code, 0);
    const planJson = join(out, "plan.json");
    const plan = JSON.parse(readFileSync(planJson, "utf8"));
    writeFileSync(planJson, JSON.stringify({ ...plan, allocation: { node2: 7 } }));
    assertUsageError(
      await podnet("render", spec, "--out", out),
      /plan\.json: allocation\["node2"\] is number 7/,
      "render over a bad plan.json",
    );
  });

  test("a device or an oversized plan.json is refused by kind and limit", async () => {
    assertUsageError(
      await podnet("plan", spec, "--previous", "/dev/zero"),
      /plan\.json file \/dev\/zero: it is a character device/,
      "/dev/zero",
    );
    const deep = file("deep-plan.json", `{"allocation": {"a": {"ipv4": ${"[".repeat(100_000)}${"]".repeat(100_000)}}}}`);
    assertUsageError(
      await podnet("plan", spec, "--previous", deep),
      /deep-plan\.json: nested deeper than 64 levels \(the limit for a plan\.json file\)/,
      "deep",
    );
    const huge = file("huge-plan.json", " ".repeat(INPUT_LIMITS["plan.json"].bytes + 1));
    assertUsageError(await podnet("plan", spec, "--previous", huge), /larger than 32 MiB, the limit for a plan\.json file/, "oversized");
  });
});

describe("YAML rules", () => {
  test("%YAML 1.1 does not change values: 0110 stays 110, 22:22 stays a string; the directive is a warning", async () => {
    const text = [
      "%YAML 1.1",
      "---",
      "cluster:",
      '  podCidrs: ["10.244.0.0/16"]',
      '  serviceCidrs: ["10.96.0.0/12"]',
      "  maxPodsPerNode: 0110",
      "nodes:",
      '  - { name: n1, interfaces: [{ name: eth0, addresses: ["192.168.1.31/24"] }] }',
      "prep:",
      "  extraPorts: [{ port: 30000, purpose: 22:22 }]",
      "flannel: {}",
      "",
    ].join("\n");
    const f = file("yaml11.yaml", text);
    const r = await podnet("plan", f, "--json");
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).plan.maxPodsPerNode, 110);
    assert.match(r.err, /warning: .*yaml11\.yaml: %YAML 1\.1: podnet reads every spec as YAML 1\.2 \(core schema\)/);
  });

  test("an unknown tag is a warning with its line and path; the value is read as plain YAML", async () => {
    const spec = parse(readFileSync(example, "utf8"));
    const text = stringify(spec).replace("dnsServiceIp: 10.96.0.10", "dnsServiceIp: !ip 10.96.0.10");
    assert.notEqual(text, stringify(spec));
    const r = await podnet("validate", file("tagged.yaml", text));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warning: .*tagged\.yaml:\d+:\d+: cluster\.dnsServiceIp: tag !ip is not a YAML 1\.2 core tag and is ignored/);
  });

  test("aliases within the limits still work, also to an anchored key", async () => {
    const text = readFileSync(example, "utf8")
      .replace("roles: [control-plane, etcd]", "roles: &roles [control-plane, etcd]")
      .replace("ssh: { host: 192.168.1.32, user: root }", "ssh: { host: 192.168.1.32, &user user: root }\n    roles: *roles")
      .replace("ssh: { host: 192.168.1.33, user: root }", "ssh: { host: 192.168.1.33, user: *user }");
    assert.equal(text.match(/\*(roles|user)\b/g)?.length, 2, "both aliases are in the spec");
    const r = await podnet("plan", file("alias-ok.yaml", text), "--json");
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out).plan;
    assert.deepEqual(plan.nodes[1].roles, ["control-plane", "etcd"]);
  });
});

describe("pipes and Node versions (child processes)", () => {
  const nodes = (n: number, mtu?: number) => ({
    cluster: { podCidrs: ["10.240.0.0/12"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: Array.from({ length: n }, (_, i) => ({
      name: `n${i}`,
      interfaces: [{ name: "eth0", addresses: [`192.168.${i >> 8}.${i & 255}/16`], ...(mtu ? { mtu } : {}) }],
    })),
    flannel: {},
  });

  test("podnet plan | head -n 1 and podnet diff | head -n 1 end quietly with 141 (128 + SIGPIPE)", () => {
    const big = file("pipe-old.json", JSON.stringify(nodes(1000)));
    const changed = file("pipe-new.json", JSON.stringify(nodes(1000, 9000)));
    for (const args of [
      ["plan", big],
      ["diff", big, changed],
    ]) {
      const cmd = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(main)} ${args.map((a) => JSON.stringify(a)).join(" ")} 2>${JSON.stringify(join(dir, "pipe.err"))} | head -n 1; echo "status=\${PIPESTATUS[0]}"`;
      const out = execFileSync("bash", ["-c", cmd], { cwd: root, encoding: "utf8", timeout: 120_000 });
      const err = readFileSync(join(dir, "pipe.err"), "utf8");
      const lines = out.trimEnd().split("\n");
      assert.equal(lines.length, 2, out);
      assert.equal(lines[1], "status=141", `${args[0]}: ${err}`);
      assert.doesNotMatch(err, /EPIPE|\n\s+at /, `${args[0]}: quiet`);
    }
  });

  test("Node < 22 is refused at once with the version it found (/usr/bin/node)", (t) => {
    const old = "/usr/bin/node";
    const version = existsSync(old) ? spawnSync(old, ["--version"], { encoding: "utf8" }).stdout.trim() : "";
    const major = Number(/^v(\d+)/.exec(version)?.[1]);
    if (!(major < 22)) {
      t.skip(`${old} is ${version || "absent"}; no older Node to test with`);
      return;
    }
    const r = spawnSync(old, ["--import", "tsx", main, "validate", example], { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.stderr, `podnet needs Node.js >= 22; this is ${version}\n`);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
  });
});
