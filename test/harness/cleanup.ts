/**
 * Ownership and teardown of harness instances: the lock directory that claims a
 * test subnet, the record the stale reaper reads, the exit hooks, and the
 * teardown itself (processes by PID, namespaces by name, files).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRunning, processStartTime, run, runSyncQuiet, settlesWithin, sleep, sleepSync } from "./proc.js";

/** Per-instance lock directories live at `<tmpdir>/podnet-harness-<K>`. */
const LOCK_PREFIX = "podnet-harness-";

/** What one harness instance must tear down. */
export interface Owned {
  readonly lockdir: string;
  readonly netns: readonly string[];
  /** Holds the instance's private mount namespace (all its mounts); see setup.ts. */
  helper?: ChildProcess;
  /** One per node: the parent of the node's PID namespace. */
  readonly launchers: ChildProcess[];
}

/** Written to `<lockdir>/owner.json`, read by `reapStaleHarnesses`. */
interface OwnerRecord {
  readonly pid: number;
  readonly startTime: string | undefined;
  readonly netns: readonly string[];
  readonly helper?: { readonly pid: number; readonly startTime: string | undefined };
}

const liveInstances = new Set<Owned>();

/**
 * Claim a free K in 1..max by creating `<tmpdir>/podnet-harness-<K>`: mkdir is atomic, so
 * parallel test files never get the same K (and so never the same subnet or namespace names).
 */
export function allocateInstance(max: number): { k: number; lockdir: string } {
  const first = process.pid % max;
  for (let i = 0; i < max; i++) {
    const k = ((first + i) % max) + 1;
    const lockdir = join(tmpdir(), `${LOCK_PREFIX}${k}`);
    try {
      mkdirSync(lockdir, { mode: 0o700 });
      return { k, lockdir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  throw new Error(`no free test instance slot: ${max} harness instances are running or stale under ${tmpdir()}/${LOCK_PREFIX}*`);
}

/** Record what `owned` holds (call again when it changes) and make sure the exit hooks clean it up. */
export function registerOwned(owned: Owned): void {
  const helperPid = owned.helper?.pid;
  const record: OwnerRecord = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    netns: owned.netns,
    ...(helperPid !== undefined ? { helper: { pid: helperPid, startTime: processStartTime(helperPid) } } : {}),
  };
  writeFileSync(join(owned.lockdir, "owner.json"), `${JSON.stringify(record)}\n`);
  liveInstances.add(owned);
  installExitHooks();
}

export function isAlive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Tear down one instance: each node's PID 1 (its launcher reaps it, we reap the launcher, so no
 * zombie goes to the host's init), the mount-namespace helper (its mounts vanish with it), every
 * process still inside our network namespaces, the namespaces, the lock directory. Rejects if
 * anything is left behind.
 */
export async function teardown(owned: Owned): Promise<void> {
  const running = owned.launchers.filter(isAlive);
  const exits = running.map((child) => new Promise((r) => child.once("exit", r)));
  for (const child of running) for (const pid of childPids(child.pid)) killPid(pid);
  if (!(await settlesWithin(Promise.all(exits), 3000))) {
    for (const child of running) if (isAlive(child)) killPid(child.pid);
    await settlesWithin(Promise.all(exits), 3000);
  }
  const helper = owned.helper;
  if (isAlive(helper)) {
    const exited = new Promise((r) => helper.once("exit", r));
    killPid(helper.pid);
    await settlesWithin(exited, 3000);
  }
  const ours = owned.netns.filter((ns) => existsSync(`/run/netns/${ns}`));
  for (let round = 0; round < 100; round++) {
    const pids = (await Promise.all(ours.map(netnsPids))).flat();
    if (pids.length === 0) break;
    for (const pid of pids) killPid(pid);
    await sleep(20);
  }
  for (const ns of ours) await run("ip", ["netns", "del", ns], { timeoutMs: 10_000 });
  removeLockdir(owned.lockdir);
  liveInstances.delete(owned);

  const leftNetns = owned.netns.filter((ns) => existsSync(`/run/netns/${ns}`));
  const leftProcs = [...owned.launchers.map((c) => c.pid), helper?.pid].filter((p): p is number => p !== undefined && isRunning(p));
  if (leftNetns.length > 0 || leftProcs.length > 0 || existsSync(owned.lockdir)) {
    throw new Error(
      `test nodes: left behind namespaces [${leftNetns.join(", ")}], processes [${leftProcs.join(", ")}]` +
        `${existsSync(owned.lockdir) ? `, directory ${owned.lockdir}` : ""}`,
    );
  }
}

/** Synchronous best-effort teardown for exit hooks and the stale reaper; never throws. */
function teardownSync(owned: { lockdir: string; netns: readonly string[]; launchers?: ChildProcess[]; helper?: ChildProcess }): void {
  // As in `teardown`: kill each node's PID 1 first and give its launcher a moment to reap it.
  const launchers = (owned.launchers ?? []).filter(isAlive);
  for (const child of launchers) for (const pid of childPids(child.pid)) killPid(pid);
  for (let round = 0; round < 25 && launchers.some((c) => c.pid !== undefined && isRunning(c.pid)); round++) sleepSync(10);
  for (const child of launchers) killPid(child.pid);
  if (isAlive(owned.helper)) killPid(owned.helper.pid);
  const ours = owned.netns.filter((ns) => existsSync(`/run/netns/${ns}`));
  for (let round = 0; round < 50; round++) {
    const pids = ours.flatMap((ns) => parsePids(runSyncQuiet("ip", ["netns", "pids", ns]).stdout));
    if (pids.length === 0) break;
    for (const pid of pids) killPid(pid);
    sleepSync(20);
  }
  for (const ns of ours) runSyncQuiet("ip", ["netns", "del", ns]);
  removeLockdir(owned.lockdir);
}

/**
 * Remove a lock directory. The harness never mounts anything in the host's mount namespace, but
 * if something is mounted below it anyway, leave it alone rather than recurse into a mount.
 */
function removeLockdir(lockdir: string): void {
  if (mountsUnder(lockdir).length === 0) rmSync(lockdir, { recursive: true, force: true });
}

/**
 * Remove what earlier harness instances left behind when their process died without cleaning up
 * (SIGKILL, crash): kill the processes still inside their network namespaces, delete those
 * namespaces, remove their lock directories. Only instances whose owner process is gone are
 * touched (PID and start time must both match to count as alive). Returns the reaped directories.
 */
export function reapStaleHarnesses(): string[] {
  const reaped: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((e) => e.startsWith(LOCK_PREFIX) && /^\d+$/.test(e.slice(LOCK_PREFIX.length)));
  } catch {
    return reaped;
  }
  for (const entry of entries) {
    const lockdir = join(tmpdir(), entry);
    let record: OwnerRecord | undefined;
    try {
      record = JSON.parse(readFileSync(join(lockdir, "owner.json"), "utf8")) as OwnerRecord;
    } catch {
      // No owner file: being created right now, or its creator died at once. Wait a minute before judging.
      try {
        if (Date.now() - statSync(lockdir).mtimeMs < 60_000) continue;
      } catch {
        continue;
      }
    }
    if (record && isRunning(record.pid) && processStartTime(record.pid) === record.startTime) continue;
    // The helper dies with its owner (PDEATHSIG); kill it only if it is provably still the same process.
    const h = record?.helper;
    if (h && isRunning(h.pid) && processStartTime(h.pid) === h.startTime) killPid(h.pid);
    teardownSync({ lockdir, netns: record?.netns ?? [] });
    reaped.push(lockdir);
  }
  return reaped;
}

let hooksInstalled = false;

/** Tear down live instances on process exit and on SIGINT/SIGTERM/SIGHUP. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanupAll = () => {
    for (const owned of liveInstances) teardownSync(owned);
    liveInstances.clear();
  };
  process.on("exit", cleanupAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      cleanupAll();
      // If nobody else handles the signal, restore its default effect (terminate).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

export function killPid(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** PIDs whose parent is `parent` (from /proc/PID/stat). */
function childPids(parent: number | undefined): number[] {
  if (parent === undefined) return [];
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** PIDs of the processes in a network namespace (`ip netns pids`). */
export async function netnsPids(netns: string): Promise<number[]> {
  const r = await run("ip", ["netns", "pids", netns], { timeoutMs: 10_000 });
  return parsePids(r.stdout);
}

function parsePids(text: string): number[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/** Mount points at or below `dir` in this process's mount namespace. */
export function mountsUnder(dir: string): string[] {
  let info: string;
  try {
    info = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  return info
    .split("\n")
    .map((line) => (line.split(" ")[4] ?? "").replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))))
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
}
