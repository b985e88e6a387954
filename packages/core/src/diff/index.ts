/** podnet diff and its change rules. */

export type {
  ArtifactChange,
  ArtifactDiff,
  ComponentState,
  DiffOptions,
  DiffProblem,
  DisruptiveCheck,
  PlanJsonChange,
  SpecDiff,
} from "./diff.js";
export { allows, checkComponentChanges, checkDisruptiveChanges, diffSpecs, redact } from "./diff.js";
export type { SpecChange, SpecFacts } from "./rules.js";
export { FACT_PATHS, factChanges, fieldReason } from "./rules.js";
