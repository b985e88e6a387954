/**
 * `podnet map FILE --out map.svg` and `podnet plan FILE --svg map.svg`: the
 * picture of a spec's address space. An invalid spec is drawn too (what
 * parses, overlaps in red, problems listed), and the command exits 1.
 */
import { type PlanContext, renderSpecMap, type SpecMap } from "@podnet/core";
import { loadSpecFile } from "../load-spec.js";
import { type Io, printProblems } from "../output.js";
import { writeFileAtomic } from "./write-file.js";

/** Loads the spec and renders its map (no I/O besides reading the spec). */
export function mapOfFile(file: string, context: PlanContext = {}): SpecMap {
  return renderSpecMap(loadSpecFile(file), context);
}

/** Writes the SVG to `out` (`-` = standard output); returns the exit code. */
export function writeMap(io: Io, file: string, out: string, map: SpecMap, printIssues = true): number {
  if (printIssues) printProblems(io, map.errors, map.warnings);
  if (out === "-") io.out(map.svg.trimEnd());
  else writeFileAtomic(out, map.svg);
  const where = out === "-" ? "standard output" : out;
  if (!map.valid) {
    io.err(`${file}: invalid (${map.errors.length} error${map.errors.length === 1 ? "" : "s"}); the map on ${where} shows what parses, overlaps in red`);
    return 1;
  }
  if (out !== "-") io.out(`wrote the network map of ${file} to ${out}`);
  return 0;
}

/** The `podnet map` action. */
export function mapCommand(io: Io, file: string, opts: { out: string }, context: PlanContext = {}): number {
  return writeMap(io, file, opts.out, mapOfFile(file, context));
}
