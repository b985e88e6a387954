/**
 * The temporary folder `render` writes into (`.podnet-tmp-<DIR>-XXXXXX`, beside
 * DIR): marked as podnet's with the writing process' id, removed when the
 * render is interrupted by SIGINT, SIGTERM or SIGHUP, and, when a render was
 * killed outright, removed by the next render beside it once that process is
 * gone. A folder with a similar name but no marker is never touched.
 */
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, hostname } from "node:os";
import { join } from "node:path";

/** The name prefix of the temporary folder a render writes next to DIR before it replaces DIR. */
export const TEMP_PREFIX = ".podnet-tmp-";
/** The marker inside a temporary folder; removed just before the folder becomes DIR. */
export const TEMP_OWNER = ".podnet-render-in-progress.json";

/** The signals that stop a render (the ones a terminal, `kill` and systemd send). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** A render stopped by a signal; its temporary folder is already gone. */
export class RenderInterrupted extends Error {
  override readonly name = "RenderInterrupted";
  /** Records the signal, to re-raise it once the temporary folder is gone. */
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

interface Owner {
  readonly pid: number;
  readonly host: string;
}

/** Marks `tmp` as being written by this process. */
export function markTemp(tmp: string, target: string): void {
  writeFileSync(join(tmp, TEMP_OWNER), `${JSON.stringify({ pid: process.pid, host: hostname(), target })}\n`, { mode: 0o600 });
}

/** Removes the in-progress marker from `tmp`, just before the folder becomes DIR. */
export function unmarkTemp(tmp: string): void {
  rmSync(join(tmp, TEMP_OWNER), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ownerOf(folder: string): Owner | undefined {
  try {
    const st = lstatSync(folder);
    if (!st.isDirectory()) return undefined;
    const marker = join(folder, TEMP_OWNER);
    if (!lstatSync(marker).isFile()) return undefined;
    const o = JSON.parse(readFileSync(marker, "utf8")) as Partial<Owner>;
    if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 || typeof o.host !== "string") return undefined;
    return o as Owner;
  } catch {
    return undefined;
  }
}

/**
 * Removes the temporary folders in `parent` that a render on this host left
 * behind (marker present, its process gone); returns their names.
 */
export function removeStaleTemps(parent: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX)).sort()) {
    const folder = join(parent, name);
    const owner = ownerOf(folder);
    if (!owner || owner.host !== hostname() || owner.pid === process.pid || alive(owner.pid)) continue;
    rmSync(folder, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Watches for the stop signals while `work` runs. `work` calls `checkpoint()`
 * now and then: it yields to the event loop (where signal handlers run) and
 * throws RenderInterrupted when a signal came.
 */
export async function whileWatchingSignals<T>(work: (checkpoint: () => Promise<void>) => Promise<T>): Promise<T> {
  let caught: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    caught ??= s;
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    return await work(async () => {
      await new Promise<void>((r) => setImmediate(r));
      if (caught) throw new RenderInterrupted(caught);
    });
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

/**
 * Ends the process the way the signal would have (a shell sees 128 + its
 * number); returns that status when something else in this process handles
 * the signal (e.g. a test runner), so the caller can exit with it.
 */
export function reraise(signal: NodeJS.Signals): number {
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  return 128 + (constants.signals[signal] ?? 0);
}
