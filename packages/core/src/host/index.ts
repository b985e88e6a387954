/** node state, node scripts and their prelude, host requirements. */

export type { DownloadArchiveOptions, DownloadFileOptions } from "./downloads.js";
export { ARCHIVE_MEMBER, checkDownload, downloadArchiveCommand, downloadFileCommand } from "./downloads.js";
export { NODE_SCRIPT_PRELUDE, PODNET_STATE_ROOT } from "./node-script-prelude.js";
export type { NodeScripts } from "./node-scripts.js";
export {
  checkNodeState,
  DEFAULT_FILE_OWNER,
  DEFAULT_NODE_SCOPE,
  nodeScriptCommand,
  renderNodeScripts,
  unitDigest,
  unitKey,
} from "./node-scripts.js";
export type { NodeCommand, NodeFile, NodeState, NodeUnit } from "./node-state.js";
export type { FirewallNeed, HostRequirements } from "./requirements.js";
export { FirewallProtocol, firewallNeedText, NodeScope } from "./requirements.js";
