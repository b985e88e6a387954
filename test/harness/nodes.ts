/**
 * Real-component test nodes: each node is an OpenSSH server in its own network,
 * mount, UTS and PID namespace, chrooted into a private copy-on-write root file
 * system, reached from a separate "client" network namespace with the real
 * `ssh`/`scp`. See README.md in this folder for what is and is not private.
 *
 * ```ts
 * const cluster = await startTestNodes({ count: 2, prefix: "flannel" });
 * after(() => cluster.stop());
 * const [a] = cluster.nodes;
 * const r = await a.script(installSh, { args: ["--dry-run"] }); // `bash -s` over ssh, script on stdin
 * assert.equal(r.code, 0, r.stderr);
 * ```
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canUseNetns, needs } from "../support/real.js";
import { allocateInstance, isAlive, type Owned, reapStaleHarnesses, registerOwned, teardown } from "./cleanup.js";
import { type RunOptions, type RunResult, run, runOk, shQuote, sleep } from "./proc.js";
import {
  createNetwork,
  FRESH_DIRS,
  freshDir,
  fsSetupScript,
  inHelper,
  launchNode,
  NODE_ONLY_PATHS,
  type NodeAddress,
  sshdConfig,
  startMountHelper,
} from "./setup.js";
import { normalizeNodePath, type Snapshot, type SnapshotOptions, snapshotLayout } from "./snapshot.js";

export { mountsUnder, netnsPids, reapStaleHarnesses } from "./cleanup.js";
export { type RunResult, RunTimeoutError } from "./proc.js";
export { diffSnapshots, type Snapshot, type SnapshotOptions } from "./snapshot.js";

/** First two octets of every test subnet: 10.0.0.0/8 is private (RFC 1918); 213 is arbitrary, chosen to be unusual. */
const SUBNET_PREFIX = "10.213";
/** IPv6 twin of SUBNET_PREFIX, inside the unique-local range fd00::/8 (RFC 4193). */
const SUBNET6_PREFIX = "fd00:213";
/** Node i gets host number FIRST_NODE_HOST + i; host number 1 is the client's bridge. */
const FIRST_NODE_HOST = 11;
/** Host numbers 11..254 are available for nodes in a /24. */
const MAX_NODES = 254 - FIRST_NODE_HOST + 1;
/** Third octet K of the test subnet; one K per running harness instance on this machine. */
const MAX_INSTANCES = 250;

/** Programs the harness runs (all from util-linux, coreutils, iproute2, openssh-server/-client). */
export const NODE_HARNESS_PROGRAMS = [
  "ip",
  "unshare",
  "nsenter",
  "setpriv",
  "mount",
  "chroot",
  "sleep",
  "sh",
  "bash",
  "/usr/sbin/sshd",
  "ssh",
  "scp",
  "ssh-keygen",
] as const;

export interface ExecOptions {
  /** Bytes for the remote command's stdin. @default - empty stdin */
  readonly input?: string | Buffer;
  /** Kill the local ssh client and reject after this long. @default 60000 */
  readonly timeoutMs?: number;
  /** Reject (with stdout and stderr in the message) unless the remote exit code is 0. @default false */
  readonly check?: boolean;
  /** Connect to the node's IPv6 address instead of its IPv4 address. @default false */
  readonly ipv6?: boolean;
}

export interface ScriptOptions extends Omit<ExecOptions, "input"> {
  /** Positional arguments for the script (`$1`, `$2`, …), shell-quoted for you. @default [] */
  readonly args?: readonly string[];
  /** Environment variables set for the script only. @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/** One SSH test node. */
export interface TestNode {
  /** Hostname inside the node (its own UTS namespace). */
  readonly name: string;
  readonly index: number;
  /** Network namespace name (`ip -n <netns> …` inspects it from the host). */
  readonly netns: string;
  readonly address: string;
  readonly address6: string;
  readonly port: 22;
  /**
   * Host path of the node's `/` (through `/proc/<pid>/root` of the instance's mount helper):
   * `join(root, "etc")` is the node's /etc. Readable and writable from the test process.
   */
  readonly root: string;
  /** PID of the node's launcher (parent of its PID namespace); undefined once stopped. */
  readonly pid: number | undefined;
  /** Host path of a node path, e.g. `hostPath("/etc/cni/net.d")`. Throws for /proc, /sys, /dev. */
  hostPath(nodePath: string): string;
  /** Run a command over real SSH (`ssh root@addr -- command`; the node's login shell is bash). */
  exec(command: string, opts?: ExecOptions): Promise<RunResult>;
  /** Run a shell script the way a Pulumi `remote.Command` would: `bash -s -- args…` with the script on stdin. */
  script(text: string, opts?: ScriptOptions): Promise<RunResult>;
  /** Copy a local file to the node with the real `scp` (SFTP protocol). Keeps the permission bits. */
  copy(localPath: string, remotePath: string, opts?: { timeoutMs?: number }): Promise<void>;
  /** How this node's file system differs from the host's (see snapshot.ts). */
  snapshot(opts?: SnapshotOptions): Promise<Snapshot>;
  /** The full argv (`ip netns exec … ssh … -- command`) for spawning ssh yourself. */
  sshArgv(command: string, opts?: { ipv6?: boolean }): string[];
  /** Contents of the node's sshd log. */
  sshdLog(): Promise<string>;
}

export interface TestCluster {
  readonly nodes: readonly TestNode[];
  /** The namespace ssh runs from; it owns the bridge, and its addresses are reachable from every node. */
  readonly client: { readonly netns: string; readonly address: string; readonly address6: string };
  readonly subnet: string;
  readonly subnet6: string;
  /** Private key ssh uses (ed25519, generated per instance). */
  readonly identityFile: string;
  /** Host directory of this instance (the lock that claims its subnet); removed by `stop()`. */
  readonly dir: string;
  /** PID of the process holding the instance's private mount namespace; undefined once stopped. */
  readonly mountHelperPid: number | undefined;
  readonly timings: { readonly startMs: number };
  /** Kill everything, delete the namespaces, remove files. Idempotent; rejects if something was left behind. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Number of nodes, 1 to 244. */
  readonly count: number;
  /** Part of every namespace name, so a leftover can be traced to its test file: `[a-z0-9-]{1,16}`. @default "t" */
  readonly prefix?: string;
  /** Hostnames of the nodes. @default - `node0`, `node1`, … */
  readonly names?: readonly string[];
  /** Size limit of the tmpfs that holds all node writes (`mount -o size=`). @default "1g" */
  readonly tmpfsSize?: string;
}

/**
 * `false` when this machine can run test nodes, else a skip reason for node:test.
 * With PODNET_REQUIRE_REAL=1 a missing tool throws instead (see test/support/real.ts).
 */
export function nodeHarnessSkip(): false | string {
  return needs(
    ...NODE_HARNESS_PROGRAMS,
    { ok: canUseNetns(), what: "root with CAP_NET_ADMIN and CAP_SYS_ADMIN (network and mount namespaces)" },
    { ok: overlayAvailable(), what: "overlayfs (kernel support)" },
  );
}

function overlayAvailable(): boolean {
  try {
    return /\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8"));
  } catch {
    return false;
  }
}

/** Start `count` SSH test nodes and wait until each answers over ssh. On failure everything started so far is torn down. */
export async function startTestNodes(opts: StartOptions): Promise<TestCluster> {
  const started = performance.now();
  const prefix = opts.prefix ?? "t";
  const names = opts.names ?? Array.from({ length: opts.count }, (_, i) => `node${i}`);
  validateStartOptions(opts, prefix);
  reapStaleHarnesses();

  const { k, lockdir } = allocateInstance(MAX_INSTANCES);
  const clientNs = `podnet-${prefix}-${process.pid}-${k}-c`;
  const nodeNs = names.map((_, i) => `podnet-${prefix}-${process.pid}-${k}-n${i}`);
  const owned: Owned = { lockdir, netns: [clientNs, ...nodeNs], launchers: [] };
  registerOwned(owned);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= teardown(owned);
    return stopping;
  };

  try {
    const helper = await startMountHelper();
    owned.helper = helper;
    registerOwned(owned);
    const helperPid = helper.pid as number;
    // `base` is the instance tmpfs as the helper (and every node) sees it; `hostBase` is the same from here.
    const base = join(lockdir, "mnt");
    const hostBase = `/proc/${helperPid}/root${base}`;
    mkdirSync(base);
    const nodeDirs = names.map((name) => join(base, "nodes", name));
    await inHelper(helperPid, fsSetupScript(base, nodeDirs, opts.tmpfsSize ?? "1g"));

    const identityFile = join(lockdir, "id_ed25519");
    await Promise.all([
      runOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "podnet-harness-client", "-f", identityFile]),
      ...names.map((name) =>
        runOk("ssh-keygen", [
          "-q",
          "-t",
          "ed25519",
          "-N",
          "",
          "-C",
          `podnet-harness-${name}`,
          "-f",
          `${hostBase}/nodes/${name}/sshd/ssh_host_ed25519_key`,
        ]),
      ),
    ]);
    const publicKey = await readFile(`${identityFile}.pub`, "utf8");

    const client = { netns: clientNs, address: `${SUBNET_PREFIX}.${k}.1`, address6: `${SUBNET6_PREFIX}:${k}::1` };
    const addresses: NodeAddress[] = names.map((_, i) => ({
      v4: `${SUBNET_PREFIX}.${k}.${FIRST_NODE_HOST + i}`,
      v6: `${SUBNET6_PREFIX}:${k}::${FIRST_NODE_HOST + i}`,
    }));
    await createNetwork(client, nodeNs, addresses);

    const sshBase = sshOptions(identityFile);
    // allSettled: on a failure, every node task has finished (and registered its launcher) before teardown.
    const settled = await Promise.allSettled(
      names.map(async (name, i) => {
        const nodeDir = nodeDirs[i] as string;
        const hostNodeDir = `${hostBase}/nodes/${name}`;
        const addr = addresses[i] as NodeAddress;
        const netns = nodeNs[i] as string;
        await writeFile(join(hostNodeDir, "sshd", "sshd_config"), sshdConfig(name, addr));
        await writeFile(join(hostNodeDir, "sshd", "authorized_keys"), publicKey, { mode: 0o600 });
        const launcher = await launchNode({ helperPid, netns, name, nodeDir, hostNodeDir });
        owned.launchers.push(launcher);
        const node = makeNode({ name, index: i, netns, addr, hostNodeDir, launcher, clientNs, sshBase });
        await waitReady(node, hostNodeDir, launcher);
        return node;
      }),
    );
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const nodes = settled.map((r) => (r as PromiseFulfilledResult<TestNode>).value);

    return {
      nodes,
      client,
      subnet: `${SUBNET_PREFIX}.${k}.0/24`,
      subnet6: `${SUBNET6_PREFIX}:${k}::/64`,
      identityFile,
      dir: lockdir,
      get mountHelperPid() {
        return isAlive(helper) ? helper.pid : undefined;
      },
      timings: { startMs: performance.now() - started },
      stop,
    };
  } catch (e) {
    await stop().catch((stopError: unknown) => {
      (e as Error).message += `\n(and cleanup failed: ${(stopError as Error).message})`;
    });
    throw e;
  }
}

function validateStartOptions(opts: StartOptions, prefix: string): void {
  const problems: string[] = [];
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_NODES) {
    problems.push(`count: ${opts.count} must be an integer from 1 to ${MAX_NODES}`);
  }
  if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(prefix)) {
    problems.push(`prefix: "${prefix}" must match [a-z0-9][a-z0-9-]{0,15} (it becomes part of namespace names)`);
  }
  if (opts.names !== undefined) {
    if (opts.names.length !== opts.count) problems.push(`names: ${opts.names.length} names for count ${opts.count}`);
    opts.names.forEach((n, i) => {
      if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(n)) problems.push(`names[${i}]: "${n}" is not a valid hostname label`);
    });
    if (new Set(opts.names).size !== opts.names.length) problems.push("names: must be unique");
  }
  if (opts.tmpfsSize !== undefined && !/^[0-9]+[kmg]?$/.test(opts.tmpfsSize)) {
    problems.push(`tmpfsSize: "${opts.tmpfsSize}" must look like 512m or 2g`);
  }
  if (!/^[A-Za-z0-9_./-]+$/.test(tmpdir())) {
    problems.push(`temp dir "${tmpdir()}" must match [A-Za-z0-9_./-]+ (it ends up in mount options); set TMPDIR`);
  }
  if (problems.length > 0) throw new Error(`startTestNodes: ${problems.join("; ")}`);
}

function sshOptions(identityFile: string): string[] {
  return [
    "-F",
    "none",
    "-i",
    identityFile,
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=5",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
  ];
}

interface NodeSpec {
  readonly name: string;
  readonly index: number;
  readonly netns: string;
  readonly addr: NodeAddress;
  /** The node's directory in the instance tmpfs, as seen from the host (through /proc/<helper>/root). */
  readonly hostNodeDir: string;
  readonly launcher: ChildProcess;
  readonly clientNs: string;
  readonly sshBase: readonly string[];
}

function makeNode(s: NodeSpec): TestNode {
  const root = join(s.hostNodeDir, "root");
  const layout = {
    merged: root,
    upper: join(s.hostNodeDir, "upper"),
    lower: join(s.hostNodeDir, "..", "..", "lower"),
    fresh: Object.fromEntries(Object.keys(FRESH_DIRS).map((p) => [p, freshDir(s.hostNodeDir, p)])),
    exclude: NODE_ONLY_PATHS,
  };
  const sshArgv = (command: string, o: { ipv6?: boolean } = {}) => [
    "ip",
    "netns",
    "exec",
    s.clientNs,
    "ssh",
    ...s.sshBase,
    `root@${o.ipv6 ? s.addr.v6 : s.addr.v4}`,
    "--",
    command,
  ];
  const exec = async (command: string, o: ExecOptions = {}): Promise<RunResult> => {
    const [file, ...args] = sshArgv(command, o) as [string, ...string[]];
    const runOpts: RunOptions = { input: o.input, timeoutMs: o.timeoutMs ?? 60_000 };
    const r = await run(file, args, runOpts);
    if (o.check && r.code !== 0) {
      throw new Error(`node ${s.name}: \`${command}\` exited ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
    }
    return r;
  };
  return {
    name: s.name,
    index: s.index,
    netns: s.netns,
    address: s.addr.v4,
    address6: s.addr.v6,
    port: 22,
    root,
    get pid() {
      return isAlive(s.launcher) ? s.launcher.pid : undefined;
    },
    hostPath(nodePath: string): string {
      const p = normalizeNodePath(nodePath);
      const hidden = NODE_ONLY_PATHS.find((x) => p === x || p.startsWith(`${x}/`));
      if (hidden) throw new Error(`node path "${p}" has no host path (${hidden} is mounted inside the node only)`);
      return join(root, p);
    },
    exec,
    script(text: string, o: ScriptOptions = {}): Promise<RunResult> {
      const env = Object.entries(o.env ?? {});
      for (const [key] of env) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`script env: "${key}" is not a valid variable name`);
      }
      const prefix = env.length > 0 ? `env ${env.map(([key, v]) => shQuote(`${key}=${v}`)).join(" ")} ` : "";
      const args = (o.args ?? []).map(shQuote).join(" ");
      return exec(`${prefix}bash -s --${args ? ` ${args}` : ""}`, { ...o, input: text });
    },
    async copy(localPath: string, remotePath: string, o: { timeoutMs?: number } = {}): Promise<void> {
      await runOk("ip", ["netns", "exec", s.clientNs, "scp", "-q", ...s.sshBase, "--", localPath, `root@[${s.addr.v4}]:${remotePath}`], {
        timeoutMs: o.timeoutMs ?? 60_000,
      });
    },
    snapshot: (o?: SnapshotOptions) => snapshotLayout(layout, o),
    sshArgv,
    sshdLog: () => readFile(join(s.hostNodeDir, "sshd", "sshd.log"), "utf8").catch(() => ""),
  };
}

/**
 * Wait until sshd logs that it listens (bounded 5 s), then until an ssh round trip
 * succeeds (at most 50 tries, 100 ms apart). Fails early, with the logs, if the launcher exits.
 */
async function waitReady(node: TestNode, dir: string, launcher: ChildProcess): Promise<void> {
  const exited = () => launcher.exitCode !== null || launcher.signalCode !== null;
  const logs = async () =>
    `launch.log:\n${await readFile(join(dir, "launch.log"), "utf8").catch(() => "")}\nsshd.log:\n${await node.sshdLog()}`;
  const deadline = performance.now() + 5000;
  while ((await node.sshdLog()).split("Server listening on").length - 1 < 2) {
    if (exited()) throw new Error(`node ${node.name}: sshd exited during startup\n${await logs()}`);
    if (performance.now() > deadline) throw new Error(`node ${node.name}: sshd not listening after 5 s\n${await logs()}`);
    await sleep(20);
  }
  let last: RunResult | Error | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (exited()) throw new Error(`node ${node.name}: sshd exited during startup\n${await logs()}`);
    try {
      last = await node.exec("true", { timeoutMs: 5000 });
      if (last.code === 0) return;
    } catch (e) {
      last = e as Error;
    }
    await sleep(100);
  }
  const why = last instanceof Error ? last.message : `exit ${last?.code}: ${last?.stderr.trim()}`;
  throw new Error(`node ${node.name}: no ssh login after 50 tries (${why})\n${await logs()}`);
}
