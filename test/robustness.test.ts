/**
 * Robustness sweep: arbitrary specs (wrong types, huge numbers, long strings,
 * unicode, missing sections, random nesting, and mutations of the valid
 * examples) always end in either a valid plan or a report of problems with
 * paths, never a crash: through the core (checkSpec, renderSpec, the map,
 * diff and the change guard) and through the CLI (exit codes 0, 1 or 2 only,
 * never 3 "internal error", no stack trace lines).
 *
 * And secrets: no private key, token, PSK or kubeconfig content appears in
 * any CLI output, plan.json or map, whatever the command.
 *
 * The fast-check seed is fixed so CI is reproducible; PODNET_FC_SEED and
 * PODNET_FC_RUNS widen the sweep locally.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkSpec, diffSpecs, flanneldCertSchema, type Problem, renderSpec, renderSpecMap } from "@podnet/core";
import { checkDisruptiveChanges, flanneldCertificateSpec, Problems } from "@podnet/core/internal";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { podnet } from "./support/cli.js";
import { makeCa, makeClientCert } from "./support/etcd.js";
import { needs } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examplesDir = join(root, "examples/cli");
const exampleFiles = readdirSync(examplesDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const examples: Array<{ name: string; spec: unknown }> = exampleFiles.map((f) => ({
  name: f,
  spec: parse(readFileSync(join(examplesDir, f), "utf8")),
}));
const clusterExample = examples.find((e) => e.name === "cluster.yaml")?.spec;
const SEED = Number(process.env.PODNET_FC_SEED ?? 20261121);
const RUNS = Number(process.env.PODNET_FC_RUNS ?? 0);
const dir = tempDir("robust");

// ---------------------------------------------------------------- generators

/** Keys podnet knows (so generated objects reach deep into the schema) plus hostile ones. */
const KEYS = [
  "apiVersion",
  "cluster",
  "nodes",
  "flannel",
  "calico",
  "prep",
  "podCidrs",
  "serviceCidrs",
  "nodeMaskSize",
  "ipv4",
  "ipv6",
  "maxPodsPerNode",
  "reservedCidrs",
  "dnsServiceIp",
  "clusterDomain",
  "name",
  "interfaces",
  "addresses",
  "mtu",
  "defaultRoute",
  "ssh",
  "host",
  "port",
  "user",
  "roles",
  "arch",
  "mode",
  "backend",
  "type",
  "vni",
  "systemd",
  "datastore",
  "etcd",
  "endpoints",
  "prefix",
  "ipPools",
  "cidr",
  "blockSize",
  "ipipMode",
  "vxlanMode",
  "install",
  "firewall",
  "__proto__",
  "constructor",
  "toString",
];

const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.integer({ min: 200, max: 5000 }).map((n) => "ж🙂".repeat(n)),
  fc.constantFrom(
    "",
    " ",
    "\n",
    "a;rm -rf /",
    "$(reboot)",
    "`id`",
    "eth0 $(x)",
    "../../etc/passwd",
    "-----BEGIN",
    "%s%n",
    "\u0000",
    "\u202e",
    "ﬃ",
    "İ",
  ),
);
const cidrish = fc.constantFrom(
  "10.244.0.0/16",
  "10.244.0.1/16",
  "10.96.0.0/12",
  "fd00:10:244::/56",
  "fd00:10:96::/112",
  "0.0.0.0/0",
  "::/0",
  "255.255.255.255/32",
  "::1/128",
  "1.2.3.4/33",
  "1.2.3.4",
  "192.168.1.31/24",
  "169.254.0.0/16",
  "10.0.0.0/8",
  "１０.0.0.0/8",
  "10.244.0.0/16 ",
  "10.244.0.0/016",
  "fe80::1%eth0/64",
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    24,
    64,
    110,
    65535,
    65536,
    16_777_216,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
);
const scalar = fc.oneof(text, cidrish, number, fc.boolean(), fc.constant(null), fc.constant(undefined));
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: text });

/** Any JSON-ish value, nested at random. */
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
})).value;

const loose = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: anyValue });
const nodeArb = fc.record(
  {
    name: loose(fc.constantFrom("a", "b", "node-1", "A", "x".repeat(70))),
    interfaces: loose(
      fc.array(
        fc.record(
          {
            name: loose(fc.constantFrom("eth0", "eth1", "ens33")),
            addresses: loose(fc.array(cidrish, { maxLength: 3 })),
            mtu: loose(number),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    ),
    podCidrs: loose(fc.array(cidrish, { maxLength: 2 })),
    roles: loose(fc.array(fc.constantFrom("control-plane", "worker", "etcd", "master"), { maxLength: 3 })),
    ssh: loose(
      fc.record(
        { host: loose(fc.constantFrom("192.168.1.31", "h;x")), port: loose(number), user: loose(fc.constantFrom("root", "Root")) },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
/** Spec-shaped input: the right sections, with right, wrong or missing values. */
const specShaped = fc.record(
  {
    apiVersion: loose(fc.constantFrom("podnet/v1", "podnet/v2")),
    cluster: loose(
      fc.record(
        {
          podCidrs: loose(fc.array(cidrish, { maxLength: 3 })),
          serviceCidrs: loose(fc.array(cidrish, { maxLength: 3 })),
          nodeMaskSize: loose(fc.record({ ipv4: loose(number), ipv6: loose(number) }, { requiredKeys: [] })),
          maxPodsPerNode: loose(number),
          reservedCidrs: loose(fc.array(cidrish, { maxLength: 2 })),
          dnsServiceIp: loose(fc.constantFrom("10.96.0.10", "10.96.0.1", "fd00:10:96::a", "x")),
          clusterDomain: loose(text),
        },
        { requiredKeys: [] },
      ),
    ),
    nodes: loose(fc.array(nodeArb, { maxLength: 4 })),
    flannel: loose(
      fc.record(
        {
          mode: loose(fc.constantFrom("daemonset", "systemd")),
          backend: loose(
            fc.record(
              { type: loose(fc.constantFrom("vxlan", "host-gw", "wireguard", "ipip", "udp", "ipsec")), vni: loose(number) },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    calico: loose(
      fc.record(
        {
          install: loose(fc.constantFrom("operator", "manifest")),
          ipPools: loose(fc.array(fc.record({ cidr: loose(cidrish), blockSize: loose(number) }, { requiredKeys: [] }), { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** Every path into a value (objects and arrays), for mutating examples. */
function pathsOf(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v))
    v.forEach((x, i) => {
      out.push(...pathsOf(x, [...prefix, i]));
    });
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

type Mutation = "replace" | "delete" | "wrap" | "nest";

function mutate(spec: unknown, path: Array<string | number>, how: Mutation, value: unknown): unknown {
  if (path.length === 0) return how === "delete" ? {} : value;
  const copy = structuredClone(spec) as Record<string | number, unknown>;
  let cur = copy;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (how === "delete") {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else if (how === "wrap") cur[last] = [cur[last]];
  else if (how === "nest") cur[last] = { [String(last)]: cur[last] };
  else cur[last] = value;
  return copy;
}

/** A valid example with one to three random edits. */
const mutatedExample = fc
  .record({
    example: fc.constantFrom(...examples.map((e) => e.spec)),
    edits: fc.array(
      fc.record({ at: fc.nat(), how: fc.constantFrom<Mutation>("replace", "replace", "delete", "wrap", "nest"), value: anyValue }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ example, edits }) => {
    let spec = example;
    for (const e of edits) {
      const all = pathsOf(spec);
      spec = mutate(spec, all[e.at % all.length] ?? [], e.how, e.value);
    }
    return spec;
  });

const arbitrarySpec = fc.oneof(
  { weight: 2, arbitrary: mutatedExample },
  { weight: 2, arbitrary: specShaped },
  { weight: 1, arbitrary: anyValue },
);

// ---------------------------------------------------------------- checks

const STACK_LINE = /^\s+at .*(\(|:\d+:\d+)/m;

function isPlainObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A report podnet may give: every problem has a path (non-empty below the root), a stable code and a message. */
function assertReport(problems: readonly Problem[], input: unknown, where: string): void {
  for (const p of problems) {
    assert.equal(typeof p.path, "string", `${where}: path`);
    assert.match(p.code, /^[a-z0-9][a-z0-9.-]*$/, `${where}: code ${p.code}`);
    assert.ok(typeof p.message === "string" && p.message.length > 0, `${where}: message`);
    assert.doesNotMatch(p.message, STACK_LINE, `${where}: no stack trace in ${p.message}`);
    // Below the root every problem has a path; the one exception is a key that is itself "" (its path is that empty name).
    const emptyKey = p.code === "spec.unknown-key" && p.message.includes('unknown key ""');
    if (isPlainObject(input) && p.code !== "spec.invalid-type" && !emptyKey)
      assert.notEqual(p.path, "", `${where}: problem without a path: ${p.message}`);
  }
}

function coreOutcome(input: unknown): void {
  const checked = checkSpec(input);
  assertReport(checked.errors, input, "checkSpec errors");
  assertReport(checked.warnings, input, "checkSpec warnings");
  const ok = checked.errors.length === 0;
  if (ok) assert.ok(checked.value?.plan, "no errors means a plan");
  const rendered = renderSpec(input);
  assertReport(rendered.errors, input, "renderSpec errors");
  assert.equal(rendered.value !== undefined, ok, "renderSpec agrees with checkSpec");
  if (rendered.value) JSON.stringify(rendered.value.planJson);
  const map = renderSpecMap(input);
  assert.equal(map.valid, ok);
  assert.ok(map.svg.startsWith("<svg") && map.svg.endsWith("</svg>\n"));
  const diff = diffSpecs(clusterExample, input);
  assert.equal(diff.errors.length === 0, ok, "diff works exactly on valid specs");
  const guard = checkDisruptiveChanges(clusterExample, input, ["cluster"]);
  assertReport(guard.errors, input, "guard");
}

function runs(n: number): number {
  return RUNS > 0 ? RUNS : n;
}

describe("robustness: the core never crashes", () => {
  test("the examples themselves are valid (the mutations start from valid specs)", () => {
    assert.ok(examples.length >= 1);
    for (const e of examples) {
      if (e.name === "flannel-binary.yaml") continue; // names certificate files beside it (checked through the CLI below)
      const r = checkSpec(e.spec);
      assert.deepEqual(r.errors, [], e.name);
    }
  });

  test("mutated examples", () => {
    fc.assert(fc.property(mutatedExample, coreOutcome), { numRuns: runs(250), seed: SEED });
  });

  test("spec-shaped input with wrong, missing and extreme values", () => {
    fc.assert(fc.property(specShaped, coreOutcome), { numRuns: runs(250), seed: SEED + 1 });
  });

  test("anything at all", () => {
    fc.assert(fc.property(anyValue, coreOutcome), { numRuns: runs(150), seed: SEED + 2 });
    for (const v of [null, undefined, 0, "", [], {}, Number.NaN, { cluster: { podCidrs: [], serviceCidrs: [] } }, Object.create(null)])
      coreOutcome(v);
  });
});

describe("robustness: hostile objects from code", () => {
  test("a null-prototype object where a string belongs (Pulumi / cdk8s callers; YAML cannot make one)", () => {
    const name = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(name, "constructor", { value: { name: Object.create(null) }, enumerable: true });
    coreOutcome({ cluster: { podCidrs: ["10.0.0.0/8"], serviceCidrs: ["10.96.0.0/12"] }, nodes: [{ name: "a", interfaces: [{ name }] }] });
  });
});

// ---------------------------------------------------------------- CLI

let fileCount = 0;
function specFile(content: string): string {
  const p = join(dir, `spec-${fileCount++}.yaml`);
  writeFileSync(p, content);
  return p;
}

async function cliOutcome(content: string): Promise<void> {
  const file = specFile(content);
  const example = join(examplesDir, "cluster.yaml");
  const commands: string[][] = [
    ["validate", file],
    ["plan", file],
    ["plan", file, "--json"],
    ["render", file, "--out", join(dir, "out")],
    ["map", file, "--out", join(dir, "map.svg")],
    ["diff", example, file],
    ["diff", file, example, "--json"],
  ];
  for (const args of commands) {
    const r = await podnet(...args);
    const all = `${r.out}\n${r.err}`;
    assert.ok([0, 1, 2].includes(r.code), `${args[0]}: exit ${r.code}\n${r.err}\n--- spec:\n${content.slice(0, 2000)}`);
    assert.doesNotMatch(all, /internal error/, `${args[0]}: internal error\n${r.err}`);
    assert.doesNotMatch(all, STACK_LINE, `${args[0]}: stack trace\n${all.slice(0, 3000)}`);
  }
}

/** YAML text of a value, or raw text: broken YAML, anchors, tags, deep nesting. */
const specText = fc.oneof(
  { weight: 4, arbitrary: arbitrarySpec.map((s) => stringify(s ?? null)) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "---\n",
      "cluster: [\n",
      "a: &a [*a]\n",
      "x: &x {y: *x}\ncluster: *x\n",
      "cluster: !!binary aGVsbG8=\n",
      "cluster: !!js/function 'function(){}'\n",
      `cluster: ${"[".repeat(3000)}${"]".repeat(3000)}\n`,
      `cluster: {podCidrs: [10.244.0.0/16], serviceCidrs: [10.96.0.0/12]}\nnodes: ${JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ name: `n${i}`, interfaces: [{ name: "eth0", addresses: [`10.1.${i >> 8}.${i & 255}/16`] }] })))}\n`,
      "cluster:\n  podCidrs: [10.244.0.0/16]\n  serviceCidrs: [10.96.0.0/12]\n  maxPodsPerNode: 1e400\n",
      "__proto__: {polluted: true}\ncluster: {}\n",
      "\ufeffcluster: {}\n",
      "cluster: {}\ncluster: {}\n",
      "a: 1\n---\nb: 2\n",
    ),
  },
);

describe("robustness: the CLI never crashes", () => {
  test("every input ends in exit 0, 1 or 2 with no stack trace", async () => {
    await fc.assert(fc.asyncProperty(specText, cliOutcome), { numRuns: runs(60), seed: SEED + 3 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
  });
});

// ---------------------------------------------------------------- secrets

function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
}

/** Lines of a secret long enough to be unmistakable (PEM body lines, tokens, PSKs). */
function secretLines(secret: string): string[] {
  return secret.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"));
}

/** Runs every command that reads `file` and collects what a user or a log would see. */
async function everyOutput(file: string, other: string): Promise<{ console: string; planJson: string; out: string; svg: string }> {
  const out = join(dir, `secret-out-${fileCount++}`);
  const svg = join(dir, `secret-${fileCount++}.svg`);
  const runs = [
    await podnet("validate", file),
    await podnet("plan", file),
    await podnet("plan", file, "--json", "--svg", svg),
    await podnet("render", file, "--out", out),
    await podnet("map", file, "--out", "-"),
    await podnet("diff", other, file),
    await podnet("diff", other, file, "--json"),
    await podnet("diff", file, other, "--json"),
  ];
  const rendered = runs[3];
  assert.equal(rendered?.code, 0, `render: ${rendered?.err}`);
  return {
    console: runs.map((r) => `${r.out}\n${r.err}`).join("\n"),
    planJson: readFileSync(join(out, "plan.json"), "utf8"),
    out,
    svg: readFileSync(svg, "utf8"),
  };
}

function assertAbsent(haystack: string, secret: string, where: string): void {
  for (const line of secretLines(secret)) assert.ok(!haystack.includes(line), `${where} contains secret material: ${line.slice(0, 12)}...`);
}

describe("secrets never leak into output, plan.json or the map", () => {
  test("a WireGuard PSK: only inside the flannel Secret manifest", async () => {
    const psk = "c2VjcmV0LXBzay1mb3ItcG9kbmV0LXRlc3RzLTMyYiE=";
    const spec = structuredClone(clusterExample) as Record<string, unknown>;
    spec.flannel = { backend: { type: "wireguard", psk } };
    const file = specFile(stringify(spec));
    const seen = await everyOutput(file, join(examplesDir, "cluster.yaml"));
    assertAbsent(seen.console, psk, "console output");
    assertAbsent(seen.planJson, psk, "plan.json");
    assertAbsent(seen.svg, psk, "the map");
    for (const f of walk(seen.out)) {
      const content = readFileSync(f, "utf8");
      if (!content.includes(psk) && !content.includes(Buffer.from(psk).toString("base64"))) continue;
      assert.equal(relative(seen.out, f), "manifests/flannel.yaml", `the PSK is only in the manifests, not in ${relative(seen.out, f)}`);
      const docs = content.split(/^---$/m).filter((d) => d.includes(psk) || d.includes(Buffer.from(psk).toString("base64")));
      for (const d of docs) assert.match(d, /^kind: Secret$/m, "only a Secret carries it");
    }
    const bad = structuredClone(spec) as { flannel: { backend: { psk: string } } };
    bad.flannel.backend.psk = "not-a-valid-psk-but-still-a-secret-value";
    const r = await podnet("validate", specFile(stringify(bad)));
    assert.equal(r.code, 1);
    assert.ok(!`${r.out}${r.err}`.includes(bad.flannel.backend.psk), "a malformed PSK is not echoed either");
  });

  describe("flanneld's etcd client key, the kube-subnet-mgr token and the ssh key (files the spec names)", {
    skip: needs("openssl"),
  }, () => {
    const work = join(dir, "files");
    let key = "";
    const token = "eyJhbGciOiJSUzI1NiJ9.podnet-test-token-never-printed.c2lnbmF0dXJl";
    const sshKey =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUtcG9kbmV0LXRlc3Qtc3NoLWtleQ==\n-----END OPENSSH PRIVATE KEY-----\n";

    before(async () => {
      mkdirSync(join(work, "pki"), { recursive: true });
      copyFileSync(join(examplesDir, "flannel-binary.yaml"), join(work, "flannel-binary.yaml"));
      const ca = await makeCa(join(work, "pki"), "ca");
      const p = new Problems();
      const spec = flanneldCertificateSpec(flanneldCertSchema.parse({}), "certificate", p);
      assert.ok(spec);
      await makeClientCert(ca, join(work, "pki"), spec, "flanneld");
      key = readFileSync(join(work, "pki", "flanneld-key.pem"), "utf8");
      copyFileSync(join(work, "pki", "ca.pem"), join(work, "pki", "kubernetes-ca.pem"));
      writeFileSync(join(work, "pki", "token"), token, { mode: 0o600 });
      writeFileSync(join(work, "id_ed25519"), sshKey, { mode: 0o600 });
    });

    test("etcd datastore: the client key appears nowhere", async () => {
      const file = join(work, "flannel-binary.yaml");
      const spec = parse(readFileSync(file, "utf8")) as { nodes: Array<{ ssh: Record<string, unknown> }> };
      for (const n of spec.nodes) n.ssh.privateKeyFile = "id_ed25519";
      writeFileSync(file, stringify(spec));
      const seen = await everyOutput(file, file);
      for (const [what, text] of [
        ["console output", seen.console],
        ["plan.json", seen.planJson],
        ["the map", seen.svg],
        ...walk(seen.out).map((f) => [relative(seen.out, f), readFileSync(f, "utf8")] as const),
      ] as const) {
        assertAbsent(text, key, what);
        assertAbsent(text, sshKey, what);
      }
    });

    test("kube-subnet-mgr: the token and the kubeconfig stay out of the console and plan.json", async () => {
      const spec = parse(readFileSync(join(examplesDir, "flannel-binary.yaml"), "utf8")) as Record<string, Record<string, unknown>>;
      spec.flannel = {
        ...spec.flannel,
        subnetLen: undefined,
        systemd: {
          datastore: "kube-subnet-mgr",
          kubeSubnetMgr: { apiServer: "https://192.168.1.31:6443", caFile: "pki/kubernetes-ca.pem", tokenFile: "pki/token" },
          release: { sha256: { amd64: "1".repeat(64) } },
          containerRuntime: "containerd",
          cniPlugin: { sha256: { amd64: "2".repeat(64) } },
        },
      };
      const file = join(work, "kube.yaml");
      writeFileSync(file, stringify(spec));
      const seen = await everyOutput(file, file);
      const kubeconfigs = walk(seen.out).filter((f) => f.endsWith("/etc/kubernetes/flannel.conf"));
      assert.ok(kubeconfigs.length > 0, "a kubeconfig per node is rendered");
      for (const f of walk(seen.out)) assertAbsent(readFileSync(f, "utf8"), token, relative(seen.out, f));
      for (const [what, text] of [
        ["console output", seen.console],
        ["plan.json", seen.planJson],
        ["the map", seen.svg],
      ] as const) {
        assertAbsent(text, token, what);
        assert.doesNotMatch(text, /kind: Config|current-context|client-certificate-data|client-key-data/, `${what}: no kubeconfig content`);
      }
    });
  });
});
