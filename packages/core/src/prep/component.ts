/** NodeNetworkPrep as a spec component: the `prep:` section, fed with the networks' host requirements. */

import type { NetworkComponent } from "../component/contract.js";
import { checkNodeNetworkPrep, type NodeNetworkPrepResult } from "./node-network-prep.js";
import { nodeNetworkPrepSchema } from "./options.js";

/** The `prep:` section: the host component, its node units placed before the network's. */
export const nodePrepComponent: NetworkComponent<typeof nodeNetworkPrepSchema, NodeNetworkPrepResult, "prep"> = {
  key: "prep",
  kind: "host",
  schema: nodeNetworkPrepSchema,
  check: (options, plan, p, ctx) => {
    const r = checkNodeNetworkPrep({ plan, options, hostRequirements: ctx.hostRequirements });
    p.merge(r);
    return r.value;
  },
  artifacts: (result) => ({
    nodeUnits: Object.fromEntries(result.nodes.map((n) => [n.node, n.state.units])),
    summary: { prep: result.summary },
  }),
};
