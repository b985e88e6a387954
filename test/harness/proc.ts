/**
 * Small process helpers for the test harness: every child is tracked by PID,
 * every wait is bounded, and nothing is ever killed by name.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** What a finished child produced. */
export interface RunResult {
  /** Exit code; `-1` when the child was ended by a signal (see `signal`). */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  readonly durationMs: number;
}

export interface RunOptions {
  /** Bytes written to the child's stdin, which is then closed. @default - stdin is closed at once */
  readonly input?: string | Buffer;
  /** Upper bound on the child's run time; the child is SIGKILLed and the promise rejects. @default 60000 */
  readonly timeoutMs?: number;
  /** Environment of the child. @default - a minimal, fixed environment (PATH, LANG=C) */
  readonly env?: NodeJS.ProcessEnv;
}

/** Thrown when a child outlives `timeoutMs`. Carries what it printed so far. */
export class RunTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    readonly partial: { stdout: string; stderr: string },
  ) {
    super(`${command}: no exit after ${timeoutMs} ms (killed); stderr so far: ${partial.stderr.trim() || "(empty)"}`);
    this.name = "RunTimeoutError";
  }
}

/** The fixed environment children get unless told otherwise, so runs do not depend on the caller's shell. */
export const BASE_ENV: NodeJS.ProcessEnv = Object.freeze({
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C",
});

const live = new Set<ChildProcess>();

/** SIGKILL every child started through `run` that is still running (by PID). */
export function killTrackedChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/** Run a program (no shell) and collect its output. Never rejects on a non-zero exit; rejects on spawn failure or timeout. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { env: opts.env ?? BASE_ENV, stdio: ["pipe", "pipe", "pipe"] });
    live.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    // The remote side may close stdin early (e.g. `exit` before reading all input): not an error here.
    child.stdin.on("error", () => {});
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) {
        reject(new RunTimeoutError([file, ...args].join(" "), timeoutMs, { stdout, stderr }));
        return;
      }
      resolvePromise({ code: code ?? -1, signal, stdout, stderr, durationMs: performance.now() - started });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Like `run`, but rejects unless the exit code is 0, with the command and its stderr in the message. */
export async function runOk(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    throw new Error(`${[file, ...args].join(" ")} exited ${r.code}${r.signal ? ` (${r.signal})` : ""}: ${r.stderr.trim()}`);
  }
  return r;
}

/** Synchronous variant for exit handlers: bounded, never throws. */
export function runSyncQuiet(file: string, args: readonly string[], timeoutMs = 5000): { code: number; stdout: string } {
  try {
    const r = spawnSync(file, args, { env: BASE_ENV, timeout: timeoutMs, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: r.status ?? -1, stdout: r.stdout ?? "" };
  } catch {
    return { code: -1, stdout: "" };
  }
}

/** Quote one word for a POSIX shell. */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True if `promise` settles within `ms`. The timer is cleared either way, so it never keeps the process alive. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Block the thread (exit handlers only). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  return processState(pid) !== "Z";
}

/** The one-letter state from /proc/PID/stat (R, S, Z, …), or undefined when the process is gone. */
export function processState(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat?.[0];
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), to tell a PID from a reused one. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** Fields of /proc/PID/stat after the `(comm)` field: [state, ppid, …]. */
function procStat(pid: number): string[] | undefined {
  try {
    // comm may contain spaces and parentheses; everything after the last ')' is space separated.
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    const tail = raw.slice(raw.lastIndexOf(")") + 2).trim();
    return tail ? tail.split(" ") : undefined;
  } catch {
    return undefined;
  }
}
