/**
 * The public API of @podnet/core. The folders are the architecture, lowest layer first:
 * shared -> plan, host -> prep, flannel, calico -> spec -> doctor, diff, map.
 */

export type {
  AutodetectMethod,
  AutodetectMethodOptions,
  CalicoNetworkConfig,
  CalicoNetworkOptions,
  CalicoNetworkRender,
  CalicoOperatorInstall,
  CalicoPeerOptions,
  CalicoPoolOptions,
  CalicoVersion,
  MtuPlan,
  NodeAddressChoice,
  PinnedManifest,
  ResolvedAutodetection,
  ResolvedBgp,
  ResolvedCalico,
  ResolvedEtcd,
  ResolvedPool,
  ResolvedTypha,
} from "./calico/index.js";
export {
  AutodetectKind,
  autodetectMethodSchema,
  CALICO_VERSIONS,
  CalicoBackend,
  CalicoDatastore,
  CalicoInstall,
  calicoHostRequirements,
  calicoOptionsSchema,
  calicoPeerSchema,
  calicoPoolSchema,
  checkCalicoNetwork,
  DEFAULT_CALICO_VERSION,
  EncapsulationMode,
  LinuxDataplane,
  renderCalicoNetwork,
} from "./calico/index.js";
export type {
  ComponentFileRef,
  ComponentFiles,
  ExpectedPublicAddress,
  NetworkExpectation,
  NetworkNodeExpectation,
} from "./component/index.js";
export type { ArtifactChange, ArtifactDiff, DiffOptions, DiffProblem, PlanJsonChange, SpecChange, SpecDiff } from "./diff/index.js";
export { diffSpecs } from "./diff/index.js";
export type {
  DoctorCollectOptions,
  DoctorPlan,
  DoctorSections,
  ExpectedDevice,
  ExpectedNodeState,
  ExpectedRoute,
  Finding,
  FlannelLeaseExpectation,
  NodeDiagnosis,
  Unchecked,
} from "./doctor/index.js";
export { DoctorNetwork, doctorExitCode, planDoctor, planDoctorForPlan, renderDoctorCheckScript } from "./doctor/index.js";
export type {
  CertUse,
  FlannelBackendConfig,
  FlannelBackendOptions,
  FlanneldCertConfig,
  FlanneldCertificateSpec,
  FlanneldCertOptions,
  FlannelEtcdConfig,
  FlannelEtcdOptions,
  FlannelHostInput,
  FlannelNetConf,
  FlannelNetworkConfig,
  FlannelNetworkOptions,
  FlannelNetworkRender,
  FlannelNodeInterface,
  FlannelNodeMtu,
  FlannelNodeSummary,
  FlannelSpecFiles,
  FlannelSystemdConfig,
  FlannelSystemdOptions,
  FlannelToleration,
  FlannelVersionInfo,
  SpecFileRef,
} from "./flannel/index.js";
export {
  CertEcdsaCurve,
  CertKeyAlgorithm,
  checkFlannelNetwork,
  DEFAULT_FLANNEL_VERSION,
  FLANNEL_VERSIONS,
  FlannelBackend,
  FlannelContainerRuntime,
  FlannelDatastore,
  FlannelEtcdApi,
  FlannelInstallConf,
  FlannelMode,
  FlannelSelectedBy,
  FlannelVersion,
  FlannelWireguardMode,
  flannelBackendSchema,
  flanneldCertSchema,
  flannelEtcdSchema,
  flannelHostRequirements,
  flannelNetworkSchema,
  flannelSystemdSchema,
  flannelTolerationSchema,
  renderFlannelNetwork,
} from "./flannel/index.js";
export type { FirewallNeed, HostRequirements, NodeCommand, NodeFile, NodeScripts, NodeState, NodeUnit } from "./host/index.js";
export { FirewallProtocol, NodeScope, renderNodeScripts } from "./host/index.js";
export type { NetworkMapExtras, NetworkMapPool, SpecMap } from "./map/index.js";
export { renderNetworkMap, renderNetworkMapOfInput, renderSpecMap } from "./map/index.js";
export type {
  AllocationRange,
  CalicoAutodetectionFacts,
  CalicoPlanFacts,
  CalicoPoolFacts,
  CidrPlan,
  ClusterOptions,
  ComponentFlags,
  DeepReadonly,
  FamilyCapacity,
  FlannelNodeFacts,
  FlannelPlanFacts,
  InterfaceConfig,
  NodeConfig,
  NodeOptions,
  PerFamily,
  PlanComponents,
  PlanContext,
  PlanDocument,
  PlanInput,
  PlannedAddress,
  PlannedInterface,
  PlannedNode,
  PodCidrPlanConfig,
  PodCidrPlanOptions,
  PreviousAllocation,
  SubnetSource,
} from "./plan/index.js";
export {
  allocationOf,
  checkPodCidrPlan,
  clusterSchema,
  interfaceSchema,
  NodeArch,
  NodeRole,
  nodeSchema,
  planDocument,
  planPodCidrs,
  podCidrPlanSchema,
  resolvePlan,
} from "./plan/index.js";
export type {
  FirewalldPlan,
  KernelModuleNeed,
  NodeNetworkPrepConfig,
  NodeNetworkPrepInput,
  NodeNetworkPrepOptions,
  NodeNetworkPrepResult,
  NodePrep,
  SysctlSetting,
} from "./prep/index.js";
export { checkNodeNetworkPrep, FirewallKind, nodeNetworkPrepSchema, planNodeNetworkPrep } from "./prep/index.js";
export type { Checked, Cidr, K8sObject, Planned, Problem } from "./shared/index.js";
export { formatProblem, IpFamily, NetworkPlanError, toYaml } from "./shared/index.js";
export type { ComponentArtifacts, PodnetConfig, PodnetSpec, RenderBundle, RenderContext, ValidSpec } from "./spec/index.js";
export { checkSpec, podnetSpecSchema, renderSpec, specFileRefs } from "./spec/index.js";
