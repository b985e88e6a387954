/**
 * A node's desired state as data: files to place and commands to run, grouped
 * in units. Every component that touches a host (NodeNetworkPrep, the flannel
 * binary path) produces units; the node layer (node-scripts.ts) renders them to
 * install.sh / uninstall.sh and the Pulumi NodeRunner runs those over SSH.
 *
 * What the scripts guarantee for a unit:
 * - files are written atomically, only when content, mode or owner differ;
 *   a file that existed before podnet placed it is backed up and restored by
 *   uninstall, every other file podnet placed is removed;
 * - commands run `create` on the first install, `update` when the unit changed
 *   (a file was rewritten, or the unit's definition differs from the installed
 *   one), and nothing when the unit is unchanged;
 * - uninstall runs the `delete` commands (in reverse order, units in reverse
 *   order) as they were at install time, then removes or restores the files.
 *
 * Command snippets are shell written by podnet components, never by users:
 * every user value they contain must be validated with a rule from shell.ts
 * and quoted with `shQuote`. Snippets run under `set -euo pipefail` with stdin
 * at /dev/null and may use these script helpers:
 * - `$PODNET_UNIT_DIR`: a private state directory of the unit on the node
 *   (kept until uninstall), e.g. for values to restore on delete;
 * - `podnet_log MESSAGE`, `podnet_die MESSAGE`;
 * - `podnet_download_file URL SHA256 DEST MODE` and
 *   `podnet_download_archive URL SHA256 DESTDIR MODE MEMBER...` (see
 *   `downloadFileCommand` / `downloadArchiveCommand` in node-scripts.ts), which
 *   verify the sha256 before anything is replaced and record the installed
 *   binaries so uninstall restores or removes them;
 * - `podnet_filter_file PATH SED_SCRIPT`: rewrites an existing file through sed,
 *   backing up the original for uninstall.
 */

/** A file to place on a node. */
export interface NodeFile {
  /** Absolute path on the node (letters, digits and `._+@=-` per segment; see `SAFE_PATH`). */
  readonly path: string;
  /** Full file content (UTF-8). */
  readonly content: string;
  /** Octal mode, e.g. "0644"; keys and tokens are "0600". */
  readonly mode: string;
  /** `user:group`. @default "root:root" */
  readonly owner?: string;
  /** Key material or a token: never printed, never written into plan.json; mode must not grant group/other access. */
  readonly secret?: boolean;
}

/** A command step with its inverse. */
export interface NodeCommand {
  /** Short label printed by the scripts (letters, digits, spaces, `._:/,()+-`). */
  readonly name: string;
  /** Shell run on the first install (after the unit's files are in place). */
  readonly create: string;
  /** Shell run when the unit changed on a later install. @default - create */
  readonly update?: string;
  /** Shell run on uninstall (or when the unit is dropped), before the unit's files are removed. @default - nothing */
  readonly delete?: string;
}

/** A group of files and commands that belong together (e.g. "prep/sysctl"). */
export interface NodeUnit {
  /** Stable id: `component/part`, lowercase, used in script output and Pulumi names. */
  readonly id: string;
  /** One line for script output. */
  readonly description: string;
  readonly files: readonly NodeFile[];
  readonly commands: readonly NodeCommand[];
}

/** Everything one installer wants on one node, in apply order. */
export interface NodeState {
  /** Kubernetes node name (DNS-1123 label). */
  readonly node: string;
  readonly units: readonly NodeUnit[];
  /**
   * Which installer owns these units on the node. Each scope keeps its own
   * state under `/var/lib/podnet/<scope>` and an install only prunes units of
   * its own scope, so separately run installers (e.g. two Pulumi components on
   * one host) never remove each other's units.
   * @default "default"
   */
  readonly scope?: string;
}
