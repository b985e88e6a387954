/**
 * A scratch folder for one test file, unique per process and removed after
 * the file's tests have run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** Creates `$TMPDIR/podnet-<name>-<pid>-XXXXXX` and removes it (recursively) after the tests of the calling file. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `podnet-${name}-${process.pid}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
