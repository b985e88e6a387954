/**
 * `podnet map FILE --out map.svg` and `podnet plan FILE --svg map.svg`: the
 * picture of a spec's address space. An invalid spec is drawn too (what
 * parses, overlaps in red, problems listed), and the command exits 1.
 */
import { type RenderContext, renderSpecMap, type SpecMap } from "@podnet/core";
import { loadSpecFile } from "../load-spec.js";
import { type Io, printProblems } from "../output.js";
import { writeFileAtomic } from "./write-file.js";

/** What a command passes beside a spec: the certificate files it names, read relative to it. */
export type ContextOf = (spec: unknown, file: string) => RenderContext;

/** Loads the spec and renders its map. */
export function mapOfFile(file: string, contextOf: ContextOf = () => ({})): SpecMap {
  const spec = loadSpecFile(file);
  return renderSpecMap(spec, contextOf(spec, file));
}

/**
 * Writes the SVG to `out` (`-` = standard output); returns the exit code.
 * `problems` prints the spec's problems, `announce` the "wrote" line (off
 * when another command owns standard output, e.g. `plan --json --svg`).
 */
export function writeMap(
  io: Io,
  file: string,
  out: string,
  map: SpecMap,
  show: { problems: boolean; announce: boolean } = { problems: true, announce: true },
): number {
  if (show.problems) printProblems(io, map.errors, map.warnings);
  if (out === "-") io.out(map.svg.trimEnd());
  else writeFileAtomic(out, map.svg);
  const where = out === "-" ? "standard output" : out;
  if (!map.valid) {
    io.err(
      `${file}: invalid (${map.errors.length} error${map.errors.length === 1 ? "" : "s"}); the map on ${where} shows what parses, overlaps in red`,
    );
    return 1;
  }
  if (out !== "-" && show.announce) io.out(`wrote the network map of ${file} to ${out}`);
  return 0;
}

/** The `podnet map` action. */
export function mapCommand(io: Io, file: string, opts: { out: string }, contextOf: ContextOf = () => ({})): number {
  return writeMap(io, file, opts.out, mapOfFile(file, contextOf));
}
