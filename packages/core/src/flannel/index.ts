/** FlannelNetwork; files shared by both modes at the top. */

export type { FlanneldArgsInput } from "./args.js";
export { checkFlanneldExtraArgs, FLANNELD_EXTRA_ARG, FLANNELD_MANAGED_FLAGS, flanneldArgs } from "./args.js";
export {
  backendDevices,
  backendFirewallNeeds,
  backendKernelModules,
  FLANNEL_BACKEND_JSON_KEYS,
  FLANNEL_BACKEND_KEYS,
  FLANNEL_BACKEND_OVERHEAD,
  FLANNEL_DISCOURAGED_BACKENDS,
  FLANNEL_DUAL_STACK_BACKENDS,
  FLANNEL_UDP_DEFAULT_PORT,
  FLANNEL_VXLAN_DEFAULT_PORT,
  FLANNEL_VXLAN_DEFAULT_VNI,
  FLANNEL_WIREGUARD_DEFAULT_PORT,
  FLANNEL_WIREGUARD_DEFAULT_PORT_V6,
  VXLAN_VNI_MAX,
} from "./backend.js";
export type { CertUse, FlanneldCertConfig, FlanneldCertificateSpec, FlanneldCertOptions } from "./certs.js";
export {
  CertEcdsaCurve,
  CertKeyAlgorithm,
  checkPem,
  FLANNELD_CERT_COMMON_NAME,
  flanneldCertificateSpec,
  flanneldCertSchema,
} from "./certs.js";
export type { FlannelCniConfOptions } from "./cni-conf.js";
export { FLANNEL_CONFLIST_NAME, FLANNEL_SUBNET_FILE, flannelCniConf, flannelCniConfJson } from "./cni-conf.js";
export { flannelNetworkComponent } from "./component.js";
export type { FlannelDaemonSetInput, FlannelManifestsInput } from "./daemonset/index.js";
export { FLANNEL_NAMES, flannelDaemonSet, flannelManifests } from "./daemonset/index.js";
export type { FlannelFacts } from "./diff.js";
export { flannelChangeRules, flannelChanges, flannelFacts } from "./diff.js";
export { FLANNEL_CNI_BRIDGE, flannelDoctor } from "./doctor.js";
export type {
  FlannelEtcdPlan,
  FlannelEtcdPlanInput,
  FlannelNetworkIdentity,
  FlannelPlanConstraints,
  FlannelReservation,
} from "./etcd.js";
export {
  compareFlannelTags,
  ETCD_ENDPOINT,
  ETCD_PREFIX,
  FLANNEL_ETCD_V3_SINCE,
  FLANNEL_NFTABLES_SINCE,
  FLANNEL_RELEASE_TAG,
  FlannelEtcdApi,
  flannelDefaultSubnetLen,
  flannelEtcdApi,
  flannelPlanConstraints,
  flannelSubnetKey,
  parseFlannelTag,
  planFlannelEtcd,
} from "./etcd.js";
export type { FlannelEtcdConfig, FlannelEtcdOptions } from "./etcd-options.js";
export { FLANNEL_ETCD_DEFAULT_PREFIX, flannelEtcdSchema } from "./etcd-options.js";
export type { FlannelHostInput } from "./host-requirements.js";
export { flannelHostRequirements } from "./host-requirements.js";
export type { FlannelInterfaceSelectors, FlannelNodeInterface } from "./interfaces.js";
export { checkFlannelSelectors, FlannelSelectedBy, selectFlannelInterfaces } from "./interfaces.js";
export type { FlannelNetConf, FlannelNetConfInput } from "./net-conf.js";
export { flannelBackendConf, flannelNetConf, flannelNetConfJson, withWireguardPsk } from "./net-conf.js";
export type { FlannelNetworkRender } from "./network.js";
export {
  buildFlannelNetwork,
  checkFlannelNetwork,
  FLANNEL_MANIFEST_FILE,
  FLANNEL_PATH,
  FLANNEL_PSK_PLACEHOLDER,
  flannelApplyDependencies,
  flannelComponent,
  flannelOptionsWithLatePsk,
  renderFlannelNetwork,
} from "./network.js";
export type { FlannelNodeMtu } from "./node-checks.js";
export { checkFlannelNodes } from "./node-checks.js";
export type {
  FlannelBackendConfig,
  FlannelBackendOptions,
  FlannelNetworkConfig,
  FlannelNetworkOptions,
  FlannelToleration,
} from "./options.js";
export {
  FlannelBackend,
  FlannelMode,
  FlannelWireguardMode,
  flannelBackendSchema,
  flannelNetworkSchema,
  flannelTolerationSchema,
} from "./options.js";
export { flannelPlanning, withFlannelPlanHint } from "./plan-options.js";
export { FLANNEL_RESERVED_LABELS, IMAGE_REFERENCE, IMAGE_REGISTRY, QUANTITY } from "./pod-checks.js";
export { FLANNEL_CLUSTER_ROLE_RULES } from "./rbac.js";
export type { FlannelSubnetRange } from "./subnet-range.js";
export { checkFlannelSubnetRange } from "./subnet-range.js";
export type { FlannelNodeSummary } from "./summary.js";
export type {
  CniConflictInput,
  CniPluginInput,
  DockerDropInInput,
  FlanneldUnitInput,
  FlannelEtcdClientFiles,
  FlannelKubeconfigInput,
  FlannelSpecFiles,
  FlannelSystemdComponentInput,
  FlannelSystemdInput,
  FlannelSystemdMaterial,
  FlannelSystemdNode,
  FlannelSystemdPlan,
  FlannelSystemdRemoteInputs,
  LeaseDeleteInput,
  ServiceSnippetInput,
  SpecFileRef,
  StagedSecret,
  StopSnippetInput,
  VerifyInput,
} from "./systemd/index.js";
export {
  checkFlannelKubeSubnetMgr,
  checkFlannelSystemdRemoteInputs,
  checkUnitValue,
  cniConflictSnippet,
  cniPluginSnippet,
  cniRestoreSnippet,
  DOCKER_FLANNEL_DROP_IN,
  dockerDropIn,
  FLANNEL_KUBE_NAMES,
  FLANNEL_LINK_PATTERNS,
  FLANNELD_RESTART_MARKER,
  FLANNELD_UNIT,
  FLANNELD_UNIT_PATH,
  flanneldSystemdArgs,
  flanneldUnit,
  flannelKubeconfig,
  flannelKubeSubnetMgrObjects,
  flannelRemoteState,
  flannelRemoteStepName,
  flannelRemoteStepScript,
  flannelSpecFileRefs,
  flannelStepInstall,
  flannelStepScope,
  flannelStepState,
  flannelStepTrigger,
  flannelSystemdClusterFiles,
  flannelSystemdComponent,
  flannelSystemdConfigNode,
  flannelSystemdEtcdWriteConfig,
  flannelSystemdKubeconfig,
  flannelSystemdMaterial,
  flannelSystemdNeedsCerts,
  flannelSystemdNodeOrder,
  flannelSystemdNodeStates,
  flannelSystemdObjectDependencies,
  flannelSystemdObjects,
  flannelSystemdSpecComponent,
  flannelSystemdSummary,
  flannelSystemdTokenSecret,
  flannelTokenPending,
  flannelTokenPendingInstall,
  flannelUninstallDriver,
  isFlannelLink,
  KUBE_API_SERVER,
  KUBE_TOKEN,
  LOCAL_PATH,
  leaseDeleteSnippet,
  planFlannelSystemd,
  planFlannelSystemdNetwork,
  renderFlannelEtcdWriteConfig,
  renderFlannelPushSecrets,
  restartPendingCondition,
  SECRET_STAGING_DIR,
  SPEC_DIR_PATH,
  stagedSecretCondition,
  stagedSecretPath,
  stagedSecretSnippet,
  startFlanneldSnippet,
  stopFlanneldSnippet,
  systemdEnvironment,
  systemdExecWord,
  verifySnippet,
} from "./systemd/index.js";
export type { FlannelKubeSubnetMgrConfig, FlannelSystemdConfig, FlannelSystemdOptions } from "./systemd-options.js";
export {
  FLANNEL_CNI_PLUGIN_BASE_URL,
  FLANNEL_CNI_PLUGIN_DEFAULT_VERSION,
  FLANNEL_RELEASE_BASE_URL,
  FlannelContainerRuntime,
  FlannelDatastore,
  flannelKubeSubnetMgrSchema,
  flannelSystemdSchema,
} from "./systemd-options.js";
export { checkFlannelConfig, IPV4_MIN_MTU, IPV6_MIN_MTU, KUBERNETES_HOST_PORTS, WIREGUARD_KEY } from "./validation.js";
export type { FlannelVersionInfo } from "./versions.js";
export {
  DEFAULT_FLANNEL_VERSION,
  FLANNEL_VERSIONS,
  FlannelInstallConf,
  FlannelVersion,
  flannelImages,
  knownFlannelVersions,
  lookupFlannelVersion,
} from "./versions.js";
