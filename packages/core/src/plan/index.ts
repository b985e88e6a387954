/** PodCidrPlan and its options. */

export type {
  CalicoAutodetectionFacts,
  CalicoPlanFacts,
  CalicoPoolFacts,
  FlannelNodeFacts,
  FlannelPlanFacts,
  PlanComponents,
  PlanDocument,
} from "./document.js";
export { calicoEncapsulation, planDocument } from "./document.js";
export type {
  ClusterOptions,
  DeepReadonly,
  InterfaceConfig,
  NodeConfig,
  NodeOptions,
  PodCidrPlanConfig,
  PodCidrPlanOptions,
} from "./options.js";
export { clusterSchema, interfaceSchema, NodeArch, NodeRole, nodeSchema, podCidrPlanSchema, sshSchema } from "./options.js";
export type {
  AllocationRange,
  CidrPlan,
  ComponentFlags,
  FamilyCapacity,
  PerFamily,
  PlanCheck,
  PlanContext,
  PlanInput,
  PlannedAddress,
  PlannedInterface,
  PlannedNode,
  PlanOutcome,
  PreviousAllocation,
  SubnetSource,
} from "./pod-cidr-plan.js";
export {
  allocationOf,
  checkPodCidrPlan,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  flagArgs,
  HOST_NAME,
  INTERFACE_NAME,
  parseCidrChecked,
  planPodCidrs,
  resolvePlan,
  USER_NAME,
} from "./pod-cidr-plan.js";
