/**
 * The cluster objects of the kube-flannel install, in apply order:
 * Namespace, ClusterRole, ClusterRoleBinding, ServiceAccount, ConfigMap,
 * (Secret), DaemonSet. RBAC is exactly upstream's, never broader.
 */

import type { K8sObject } from "../../shared/manifest.js";
import { FLANNEL_CLUSTER_ROLE_RULES } from "../rbac.js";
import { FLANNEL_NAMES, type FlannelDaemonSetInput, flannelDaemonSet } from "./daemonset.js";

export interface FlannelManifestsInput extends FlannelDaemonSetInput {
  readonly createNamespace: boolean;
  /** cni-conf.json text. */
  readonly cniConfJson: string;
  /** net-conf.json text (with the PSK, when set: it then goes into a Secret). */
  readonly netConfJson: string;
}

/** All objects, in apply order. */
export function flannelManifests(input: FlannelManifestsInput): K8sObject[] {
  const ns = input.namespace;
  const extra = input.config.labels;
  const app = { "k8s-app": "flannel", ...extra };
  const out: K8sObject[] = [];
  if (input.createNamespace) {
    out.push({
      apiVersion: "v1",
      kind: "Namespace",
      // flanneld needs NET_ADMIN, NET_RAW and hostPath volumes: the "baseline" pod security level rejects it.
      metadata: { name: ns, labels: { "k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged", ...extra } },
    });
  }
  out.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: FLANNEL_NAMES.clusterRole, labels: app },
    rules: FLANNEL_CLUSTER_ROLE_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
  });
  out.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: FLANNEL_NAMES.clusterRoleBinding, labels: app },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: FLANNEL_NAMES.clusterRole },
    subjects: [{ kind: "ServiceAccount", name: FLANNEL_NAMES.serviceAccount, namespace: ns }],
  });
  out.push({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: FLANNEL_NAMES.serviceAccount, namespace: ns, labels: app },
  });
  const cfgLabels = { tier: "node", "k8s-app": "flannel", app: "flannel", ...extra };
  out.push({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: FLANNEL_NAMES.configMap, namespace: ns, labels: cfgLabels },
    data: input.netConfInSecret
      ? { "cni-conf.json": input.cniConfJson }
      : { "cni-conf.json": input.cniConfJson, "net-conf.json": input.netConfJson },
  });
  if (input.netConfInSecret) {
    out.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: FLANNEL_NAMES.netConfSecret, namespace: ns, labels: cfgLabels },
      type: "Opaque",
      stringData: { "net-conf.json": input.netConfJson },
    });
  }
  out.push(flannelDaemonSet(input));
  return out;
}
