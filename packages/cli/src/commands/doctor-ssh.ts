/**
 * Runs the doctor collection script on a node with the OpenSSH client: the
 * node's `ssh` settings from the spec (host, port, user, privateKeyFile),
 * BatchMode (never a password prompt), the script on stdin of `bash -s`
 * (`sudo -n bash -s` for a user other than root, like the node layer).
 */
import { spawn } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import type { CidrPlan } from "@podnet/core";
import { HOST_NAME, nodeScriptCommand, USER_NAME } from "@podnet/core/internal";

/** How doctor reaches the nodes: the ssh program, its options, the timeout and the key folder. */
export interface SshSettings {
  /** Program and leading arguments instead of `ssh`, e.g. `["ip", "netns", "exec", "ns", "ssh"]`. */
  readonly command: readonly string[];
  /** Extra `-o` options, e.g. `StrictHostKeyChecking=accept-new`. */
  readonly options: readonly string[];
  /** Per node, in milliseconds. */
  readonly timeoutMs: number;
  /** Folder relative key paths start from (the spec file's folder). */
  readonly baseDir: string;
}

/** What one ssh run returned: exit code (null when killed), output, and whether it timed out. */
export interface SshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly error?: string;
}

type PlannedNode = CidrPlan["nodes"][number];

/** The ssh argv for a node, or why there is none. */
export function sshArgv(node: PlannedNode, s: SshSettings): { argv: string[] } | { problem: string } {
  const ssh = node.ssh;
  if (!ssh)
    return {
      problem: `nodes[${node.index}].ssh is not set, so doctor cannot reach node "${node.name}" (add ssh: { host: <address>, user: root })`,
    };
  if (!HOST_NAME.test(ssh.host))
    return { problem: `nodes[${node.index}].ssh.host ${JSON.stringify(ssh.host)} is not a host name or address` };
  const user = ssh.user ?? "root";
  if (!USER_NAME.test(user)) return { problem: `nodes[${node.index}].ssh.user ${JSON.stringify(user)} is not a user name` };
  const key = ssh.privateKeyFile
    ? isAbsolute(ssh.privateKeyFile)
      ? ssh.privateKeyFile
      : resolve(s.baseDir, ssh.privateKeyFile)
    : undefined;
  // At most 10 s for the TCP connect, so an unreachable node does not use up the whole per-node timeout.
  const connectTimeout = Math.max(1, Math.min(10, Math.floor(s.timeoutMs / 1000)));
  const argv = [
    ...s.command,
    "-o",
    "BatchMode=yes",
    "-o",
    `ConnectTimeout=${connectTimeout}`,
    ...(key ? ["-i", key, "-o", "IdentitiesOnly=yes"] : []),
    ...s.options.flatMap((o) => ["-o", o]),
    "-p",
    String(ssh.port ?? 22),
    `${user}@${ssh.host}`,
    "--",
    nodeScriptCommand({ sudo: user !== "root" }),
  ];
  return { argv };
}

/** Runs argv with `input` on stdin; kills it after the timeout. Never rejects. */
export function runWithInput(argv: readonly string[], input: string, timeoutMs: number): Promise<SshResult> {
  return new Promise((done) => {
    const [file, ...args] = argv as [string, ...string[]];
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (r: SshResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(r);
    };
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => finish({ code: null, stdout: "", stderr: "", timedOut: false, error: e.message }));
    child.on("close", (code) =>
      finish({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), timedOut }),
    );
    child.stdin.on("error", () => {
      // the remote side may close early; the exit code tells
    });
    child.stdin.end(input);
  });
}

/** Runs tasks with at most `limit` at a time, keeping the order of the results. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
