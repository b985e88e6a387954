/** The diff of a network component that one spec has and the other does not. */

import type { SpecChange } from "./contract.js";

/** What replacing the pod network says for one component: why it is disruptive each way, and how it is installed. */
export interface PresenceWording {
  /** The reason when the component is added (it replaces the pod network). */
  readonly added: string;
  /** The reason when the component is removed. */
  readonly removed: string;
  /** The migration step's words for installing the new network, e.g. "install the new network (podnet render)". */
  readonly install: string;
}

/** The change of a component at `path` added (`after`) or removed (`before`): the pod network is replaced either way. */
export function presenceChange(path: string, before: boolean, after: boolean, w: PresenceWording): SpecChange {
  return {
    path,
    from: before ? path : undefined,
    to: after ? path : undefined,
    disruptive: true,
    reason: after ? w.added : w.removed,
    migration: [
      `Drain each node, remove the old CNI's configuration from /etc/cni/net.d and its devices, ${w.install}, and restart the kubelet.`,
      "Recreate every pod: pods keep the old CNI's addresses and routes until they are.",
    ],
  };
}
