export * from "./calico-network.js";
export * from "./flannel-certs.js";
export * from "./flannel-network.js";
export * from "./flannel-systemd.js";
export * from "./node-network-prep.js";
export * from "./node-runner.js";
export * from "./pod-cidr-plan.js";
export * from "./problems.js";
