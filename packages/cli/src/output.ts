/** Printing problems the same way in every command. */
import { formatProblem, type Problem } from "@podnet/core";

/** Where the CLI prints: standard output and standard error, one line per call. */
export interface Io {
  /** Prints one line of results to standard output. */
  out(line: string): void;
  /** Prints one line of problems, warnings or progress to standard error. */
  err(line: string): void;
}

/** The Io of the running process: its standard output and standard error. */
export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Errors as `path: message`, one per line; warnings marked. */
export function printProblems(io: Io, errors: readonly Problem[], warnings: readonly Problem[]): void {
  for (const e of errors) io.err(`error: ${formatProblem(e)}`);
  for (const w of warnings) io.err(`warning: ${formatProblem(w)}`);
}
