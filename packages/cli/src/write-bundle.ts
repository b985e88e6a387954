/**
 * Writes a render bundle atomically: everything goes into a temporary folder
 * beside the target, which replaces the target only when complete. On any
 * refusal or failure nothing under the target changes.
 *
 * Every file podnet writes is recorded in `DIR/.podnet-bundle.json` (path,
 * mode, sha256). A later render replaces or removes only those files, and only
 * while they are unchanged: a recorded file that was edited is a refusal
 * unless `force`; a file podnet did not write is a refusal unless
 * `keepForeign`, which carries it over into the new bundle untouched (content,
 * mode, times, links as links).
 *
 * The target must be absent, an empty folder, or a bundle podnet wrote: a
 * folder with `.podnet-bundle.json`, or one from a release before the
 * manifest (a `plan.json` of kind Plan; replaced only with `force`, treating
 * manifests/, nodes/, etcd/, flannel/, calico/ and plan.json as podnet's).
 * Any other folder is never replaced, whatever the options.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { K8sObject, RenderBundle } from "@podnet/core";
import { toYaml } from "@podnet/core";
import {
  BUNDLE_MANIFEST,
  byteOrder,
  type FolderSurvey,
  LEGACY_BUNDLE_ENTRIES,
  listNames,
  type ManifestEntry,
  manifestText,
  ownByManifest,
  ownDirsOf,
  parseManifest,
  sha256Bytes,
  surveyFolder,
} from "./bundle-manifest.js";
import { UsageError } from "./load-spec.js";
import { renderNodeFiles } from "./node-files.js";
import { markTemp, removeStaleTemps, TEMP_PREFIX, unmarkTemp, whileWatchingSignals } from "./render-temp.js";
import { stableJson } from "./stable-json.js";

/** How `writeBundle` treats what is already in the output folder. */
export interface WriteBundleOptions {
  /** The spec being rendered: never inside the target. */
  readonly specFile?: string;
  /** Replace files podnet wrote even when they were changed since (and foreign files where the new bundle writes). */
  readonly force?: boolean;
  /** Carry files podnet did not write over into the new bundle instead of refusing. */
  readonly keepForeign?: boolean;
}

/** What `writeBundle` did: files written, kept, replaced, and stale temporary folders removed. */
export interface WriteBundleResult {
  /** Bundle files written (relative, byte order; the manifest not counted). */
  readonly written: string[];
  /** Foreign entries carried over (folders end in "/"). */
  readonly kept: string[];
  /** Files podnet wrote that were changed and replaced (with `force`). */
  readonly overwritten: string[];
  /** Temporary folders of interrupted renders that were removed. */
  readonly removedStale: string[];
}

/** Manifest files holding a Secret are private: 0600. */
function manifestMode(objects: readonly K8sObject[]): number {
  return objects.some((o) => o.kind === "Secret") ? 0o600 : 0o644;
}

/** The bundle as (path, content, mode), in byte order of paths. */
function bundleFiles(bundle: RenderBundle): Array<[string, string, number]> {
  const out: Array<[string, string, number]> = [];
  for (const name of Object.keys(bundle.manifests)) {
    const objects = bundle.manifests[name] ?? [];
    out.push([`manifests/${name}`, toYaml(objects), manifestMode(objects)]);
  }
  for (const [rel, f] of Object.entries(bundle.files)) out.push([rel, f.content, Number.parseInt(f.mode, 8)]);
  for (const state of bundle.nodes) {
    for (const [rel, f] of renderNodeFiles(state)) out.push([`nodes/${state.node}/${rel}`, f.content, Number.parseInt(f.mode, 8)]);
  }
  out.push(["plan.json", stableJson(bundle.planJson), 0o644]);
  return out.sort(([a], [b]) => byteOrder(a, b));
}

function parentsOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const rel of paths) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return dirs;
}

function planKind(target: string): unknown {
  try {
    return (JSON.parse(readFileSync(join(target, "plan.json"), "utf8")) as { kind?: unknown }).kind;
  } catch {
    return undefined;
  }
}

/** What replacing the target means: the foreign entries to carry over, the changed files to overwrite. */
interface Replacement {
  readonly keep: string[];
  readonly overwrite: string[];
}

/**
 * Refuses to replace anything that is not a podnet bundle (or empty), or a
 * bundle holding changed or foreign files the options do not allow for.
 */
export function checkReplaceable(target: string, newPaths: ReadonlySet<string>, opts: WriteBundleOptions = {}): Replacement {
  const none: Replacement = { keep: [], overwrite: [] };
  if (target === resolve("/") || target === resolve(".") || target === resolve("..")) {
    throw new UsageError(`refusing to render into ${target}: give a dedicated output folder`);
  }
  if (opts.specFile && (resolve(opts.specFile) + sep).startsWith(target + sep)) {
    throw new UsageError(`refusing to render into ${target}: it contains the spec file; give a dedicated output folder`);
  }
  if (!existsSync(target) && !isLink(target)) return none;
  if (isLink(target)) {
    throw new UsageError(
      `refusing to replace ${target}: it is a symbolic link and podnet does not render through links; give the folder itself`,
    );
  }
  if (!lstatSync(target).isDirectory()) throw new UsageError(`refusing to replace ${target}: it is not a folder`);
  if (readdirSync(target).length === 0) return none;

  const newDirs = parentsOf(newPaths);
  let survey: FolderSurvey;
  const manifestFile = join(target, BUNDLE_MANIFEST);
  if (existsSync(manifestFile) || isLink(manifestFile)) {
    const text = lstatSync(manifestFile).isFile() ? readFileSync(manifestFile, "utf8") : "";
    const m = parseManifest(text);
    if (typeof m === "string") {
      throw new UsageError(
        `refusing to replace ${target}: ${BUNDLE_MANIFEST} there is not a podnet manifest (${m}), so podnet cannot tell its files from yours; move your files out and remove the folder, or give a new folder`,
      );
    }
    const ownDir = ownDirsOf(m);
    survey = surveyFolder(target, ownByManifest(m), (rel) => ownDir(rel) || newDirs.has(rel));
  } else if (planKind(target) === "Plan") {
    if (!opts.force) {
      throw new UsageError(
        `refusing to replace ${target}: it is a bundle of an earlier podnet without ${BUNDLE_MANIFEST}, so podnet cannot tell the files it wrote from files you added or changed; move yours out, then render again with --force (everything under ${[...LEGACY_BUNDLE_ENTRIES].sort().join(", ")} is then treated as podnet's; other entries are refused unless --keep-foreign), or render into a new folder`,
      );
    }
    const top = (rel: string) => rel.split("/")[0] ?? rel;
    survey = surveyFolder(
      target,
      (rel) => (LEGACY_BUNDLE_ENTRIES.has(top(rel)) ? true : undefined),
      (rel) => LEGACY_BUNDLE_ENTRIES.has(top(rel)) || newDirs.has(rel),
    );
  } else {
    const found = readdirSync(target).sort(byteOrder);
    throw new UsageError(
      `refusing to replace ${target}: it is not a podnet bundle (no ${BUNDLE_MANIFEST}, no plan.json of kind Plan; holds ${listNames(found, 3)}); podnet never replaces a folder it did not make: give an empty or new folder`,
    );
  }

  const problems: string[] = [];
  if (survey.changed.length > 0 && !opts.force) {
    problems.push(
      `podnet wrote these files and they were changed since: ${listNames(survey.changed)}; move them away, or --force to overwrite them`,
    );
  }
  const clash = (rel: string) => {
    const p = rel.endsWith("/") ? rel.slice(0, -1) : rel;
    return newPaths.has(p) || newDirs.has(p);
  };
  const clashing = survey.foreign.filter(clash);
  const keep = survey.foreign.filter((f) => !clash(f));
  if (clashing.length > 0 && !opts.force) {
    problems.push(
      `these are not podnet's but the new bundle writes there: ${listNames(clashing)}; move them away, or --force to replace them`,
    );
  }
  if (keep.length > 0 && !opts.keepForeign) {
    problems.push(
      `podnet did not write these: ${listNames(keep)}; move them away, or --keep-foreign to carry them over into the new bundle untouched`,
    );
  }
  if (problems.length > 0) throw new UsageError(`refusing to replace ${target}: ${problems.join("; ")}; nothing was changed there`);
  return { keep, overwrite: [...survey.changed, ...clashing] };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** `p` with symbolic links resolved as far as it exists (the rest appended as given). */
function physical(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(physical(parent), basename(abs));
  }
}

/**
 * The spec's folder relative to the bundle folder, on physical paths (what the
 * kernel resolves `..` against): flannel/push-secrets.sh starts the spec's
 * relative paths there. The same whatever the working directory is.
 */
export function specDirFromBundle(outDir: string, specFile: string): string {
  return (
    relative(physical(outDir), dirname(physical(specFile)))
      .split(sep)
      .join("/") || "."
  );
}

/** Files written between checks for a stop signal (the checks yield to the event loop). */
const FILES_PER_CHECK = 32;

/** Writes the bundle to `outDir`; on refusal, failure or a stop signal the previous `outDir` is left as it was. */
export async function writeBundle(bundle: RenderBundle, outDir: string, opts: WriteBundleOptions = {}): Promise<WriteBundleResult> {
  if (outDir.trim() === "") throw new UsageError("--out must name a folder");
  const target = resolve(outDir);
  const files = bundleFiles(bundle);
  const replacement = checkReplaceable(target, new Set(files.map(([rel]) => rel)), opts);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const removedStale = removeStaleTemps(parent);
  // The signals are watched from before the temporary folder exists until it is DIR.
  await whileWatchingSignals(async (checkpoint) => {
    const tmp = mkdtempSync(join(parent, `${TEMP_PREFIX}${basename(target)}-`));
    const old = `${tmp}.old`;
    try {
      markTemp(tmp, target);
      const recorded = new Map<string, ManifestEntry>();
      let n = 0;
      for (const [rel, content, mode] of files) {
        const full = join(tmp, rel);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content, { mode });
        // writeFileSync's mode is filtered by the umask; the bundle's modes are exact.
        chmodSync(full, mode);
        recorded.set(rel, { mode: mode.toString(8).padStart(4, "0"), sha256: sha256Bytes(content) });
        if (++n % FILES_PER_CHECK === 0) await checkpoint();
      }
      for (const rel of replacement.keep) {
        const p = rel.endsWith("/") ? rel.slice(0, -1) : rel;
        mkdirSync(dirname(join(tmp, p)), { recursive: true });
        cpSync(join(target, p), join(tmp, p), {
          recursive: true,
          preserveTimestamps: true,
          verbatimSymlinks: true,
          errorOnExist: true,
          force: false,
        });
        await checkpoint();
      }
      writeFileSync(join(tmp, BUNDLE_MANIFEST), manifestText(recorded), { mode: 0o644 });
      chmodSync(join(tmp, BUNDLE_MANIFEST), 0o644);
      await checkpoint();
      // From here on nothing yields: the marker goes and the folders swap in one go.
      unmarkTemp(tmp);
      if (existsSync(target)) renameSync(target, old);
      renameSync(tmp, target);
    } catch (e) {
      // The previous DIR comes back if it was already moved aside.
      if (existsSync(old) && !existsSync(target)) renameSync(old, target);
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    rmSync(old, { recursive: true, force: true });
  });
  return {
    written: files.map(([rel]) => rel),
    kept: replacement.keep,
    overwritten: replacement.overwrite,
    removedStale,
  };
}
