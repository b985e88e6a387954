/**
 * The `podnet` CLI end to end: exit codes, output lines, JSON plans, and the
 * all-or-nothing render folder.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { needs } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const example = join(root, "examples/cli/cluster.yaml");
const dir = tempDir("cli");

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const small = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    { name: "a", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "b", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
  ],
};

describe("podnet validate", () => {
  test("the bundled example is valid", async () => {
    const r = await podnet("validate", example);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid \(3 nodes/);
  });

  test("exit 2: missing file, bad YAML, duplicate keys, two documents, not a mapping", async () => {
    const cases: Array<[string, RegExp]> = [
      [join(dir, "nope.yaml"), /cannot read .*nope.yaml: no such file/],
      [file("bad.yaml", "cluster: [\n"), /bad.yaml:\d+:\d+: YAML syntax error/],
      [file("dup.yaml", "cluster: {}\ncluster: {}\n"), /dup.yaml:2:1: duplicate key/],
      [file("two.yaml", "cluster: {}\n---\ncluster: {}\n"), /expected exactly one YAML document, found 2/],
      [file("list.yaml", "- a\n"), /the spec must be a mapping/],
    ];
    for (const [f, msg] of cases) {
      const r = await podnet("validate", f);
      assert.equal(r.code, 2, f);
      assert.match(r.err, msg);
      assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
    }
  });

  test("exit 2 for bad usage", async () => {
    assert.equal((await podnet("validate")).code, 2);
    assert.equal((await podnet("frobnicate")).code, 2);
    assert.equal((await podnet("render", example)).code, 2, "--out is required");
  });

  test("exit 1 with one problem per line; warnings marked", async () => {
    const spec = structuredClone(small) as typeof small & { cluster: Record<string, unknown> };
    spec.cluster.podCidrs = ["11.244.0.0/16"];
    spec.cluster.serviceCidrs = ["10.96.0.1/12"];
    const r = await podnet("validate", file("bad.json", JSON.stringify(spec)));
    assert.equal(r.code, 1);
    assert.deepEqual(r.err.split("\n"), [
      'error: cluster.serviceCidrs[0]: "10.96.0.1/12" has host bits set; did you mean "10.96.0.0/12"?',
      'warning: cluster.podCidrs[0]: "11.244.0.0/16" is outside private address space (RFC 1918, 100.64.0.0/10, fc00::/7); pods and Services would shadow real Internet addresses',
      `${join(dir, "bad.json")}: 1 error, 1 warning`,
    ]);
  });
});

describe("podnet plan", () => {
  test("table: networks, nodes and flags", async () => {
    const r = await podnet("plan", example);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ipv4 +10\.244\.0\.0\/16 +\/24 +256 +3 \(1\.2 %\)/);
    assert.match(r.out, /node1 +worker +10\.244\.7\.0\/24 +fd00:10:244:1::\/64 +ipv4 pinned, ipv6 allocated/);
    assert.match(r.out, /kube-controller-manager: --allocate-node-cidrs=true --cluster-cidr=10\.244\.0\.0\/16,fd00:10:244::\/56/);
  });

  test("--json is the plan document, parseable and deterministic", async () => {
    const a = await podnet("plan", example, "--json");
    const b = await podnet("plan", example, "--json");
    assert.equal(a.out, b.out);
    const { plan } = JSON.parse(a.out);
    assert.equal(plan.dnsServiceIp, "10.96.0.10");
    assert.equal(plan.nodes.length, 3);
  });

  test("--previous keeps subnets when a node is inserted first", async () => {
    const out = join(dir, "prev");
    assert.equal((await podnet("render", file("s1.json", JSON.stringify(small)), "--out", out)).code, 0);
    const grown = { ...small, nodes: [{ name: "z", interfaces: [{ name: "eth0", addresses: ["192.168.1.30/24"] }] }, ...small.nodes] };
    const r = await podnet("plan", file("s2.json", JSON.stringify(grown)), "--json", "--previous", join(out, "plan.json"));
    const { plan } = JSON.parse(r.out);
    const subnet = (n: string) => plan.nodes.find((x: { name: string }) => x.name === n).podCidrs.ipv4;
    assert.deepEqual([subnet("a"), subnet("b"), subnet("z")], ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
  });
});

describe("podnet render", () => {
  test("writes plan.json; an invalid spec leaves the folder exactly as it was", async () => {
    const out = join(dir, "out");
    const r = await podnet("render", file("ok.yaml", stringify(small)), "--out", out);
    assert.equal(r.code, 0, r.err);
    const before = readFileSync(join(out, "plan.json"), "utf8");
    assert.equal(JSON.parse(before).allocation.a.ipv4, "10.244.0.0/24");
    const broken = { ...small, cluster: { ...small.cluster, podCidrs: ["10.244.0.1/16"] } };
    const r2 = await podnet("render", file("broken.yaml", stringify(broken)), "--out", out);
    assert.equal(r2.code, 1);
    assert.match(r2.err, /nothing written/);
    assert.equal(readFileSync(join(out, "plan.json"), "utf8"), before);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith(".podnet-tmp")),
      [],
      "no temporary folder left behind",
    );
  });

  test("an unreadable previous plan.json is a usage error and changes nothing", async () => {
    const bad = file("bad-plan.json", "{not json");
    const out = join(dir, "fresh");
    const r = await podnet("render", file("ok2.yaml", stringify(small)), "--out", out, "--previous", bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read previous plan .*bad-plan.json/);
    assert.ok(!existsSync(out));
  });

  test("never replaces a folder podnet did not make", async () => {
    const spec = file("mine.yaml", stringify(small));
    const precious = join(dir, "precious");
    mkdirSync(precious);
    writeFileSync(join(precious, "notes.txt"), "keep me");
    const cases: Array<[string, RegExp]> = [
      [precious, /refusing to replace .*precious: it is not a podnet bundle/],
      [dir, /refusing to render into .*: it contains the spec file/],
      [spec, /refusing to render into .*mine.yaml: it contains the spec file/],
      [join(precious, "notes.txt"), /refusing to replace .*notes.txt: it is not a folder/],
      ["", /--out must name a folder/],
      [".", /refusing to render into/],
    ];
    for (const [out, msg] of cases) {
      const r = await podnet("render", spec, "--out", out);
      assert.equal(r.code, 2, out);
      assert.match(r.err, msg);
    }
    assert.equal(readFileSync(join(precious, "notes.txt"), "utf8"), "keep me");
    assert.equal(readFileSync(spec, "utf8"), stringify(small));
  });

  test("a folder that cannot be written: exit 2, nothing half-written", async () => {
    const notADir = file("regular-file", "x");
    const r = await podnet("render", file("ok3.yaml", stringify(small)), "--out", join(notADir, "out"));
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot write .*regular-file\/out: (ENOTDIR|EEXIST); nothing was changed there/);
    assert.equal(readFileSync(notADir, "utf8"), "x");
  });

  test("every example renders, and a second render replaces the first bundle", async () => {
    const examples = readdirSync(join(root, "examples/cli")).filter((f) => f.endsWith(".yaml"));
    assert.ok(examples.length >= 3);
    for (const ex of examples) {
      const out = join(dir, `again-${ex}`);
      for (let i = 0; i < 2; i++) {
        const r = await podnet("render", join(root, "examples/cli", ex), "--out", out);
        assert.equal(r.code, 0, `${ex} (render ${i + 1}): ${r.err}`);
      }
    }
  });

  test("same spec, byte-identical bundle", async () => {
    const a = join(dir, "det-a");
    const b = join(dir, "det-b");
    assert.equal((await podnet("render", example, "--out", a)).code, 0);
    assert.equal((await podnet("render", example, "--out", b)).code, 0);
    const listing = (d: string): string[] =>
      readdirSync(d, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(d.length))
        .sort();
    assert.deepEqual(listing(a), listing(b));
    for (const f of listing(a)) assert.equal(readFileSync(join(a, f), "utf8"), readFileSync(join(b, f), "utf8"), f);
  });
});

describe("rendered manifests", () => {
  test("strings that YAML 1.1 would read as booleans or numbers stay strings for kubectl", async () => {
    const spec = {
      ...small,
      flannel: { labels: { team: "yes", zone: "on", build: "0400" }, nodeSelector: { net: "off" } },
    };
    const out = join(dir, "yaml11");
    const r = await podnet("render", file("yaml11.json", JSON.stringify(spec)), "--out", out);
    assert.equal(r.code, 0, r.err);
    const text = readFileSync(join(out, "manifests", "flannel.yaml"), "utf8");
    for (const doc of text.split(/^---$/m)) {
      const obj = parse(doc, { version: "1.1" }) as { metadata?: { labels?: Record<string, unknown> } };
      if (obj?.metadata?.labels?.team !== undefined) {
        assert.equal(obj.metadata.labels.team, "yes");
        assert.equal(obj.metadata.labels.zone, "on");
        assert.equal(obj.metadata.labels.build, "0400");
      }
    }
    assert.match(text, /team: "yes"/);
  });

  test("a manifest file holding a Secret is written 0600", async () => {
    const spec = { ...small, flannel: { backend: { type: "wireguard", psk: Buffer.alloc(32, 7).toString("base64") } } };
    const out = join(dir, "secret");
    const r = await podnet("render", file("secret.json", JSON.stringify(spec)), "--out", out);
    assert.equal(r.code, 0, r.err);
    const manifest = join(out, "manifests", "flannel.yaml");
    assert.match(readFileSync(manifest, "utf8"), /kind: Secret/);
    assert.equal(statSync(manifest).mode & 0o777, 0o600);
  });
});

describe("pnpm scripts from a clone", () => {
  test("`pnpm podnet validate` runs the CLI from source", { skip: needs("pnpm") }, () => {
    const r = spawnSync("pnpm", ["-s", "podnet", "validate", "examples/cli/cluster.yaml"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid/);
  });

  test("`pnpm podnet` prints only the command's own output: no script line on stderr", { skip: needs("pnpm") }, () => {
    const r = spawnSync("pnpm", ["podnet", "validate", "examples/cli/cluster.yaml"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /valid/);
  });

  test("for development the CLI runs from source through tsx, without a build", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", join(root, "packages/cli/src/main.ts"), "--version"], {
      encoding: "utf8",
    });
    assert.equal(out.trim(), "0.1.0");
  });
});
