#!/usr/bin/env node
// Runs every test file with node's test runner (TypeScript through tsx), prints
// the spec report, and ends with one plain summary line: "N passed, N failed, N skipped".
// Usage: pnpm test [file-or-glob ...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const files = args.length > 0 ? args : ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"];
const dir = mkdtempSync(join(tmpdir(), "podnet-test-"));
const tap = join(dir, "report.tap");
// Workspace packages resolve to their TypeScript sources under the "podnet-source" export
// condition; NODE_OPTIONS carries it into every child process a test starts (CLI runs, cdk8s synth).
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --conditions=podnet-source`.trim() };
const res = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${process.env.PODNET_TEST_CONCURRENCY ?? "2"}`,
    "--test-timeout=900000",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: "inherit", env },
);
let summary = "";
try {
  const text = readFileSync(tap, "utf8");
  const n = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, "m")) ?? [])[1] ?? 0);
  summary = `${n("pass")} passed, ${n("fail") + n("cancelled")} failed, ${n("skipped") + n("todo")} skipped`;
} catch {
  summary = "0 passed, 1 failed";
}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exit(res.status ?? 1);
