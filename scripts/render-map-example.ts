/**
 * Regenerates the maps the README shows: docs/map-example.svg from
 * examples/cli/cluster.yaml (flannel, dual-stack) and docs/map-calico-example.svg
 * from examples/cli/calico-kubeadm.yaml (a Calico pool and its blocks). A test
 * compares the committed files with a fresh render.
 * Usage: node --import tsx scripts/render-map-example.ts
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mapOfFile } from "../packages/cli/src/commands/map.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The spec the example map is drawn from, and where it goes. */
export const MAP_EXAMPLE_SPEC = join(root, "examples", "cli", "cluster.yaml");
export const MAP_EXAMPLE_SVG = join(root, "docs", "map-example.svg");
/** The Calico example: spec and picture. */
export const MAP_CALICO_EXAMPLE_SPEC = join(root, "examples", "cli", "calico-kubeadm.yaml");
export const MAP_CALICO_EXAMPLE_SVG = join(root, "docs", "map-calico-example.svg");

function render(spec: string): string {
  const map = mapOfFile(spec);
  if (!map.valid) throw new Error(`${spec} is invalid: ${map.errors.map((e) => e.message).join("; ")}`);
  return map.svg;
}

/** The example map as it should be committed. */
export function renderMapExample(): string {
  return render(MAP_EXAMPLE_SPEC);
}

/** The Calico example map as it should be committed. */
export function renderCalicoMapExample(): string {
  return render(MAP_CALICO_EXAMPLE_SPEC);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(MAP_EXAMPLE_SVG, renderMapExample());
  writeFileSync(MAP_CALICO_EXAMPLE_SVG, renderCalicoMapExample());
  console.log(`wrote ${MAP_EXAMPLE_SVG} and ${MAP_CALICO_EXAMPLE_SVG}`);
}
