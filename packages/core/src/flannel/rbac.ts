/** flanneld's RBAC with the kube subnet manager, shared by the DaemonSet and the systemd mode. */

/**
 * The ClusterRole rules flanneld needs with the kube subnet manager: read its
 * own pod, watch nodes (their podCIDRs and flannel annotations), patch
 * node status (NetworkUnavailable).
 * @see https://github.com/flannel-io/flannel/blob/v0.28.9/Documentation/kube-flannel.yml
 */
export const FLANNEL_CLUSTER_ROLE_RULES = [
  { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
] as const;
