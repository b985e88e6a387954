export * from "./pod-cidr-plan.js";
