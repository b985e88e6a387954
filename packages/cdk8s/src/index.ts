export * from "./calico-network.js";
export * from "./flannel-network.js";
export * from "./node-network-prep.js";
export * from "./pod-cidr-plan.js";
