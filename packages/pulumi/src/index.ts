export * from "./calico-network.js";
export * from "./doctor-verify.js";
export * from "./flannel-certs.js";
export * from "./flannel-network.js";
export * from "./flannel-systemd.js";
// Only the Inputs type is public; the rest of late.ts and plan-input.ts is the components' plumbing.
export type { Inputs } from "./late.js";
export * from "./node-network-prep.js";
export * from "./node-runner.js";
export type { PlanArg } from "./plan-input.js";
export * from "./pod-cidr-plan.js";
export * from "./problems.js";
