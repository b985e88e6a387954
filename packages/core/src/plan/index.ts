/** PodCidrPlan and its options. */

export { allocationOf } from "./allocation.js";
export { parseCidrChecked } from "./cidrs.js";
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
export { flagArgs } from "./flags.js";
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
export { checkPodCidrPlan, planPodCidrs, resolvePlan } from "./pod-cidr-plan.js";
export type {
  AllocationRange,
  CidrPlan,
  ComponentFlags,
  FamilyCapacity,
  PerFamily,
  PlanContext,
  PlanInput,
  PlannedAddress,
  PlannedInterface,
  PlannedNode,
  PreviousAllocation,
  SubnetSource,
} from "./types.js";
