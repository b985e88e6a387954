/**
 * `DIR/.podnet-bundle.json`: the record of every file `podnet render` wrote
 * into a bundle (path, mode, sha256), sorted by path, so a later render knows
 * which files are its own. Files podnet wrote and nobody changed are replaced
 * or removed; everything else is either a file the user changed (refused
 * unless --force) or a foreign file (refused unless --keep-foreign, which
 * carries it over untouched).
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The manifest's name inside a bundle. */
export const BUNDLE_MANIFEST = ".podnet-bundle.json";
/** The manifest's `kind`, so a stray JSON file of that name is not taken for one. */
export const BUNDLE_MANIFEST_KIND = "PodnetBundle";

/** One file podnet wrote: its mode as octal text and the sha256 of its bytes. */
export interface ManifestEntry {
  readonly mode: string;
  readonly sha256: string;
}

/** What `.podnet-bundle.json` holds: every file podnet wrote into the bundle, with its mode and digest. */
export interface BundleManifest {
  readonly kind: typeof BUNDLE_MANIFEST_KIND;
  readonly version: 1;
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

/** Top-level entries of a bundle written before the manifest existed (all of them podnet's). */
export const LEGACY_BUNDLE_ENTRIES = new Set(["manifests", "nodes", "plan.json", "etcd", "calico", "flannel"]);

/** Compares two strings by their UTF-16 code units, the same in every locale (bundle paths, deterministic output). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The sha256 of some bytes (or a string's UTF-8 bytes), as lower-case hex. */
export function sha256Bytes(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The manifest text: deterministic (paths in byte order, fixed key order). */
export function manifestText(files: ReadonlyMap<string, ManifestEntry>): string {
  const sorted: Record<string, ManifestEntry> = {};
  for (const rel of [...files.keys()].sort(byteOrder)) {
    const e = files.get(rel) as ManifestEntry;
    sorted[rel] = { mode: e.mode, sha256: e.sha256 };
  }
  const m: BundleManifest = { kind: BUNDLE_MANIFEST_KIND, version: 1, files: sorted };
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** Parses a manifest; a string says why it is not one. */
export function parseManifest(text: string): BundleManifest | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const m = data as Partial<BundleManifest> | null;
  if (!m || typeof m !== "object" || m.kind !== BUNDLE_MANIFEST_KIND) return `no "kind": "${BUNDLE_MANIFEST_KIND}"`;
  if (m.version !== 1) return `version ${JSON.stringify(m.version)} is not 1 (a newer podnet wrote it?)`;
  if (!m.files || typeof m.files !== "object" || Array.isArray(m.files)) return 'no "files" mapping';
  for (const [rel, e] of Object.entries(m.files)) {
    if (!e || typeof e !== "object" || !/^0[0-7]{3}$/.test(String(e.mode)) || !/^[0-9a-f]{64}$/.test(String(e.sha256))) {
      return `the entry for ${JSON.stringify(rel)} has no octal "mode" and sha256 "sha256"`;
    }
  }
  return m as BundleManifest;
}

/** What an existing bundle folder holds, compared with its manifest. */
export interface FolderSurvey {
  /** Files podnet wrote, unchanged since. */
  readonly own: string[];
  /** Files podnet wrote that were changed, replaced by another kind of entry, or re-moded. */
  readonly changed: string[];
  /** Entries podnet did not write (a foreign folder is one entry, its contents are not listed). */
  readonly foreign: string[];
}

/**
 * Walks `dir` without following links. `isOwn(rel)` says whether podnet wrote the
 * file at `rel` and it is unchanged (`true`), changed (`false`), or not podnet's at
 * all (`undefined`); `ownDir(rel)` whether a folder holds podnet files.
 */
export function surveyFolder(
  dir: string,
  isOwn: (rel: string, full: string) => boolean | undefined,
  ownDir: (rel: string) => boolean,
): FolderSurvey {
  const survey: FolderSurvey = { own: [], changed: [], foreign: [] };
  const walk = (relDir: string): void => {
    for (const name of readdirSync(join(dir, relDir)).sort(byteOrder)) {
      const rel = relDir === "" ? name : `${relDir}/${name}`;
      if (rel === BUNDLE_MANIFEST) continue;
      const full = join(dir, rel);
      const st = lstatSync(full);
      if (st.isDirectory()) {
        if (ownDir(rel)) walk(rel);
        else survey.foreign.push(`${rel}/`);
        continue;
      }
      const own = isOwn(rel, full);
      if (own === undefined) survey.foreign.push(rel);
      else (own ? survey.own : survey.changed).push(rel);
    }
  };
  walk("");
  return survey;
}

/** `isOwn` for a manifest: a regular file with the recorded mode and sha256. */
export function ownByManifest(m: BundleManifest): (rel: string, full: string) => boolean | undefined {
  return (rel, full) => {
    const e = Object.hasOwn(m.files, rel) ? m.files[rel] : undefined;
    if (e === undefined) return undefined;
    const st = lstatSync(full);
    if (!st.isFile()) return false;
    if ((st.mode & 0o777).toString(8).padStart(4, "0") !== e.mode) return false;
    return sha256Bytes(readFileSync(full)) === e.sha256;
  };
}

/** `ownDir` for a manifest: the folder is a parent of a recorded file. */
export function ownDirsOf(m: BundleManifest): (rel: string) => boolean {
  const dirs = new Set<string>();
  for (const rel of Object.keys(m.files)) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return (rel) => dirs.has(rel);
}

/** Shows at most `max` names, then how many more. */
export function listNames(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
