/**
 * The pieces `startTestNodes` assembles: the private mount namespace that holds
 * every mount of an instance, the test network, each node's file system, its
 * sshd configuration, and the launcher that starts sshd as a node's PID 1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BASE_ENV, runOk, shQuote, sleep } from "./proc.js";

/** Where a node sees its sshd configuration, host key, authorized_keys and log. */
export const HARNESS_DIR_IN_NODE = "/run/podnet-harness";
/** Directories a node gets empty (not from the host), with their modes, as on a freshly booted machine. */
export const FRESH_DIRS: Readonly<Record<string, number>> = { "/run": 0o755, "/tmp": 0o1777, "/var/tmp": 0o1777, "/root": 0o700 };
/** Pseudo file systems and harness files, mounted inside the node only: no host path, never in a snapshot. */
export const NODE_ONLY_PATHS = ["/dev", "/proc", "/sys", HARNESS_DIR_IN_NODE] as const;

/**
 * Start the helper whose private mount namespace holds all of an instance's mounts (tmpfs,
 * overlays, binds). The host's mount table is never touched, and when the helper dies (it dies
 * with the test process, by PDEATHSIG) every mount goes with it. The host reaches the files
 * through `/proc/<helper pid>/root`.
 */
export async function startMountHelper(): Promise<ChildProcess> {
  // slave: mount events from the host (e.g. `ip netns del` of other instances) still arrive; ours never leave.
  const helper = spawn(
    "setpriv",
    ["--pdeathsig", "KILL", "--", "unshare", "--mount", "--propagation", "slave", "--", "sleep", "infinity"],
    {
      env: BASE_ENV,
      stdio: "ignore",
    },
  );
  helper.on("error", () => {});
  helper.unref();
  const own = readlinkSync("/proc/self/ns/mnt");
  for (let i = 0; i < 250; i++) {
    if (helper.exitCode !== null || helper.signalCode !== null) throw new Error("mount-namespace helper (unshare --mount) exited at once");
    try {
      if (helper.pid !== undefined && readlinkSync(`/proc/${helper.pid}/ns/mnt`) !== own) return helper;
    } catch {
      // not there yet
    }
    await sleep(4);
  }
  throw new Error("mount-namespace helper did not enter its own mount namespace within 1 s");
}

/** Run a shell script inside the helper's mount namespace. */
export async function inHelper(helperPid: number, script: string): Promise<void> {
  await runOk("nsenter", ["--target", String(helperPid), "--mount", "--", "sh", "-s"], { input: script, timeoutMs: 30_000 });
}

export interface NodeAddress {
  readonly v4: string;
  readonly v6: string;
}

/**
 * One bridge in the client namespace, one veth per node (created directly in the target
 * namespaces, so no interface ever exists in the host namespace). No default routes anywhere.
 */
export async function createNetwork(
  client: { netns: string; address: string; address6: string },
  nodeNs: readonly string[],
  addresses: readonly NodeAddress[],
): Promise<void> {
  for (const ns of [client.netns, ...nodeNs]) await runOk("ip", ["netns", "add", ns]);
  // IPv6 addresses use `nodad`, so they are usable at once (no duplicate address detection delay).
  const clientCmds = [
    "link set lo up",
    "link add br0 type bridge",
    `addr add ${client.address}/24 dev br0`,
    `addr add ${client.address6}/64 dev br0 nodad`,
    "link set br0 up",
    ...nodeNs.flatMap((ns, i) => [
      `link add vp${i} type veth peer name eth0 netns ${ns}`,
      `link set vp${i} master br0`,
      `link set vp${i} up`,
    ]),
  ];
  await runOk("ip", ["-n", client.netns, "-batch", "-"], { input: `${clientCmds.join("\n")}\n` });
  await Promise.all(
    nodeNs.map((ns, i) => {
      const a = addresses[i] as NodeAddress;
      const cmds = ["link set lo up", `addr add ${a.v4}/24 dev eth0`, `addr add ${a.v6}/64 dev eth0 nodad`, "link set eth0 up"];
      return runOk("ip", ["-n", ns, "-batch", "-"], { input: `${cmds.join("\n")}\n` });
    }),
  );
}

/** Directory (inside the instance's tmpfs) that backs a fresh node directory. */
export function freshDir(nodeDir: string, nodePath: string): string {
  return join(nodeDir, "fresh", nodePath.slice(1).replaceAll("/", "-"));
}

/**
 * Shell script (for `inHelper`) that mounts the instance tmpfs at `base`, a read-only bind of
 * the host's root file system without its submounts at `base/lower`, and for each node
 * directory an overlay root (lower = that bind, upper = the tmpfs) with fresh directories
 * bound over it.
 */
export function fsSetupScript(base: string, nodeDirs: readonly string[], tmpfsSize: string): string {
  const q = shQuote;
  const lines = [
    "set -eu",
    `mount -t tmpfs -o size=${tmpfsSize},mode=0755 podnet-harness ${q(base)}`,
    `mount --make-private ${q(base)}`,
    `mkdir ${q(`${base}/lower`)}`,
    `mount --bind / ${q(`${base}/lower`)}`,
    `mount --make-private ${q(`${base}/lower`)}`,
    `mount -o remount,bind,ro ${q(`${base}/lower`)}`,
  ];
  for (const dir of nodeDirs) {
    const fresh = Object.entries(FRESH_DIRS).map(([p, mode]) => ({ nodePath: p, host: freshDir(dir, p), mode }));
    const run = freshDir(dir, "/run");
    lines.push(
      `mkdir -p ${[`${dir}/root`, `${dir}/upper`, `${dir}/work`, `${dir}/sshd`, ...fresh.map((f) => f.host)].map(q).join(" ")}`,
      ...fresh.map((f) => `chmod ${f.mode.toString(8)} ${q(f.host)}`),
      // What a booted node has in /run: sshd's privilege-separation directory and /run/lock.
      `mkdir -m 0755 ${q(`${run}/sshd`)} ${q(`${run}/${HARNESS_DIR_IN_NODE.slice("/run/".length)}`)}`,
      `mkdir -m 1777 ${q(`${run}/lock`)}`,
      `mount -t overlay overlay -o ${q(`lowerdir=${base}/lower,upperdir=${dir}/upper,workdir=${dir}/work`)} ${q(`${dir}/root`)}`,
      ...fresh.map((f) => `mount --bind ${q(f.host)} ${q(`${dir}/root${f.nodePath}`)}`),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** sshd_config for one node; every path is as the node sees it. */
export function sshdConfig(name: string, addr: NodeAddress): string {
  const h = HARNESS_DIR_IN_NODE;
  return [
    `# podnet test harness, node ${name}`,
    `ListenAddress ${addr.v4}:22`,
    `ListenAddress [${addr.v6}]:22`,
    `HostKey ${h}/ssh_host_ed25519_key`,
    "PidFile none",
    `AuthorizedKeysFile ${h}/authorized_keys`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "StrictModes no",
    "UseDNS no",
    "PrintMotd no",
    "PrintLastLog no",
    // Tests may open many connections at once; the default 10:30:100 drops some of them at random.
    "MaxStartups 100:30:200",
    "MaxSessions 50",
    // Pulumi's remote.CopyToRemote and scp (OpenSSH 9) use SFTP.
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}

/**
 * Start sshd as PID 1 of new mount+UTS+PID namespaces, in the node's network namespace and a
 * copy of the helper's mount namespace, chrooted into the node's overlay root. The chain
 * setpriv → nsenter → unshare only execs, so the child's PID is unshare's, and unshare's
 * `--kill-child` makes its death (or the test process's, through PDEATHSIG) kill the node.
 *
 * `nodeDir` is the node directory as the helper sees it; `hostNodeDir` the same through /proc.
 */
export async function launchNode(opts: {
  helperPid: number;
  netns: string;
  name: string;
  nodeDir: string;
  hostNodeDir: string;
}): Promise<ChildProcess> {
  const R = shQuote(`${opts.nodeDir}/root`);
  const script = [
    "set -eu",
    `mount -t proc proc ${R}/proc`,
    // Only per-network-namespace sysctls are writable: the rest of /proc/sys is the shared kernel's.
    `mount --bind ${R}/proc/sys ${R}/proc/sys`,
    `mount -o remount,bind,ro ${R}/proc/sys`,
    `mount --bind ${R}/proc/sys/net ${R}/proc/sys/net`,
    `mount -o remount,bind,rw ${R}/proc/sys/net`,
    // A sysfs mounted from inside the network namespace shows that namespace's interfaces.
    `mount -t sysfs sysfs ${R}/sys`,
    `mount --rbind /dev ${R}/dev`,
    `mount -t tmpfs -o mode=1777,size=64m shm ${R}/dev/shm`,
    `mount --bind ${shQuote(`${opts.nodeDir}/sshd`)} ${R}${HARNESS_DIR_IN_NODE}`,
    `hostname ${opts.name}`,
    `exec chroot ${R} /usr/sbin/sshd -D -f ${HARNESS_DIR_IN_NODE}/sshd_config -E ${HARNESS_DIR_IN_NODE}/sshd.log`,
    "",
  ].join("\n");
  await writeFile(join(opts.hostNodeDir, "launch.sh"), script);
  const log = openSync(join(opts.hostNodeDir, "launch.log"), "w");
  try {
    const child = spawn(
      "setpriv",
      [
        "--pdeathsig",
        "KILL",
        "--",
        "nsenter",
        "--target",
        String(opts.helperPid),
        "--mount",
        // nsenter opens this path before entering anything, so it is the host's /run/netns.
        `--net=/run/netns/${opts.netns}`,
        "--",
        "unshare",
        "--mount",
        "--uts",
        "--pid",
        "--fork",
        "--kill-child",
        "--propagation",
        "slave",
        "--",
        "sh",
        `${opts.nodeDir}/launch.sh`,
      ],
      { env: BASE_ENV, stdio: ["ignore", log, log] },
    );
    // Do not keep the test process alive for it; the exit hooks and PDEATHSIG clean up.
    child.unref();
    child.on("error", () => {});
    return child;
  } finally {
    closeSync(log);
  }
}
