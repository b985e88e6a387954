/** the spec schema and the bundle renderer. */

export type { ComponentArtifacts } from "../component/contract.js";
export type { RenderBundle, RenderContext, ValidSpec } from "./bundle.js";
export { checkSpec, checkSpecPlan, renderSpec, specFileRefs } from "./bundle.js";
export { COMPONENTS, componentSections, SPEC_COMPONENTS } from "./registry.js";
export type { PodnetConfig, PodnetSpec } from "./schema.js";
export { podnetSpecSchema } from "./schema.js";
