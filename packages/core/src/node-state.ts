/**
 * A node's desired state as data: files to place and commands to run, grouped
 * in units. Every component that touches a host (NodeNetworkPrep, the flannel
 * binary path) produces units; the node layer renders them to install.sh /
 * uninstall.sh and the Pulumi component runs them over SSH.
 */

/** A file to place on a node. */
export interface NodeFile {
  /** Absolute path on the node. */
  readonly path: string;
  readonly content: string;
  /** Octal mode, e.g. "0644"; keys and tokens are "0600". */
  readonly mode: string;
  /** @default "root:root" */
  readonly owner?: string;
  /** Key material or a token: never printed, never written into plan.json. */
  readonly secret?: boolean;
}

/** A command step with its inverse. */
export interface NodeCommand {
  /** Short label printed by the scripts. */
  readonly name: string;
  /** Shell run on install (after the unit's files are in place). */
  readonly create: string;
  /** Shell run when the unit's files changed on a later install. @default - create */
  readonly update?: string;
  /** Shell run on uninstall, before the unit's files are removed. */
  readonly delete?: string;
}

/** A group of files and commands that belong together (e.g. "prep/sysctl"). */
export interface NodeUnit {
  /** Stable id: `component/part`, lowercase, used in script output and Pulumi names. */
  readonly id: string;
  readonly description: string;
  readonly files: readonly NodeFile[];
  readonly commands: readonly NodeCommand[];
}

/** Everything podnet wants on one node, in apply order. */
export interface NodeState {
  readonly node: string;
  readonly units: readonly NodeUnit[];
}
