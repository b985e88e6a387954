/**
 * Writes a render bundle atomically: everything goes into a temporary folder
 * beside the target, which replaces the target only when complete.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { RenderBundle } from "@podnet/core";
import { toYaml } from "@podnet/core";
import { renderNodeFiles } from "./node-files.js";
import { stableJson } from "./stable-json.js";

/** Writes the bundle to `outDir`; on failure the previous `outDir` is left as it was. */
export function writeBundle(bundle: RenderBundle, outDir: string): string[] {
  const target = resolve(outDir);
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
    for (const name of Object.keys(bundle.manifests).sort()) {
      put(join("manifests", name), toYaml(bundle.manifests[name] ?? []), 0o644);
    }
    for (const [rel, f] of Object.entries(bundle.files).sort(([a], [b]) => a.localeCompare(b))) {
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
  return written.sort();
}
