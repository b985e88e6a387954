/**
 * A node's desired state as data: files to place and commands to run, grouped
 * in units. Every component that touches a host (NodeNetworkPrep, the flannel
 * binary path) produces units; the node layer (host/node-scripts.ts) renders them to
 * install.sh / uninstall.sh and the Pulumi NodeRunner runs those over SSH.
 *
 * What the scripts guarantee for a unit:
 * - files are written atomically, only when content, mode or owner differ
 *   (and, for a file with `onlyIf`, only where its test holds);
 *   a file that existed before podnet placed it is backed up and restored by
 *   uninstall, every other file podnet placed is removed;
 * - commands run `create` on the first install, `update` when the unit changed
 *   (a file was rewritten, or the unit's definition differs from the installed
 *   one) or its `rerunWhen` condition holds, and nothing otherwise;
 * - uninstall runs the `delete` commands (in reverse order, units in reverse
 *   order) as they were at install time, then removes or restores the files,
 *   then runs the `afterDelete` commands (e.g. a reload that must read the
 *   restored files).
 *
 * Command snippets are shell written by podnet components, never by users:
 * every user value they contain must be validated with a rule from shared/shell.ts
 * and quoted with `shQuote`. Snippets run under `set -euo pipefail` with stdin
 * at /dev/null and may use these script helpers:
 * - `$PODNET_UNIT_DIR`: a private state directory of the unit on the node
 *   (kept until uninstall), e.g. for values to restore on delete;
 * - `$PODNET_TMP`: a scratch directory of the running install, removed when
 *   it ends;
 * - `podnet_log MESSAGE`, `podnet_die MESSAGE` (stops the script),
 *   `podnet_warn MESSAGE` (stderr, goes on: for a delete step the user can
 *   redo by hand);
 * - `podnet_download_file URL SHA256 DEST MODE` and
 *   `podnet_download_archive URL SHA256 DESTDIR MODE MEMBER...` (see
 *   `downloadFileCommand` / `downloadArchiveCommand` in host/node-scripts.ts), which
 *   verify the sha256 before anything is replaced and record the installed
 *   binaries so uninstall restores or removes them;
 * - `podnet_fetch URL SHA256`: downloads into `$PODNET_TMP` and checks the
 *   sha256 (stops on a mismatch); the file's path is then in `$PODNET_FETCHED`;
 * - `podnet_install_binary SRC DEST MODE`: copies SRC to DEST (owner
 *   root:root) atomically unless DEST already has that content, backing up
 *   what was at DEST for uninstall;
 * - `podnet_claim c PATH`: records PATH as placed by the unit's commands
 *   (backing up what is there), so uninstall restores or removes it.
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
  /**
   * Place the file only on nodes where `test` (a shell condition written by a
   * podnet component, never user text) succeeds; elsewhere the script prints
   * `otherwise` and leaves the file out (removing or restoring a copy an
   * earlier install placed).
   * @default - placed on every node
   */
  readonly onlyIf?: { readonly test: string; readonly otherwise: string };
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
  /**
   * Shell run on uninstall (or when the unit is dropped) after the unit's files
   * are removed or restored, e.g. a reload that must read the restored file.
   * @default - nothing
   */
  readonly afterDelete?: string;
}

/** A group of files and commands that belong together (e.g. "prep/sysctl"). */
export interface NodeUnit {
  /** Stable id: `component/part`, lowercase, used in script output and Pulumi names. */
  readonly id: string;
  /** One line for script output. */
  readonly description: string;
  readonly files: readonly NodeFile[];
  readonly commands: readonly NodeCommand[];
  /**
   * Shell condition checked on a later install when the unit is otherwise unchanged: when it
   * succeeds (exit 0), the commands run in `update` mode anyway. For inputs that arrive outside
   * the bundle, e.g. a secret staged on the node. Runs without `set -e` (it is a condition).
   * @default - none: an unchanged unit runs nothing
   */
  readonly rerunWhen?: string;
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
