/** NodeNetworkPrep. */

export { nodePrepComponent } from "./component.js";
export type { FirewalldPlan } from "./firewalld.js";
export {
  firewalldCommand,
  firewalldCommands,
  firewalldPlan,
  IP_PROTOCOL_NUMBER,
  KUBERNETES_FIREWALL_NEEDS,
  needApplies,
  openingsText,
} from "./firewalld.js";
export type { NodeNetworkPrepInput, NodeNetworkPrepResult, NodePrep } from "./node-network-prep.js";
export { checkNodeNetworkPrep, planNodeNetworkPrep, prepComponent } from "./node-network-prep.js";
export type { NodeNetworkPrepConfig, NodeNetworkPrepOptions } from "./options.js";
export {
  CNI_PLUGINS_SHA256,
  cniPluginsSchema,
  DEFAULT_CNI_PLUGINS,
  DEFAULT_CNI_PLUGINS_BASE_URL,
  DEFAULT_CNI_PLUGINS_VERSION,
  extraPortSchema,
  FirewallKind,
  nodeNetworkPrepSchema,
  PortProtocol,
} from "./options.js";
export type { KernelModuleNeed, SysctlSetting } from "./units.js";
export { modulesUnit, NETWORK_MANAGER_PRESENT, networkManagerUnit, PREP_FILES, SWAP_MARKER, swapUnit, sysctlUnit } from "./units.js";
