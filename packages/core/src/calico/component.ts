/** CalicoNetwork as a spec component: the `calico:` section for the renderer, diff and doctor. */

import type { NetworkComponent } from "../component/contract.js";
import { calicoArtifacts, checkCalicoBundle } from "./bundle.js";
import { calicoChangeRules } from "./diff.js";
import { calicoDoctor } from "./doctor.js";
import type { CalicoNetworkRender } from "./network.js";
import { calicoOptionsSchema } from "./options.js";

/** The `calico:` section: either install path, checked into its render, then its bundle files; it cannot run beside flannel. */
export const calicoNetworkComponent: NetworkComponent<typeof calicoOptionsSchema, CalicoNetworkRender, "calico"> = {
  key: "calico",
  kind: "network",
  schema: calicoOptionsSchema,
  conflicts: ["flannel"],
  // The registry reports the flannel conflict (`conflicts`), so no other section is passed here.
  check: (options, plan, p) => checkCalicoBundle(options, plan, p),
  artifacts: calicoArtifacts,
  changes: calicoChangeRules,
  doctor: calicoDoctor,
};
