/**
 * Writes a render bundle atomically: everything goes into a temporary folder
 * beside the target, which replaces the target only when complete.
 *
 * The target must be absent, an empty folder, or a bundle podnet wrote before
 * (a `plan.json` of kind Plan and nothing but bundle entries): podnet never
 * replaces a folder it did not make.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import type { K8sObject, RenderBundle } from "@podnet/core";
import { toYaml } from "@podnet/core";
import { UsageError } from "./load-spec.js";
import { renderNodeFiles } from "./node-files.js";
import { stableJson } from "./stable-json.js";

/** Top-level entries a podnet bundle may hold. */
const BUNDLE_ENTRIES = new Set(["manifests", "nodes", "plan.json", "etcd", "calico", "flannel", "README.txt"]);

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Refuses to replace anything that is not an earlier bundle (or empty). */
export function checkReplaceable(target: string, specFile?: string): void {
  if (target === resolve("/") || target === resolve(".") || target === resolve("..")) {
    throw new UsageError(`refusing to render into ${target}: give a dedicated output folder`);
  }
  if (specFile && (resolve(specFile) + sep).startsWith(target + sep)) {
    throw new UsageError(`refusing to render into ${target}: it contains the spec file; give a dedicated output folder`);
  }
  if (!existsSync(target)) return;
  if (!lstatSync(target).isDirectory()) throw new UsageError(`refusing to replace ${target}: it is not a folder`);
  const entries = readdirSync(target);
  if (entries.length === 0) return;
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(join(target, "plan.json"), "utf8")) as { kind?: unknown }).kind;
  } catch {
    kind = undefined;
  }
  const strangers = entries.filter((e) => !BUNDLE_ENTRIES.has(e) && !e.endsWith(".yaml") && !e.endsWith(".svg"));
  if (kind !== "Plan" || strangers.length > 0) {
    throw new UsageError(
      `refusing to replace ${target}: it is not a podnet bundle (${kind !== "Plan" ? "no plan.json of kind Plan" : `unexpected ${strangers.slice(0, 3).join(", ")}`}); give an empty or new folder`,
    );
  }
}

/** Manifest files holding a Secret are private: 0600. */
function manifestMode(objects: readonly K8sObject[]): number {
  return objects.some((o) => o.kind === "Secret") ? 0o600 : 0o644;
}

/** Writes the bundle to `outDir`; on failure the previous `outDir` is left as it was. */
export function writeBundle(bundle: RenderBundle, outDir: string, specFile?: string): string[] {
  if (outDir.trim() === "") throw new UsageError("--out must name a folder");
  const target = resolve(outDir);
  checkReplaceable(target, specFile);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.podnet-tmp-${basename(target)}-`));
  const written: string[] = [];
  const put = (rel: string, content: string, mode: number): void => {
    const full = join(tmp, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content, { mode });
    chmodSync(full, mode);
    written.push(rel);
  };
  try {
    for (const name of Object.keys(bundle.manifests).sort(byteOrder)) {
      const objects = bundle.manifests[name] ?? [];
      put(join("manifests", name), toYaml(objects), manifestMode(objects));
    }
    for (const [rel, f] of Object.entries(bundle.files).sort(([a], [b]) => byteOrder(a, b))) {
      put(rel, f.content, Number.parseInt(f.mode, 8));
    }
    for (const state of bundle.nodes) {
      for (const [rel, f] of renderNodeFiles(state)) put(join("nodes", state.node, rel), f.content, Number.parseInt(f.mode, 8));
    }
    put("plan.json", stableJson(bundle.planJson), 0o644);
    const old = `${tmp}.old`;
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return written.sort(byteOrder);
}
