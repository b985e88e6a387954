/**
 * Runs a node-layer NodeState on a host over SSH with @pulumi/command.
 *
 * Two `remote.Command` children per node, both sending a script as stdin to
 * `bash -s` (the bytes `podnet render` writes as install.sh / uninstall.sh):
 * - `<name>-uninstall` has only a `delete`: `pulumi destroy` (or dropping the
 *   node) runs uninstall.sh, which undoes exactly what install recorded.
 *   Updating its script is an in-place update that runs nothing, so a changed
 *   spec never uninstalls a live node.
 * - `<name>-install` runs install.sh on create and is replaced (re-run) when
 *   the script's sha256 changes; it has no delete of its own. It depends on
 *   the uninstaller, so destroy runs uninstall last.
 *
 * Scripts travel on stdin rather than as files (`CopyToRemote` is not in the
 * pinned @pulumi/command) or in the command line (128 KiB argument limit), and
 * nothing is left on the host but what the units place. The private key is
 * always a secret; the install script is one when a unit file is secret.
 */
import { type NodeState, renderNodeScripts } from "@podnet/core";
import { nodeScriptCommand, sha256Hex } from "@podnet/core/internal";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { checkResolved } from "./late.js";
import { validated } from "./problems.js";

/** How to reach a node. */
export interface NodeConnectionArgs {
  /** Address or DNS name. */
  readonly host: pulumi.Input<string>;
  /** @default 22 */
  readonly port?: pulumi.Input<number>;
  /** @default "root" */
  readonly user?: pulumi.Input<string>;
  /** SSH private key (PEM/OpenSSH); stored as a Pulumi secret. */
  readonly privateKey: pulumi.Input<string>;
}

/** What a NodeRunner installs on one node, and how it reaches it. */
export interface NodeRunnerArgs {
  /**
   * What to install on the node (from NodeNetworkPrep, the flannel binary path, ...). An Output
   * when it depends on late values: its scripts are rendered (and checked) once it resolves.
   */
  readonly state: NodeState | pulumi.Output<NodeState>;
  readonly connection: NodeConnectionArgs;
  /**
   * Run the scripts through `sudo -n` (passwordless sudo) for a non-root user.
   * @default - true when `connection.user` is a plain string other than "root"
   */
  readonly sudo?: boolean;
}

/** One node's install/uninstall, as @pulumi/command resources. */
export class NodeRunner extends pulumi.ComponentResource {
  /** Runs install.sh; its stdout is the script's report. */
  readonly install: command.remote.Command;
  /** Holds uninstall.sh for `pulumi destroy`. */
  readonly uninstall: command.remote.Command;
  /** sha256 of install.sh: the install command's trigger (an Output when `state` is one). */
  readonly installSha256: pulumi.Input<string>;
  /** What install.sh printed on its last run. */
  readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: NodeRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    const state = args.state;
    const plain = pulumi.Output.isInstance(state) ? undefined : validated("NodeRunner", () => renderNodeScripts(state));
    super("podnet:index:NodeRunner", name, {}, opts);
    const late = pulumi.Output.isInstance(state)
      ? state.apply((st) => checkResolved("NodeRunner", this, () => renderNodeScripts(st)))
      : undefined;
    const script = <T>(f: (s: ReturnType<typeof renderNodeScripts>) => T): pulumi.Input<T> =>
      late ? late.apply(f) : f(plain as ReturnType<typeof renderNodeScripts>);
    const user = args.connection.user ?? "root";
    const sudo = args.sudo ?? (typeof user === "string" && user !== "root");
    const run = nodeScriptCommand({ sudo });
    const connection = {
      host: args.connection.host,
      port: args.connection.port ?? 22,
      user,
      privateKey: pulumi.secret(args.connection.privateKey),
    };
    // With a late state, install.sh is always a secret (whether a unit file is one is known only later).
    const secretFiles = pulumi.Output.isInstance(state) || state.units.some((u) => u.files.some((f) => f.secret));
    this.installSha256 = script((s) => sha256Hex(s.install));

    this.uninstall = new command.remote.Command(
      `${name}-uninstall`,
      { connection, delete: run, stdin: script((s) => s.uninstall) },
      { parent: this, ...(opts?.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}) },
    );
    this.install = new command.remote.Command(
      `${name}-install`,
      {
        connection,
        create: run,
        stdin: secretFiles ? pulumi.secret(script((s) => s.install)) : script((s) => s.install),
        triggers: [this.installSha256],
      },
      { parent: this, dependsOn: [this.uninstall] },
    );
    this.stdout = this.install.stdout;
    this.registerOutputs({ stdout: this.stdout, installSha256: this.installSha256 });
  }
}
