export { buildProgram, run } from "./cli.js";
export { INPUT_LIMITS, InputKind, readInputFile, readInputText } from "./input-limits.js";
export { loadSpecFile, parseSpecText, SPEC_MAX_ALIASES, SPEC_MAX_DEPTH, SPEC_MAX_SCALARS, UsageError } from "./load-spec.js";
export type { Io } from "./output.js";
