/** The safeParse → problems step every section goes through: written once, in shared/result.ts. */

export { parseSection } from "../shared/result.js";
