/**
 * The components a spec can hold, in evaluation order: the pod networks
 * first, then the host component that consumes their host requirements.
 * The spec schema, the renderer, diff and doctor loop over this list; a new
 * component is one line here.
 */

import { calicoNetworkComponent } from "../calico/component.js";
import type { AnyNetworkComponent } from "../component/contract.js";
import { flannelNetworkComponent } from "../flannel/component.js";
import { nodePrepComponent } from "../prep/component.js";

/** Every spec component with its own types (for the spec schema), networks before the host component. */
export const SPEC_COMPONENTS = [flannelNetworkComponent, calicoNetworkComponent, nodePrepComponent] as const;

/** Every spec component, for the loops of the renderer, diff and doctor. */
export const COMPONENTS: readonly AnyNetworkComponent[] = SPEC_COMPONENTS;

/** The spec's sections by component key (the parsed spec, or a front end's options). */
export function componentSections(spec: unknown): Readonly<Record<string, unknown>> {
  const s = (spec ?? {}) as Record<string, unknown>;
  return Object.fromEntries(COMPONENTS.map((c) => [c.key, s[c.key]]));
}
