/**
 * Reading the files the CLI is given: only regular files, each kind with a size limit, as
 * UTF-8 text. A FIFO, a device (`/dev/zero`, `/dev/urandom`), a folder or an oversized file
 * is refused at once, before anything is read into memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

const MiB = 1024 * 1024;
const KiB = 1024;

/** What a file read by the CLI is for; each kind has its own limit. */
export const InputKind = {
  /** A spec (YAML or JSON). */
  SPEC: "spec",
  /** An earlier plan.json (`--previous`, or `<out>/plan.json` for render). */
  PLAN: "plan.json",
  /** A PEM certificate or CA bundle named in the spec. */
  PEM: "PEM",
  /** The cluster's Node objects as `kubectl get nodes -o json` prints them (`doctor --nodes-json`). */
  NODES: "Node list",
} as const;
/** One of the kinds of input file the CLI reads, each with its own size limit. */
export type InputKind = (typeof InputKind)[keyof typeof InputKind];

/**
 * Largest file of each kind, with the reason for the number. A spec of 10,000 dual-stack
 * nodes with three interfaces and ssh settings each is 3.6 MB and its render plan.json 21 MB
 * (measured; `pnpm bench` plans that size): the limits leave room above that and keep the
 * memory of a hostile file of that size to a few hundred MB.
 * A CA bundle of every public root is about 0.2 MB. Keys and tokens are never read: push-secrets.sh
 * copies them.
 */
export const INPUT_LIMITS: Readonly<Record<InputKind, { readonly bytes: number; readonly text: string; readonly why?: string }>> = {
  spec: { bytes: 8 * MiB, text: "8 MiB", why: "a 10,000-node spec is about 3.6 MB" },
  "plan.json": { bytes: 32 * MiB, text: "32 MiB", why: "the plan.json of 10,000 nodes is about 21 MB" },
  PEM: { bytes: 1 * MiB, text: "1 MiB", why: "a CA bundle of all public roots is about 0.2 MB" },
  "Node list": { bytes: 256 * MiB, text: "256 MiB", why: "a Node object with its status is a few KB, so 10,000 nodes stay well below" },
};

/** Why a file could not be read: `missing` and `unreadable` are the ordinary cases, the rest are refusals. */
export type InputProblem = "missing" | "unreadable" | "not-regular" | "too-large" | "not-utf8" | "too-deep";

/** A file the CLI refused or could not read; the message names the file, the rule and the fix. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
  /** Records why the file could not be read (`problem`) with the message to print. */
  constructor(
    readonly problem: InputProblem,
    message: string,
  ) {
    super(message);
  }
}

function fileType(st: Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

const CHUNK = 64 * KiB;

/**
 * The bytes of `file`, a regular file of at most the limit for `kind`. Opened non-blocking
 * (a FIFO does not wait for a writer), checked with fstat on the open descriptor, and read
 * to at most limit + 1 bytes (a file that grows, or a /proc file that reports size 0,
 * cannot get past the limit).
 */
export function readInputFile(file: string, kind: InputKind): Buffer {
  const limit = INPUT_LIMITS[kind];
  const what = `${kind} file ${file}`;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputFileError("missing", `cannot read ${what}: no such file`);
    if (code === "EISDIR") throw new InputFileError("not-regular", `cannot read ${what}: it is a folder; give the path of a ${kind} file`);
    throw new InputFileError("unreadable", `cannot read ${what}: ${code === "EACCES" ? "permission denied" : (code ?? String(e))}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new InputFileError(
        "not-regular",
        `cannot read ${what}: it is ${fileType(st)}; podnet reads only regular files (give the path of a ${kind} file)`,
      );
    const tooLarge = () =>
      new InputFileError(
        "too-large",
        `cannot read ${what}: larger than ${limit.text}, the limit for a ${kind} file${limit.why ? ` (${limit.why})` : ""}; check that this is the right file`,
      );
    if (st.size > limit.bytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, limit.bytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputFileError("unreadable", `cannot read ${what}: ${code ?? String(e)}`);
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit.bytes) throw tooLarge();
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Share of NUL bytes above which a file without a BOM is taken for UTF-16 or UTF-32 rather than binary. */
const WIDE_NUL_SHARE = 0.25;

/**
 * The text of a file that must be UTF-8: a UTF-16 or UTF-32 file (with a byte order mark,
 * or mostly NUL bytes as ASCII in those encodings is), binary content and invalid UTF-8 are
 * refused by name. A UTF-8 byte order mark is dropped.
 */
export function decodeUtf8(bytes: Buffer, file: string, kind: InputKind): string {
  const fix = "save the file as UTF-8";
  const refuse = (why: string) => new InputFileError("not-utf8", `cannot read ${kind} file ${file}: ${why}; ${fix}`);
  const b = bytes;
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) throw refuse("it is UTF-32 (little-endian BOM)");
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) throw refuse("it is UTF-32 (big-endian BOM)");
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) throw refuse("it is UTF-16 (little-endian BOM)");
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) throw refuse("it is UTF-16 (big-endian BOM)");
  const firstNul = b.indexOf(0);
  if (firstNul >= 0) {
    let nuls = 0;
    for (const byte of b) if (byte === 0) nuls++;
    if (nuls / b.length >= WIDE_NUL_SHARE) throw refuse("it looks like UTF-16 or UTF-32 without a BOM (most bytes are NUL)");
    throw refuse(`it contains a NUL byte at offset ${firstNul} (binary data, not text)`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(b);
  } catch {
    throw refuse("it is not valid UTF-8 (binary data, or another encoding such as Latin-1)");
  }
  return text;
}

/** `readInputFile` then `decodeUtf8`. */
export function readInputText(file: string, kind: InputKind): string {
  return decodeUtf8(readInputFile(file, kind), file, kind);
}

/** Deepest nesting a JSON input may have (a plan.json has fewer than 10 levels). */
export const JSON_MAX_DEPTH = 64;

/**
 * Parses JSON after checking its nesting with a scan of the text: JSON.parse itself copes
 * with deep input, but builds all of it first (32 MiB of `[` is millions of arrays).
 */
export function parseJsonBounded(text: string, file: string, kind: InputKind): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > JSON_MAX_DEPTH)
        throw new InputFileError(
          "too-deep",
          `cannot read ${kind} file ${file}: nested deeper than ${JSON_MAX_DEPTH} levels (the limit for a ${kind} file); check that this is the right file`,
        );
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return JSON.parse(text);
}
