/**
 * The packages as a user gets them: `pnpm pack` each of the four packages, install the tarballs
 * with npm into a scratch project outside the workspace together with the OLDEST and the NEWEST
 * peer versions we support, then type-check a program under every TypeScript module resolution,
 * run a Pulumi program under mocks, run `cdk8s synth` on an app, and run the installed `podnet`.
 *
 * It needs the npm registry (or a warm npm cache) once; without either it skips, saying so, unless
 * PODNET_REQUIRE_REAL=1.
 */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { tempDir } from "./support/temp-dir.js";

const root = resolve(import.meta.dirname, "..");
const PACKAGES = ["core", "pulumi", "cdk8s", "cli"] as const;

/** The peer versions each run installs: the oldest each peer range allows, and the newest we test. */
const PEER_SETS = {
  oldest: {
    "@pulumi/pulumi": "3.142.0",
    "@pulumi/kubernetes": "4.18.0",
    "@pulumi/command": "1.0.1",
    "@pulumi/tls": "5.0.1",
    cdk8s: "2.68.0",
    constructs: "10.3.0",
  },
  newest: {
    "@pulumi/pulumi": "3.276.0",
    "@pulumi/kubernetes": "4.34.2",
    "@pulumi/command": "1.2.1",
    "@pulumi/tls": "5.6.1",
    cdk8s: "2.70.106",
    constructs: "10.8.1",
  },
} as const;

/** Tools the scratch project installs next to the tarballs (pinned like the workspace's). */
const TOOLS = { typescript: "5.9.3", "@types/node": "22.20.5" } as const;

function registryReachable(): string | undefined {
  const r = spawnSync("npm", ["view", "@pulumi/command@1.2.1", "version", "--prefer-offline"], { encoding: "utf8", timeout: 60_000 });
  if (r.status === 0 && r.stdout.trim() === "1.2.1") return undefined;
  return `the npm registry is not reachable and the npm cache is cold (${(r.stderr || r.error?.message || "").trim().split("\n")[0]})`;
}

function skipReason(): string | undefined {
  const why = registryReachable();
  if (why && process.env.PODNET_REQUIRE_REAL === "1") throw new Error(`PODNET_REQUIRE_REAL=1 but ${why}`);
  return why;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
    // The scratch project is a user's: no workspace source condition, no tsx.
    env: { ...process.env, NODE_OPTIONS: "", ...env },
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} in ${cwd} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const reason = skipReason();
const work = reason ? "" : tempDir("consumer");
const tarballs: Record<string, string> = {};
const pkgJson = (p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, "packages", p, "package.json"), "utf8")) as Record<string, unknown>;

describe("the packed packages in a project outside the workspace", { skip: reason }, () => {
  before(() => {
    // From a clean slate, as a release would: no outputs of renamed sources may be packed.
    run(process.execPath, [join(root, "scripts", "build.mjs")], root);
    const dest = join(work, "packs");
    mkdirSync(dest);
    for (const p of PACKAGES) run("pnpm", ["pack", "--pack-destination", dest], join(root, "packages", p));
    for (const f of readdirSync(dest)) {
      const m = /^podnet-(core|pulumi|cdk8s|cli)-.*\.tgz$/.exec(f);
      if (m?.[1]) tarballs[m[1]] = join(dest, f);
    }
    assert.deepEqual(Object.keys(tarballs).sort(), [...PACKAGES].sort());
  });

  test("each tarball carries README.md, LICENSE, compiled code, types and the sources its maps name", () => {
    const license = readFileSync(join(root, "LICENSE"), "utf8");
    for (const p of PACKAGES) {
      const list = execFileSync("tar", ["tzf", tarballs[p] as string], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean);
      for (const f of ["package/README.md", "package/LICENSE", "package/dist/index.js", "package/dist/index.d.ts", "package/package.json"])
        assert.ok(list.includes(f), `${p}: ${f} missing from the tarball`);
      assert.equal(
        execFileSync("tar", ["xzf", tarballs[p] as string, "-O", "package/LICENSE"], { encoding: "utf8" }),
        license,
        `${p}: LICENSE differs from the repository's`,
      );
      assert.ok(!list.some((f) => f.includes(".tsbuildinfo") || /\.test\.[jt]s$/.test(f)), `${p}: build or test files shipped`);
      for (const map of list.filter((f) => f.endsWith(".js.map"))) {
        const m = JSON.parse(execFileSync("tar", ["xzf", tarballs[p] as string, "-O", map], { encoding: "utf8" })) as { sources: string[] };
        for (const s of m.sources) {
          const shipped = join(map.slice(0, map.lastIndexOf("/")), s).replace(/\\/g, "/");
          assert.ok(list.includes(shipped), `${p}: ${map} names ${s}, which is not in the tarball`);
        }
      }
      const manifest = JSON.parse(
        execFileSync("tar", ["xzf", tarballs[p] as string, "-O", "package/package.json"], { encoding: "utf8" }),
      ) as Record<string, unknown>;
      for (const k of ["main", "types", "exports", "repository", "homepage", "bugs", "keywords", "license", "engines"])
        assert.ok(manifest[k] !== undefined, `${p}: package.json has no ${k}`);
      assert.ok(!JSON.stringify(manifest).includes("workspace:"), `${p}: a workspace: range was published`);
      assert.ok(!JSON.stringify(manifest.exports).includes("src/"), `${p}: the published exports point at TypeScript sources`);
    }
  });

  test("frameworks are peer dependencies with ranges, never bundled pins", () => {
    const pulumiPkg = pkgJson("pulumi");
    const cdk8sPkg = pkgJson("cdk8s");
    const noFrameworkDeps = (pkg: Record<string, unknown>, names: readonly string[]) => {
      const deps = (pkg.dependencies ?? {}) as Record<string, string>;
      for (const n of names) assert.equal(deps[n], undefined, `${n} is a dependency; it must be a peer dependency`);
      const peers = (pkg.peerDependencies ?? {}) as Record<string, string>;
      for (const n of names) assert.match(peers[n] ?? "", /^\^\d+\.\d+\.\d+$/, `${n} peer range`);
    };
    noFrameworkDeps(pulumiPkg, ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/command", "@pulumi/tls"]);
    noFrameworkDeps(cdk8sPkg, ["cdk8s", "constructs"]);
    // The oldest versions tested are the lower bounds of the ranges.
    const peers = { ...(pulumiPkg.peerDependencies as object), ...(cdk8sPkg.peerDependencies as object) } as Record<string, string>;
    for (const [name, version] of Object.entries(PEER_SETS.oldest)) assert.equal(peers[name], `^${version}`, name);
  });

  for (const [set, peers] of Object.entries(PEER_SETS)) {
    describe(`with the ${set} peer versions`, () => {
      const dir = reason ? "" : join(work, set);
      before(() => {
        mkdirSync(dir);
        writeFileSync(
          join(dir, "package.json"),
          `${JSON.stringify({ name: `consumer-${set}`, private: true, type: "module" }, null, 2)}\n`,
        );
        const specs = [
          ...PACKAGES.map((p) => tarballs[p] as string),
          ...Object.entries(peers).map(([n, v]) => `${n}@${v}`),
          ...Object.entries(TOOLS).map(([n, v]) => `${n}@${v}`),
        ];
        // Pulumi providers' install scripts download plugins; a user's CI would have the CLI, we do not.
        run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error", ...specs], dir);
      });

      test("npm resolved one copy of each framework, the one the project asked for", () => {
        for (const [name, version] of Object.entries(peers)) {
          const copies = findPackageCopies(join(dir, "node_modules"), name);
          assert.deepEqual(copies, [version], `${name}: copies found ${JSON.stringify(copies)}`);
        }
      });

      for (const resolution of ["nodenext", "node16", "bundler", "node10"] as const) {
        test(`a program using all four packages type-checks under moduleResolution ${resolution}`, () => {
          const sub = join(dir, `tsc-${resolution}`);
          mkdirSync(sub);
          writeFileSync(join(sub, "program.ts"), TYPED_PROGRAM);
          const module = resolution === "bundler" ? "preserve" : resolution === "node10" ? "commonjs" : resolution;
          const tsconfig = {
            compilerOptions: {
              module,
              moduleResolution: resolution,
              target: "ES2022",
              strict: true,
              noEmit: true,
              skipLibCheck: true,
              types: ["node"],
              typeRoots: [join(dir, "node_modules", "@types")],
            },
            files: ["program.ts"],
          };
          writeFileSync(join(sub, "tsconfig.json"), JSON.stringify(tsconfig));
          writeFileSync(join(sub, "package.json"), JSON.stringify({ type: resolution === "node10" ? "commonjs" : "module" }));
          // node_modules of the scratch project sits one folder up: resolution finds it there.
          run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", sub], sub);
        });
      }

      test("every TypeScript example in the package READMEs and the README's @podnet/core examples type-checks", () => {
        const sub = join(dir, "readme");
        mkdirSync(sub);
        const files: string[] = [];
        for (const p of PACKAGES) {
          const text = readFileSync(join(root, "packages", p, "README.md"), "utf8");
          [...text.matchAll(/```ts\n([\s\S]*?)```/g)].forEach((m, i) => {
            const f = `${p}-${i}.ts`;
            writeFileSync(join(sub, f), `${m[1]}\nexport {};\n`);
            files.push(f);
          });
        }
        assert.ok(files.length >= 3, "the package READMEs lost their examples");
        // The repository README's examples that use only @podnet/core (the others are copies of examples/).
        const readme = readFileSync(join(root, "README.md"), "utf8");
        const coreOnly = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
          .map((m) => m[1] as string)
          .filter((code) => /from "@podnet\/core"/.test(code) && !/from "(?!@podnet\/core")/.test(code));
        assert.ok(coreOnly.length >= 1, "the README lost its @podnet/core example");
        coreOnly.forEach((code, i) => {
          writeFileSync(join(sub, `readme-core-${i}.ts`), `${code}\nexport {};\n`);
          files.push(`readme-core-${i}.ts`);
        });
        writeFileSync(
          join(sub, "tsconfig.json"),
          JSON.stringify({
            compilerOptions: {
              module: "nodenext",
              moduleResolution: "nodenext",
              target: "ES2022",
              strict: true,
              noEmit: true,
              skipLibCheck: true,
              types: ["node"],
              typeRoots: [join(dir, "node_modules", "@types")],
            },
            files,
          }),
        );
        writeFileSync(join(sub, "package.json"), JSON.stringify({ type: "module" }));
        run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", sub], sub);
      });

      test("a Pulumi program runs under mocks and registers the components' children", () => {
        writeFileSync(join(dir, "pulumi-program.mjs"), PULUMI_PROGRAM);
        const out = run(process.execPath, ["pulumi-program.mjs"], dir);
        const seen = JSON.parse(out.trim().split("\n").at(-1) as string) as {
          types: string[];
          podCidrs: string[];
          reportsNodes: string[];
          lateReportsNodes: string[];
          latePodCidrs: Record<string, string[]>;
          lateChildren: number;
          plainChildren: number;
        };
        assert.deepEqual(seen.podCidrs, ["10.244.0.0/16"]);
        // Addresses and ssh hosts as Outputs: the same plan, the same children, a report per node.
        assert.deepEqual(seen.latePodCidrs, { cp1: ["10.244.0.0/24"], node1: ["10.244.1.0/24"] });
        assert.deepEqual(seen.lateReportsNodes, ["cp1", "node1"]);
        assert.equal(seen.lateChildren, seen.plainChildren);
        for (const t of [
          "podnet:index:PodCidrPlan",
          "podnet:index:FlannelNetwork",
          "podnet:index:NodeNetworkPrep",
          "kubernetes:apps/v1:DaemonSet",
          "command:remote:Command",
        ])
          assert.ok(seen.types.includes(t), `${t} was not registered: ${seen.types.join(", ")}`);
      });

      test("cdk8s synth --no-check-upgrade writes the flannel manifests", () => {
        const app = join(dir, "cdk8s-app");
        mkdirSync(app);
        writeFileSync(join(app, "main.mjs"), CDK8S_APP);
        writeFileSync(join(app, "cdk8s.yaml"), "language: typescript\napp: node main.mjs\n");
        const cli = join(root, "test", "node_modules", "cdk8s-cli", "bin", "cdk8s");
        run(process.execPath, [cli, "synth", "--no-check-upgrade"], app);
        const text = readFileSync(join(app, "dist", "network.k8s.yaml"), "utf8");
        const kinds = parseAllDocuments(text).map((d) => (d.toJS() as { kind: string }).kind);
        assert.ok(kinds.includes("DaemonSet") && kinds.includes("ConfigMap"), kinds.join(", "));
      });

      test("the installed podnet bin runs compiled JavaScript from any folder", () => {
        const bin = join(dir, "node_modules", ".bin", "podnet");
        const version = run(bin, ["--version"], dir).trim();
        assert.equal(version, pkgJson("cli").version);
        const spec = join(root, "examples", "cli", "cluster.yaml");
        assert.match(run(bin, ["validate", spec], "/"), /valid \(3 nodes/);
        const out = join(dir, "bundle");
        run(bin, ["render", spec, "--out", out], dir);
        assert.ok(existsSync(join(out, "plan.json")));
        // No TypeScript runtime loaded: the bin is plain JavaScript.
        const main = readFileSync(join(dir, "node_modules", "@podnet", "cli", "dist", "main.js"), "utf8");
        assert.match(main, /^#!\/usr\/bin\/env node/);
        assert.ok(!existsSync(join(dir, "node_modules", "tsx")), "tsx was installed into the user's project");
      });
    });
  }
});

/** Versions of `name` installed anywhere under a node_modules tree. */
function findPackageCopies(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || !existsSync(dir)) return;
    const direct = join(dir, name, "package.json");
    // Some early @pulumi/* releases wrote their version as "v5.0.1".
    if (existsSync(direct)) found.push((JSON.parse(readFileSync(direct, "utf8")) as { version: string }).version.replace(/^v/, ""));
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name.startsWith("@")) {
        for (const s of readdirSync(join(dir, e.name), { withFileTypes: true }))
          if (s.isDirectory()) walk(join(dir, e.name, s.name, "node_modules"), depth + 1);
      } else walk(join(dir, e.name, "node_modules"), depth + 1);
    }
  };
  walk(nodeModules, 0);
  return found.sort();
}

const TYPED_PROGRAM = `
import { checkSpec, planPodCidrs } from "@podnet/core";
import { PodCidrPlan as PulumiPlan, FlannelNetwork as PulumiFlannel } from "@podnet/pulumi";
import { PodCidrPlan as Cdk8sPlan } from "@podnet/cdk8s";
import { run } from "@podnet/cli";

const check = checkSpec({ cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: [] });
const errors: number = check.errors.length;
const planned = planPodCidrs({ cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: [] });
const podCidrs: readonly string[] = planned.value.podCidrs;
type Ctors = [typeof PulumiPlan, typeof PulumiFlannel, typeof Cdk8sPlan, typeof run];
export { errors, podCidrs };
export type { Ctors };
`;

const NODES = `[
  { name: "cp1", roles: ["control-plane"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"], defaultRoute: true }], ssh: { host: "192.168.1.31" } },
  { name: "node1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }], ssh: { host: "192.168.1.32" } },
]`;

const PULUMI_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
const types = [];
const names = [];
pulumi.runtime.setMocks(
  {
    newResource: (a) => { types.push(a.type); names.push(a.name); return { id: a.name + "-id", state: { ...a.inputs, stdout: "install: done" } }; },
    call: (a) => a.inputs,
  },
  "consumer", "test", false,
);
const { PodCidrPlan, FlannelNetwork, NodeNetworkPrep } = await import("@podnet/pulumi");
const plan = new PodCidrPlan("plan", { cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: ${NODES} });
const flannel = new FlannelNetwork("flannel", { plan });
const prep = new NodeNetworkPrep("prep", {
  plan,
  hostRequirements: [flannel.hostRequirements],
  privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\\nnot-a-real-key\\n-----END OPENSSH PRIVATE KEY-----\\n"),
  firewall: "firewalld",
});
// The same cluster with its addresses and ssh hosts arriving as Outputs (as vm.privateIp would).
const late = (ip) => pulumi.output(ip);
const lateNodes = ${NODES}.map((n) => ({
  ...n,
  interfaces: n.interfaces.map((i) => ({ ...i, addresses: i.addresses.map(late) })),
  ssh: { host: late(n.ssh.host) },
}));
const latePlan = new PodCidrPlan("late-plan", { cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: lateNodes });
const lateFlannel = new FlannelNetwork("late-flannel", { plan: latePlan });
const latePrep = new NodeNetworkPrep("late-prep", {
  plan: latePlan,
  hostRequirements: [lateFlannel.hostRequirements],
  privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\\nnot-a-real-key\\n-----END OPENSSH PRIVATE KEY-----\\n"),
  firewall: "firewalld",
});
const value = (o) => new Promise((r) => o.apply(r));
const podCidrs = await value(plan.podCidrs);
const reports = await value(prep.reports);
const lateReports = await value(latePrep.reports);
const latePodCidrs = await value(latePlan.nodePodCidrs);
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({
  types: [...new Set(types)].sort(),
  podCidrs,
  reportsNodes: Object.keys(reports).sort(),
  lateReportsNodes: Object.keys(lateReports).sort(),
  latePodCidrs,
  lateChildren: names.filter((n) => n.startsWith("late-")).length,
  plainChildren: names.filter((n) => /^(plan|flannel|prep)(-|$)/.test(n)).length,
}));
`;

const CDK8S_APP = `
import { App, Chart } from "cdk8s";
import { FlannelNetwork, PodCidrPlan } from "@podnet/cdk8s";
const app = new App();
const chart = new Chart(app, "network");
const plan = new PodCidrPlan(chart, "plan", { cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: ${NODES} });
new FlannelNetwork(chart, "flannel", { plan });
app.synth();
`;
