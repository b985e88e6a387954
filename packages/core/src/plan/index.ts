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
  InterfaceSpec,
  NodeOptions,
  NodeSpec,
  PodCidrPlanInput,
  PodCidrPlanOptions,
} from "./options.js";
export { clusterSchema, interfaceSchema, NodeArch, NodeRole, nodeSchema, podCidrPlanSchema, sshSchema } from "./options.js";
export { checkPodCidrPlan, planPodCidrs, resolvePlan } from "./pod-cidr-plan.js";
export type {
  AllocationRange,
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
  PodCidrPlan,
  PreviousAllocation,
  SubnetSource,
} from "./types.js";
