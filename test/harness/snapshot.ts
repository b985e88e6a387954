/**
 * File-tree snapshots of a test node, so a test can assert "uninstall returns
 * the node to its baseline".
 *
 * A node's `/` is an overlayfs whose lower layer is the host's root file system
 * (read-only) and whose upper layer holds everything the node wrote. Hashing
 * the whole merged tree (gigabytes under /usr, /opt) would be slow and would
 * say nothing, so a snapshot records **how the node differs from the host**:
 *
 * - for the overlay part: every path whose type, mode, owner, symlink target or
 *   contents differ from the same path on the host, or that the node deleted
 *   (`absent`). Only paths present in the upper layer can differ, so the walk
 *   is guided by it. A file rewritten with identical bytes and metadata is not
 *   a difference, so "install then uninstall" compares equal to the baseline.
 * - for the node's fresh directories (`/run`, `/tmp`, `/var/tmp`, `/root`,
 *   which start empty rather than as copies of the host): every entry.
 *
 * Two snapshots of the same node are equal exactly when the node's view of
 * those trees is equal (given the host itself did not change in between).
 */
import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";

/** Sorted map from a node path (`/etc/foo`) to a one-line description of what is there. */
export type Snapshot = Readonly<Record<string, string>>;

/** Where the pieces of one node's file system live on the host. */
export interface NodeFsLayout {
  /** Host path of the node's merged `/` (the overlay mount). */
  readonly merged: string;
  /** Host path of the overlay's upper layer. */
  readonly upper: string;
  /** Host path of the overlay's lower layer (a read-only bind of the host's `/`, without submounts). */
  readonly lower: string;
  /** Node path → host path of directories that start empty and are mounted over the overlay. */
  readonly fresh: Readonly<Record<string, string>>;
  /** Node paths never recorded (pseudo file systems, the harness's own files). */
  readonly exclude: readonly string[];
}

export interface SnapshotOptions {
  /** Only record paths at or below these node paths. @default - the whole node */
  readonly paths?: readonly string[];
  /** Extra node paths to leave out (with everything below them). @default - none */
  readonly exclude?: readonly string[];
}

/** Take a snapshot of a node file system. */
export async function snapshotLayout(layout: NodeFsLayout, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const exclude = [...layout.exclude, ...(opts.exclude ?? [])].map(normalizeNodePath);
  const freshRoots = Object.keys(layout.fresh).map(normalizeNodePath);
  const scope = opts.paths?.map(normalizeNodePath);
  // Descend into a directory when it is inside the scope or on the way to it; record only inside it.
  const inScope = (p: string) => !scope || scope.some((s) => isAtOrBelow(p, s) || isAtOrBelow(s, p));
  const recordable = (p: string) => !scope || scope.some((s) => isAtOrBelow(p, s));
  const excluded = (p: string) => exclude.some((e) => isAtOrBelow(p, e));
  const out: Record<string, string> = {};

  // Overlay part: only names present in the upper layer, or present on the host but gone from
  // the merged view (whiteouts, opaque directories), can differ from the host.
  const walkOverlay = async (dir: string): Promise<void> => {
    const upperNames = await names(join(layout.upper, dir));
    const lowerNames = await names(join(layout.lower, dir));
    const mergedNames = new Set(await names(join(layout.merged, dir)));
    const candidates = new Set([...upperNames, ...lowerNames.filter((n) => !mergedNames.has(n))]);
    for (const name of [...candidates].sort()) {
      const p = dir === "/" ? `/${name}` : `${dir}/${name}`;
      if (excluded(p) || freshRoots.includes(p) || !inScope(p)) continue;
      const m = await describe(join(layout.merged, p));
      const l = await describe(join(layout.lower, p), m);
      if (m.text !== l.text && recordable(p)) out[p] = m.text;
      if (m.stats?.isDirectory() && (await isDir(join(layout.upper, p)))) await walkOverlay(p);
    }
  };
  await walkOverlay("/");

  // Fresh directories: every entry.
  const walkAll = async (nodePath: string, hostPath: string): Promise<void> => {
    if (excluded(nodePath) || !inScope(nodePath)) return;
    const d = await describe(hostPath);
    if (recordable(nodePath)) out[nodePath] = d.text;
    if (!d.stats?.isDirectory()) return;
    for (const name of (await names(hostPath)).sort()) await walkAll(`${nodePath}/${name}`, join(hostPath, name));
  };
  for (const [nodePath, hostPath] of Object.entries(layout.fresh)) await walkAll(normalizeNodePath(nodePath), hostPath);

  return Object.freeze(Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * Human-readable differences between two snapshots, one line per path, sorted:
 * `+ /p: new`, `- /p: old`, `~ /p: old => new`. Empty when they are equal, so
 * `assert.deepStrictEqual(diffSnapshots(before, after), [])` prints exactly what changed.
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  for (const p of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[p];
    const b = after[p];
    if (a === b) continue;
    if (a === undefined) lines.push(`+ ${p}: ${b}`);
    else if (b === undefined) lines.push(`- ${p}: ${a}`);
    else lines.push(`~ ${p}: ${a} => ${b}`);
  }
  return lines;
}

/** `/a/b/` → `/a/b`; rejects relative paths and `..`. */
export function normalizeNodePath(p: string): string {
  if (!p.startsWith("/") || p.split("/").some((seg) => seg === "..")) {
    throw new Error(`node path "${p}" must be absolute and must not contain ".."`);
  }
  const trimmed = p.replace(/\/+/g, "/").replace(/\/$/, "");
  return trimmed === "" ? "/" : trimmed;
}

function isAtOrBelow(p: string, base: string): boolean {
  return base === "/" || p === base || p.startsWith(`${base}/`);
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

interface Described {
  readonly text: string;
  readonly stats?: Stats;
}

/**
 * One-line description: type, permission bits, owner, then size+sha256 (files),
 * target (symlinks) or device numbers. With `like`, a file is only hashed when
 * everything else matches `like` (otherwise the texts differ anyway), so large
 * host files are not read for nothing.
 */
async function describe(path: string, like?: Described): Promise<Described> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch {
    return { text: "absent" };
  }
  const meta = `${(st.mode & 0o7777).toString(8).padStart(4, "0")} ${st.uid}:${st.gid}`;
  if (st.isFile()) {
    const head = `file ${meta} ${st.size}`;
    if (like && !like.text.startsWith(`${head} `)) return { text: head, stats: st };
    return { text: `${head} sha256:${await sha256File(path)}`, stats: st };
  }
  if (st.isDirectory()) return { text: `dir ${meta}`, stats: st };
  if (st.isSymbolicLink()) return { text: `symlink ${st.uid}:${st.gid} -> ${await readlink(path)}`, stats: st };
  if (st.isFIFO()) return { text: `fifo ${meta}`, stats: st };
  if (st.isSocket()) return { text: `socket ${meta}`, stats: st };
  const kind = st.isCharacterDevice() ? "chardev" : "blockdev";
  // Linux dev_t: major in bits 8-19, minor in bits 0-7 and 20-31.
  const major = (st.rdev >>> 8) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >>> 12) & 0xfff00);
  return { text: `${kind} ${meta} ${major}:${minor}`, stats: st };
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolveHash, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolveHash(h.digest("hex")));
  });
}
