/**
 * Keeps README.md and docs/runbook-guide.md honest against the code:
 *
 * - every `podnet <command>` they show exists in the CLI (its `--help` is that
 *   command's usage, not the program's), with every `--flag` written after it;
 * - every YAML snippet of the guide validates with `checkSpec`: a full spec
 *   (with `cluster:`) as it is, a `# fragment of <file>` merged into that
 *   spec; `# expect: <code>, ...` names the problems it must produce (and the
 *   only errors it may produce); a plain `# fragment` is left alone;
 * - every problem or finding code the guide cites is a code in the sources,
 *   every spec path it cites (`flannel.systemd.etcd.prefix`) is a field of the
 *   spec schema, every Pulumi `hosts.*` argument and API name exists;
 * - every relative link in both files points to a file that exists, and every
 *   `#anchor` to a heading of the same file.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "@podnet/cli";
import { checkSpec, podnetSpecSchema, specFileRefs } from "@podnet/core";
import { parse } from "yaml";
import { testPem } from "./support/pem.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const README = "README.md";
const GUIDE = "docs/runbook-guide.md";
const read = (file: string) => readFileSync(join(root, file), "utf8");

interface Fence {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Splits markdown into fenced blocks (indented ones in list items too) and the prose around them. */
function splitMarkdown(text: string): { fences: Fence[]; prose: string } {
  const fences: Fence[] = [];
  const prose: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})([\w-]*)\s*$/.exec(lines[i] as string);
    if (!open) {
      prose.push(lines[i] as string);
      continue;
    }
    const indent = (open[1] as string).length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*`{3,}\s*$/.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent));
    assert.ok(j < lines.length, `unclosed code fence opened at line ${i + 1}`);
    fences.push({ lang: open[3] as string, body: body.join("\n"), line: i + 1 });
    prose.push("");
    i = j;
  }
  return { fences, prose: prose.join("\n") };
}

/** The inline code spans of prose. */
function codeSpans(prose: string): string[] {
  return [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
}

interface CommandUse {
  readonly command: string;
  readonly flags: readonly string[];
  readonly where: string;
}

/** `podnet <command> ... --flag` in a code span or a code line; a shell comment, pipe or `;` ends it. */
function commandUses(text: string, where: string): CommandUse[] {
  const out: CommandUse[] = [];
  for (const m of text.matchAll(/(?:^|[\s(`])podnet\s+([a-z][a-z-]*)([^\n]*)/g)) {
    const rest = (m[2] as string).split(/\s#|[|;&`]/)[0] as string;
    out.push({ command: m[1] as string, flags: rest.match(/--[a-z][a-z-]*/g) ?? [], where });
  }
  return out;
}

function commandsOf(file: string): CommandUse[] {
  const { fences, prose } = splitMarkdown(read(file));
  return [
    ...codeSpans(prose).flatMap((s) => commandUses(s, `${file}: \`${s}\``)),
    // YAML and JSON blocks are specs, whose comments may say "podnet" in prose.
    ...fences.filter((f) => !/^(ya?ml|json)$/.test(f.lang)).flatMap((f) => commandUses(f.body, `${file}:${f.line} (code block)`)),
  ];
}

async function help(command: string): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await run([command, "--help"], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, text: lines.join("\n") };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to "-", repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of splitMarkdown(text).prose.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = (m[1] as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Objects merge key by key; arrays and scalars of the fragment replace the base's. */
function deepMerge(base: unknown, over: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Contents for the certificate files a spec names: a test client certificate or CA (never a key). */
function dummyFiles(spec: unknown): Record<string, string> {
  const { ca, cert } = testPem();
  return Object.fromEntries(specFileRefs(spec).map((r) => [r.file, r.path.endsWith("certFile") ? cert : ca]));
}

interface Snippet {
  readonly line: number;
  readonly kind: "full" | "merged" | "fragment";
  readonly spec?: unknown;
  readonly base?: string;
  readonly expect: readonly string[];
}

function guideSnippets(): Snippet[] {
  return splitMarkdown(read(GUIDE))
    .fences.filter((f) => f.lang === "yaml" || f.lang === "yml")
    .map((f): Snippet => {
      const header = f.body.split("\n").filter((l) => /^#/.test(l));
      const fragmentOf = header.map((l) => /^# fragment of (\S+)\s*$/.exec(l)?.[1]).find((x) => x !== undefined);
      const plain = header.some((l) => /^# fragment\s*$/.test(l));
      const expect = header.flatMap((l) => (/^# expect: (.+)$/.exec(l)?.[1] ?? "").split(/,\s*/)).filter((x) => x !== "");
      const doc = parse(f.body) as unknown;
      if (fragmentOf) {
        const baseFile = join(root, fragmentOf);
        assert.ok(existsSync(baseFile), `${GUIDE}:${f.line}: "# fragment of ${fragmentOf}" names no file of the repository`);
        return { line: f.line, kind: "merged", spec: deepMerge(parse(readFileSync(baseFile, "utf8")), doc), base: fragmentOf, expect };
      }
      if (plain) return { line: f.line, kind: "fragment", expect };
      const full = typeof doc === "object" && doc !== null && "cluster" in doc;
      assert.ok(full, `${GUIDE}:${f.line}: a YAML snippet without cluster: must be marked "# fragment" or "# fragment of <spec file>"`);
      return { line: f.line, kind: "full", spec: doc, expect };
    });
}

/** Every `.ts` file under the packages' src folders, as one text. */
function sources(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) out.push(readFileSync(p, "utf8"));
    }
  };
  for (const pkg of readdirSync(join(root, "packages"))) {
    const src = join(root, "packages", pkg, "src");
    if (existsSync(src)) walk(src);
  }
  return out.join("\n");
}

/** Codes the guide cites: "code `x`", "codes `x`, `y`", "finding `x`", "findings `x` and `y`", and `# expect:` lines. */
function citedCodes(): string[] {
  const { prose } = splitMarkdown(read(GUIDE));
  const out = new Set<string>();
  for (const m of prose.matchAll(/\b(?:codes?|findings?)\s+((?:`[^`\n]+`(?:,\s*|\s+and\s+|\s+or\s+)?)+)/g)) {
    for (const c of (m[1] as string).matchAll(/`([^`]+)`/g)) out.add(c[1] as string);
  }
  for (const s of guideSnippets()) for (const c of s.expect) out.add(c);
  return [...out];
}

type ZodDef = {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: unknown[];
  valueType?: unknown;
  in?: unknown;
};
const defOf = (schema: unknown): ZodDef | undefined => (schema as { _zod?: { def?: ZodDef } } | undefined)?._zod?.def;

/** True when `path` (e.g. `flannel.systemd.etcd.prefix`, `nodes[].podCidrs`) names a field of the spec schema. */
function specHasPath(schema: unknown, segments: readonly string[]): boolean {
  const def = defOf(schema);
  if (!def) return false;
  if (segments.length === 0) return true;
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
    case "readonly":
      return specHasPath(def.innerType, segments);
    case "pipe":
      return specHasPath(def.in, segments);
    case "union":
      return (def.options ?? []).some((o) => specHasPath(o, segments));
    case "array":
      return segments[0] === "[]" && specHasPath(def.element, segments.slice(1));
    case "record":
      return specHasPath(def.valueType, segments.slice(1));
    case "object": {
      const [head, ...rest] = segments;
      const field = head !== undefined ? def.shape?.[head] : undefined;
      return field !== undefined && specHasPath(field, rest);
    }
    default:
      return false;
  }
}

const SPEC_PATH = /^((?:cluster|nodes|flannel|calico|prep)(?:\[\])?(?:\.[A-Za-z][A-Za-z0-9]*(?:\[\])?)+)(?:: \S.*)?$/;

function pathSegments(path: string): string[] {
  return path.split(".").flatMap((s) => (s.endsWith("[]") ? [s.slice(0, -2), "[]"] : [s]));
}

describe("docs: podnet commands in README.md and the guide exist", () => {
  test("each one's --help is that command's usage, and names every flag written after it", async () => {
    const uses = [...commandsOf(README), ...commandsOf(GUIDE)];
    const commands = [...new Set(uses.map((u) => u.command))].sort();
    // The docs show at least validate, plan, render, map, diff and doctor.
    assert.ok(commands.length >= 6, `found only ${commands.join(", ")}`);
    for (const command of commands) {
      const h = await help(command);
      assert.equal(h.code, 0, `podnet ${command} --help exited ${h.code}`);
      // Commander prints the program's help (exit 0) for an unknown command: the usage line tells them apart.
      const where = uses.find((u) => u.command === command)?.where;
      assert.ok(h.text.startsWith(`Usage: podnet ${command} `), `podnet ${command} (${where}) is not a command of the CLI`);
      const words = new Set(h.text.split(/[\s,]+/));
      for (const u of uses.filter((x) => x.command === command)) {
        for (const flag of u.flags) assert.ok(words.has(flag), `${u.where}: podnet ${command} has no option ${flag}`);
      }
    }
  });

  test("the check itself fails on a command the CLI lacks", async () => {
    const h = await help("nosuchcommand");
    assert.ok(!h.text.startsWith("Usage: podnet nosuchcommand "));
    assert.deepEqual(
      commandUses("`podnet doctor spec.yaml --fix-leases --yes | less` and podnet/v1", "x").map((u) => [u.command, u.flags]),
      [["doctor", ["--fix-leases", "--yes"]]],
    );
  });
});

describe("docs: the guide's YAML snippets validate", () => {
  const snippets = guideSnippets();

  test("every snippet is a valid spec, a fragment merged into one, or marked as a plain fragment", () => {
    assert.ok(snippets.filter((s) => s.kind !== "fragment").length >= 8, "the guide's snippets are checked");
    for (const s of snippets) {
      if (s.kind === "fragment") continue;
      const baseDir = resolve(root, s.base ? dirname(s.base) : "docs");
      const r = checkSpec(s.spec, { files: dummyFiles(s.spec), baseDir });
      const all = [...r.errors, ...r.warnings];
      const where = `${GUIDE}:${s.line}${s.base ? ` (merged into ${s.base})` : ""}`;
      for (const code of s.expect) {
        assert.ok(
          all.some((p) => p.code === code),
          `${where}: expected a problem with code ${code}, got ${all.map((p) => p.code).join(", ") || "none"}`,
        );
      }
      const unexpected = r.errors.filter((e) => !s.expect.includes(e.code));
      assert.deepEqual(
        unexpected.map((e) => `${e.code}: ${e.message}`),
        [],
        `${where}: errors the snippet does not announce with # expect:`,
      );
    }
  });

  test("the merge and the expectations can fail", () => {
    assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } }), { a: { b: 1, c: [3] }, d: 1 });
    const bad = deepMerge(parse(read("examples/cli/calico-kubeadm.yaml")), { calico: { ipPools: [{ cidr: "192.168.0.0/16" }] } });
    assert.ok(checkSpec(bad).errors.some((e) => e.code === "calico.pool.overlap-node"));
  });
});

describe("docs: what the guide cites exists in the code", () => {
  const src = sources();
  const { prose } = splitMarkdown(read(GUIDE));
  const spans = codeSpans(prose);

  test("problem and finding codes", () => {
    const codes = citedCodes();
    assert.ok(codes.length >= 30, `found only ${codes.length} codes`);
    const missing = codes.filter((c) => !src.includes(`"${c}"`));
    assert.deepEqual(missing, [], "codes cited in the guide but not in packages/*/src");
  });

  test("spec paths are fields of the spec schema", () => {
    const codes = new Set(citedCodes());
    const paths = spans.flatMap((s) => {
      const m = SPEC_PATH.exec(s);
      return m && !codes.has(s) ? [m[1] as string] : [];
    });
    assert.ok(paths.length >= 40, `found only ${paths.length} spec paths`);
    const unknown = [...new Set(paths)].filter((p) => !specHasPath(podnetSpecSchema, pathSegments(p)));
    assert.deepEqual(unknown, [], "spec paths cited in the guide that the schema does not have");
    assert.ok(!specHasPath(podnetSpecSchema, pathSegments("flannel.systemd.etcd.nosuchfield")));
    assert.ok(specHasPath(podnetSpecSchema, pathSegments("nodes[].podCidrs")));
  });

  test("Pulumi hosts.* arguments and the API names said to come from a package", () => {
    const hostArgs = [...new Set(spans.flatMap((s) => /^hosts\.([A-Za-z]+)$/.exec(s)?.[1] ?? []))];
    assert.ok(hostArgs.length >= 4);
    const hostsSrc = read("packages/pulumi/src/flannel-systemd.ts");
    const body = /export interface FlannelSystemdHostArgs \{([\s\S]*?)\n\}/.exec(hostsSrc)?.[1] ?? "";
    for (const a of hostArgs) assert.match(body, new RegExp(`readonly ${a}\\??:`), `hosts.${a} is not a FlannelSystemdHostArgs field`);
    const named = [...prose.matchAll(/`([A-Za-z][A-Za-z0-9]*)`\s+from\s+`@podnet\/([a-z0-9]+)`/g)];
    assert.ok(named.length >= 2);
    for (const m of named) {
      const pkgSrc = join(root, "packages", m[2] as string, "src");
      const text = readdirSync(pkgSrc, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => readFileSync(join(pkgSrc, f), "utf8"))
        .join("\n");
      assert.match(text, new RegExp(`export (function|const|class) ${m[1]}\\b`), `${m[1]} is not exported by @podnet/${m[2]}`);
    }
  });
});

describe("docs: links", () => {
  for (const file of [README, GUIDE]) {
    test(`relative links in ${file} point to files that exist, anchors to headings`, () => {
      const text = read(file);
      const { prose } = splitMarkdown(text);
      const links = [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
      assert.ok(links.length >= 1, `${file} has links`);
      const own = anchors(text);
      for (const link of links) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
        const [path = "", anchor] = link.split("#");
        if (path === "") {
          assert.ok(own.has(anchor ?? ""), `${file}: #${anchor} is no heading of ${file} (headings: ${[...own].join(", ")})`);
          continue;
        }
        assert.ok(existsSync(resolve(root, dirname(file), path)), `${file}: link ${link} points to no file`);
      }
    });
  }

  test("the slugs follow GitHub's rules", () => {
    assert.deepEqual(
      [...anchors("# 4.5 Docker's broad masquerade and the `! -d` fix\n## A\n## A\n")],
      ["45-dockers-broad-masquerade-and-the---d-fix", "a", "a-1"],
    );
  });
});
