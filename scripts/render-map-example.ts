/**
 * Regenerates docs/map-example.svg from examples/cli/cluster.yaml, the map the
 * README shows. A test compares the committed file with a fresh render.
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

/** The example map as it should be committed. */
export function renderMapExample(): string {
  const map = mapOfFile(MAP_EXAMPLE_SPEC);
  if (!map.valid) throw new Error(`${MAP_EXAMPLE_SPEC} is invalid: ${map.errors.map((e) => e.message).join("; ")}`);
  return map.svg;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(MAP_EXAMPLE_SVG, renderMapExample());
  console.log(`wrote ${MAP_EXAMPLE_SVG}`);
}
