export { CalicoNetwork, type CalicoNetworkProps } from "./calico-network.js";
export { FlannelNetwork, type FlannelNetworkProps } from "./flannel-network.js";
export { NODE_PREP_NAME, NodeNetworkPrep, type NodeNetworkPrepProps } from "./node-network-prep.js";
export { PodCidrPlan, type PodCidrPlanProps } from "./pod-cidr-plan.js";
