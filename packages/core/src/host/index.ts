/** node state, node scripts and their prelude, host requirements. */
export { NODE_SCRIPT_PRELUDE, PODNET_STATE_ROOT } from "./node-script-prelude.js";
export type { DownloadArchiveOptions, DownloadFileOptions, NodeScripts } from "./node-scripts.js";
export {
  ARCHIVE_MEMBER,
  checkDownload,
  checkNodeState,
  DEFAULT_FILE_OWNER,
  DEFAULT_NODE_SCOPE,
  downloadArchiveCommand,
  downloadFileCommand,
  nodeScriptCommand,
  renderNodeScripts,
  unitDigest,
  unitKey,
} from "./node-scripts.js";
export type { NodeCommand, NodeFile, NodeState, NodeUnit } from "./node-state.js";
export type { FirewallNeed, HostRequirements } from "./requirements.js";
export { FirewallProtocol, firewallNeedText, NodeScope } from "./requirements.js";
