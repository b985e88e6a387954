/** the spec schema and the bundle renderer. */

export type { ComponentArtifacts, RenderBundle, RenderContext, SpecCheck } from "./bundle.js";
export { checkSpec, checkSpecPlan, renderSpec, specFileRefs } from "./bundle.js";
export type { PodnetConfig, PodnetSpec } from "./schema.js";
export { podnetSpecSchema } from "./schema.js";
