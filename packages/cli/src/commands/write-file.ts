/**
 * Writes one generated file atomically (a temporary file beside it, then
 * renamed or linked into place) and only where podnet may: a new path, or a
 * regular file that carries podnet's mark. Refused unless `force`: a symbolic
 * link (with `force` the link itself is replaced; what it points to is not
 * touched) and an existing file without the mark. Always refused: the spec
 * file being read (also through a link or a hard link), a folder, a device.
 */
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../load-spec.js";

/** How `writeGeneratedFile` decides whether an existing file may be replaced. */
export interface WriteGeneratedOptions {
  /** The first line of every file podnet writes there; an existing file is replaced only when it starts so. */
  readonly mark: string;
  /** The spec being read: never replaced, not even with `force`. */
  readonly specFile?: string;
  /** Replace an existing file without the mark, or a symbolic link. */
  readonly force?: boolean;
  /** What the file is, for messages ("the map"). */
  readonly what: string;
  readonly mode?: number;
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

function startsWith(file: string, mark: string): boolean {
  const want = Buffer.from(mark, "utf8");
  const got = Buffer.alloc(want.length);
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const n = readSync(fd, got, 0, want.length, 0);
    return n === want.length && got.equals(want);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether `file` may be written; throws a UsageError naming the reason and the fix when not. */
function checkTarget(file: string, target: string, opts: WriteGeneratedOptions): "new" | "replace" {
  const refuse = (why: string) => new UsageError(`refusing to write ${opts.what} to ${file}: ${why}; nothing was written`);
  if (opts.specFile !== undefined && (sameFile(target, opts.specFile) || resolve(opts.specFile) === target)) {
    throw refuse("it is the spec file being read (podnet never replaces it, not even with --force); give another path");
  }
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "new";
    return "new"; // e.g. ENOTDIR: the write below reports it
  }
  if (st.isSymbolicLink()) {
    if (opts.force) return "replace";
    throw refuse(
      "it is a symbolic link and podnet does not write through links; give another path, or --force to replace the link itself (what it points to stays as it is)",
    );
  }
  if (st.isDirectory()) throw refuse("it is a folder; give a file name");
  if (!st.isFile()) throw refuse("it is not a regular file; give another path");
  if (startsWith(target, opts.mark) || opts.force) return "replace";
  throw refuse("it exists and podnet did not write it (its first line is not podnet's mark); give another path, or --force to replace it");
}

let counter = 0;

/** Writes one generated file atomically (a temporary file renamed over it), replacing only a file podnet wrote unless forced. */
export function writeGeneratedFile(file: string, content: string, opts: WriteGeneratedOptions): void {
  const target = resolve(file);
  const how = checkTarget(file, target, opts);
  const tmp = join(dirname(target), `.podnet-tmp-${basename(target)}-${process.pid}-${counter++}`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(tmp, content, { mode: opts.mode ?? 0o644, flag: "wx" });
    if (how === "replace") renameSync(tmp, target);
    else placeNew(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder is not usable at all (e.g. a regular file): nothing was written
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && how === "new" && lstatExists(target)) {
      throw new UsageError(
        `refusing to write ${opts.what} to ${file}: it appeared while podnet was writing; nothing was written, run again`,
      );
    }
    throw new UsageError(`cannot write ${file}: ${code ?? (e as Error).message.split("\n")[0]}`);
  }
}

/** Moves `tmp` to the new path `target` without replacing anything that appeared there since the check. */
function placeNew(tmp: string, target: string): void {
  try {
    linkSync(tmp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOENT" || code === "ENOTDIR") throw e;
    // a file system without hard links: rename, after checking once more
    if (lstatExists(target)) throw Object.assign(new Error("exists"), { code: "EEXIST" });
    renameSync(tmp, target);
    return;
  }
  rmSync(tmp, { force: true });
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
