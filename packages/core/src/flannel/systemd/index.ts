/** mode systemd (uses flannel/, never daemonset/). */

export type { FlannelEtcdClientFiles } from "./etcd-script.js";
export { renderFlannelEtcdWriteConfig } from "./etcd-script.js";
export type { FlannelKubeconfigInput } from "./kube-subnet-mgr.js";
export {
  checkFlannelKubeSubnetMgr,
  FLANNEL_KUBE_NAMES,
  flannelKubeconfig,
  flannelKubeSubnetMgrObjects,
  KUBE_API_SERVER,
  KUBE_TOKEN,
} from "./kube-subnet-mgr.js";
export { LOCAL_PATH, SPEC_DIR_PATH } from "./paths.js";
export type { FlannelSystemdInput, FlannelSystemdMaterial, FlannelSystemdNode, FlannelSystemdPlan } from "./plan.js";
export { planFlannelSystemd } from "./plan.js";
export { renderFlannelPushSecrets } from "./push.js";
export type { FlannelSystemdRemoteInputs } from "./remote.js";
export {
  checkFlannelSystemdRemoteInputs,
  flannelRemoteState,
  flannelRemoteStepName,
  flannelRemoteStepScript,
  flannelStepTrigger,
  flannelSystemdConfigNode,
  flannelSystemdEtcdWriteConfig,
  flannelSystemdKubeconfig,
  flannelSystemdMaterial,
  flannelSystemdNeedsCerts,
  flannelSystemdNodeOrder,
  flannelSystemdObjectDependencies,
  flannelSystemdTokenSecret,
  flannelTokenPending,
  planFlannelSystemdNetwork,
} from "./remote.js";
export type {
  CniConflictInput,
  CniPluginInput,
  LeaseDeleteInput,
  ServiceSnippetInput,
  StopSnippetInput,
  VerifyInput,
} from "./scripts.js";
export {
  cniConflictSnippet,
  cniPluginSnippet,
  cniRestoreSnippet,
  FLANNEL_LINK_PATTERNS,
  FLANNELD_RESTART_MARKER,
  isFlannelLink,
  leaseDeleteSnippet,
  restartPendingCondition,
  startFlanneldSnippet,
  stopFlanneldSnippet,
  verifySnippet,
} from "./scripts.js";
export type { StagedSecret } from "./secrets.js";
export { SECRET_STAGING_DIR, stagedSecretCondition, stagedSecretPath, stagedSecretSnippet } from "./secrets.js";
export type { FlannelSpecFiles, SpecFileRef } from "./spec.js";
export { flannelSpecFileRefs, flannelSystemdSpecComponent } from "./spec.js";
export { flannelStepInstall, flannelStepScope, flannelStepState, flannelTokenPendingInstall, flannelUninstallDriver } from "./steps.js";
export type { FlannelSystemdComponentInput } from "./systemd.js";
export {
  flannelSystemdClusterFiles,
  flannelSystemdComponent,
  flannelSystemdNodeStates,
  flannelSystemdObjects,
  flannelSystemdSummary,
} from "./systemd.js";
export type { DockerDropInInput, FlanneldUnitInput } from "./unit.js";
export {
  checkUnitValue,
  DOCKER_FLANNEL_DROP_IN,
  dockerDropIn,
  FLANNELD_UNIT,
  FLANNELD_UNIT_PATH,
  flanneldUnit,
  systemdEnvironment,
  systemdExecWord,
} from "./unit.js";
export { flanneldSystemdArgs } from "./units.js";
