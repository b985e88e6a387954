/** the NetworkComponent contract. */

export { checkConflicts } from "./conflicts.js";
export type {
  AnyNetworkComponent,
  ComponentArtifacts,
  ComponentChangeRules,
  ComponentContext,
  ComponentDoctor,
  ComponentFileRef,
  ComponentFiles,
  FieldReason,
  NetworkComponent,
  PlanConstraints,
  SpecChange,
} from "./contract.js";
export type {
  DoctorHints,
  ExpectedDevice,
  ExpectedNodeState,
  ExpectedPublicAddress,
  ExpectedRoute,
  FlannelLeaseExpectation,
  NetworkExpectation,
  NetworkNodeExpectation,
} from "./expectations.js";
export { DoctorNetwork } from "./expectations.js";
export { type PresenceWording, presenceChange } from "./presence.js";
export { publicAddresses } from "./public-addresses.js";
