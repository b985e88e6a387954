/**
 * Snapshot files for cdk8s synth output: plain JSON next to the test,
 * compared with `assert.deepStrictEqual`. `UPDATE_SNAPSHOTS=1` (re)writes
 * them; without it a missing snapshot fails instead of being written.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Asserts that `actual` equals the JSON snapshot in `file` (written first when UPDATE_SNAPSHOTS=1). */
export function matchSnapshot(file: string | URL, actual: unknown): void {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  if (process.env.UPDATE_SNAPSHOTS === "1" || !existsSync(path)) {
    if (process.env.UPDATE_SNAPSHOTS !== "1") assert.fail(`snapshot ${path} is missing; run with UPDATE_SNAPSHOTS=1 to write it`);
    writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
  }
  assert.deepStrictEqual(actual, JSON.parse(readFileSync(path, "utf8")));
}

/**
 * A `snapshot(name, actual)` for one test file: the snapshot of `name` is
 * `<prefix>.<name>.snapshot.json` in the folder of `testFileUrl` (pass `import.meta.url`).
 */
export function snapshots(testFileUrl: string, prefix: string): (name: string, actual: unknown) => void {
  return (name, actual) => matchSnapshot(new URL(`./${prefix}.${name}.snapshot.json`, testFileUrl), actual);
}
