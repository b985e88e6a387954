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

export interface NodeRunnerArgs {
  /** What to install on the node (from NodeNetworkPrep, the flannel binary path, ...). */
  readonly state: NodeState;
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
  /** sha256 of install.sh: the install command's trigger. */
  readonly installSha256: string;
  /** What install.sh printed on its last run. */
  readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: NodeRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    const scripts = validated("NodeRunner", () => renderNodeScripts(args.state));
    super("podnet:index:NodeRunner", name, {}, opts);
    const user = args.connection.user ?? "root";
    const sudo = args.sudo ?? (typeof user === "string" && user !== "root");
    const run = nodeScriptCommand({ sudo });
    const connection = {
      host: args.connection.host,
      port: args.connection.port ?? 22,
      user,
      privateKey: pulumi.secret(args.connection.privateKey),
    };
    const secretFiles = args.state.units.some((u) => u.files.some((f) => f.secret));
    this.installSha256 = sha256Hex(scripts.install);

    this.uninstall = new command.remote.Command(
      `${name}-uninstall`,
      { connection, delete: run, stdin: scripts.uninstall },
      { parent: this, ...(opts?.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}) },
    );
    this.install = new command.remote.Command(
      `${name}-install`,
      {
        connection,
        create: run,
        stdin: secretFiles ? pulumi.secret(scripts.install) : scripts.install,
        triggers: [this.installSha256],
      },
      { parent: this, dependsOn: [this.uninstall] },
    );
    this.stdout = this.install.stdout;
    this.registerOutputs({ stdout: this.stdout, installSha256: this.installSha256 });
  }
}
