/** FlannelNetwork as a spec component: the `flannel:` section for the renderer, diff and doctor. */

import type { ComponentArtifacts, NetworkComponent } from "../component/contract.js";
import { flannelChangeRules } from "./diff.js";
import { flannelDoctor } from "./doctor.js";
import { flannelPlanConstraints } from "./etcd.js";
import { flannelComponent } from "./network.js";
import { flannelNetworkSchema } from "./options.js";
import { flannelSpecFileRefs } from "./systemd/spec.js";

/** The `flannel:` section: either mode, rendered into the bundle part it checks. */
export const flannelNetworkComponent: NetworkComponent<typeof flannelNetworkSchema, ComponentArtifacts, "flannel"> = {
  key: "flannel",
  kind: "network",
  schema: flannelNetworkSchema,
  check: (options, plan, p, ctx) => flannelComponent(options, plan, p, ctx),
  artifacts: (part) => part,
  fileRefs: flannelSpecFileRefs,
  planConstraints: flannelPlanConstraints,
  changes: flannelChangeRules,
  doctor: flannelDoctor,
};
