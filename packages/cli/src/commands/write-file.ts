/** Writes one file atomically: a temporary file beside it, renamed into place. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../load-spec.js";

export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const target = resolve(file);
  const tmp = join(dirname(target), `.podnet-tmp-${basename(target)}-${process.pid}`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(tmp, content, { mode });
    renameSync(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder is not usable at all (e.g. a regular file): nothing was written
    }
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${file}: ${code ?? (e as Error).message.split("\n")[0]}`);
  }
}
