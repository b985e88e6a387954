#!/usr/bin/env node
// Builds every package from a clean slate: `tsc -b` alone keeps the outputs of renamed or deleted
// sources (and skips work when a .tsbuildinfo survives a deleted dist/), which would then be packed.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

const packages = ["core", "pulumi", "cdk8s", "cli"];
for (const p of packages) {
  rmSync(join("packages", p, "dist"), { recursive: true, force: true });
  rmSync(join("packages", p, "tsconfig.tsbuildinfo"), { force: true });
}
const r = spawnSync(join("node_modules", ".bin", "tsc"), ["-b", ...packages.map((p) => join("packages", p))], { stdio: "inherit" });
process.exit(r.status ?? 1);
