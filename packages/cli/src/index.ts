export { buildProgram, run } from "./cli.js";
export { loadSpecFile, parseSpecText, UsageError } from "./load-spec.js";
export type { Io } from "./output.js";
