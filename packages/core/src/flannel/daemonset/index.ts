/** mode daemonset (uses flannel/, never systemd/). */

export type { FlannelDaemonSetInput } from "./daemonset.js";
export { FLANNEL_NAMES, flannelDaemonSet } from "./daemonset.js";
export type { FlannelManifestsInput } from "./manifests.js";
export { FLANNEL_CLUSTER_ROLE_RULES, flannelManifests } from "./manifests.js";
