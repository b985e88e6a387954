/**
 * Runs the `podnet` CLI in-process (`run` from @podnet/cli) with captured
 * output: the exit code and what it printed to stdout and stderr, lines
 * joined with "\n".
 */
import { run } from "@podnet/cli";

/** What one `podnet` call returned and printed. */
export interface PodnetResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `podnet ...args` and returns its exit code and output. */
export async function podnet(...args: string[]): Promise<PodnetResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
