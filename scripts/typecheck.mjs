#!/usr/bin/env node
// Type-checks the packages (build mode), the tests and every example.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const tsc = join("node_modules", ".bin", "tsc");
const examples = readdirSync("examples")
  .map((d) => join("examples", d, "tsconfig.json"))
  .filter((f) => existsSync(f));
const steps = [
  ["-b", "packages/core", "packages/pulumi", "packages/cdk8s", "packages/cli"],
  ["--noEmit", "-p", "test"],
  ...examples.map((f) => ["--noEmit", "-p", f]),
];
let failed = 0;
for (const args of steps) {
  const r = spawnSync(tsc, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`tsc ${args.join(" ")}: failed`);
    failed++;
  }
}
console.log(`type-checked ${steps.length} projects, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
