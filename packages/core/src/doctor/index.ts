/** podnet doctor: expectations, check script, facts. */

export { DiagnosisBuilder } from "./builder.js";
export { renderDoctorCheckScript } from "./check-script.js";
export type { RouteState, SubnetState } from "./checks/index.js";
export {
  checkAddress,
  checkCni,
  checkDevices,
  checkFirewalld,
  checkMasquerade,
  checkModules,
  checkNetworkManager,
  checkRoutes,
  checkSubnet,
  checkSysctls,
  cniConfigOrder,
  lookupRoute,
  nmLeavesAlone,
  nmSpecListMatches,
  observedSubnets,
  parseEnvFile,
} from "./checks/index.js";
export type { ClusterApplied, ClusterFacts, ClusterFactsResult, ClusterNode } from "./cluster.js";
export { applyClusterFacts, parseClusterFacts } from "./cluster.js";
export type { DoctorCollectOptions } from "./collect.js";
export { DOCTOR_SECTION_PREFIX, DOCTOR_SECTIONS, dirSection, fileSection, renderDoctorCollectScript, sysctlSection } from "./collect.js";
export { diagnose, doctorExitCode } from "./doctor.js";
export type { DoctorPlan, DoctorSections } from "./expected.js";
export {
  CALICO_CNI_CONF_DIR,
  CALICO_CONFLIST_NAME,
  CALICO_VXLAN_VNI,
  expectedNodeState,
  FLANNEL_CNI_BRIDGE,
  planDoctor,
  planDoctorForPlan,
} from "./expected.js";
export type { AddressFact, Fact, FirewalldZone, LinkFact, NmConfig, NodeFacts, RawSection, RouteFact } from "./facts.js";
export {
  addressOf,
  commandText,
  dirFact,
  encodeDoctorSection,
  fileFact,
  nodeFacts,
  parseAddresses,
  parseDoctorOutput,
  parseFirewalldZone,
  parseLinks,
  parseNmConfig,
  parseRoutes,
  splitFirewalldZones,
  sysctlFact,
  zoneFact,
} from "./facts.js";
export type { IptablesMatch, IptablesRule, IptablesTable, NatProbe, NatVerdict } from "./iptables.js";
export { evaluateNat, ifaceMatches, parseIptablesSave, splitIptablesWords } from "./iptables.js";
export type { FlannelLease, FlannelLeaseExpectation, LeaseReview, StaleLease } from "./leases.js";
export { parseSubnetKeySegment, reviewFlannelLeases } from "./leases.js";
export type { DiagnoseContext, ExpectedDevice, ExpectedNodeState, ExpectedRoute, Finding, NodeDiagnosis, Unchecked } from "./model.js";
export { DoctorNetwork } from "./model.js";
