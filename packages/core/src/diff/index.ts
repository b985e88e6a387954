/** podnet diff and its change rules. */

export type { ArtifactChange, ArtifactDiff, DiffOptions, DiffProblem, PlanJsonChange, SpecDiff } from "./diff.js";
export { diffSpecs, redact } from "./diff.js";
export type { ComponentState, DisruptiveCheck } from "./guard.js";
export { allows, checkComponentChanges, checkDisruptiveChanges } from "./guard.js";
export type { SpecChange, SpecFacts } from "./rules.js";
export { FACT_PATHS, factChanges, fieldReason } from "./rules.js";
