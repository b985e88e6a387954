/** CalicoNetwork as a spec component: the `calico:` section for the renderer, diff and doctor. */

import type { ComponentArtifacts, NetworkComponent } from "../component/contract.js";
import { calicoComponent } from "./bundle.js";
import { calicoChangeRules } from "./diff.js";
import { calicoDoctor } from "./doctor.js";
import { calicoOptionsSchema } from "./options.js";

/** The `calico:` section: either install path, rendered into the bundle part it checks; it cannot run beside flannel. */
export const calicoNetworkComponent: NetworkComponent<typeof calicoOptionsSchema, ComponentArtifacts, "calico"> = {
  key: "calico",
  kind: "network",
  schema: calicoOptionsSchema,
  conflicts: ["flannel"],
  // The registry reports the flannel conflict (`conflicts`), so no other section is passed here.
  check: (options, plan, p) => calicoComponent(options, plan, p),
  artifacts: (part) => part,
  changes: calicoChangeRules,
  doctor: calicoDoctor,
};
