/** mode daemonset (uses flannel/, never systemd/). */

export type { FlannelDaemonSetInput } from "./daemonset.js";
export { FLANNEL_NAMES, flannelDaemonSet } from "./daemonset.js";
export type { FlannelManifestsInput } from "./manifests.js";
export { flannelManifests } from "./manifests.js";
