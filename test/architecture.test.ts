/**
 * The architecture of every package's src: no import cycles, the core's layer order
 * (shared -> plan, host -> prep, flannel, calico -> spec -> doctor, diff, map), and the size
 * limits. The rules live in test/support/architecture.ts; the fixture trees below show that
 * each rule passes on a tree that keeps it and fails on one that breaks it.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { checkArchitecture, MAX_FILE_LINES, MAX_FUNCTION_LINES } from "./support/architecture.js";
import { tempDir } from "./support/temp-dir.js";

const repoRoot = join(import.meta.dirname, "..");

function tree(files: Record<string, string>): string {
  const root = tempDir("arch");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join("\n");

/** A small tree that keeps every rule. */
const GOOD: Record<string, string> = {
  "packages/core/src/index.ts": 'export { cidr } from "./shared/index.js";\nexport { network } from "./flannel/index.js";\n',
  "packages/core/src/internal/index.ts": 'export { unit } from "../flannel/systemd/unit.js";\n',
  "packages/core/src/shared/index.ts": `export { cidr } from "./cidr.js";\n${"// names\n".repeat(MAX_FILE_LINES)}`,
  "packages/core/src/shared/cidr.ts": "export const cidr = 1;\n",
  "packages/core/src/plan/plan.ts": 'import type { cidr } from "../shared/cidr.js";\nexport type Plan = typeof cidr;\n',
  "packages/core/src/flannel/index.ts": 'export { network } from "./network.js";\nexport { unit } from "./systemd/unit.js";\n',
  "packages/core/src/flannel/options.ts": 'import type { Plan } from "../plan/plan.js";\nexport type Options = Plan;\n',
  "packages/core/src/flannel/systemd/unit.ts": 'import type { Options } from "../options.js";\nexport const unit = (o: Options) => o;\n',
  "packages/core/src/flannel/daemonset/ds.ts": 'import type { Options } from "../options.js";\nexport const ds = (o: Options) => o;\n',
  "packages/core/src/flannel/network.ts": `import { ds } from "./daemonset/ds.js";\nimport { unit } from "./systemd/unit.js";\nexport function network() {\n${body(MAX_FUNCTION_LINES - 3)}\n  return [ds, unit];\n}\n`,
  "packages/core/src/doctor/doctor.ts":
    'import { network } from "../flannel/index.js";\nexport const doctor = () => import("../spec/spec.js").then(() => network);\n',
  "packages/core/src/spec/spec.ts": 'import { cidr } from "../shared/index.js";\nexport const spec = cidr;\n',
  "packages/cli/src/main.ts": 'import { network } from "@podnet/core";\nimport { out } from "./out.js";\nout(network);\n',
  "packages/cli/src/out.ts": `export const out = (v: unknown) => v;\n${"// filler\n".repeat(MAX_FILE_LINES - 1)}`,
};

describe("architecture rules", () => {
  test("a tree that keeps every rule has no violation", () => {
    assert.deepEqual(checkArchitecture(tree(GOOD)), { cycles: [], layers: [], fileSizes: [], functionSizes: [] });
  });

  test("each broken rule is reported with its file, line and names", () => {
    const root = tree({
      ...GOOD,
      "packages/core/src/stray.ts": "export const stray = 1;\n",
      "packages/core/src/tools/util.ts": "export const util = 1;\n",
      // a cycle through a type-only import
      "packages/core/src/shared/cidr.ts":
        'import type { Problem } from "./problems.js";\nexport const cidr = 1;\nexport type C = Problem;\n',
      "packages/core/src/shared/problems.ts": 'import type { C } from "./cidr.js";\nexport type Problem = C;\n',
      // upward (plan -> flannel) and sideways (flannel -> calico, systemd -> daemonset) imports
      "packages/core/src/plan/plan.ts": 'import type { Options } from "../flannel/options.js";\nexport type Plan = Options;\n',
      "packages/core/src/calico/pools.ts": "export const pools = 1;\n",
      "packages/core/src/flannel/options.ts": 'export { pools } from "../calico/pools.js";\nexport type Options = number;\n',
      "packages/core/src/flannel/systemd/unit.ts": 'import { ds } from "../daemonset/ds.js";\nexport const unit = ds;\n',
      "packages/core/src/flannel/daemonset/ds.ts": "export const ds = (o: number) => o;\n",
      "packages/cli/src/out.ts": `export const out = (v: unknown) => v;\n${"// filler\n".repeat(MAX_FILE_LINES)}`,
      "packages/cli/src/long.ts": `export class Runner {\n  run() {\n${body(MAX_FUNCTION_LINES - 1)}\n  }\n}\nexport const go = () => {\n${body(MAX_FUNCTION_LINES)}\n};\n`,
    });
    const r = checkArchitecture(root);
    assert.deepEqual(r.cycles, [
      "cycle: packages/core/src/shared/cidr.ts -> packages/core/src/shared/problems.ts -> packages/core/src/shared/cidr.ts",
    ]);
    assert.deepEqual(r.layers, [
      "packages/core/src/flannel/options.ts:1 -> packages/core/src/calico/pools.ts: sideways import (flannel -> calico)",
      "packages/core/src/flannel/systemd/unit.ts:1 -> packages/core/src/flannel/daemonset/ds.ts: sideways import (flannel/systemd -> flannel/daemonset)",
      "packages/core/src/plan/plan.ts:1 -> packages/core/src/flannel/options.ts: upward import (plan -> flannel)",
      "packages/core/src/stray.ts:1 is outside a domain folder",
      "packages/core/src/tools/util.ts:1 folder tools/ has no layer",
    ]);
    assert.deepEqual(r.fileSizes, [`packages/cli/src/out.ts:1 (${MAX_FILE_LINES + 1} lines)`]);
    assert.deepEqual(r.functionSizes, [
      `packages/cli/src/long.ts:2 run (${MAX_FUNCTION_LINES + 1} lines)`,
      `packages/cli/src/long.ts:${MAX_FUNCTION_LINES + 4} go (${MAX_FUNCTION_LINES + 2} lines)`,
    ]);
  });
});

describe("architecture of packages/*/src", () => {
  const report = checkArchitecture(repoRoot);
  const show = (list: readonly string[]) => `${list.length}:\n  ${list.join("\n  ")}`;
  test("no import cycles (type-only imports count)", () => {
    assert.deepEqual(report.cycles, [], `import cycles ${show(report.cycles)}`);
  });
  test("the core's folders import only from lower layers", () => {
    assert.deepEqual(report.layers, [], `layer violations ${show(report.layers)}`);
  });
  test(`no source file over ${MAX_FILE_LINES} lines`, () => {
    assert.deepEqual(report.fileSizes, [], `files over ${MAX_FILE_LINES} lines ${show(report.fileSizes)}`);
  });
  test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    assert.deepEqual(report.functionSizes, [], `functions over ${MAX_FUNCTION_LINES} lines ${show(report.functionSizes)}`);
  });
});
