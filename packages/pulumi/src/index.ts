export * from "./pod-cidr-plan.js";
export * from "./problems.js";
