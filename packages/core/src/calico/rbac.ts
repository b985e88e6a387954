/**
 * RBAC of the manifest path: the three ServiceAccounts and the ClusterRoles
 * calico-node, the CNI plugin and calico-kube-controllers need, no broader
 * than the release's own manifests (compared field by field in the tests).
 * With the etcd datastore Calico's own resources live in etcd, so the roles
 * shrink to the Kubernetes objects the components read.
 */

import type { K8sObject } from "../shared/manifest.js";
import type { CalicoDatastore } from "./options.js";

const NS = "kube-system";
const RBAC = "rbac.authorization.k8s.io/v1";
const CRD = "crd.projectcalico.org";

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): Rule => ({
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
  verbs,
});

const GET_LIST_CRUD = ["get", "list", "create", "update", "delete"];

function kubeControllersRules(datastore: CalicoDatastore): Rule[] {
  if (datastore === "etcd") {
    return [
      // Policy, namespace, serviceaccount and workloadendpoint controllers mirror these into etcd.
      rule([""], ["pods", "nodes", "namespaces", "serviceaccounts"], ["watch", "list", "get"]),
      // LoadBalancer IP allocation.
      rule([""], ["services", "services/status"], ["get", "list", "update", "watch"]),
      rule(["networking.k8s.io"], ["networkpolicies"], ["watch", "list"]),
    ];
  }
  return [
    // Nodes are watched for deletions; pods for IPAM garbage collection.
    rule([""], ["nodes"], ["watch", "list", "get"]),
    rule([""], ["pods"], ["get", "list", "watch"]),
    // LoadBalancer IP allocation.
    rule([""], ["services", "services/status"], ["get", "list", "update", "watch"]),
    rule([CRD], ["ipreservations"], ["list"]),
    rule([CRD], ["blockaffinities", "ipamblocks", "ipamhandles", "ipamconfigs", "tiers"], [...GET_LIST_CRUD, "watch"]),
    rule([CRD], ["ippools"], ["list", "watch"]),
    rule([CRD], ["hostendpoints"], [...GET_LIST_CRUD, "watch"]),
    rule([CRD], ["clusterinformations"], ["get", "list", "create", "update", "watch"]),
    rule([CRD], ["kubecontrollersconfigurations"], ["get", "list", "create", "update", "watch"]),
  ];
}

function nodeRules(datastore: CalicoDatastore): Rule[] {
  const common = [
    // The CNI plugin's token is minted by calico-node.
    rule([""], ["serviceaccounts/token"], ["create"], ["calico-cni-plugin"]),
    rule([""], ["pods", "nodes", "namespaces"], ["get"]),
    // Service-based policy rules.
    rule(["discovery.k8s.io"], ["endpointslices"], ["watch", "list"]),
  ];
  if (datastore === "etcd") {
    return [
      ...common,
      rule([""], ["endpoints", "services"], ["watch", "list"]),
      // kubeadm pod CIDR detection.
      rule([""], ["configmaps"], ["get"]),
      rule([""], ["nodes/status"], ["patch"]),
    ];
  }
  return [
    ...common,
    rule([""], ["endpoints", "services"], ["watch", "list", "get"]),
    rule([""], ["configmaps"], ["get"]),
    // Clears NodeNetworkUnavailable; keeps Calico annotations on the node.
    rule([""], ["nodes/status"], ["patch", "update"]),
    rule(["networking.k8s.io"], ["networkpolicies"], ["watch", "list"]),
    rule(["policy.networking.k8s.io"], ["adminnetworkpolicies", "baselineadminnetworkpolicies"], ["watch", "list"]),
    rule([""], ["pods", "namespaces", "serviceaccounts"], ["list", "watch"]),
    rule([""], ["pods/status"], ["patch"]),
    rule(
      [CRD],
      [
        "globalfelixconfigs",
        "felixconfigurations",
        "bgppeers",
        "bgpfilters",
        "globalbgpconfigs",
        "bgpconfigurations",
        "ippools",
        "ipreservations",
        "ipamblocks",
        "globalnetworkpolicies",
        "stagedglobalnetworkpolicies",
        "networkpolicies",
        "stagednetworkpolicies",
        "stagedkubernetesnetworkpolicies",
        "globalnetworksets",
        "networksets",
        "clusterinformations",
        "hostendpoints",
        "blockaffinities",
        "caliconodestatuses",
        "tiers",
      ],
      ["get", "list", "watch"],
    ),
    rule([CRD], ["tiers"], ["create"]),
    rule([CRD], ["ippools", "felixconfigurations", "clusterinformations"], ["create", "update"]),
    rule([CRD], ["caliconodestatuses"], ["update"]),
    rule([""], ["nodes"], ["get", "list", "watch"]),
    rule([CRD], ["bgpconfigurations", "bgppeers"], ["create", "update"]),
    // IPAM.
    rule([CRD], ["blockaffinities", "ipamblocks", "ipamhandles"], GET_LIST_CRUD),
    rule([CRD], ["ipamconfigs"], ["get", "create"]),
    // confd aggregates routes from block affinities.
    rule([CRD], ["blockaffinities"], ["watch"]),
    // The host-local -> calico-ipam migration reads the DaemonSet.
    rule(["apps"], ["daemonsets"], ["get"]),
  ];
}

function cniRules(datastore: CalicoDatastore): Rule[] {
  const base = [rule([""], ["pods", "nodes", "namespaces"], ["get"])];
  if (datastore === "etcd") return base;
  return [
    ...base,
    rule([""], ["pods/status"], ["patch"]),
    rule(
      [CRD],
      ["blockaffinities", "ipamblocks", "ipamhandles", "clusterinformations", "ippools", "ipreservations", "ipamconfigs"],
      GET_LIST_CRUD,
    ),
  ];
}

const serviceAccount = (name: string): K8sObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: NS } });

const clusterRole = (name: string, rules: Rule[]): K8sObject => ({ apiVersion: RBAC, kind: "ClusterRole", metadata: { name }, rules });

const binding = (name: string, subject: Record<string, string>): K8sObject => ({
  apiVersion: RBAC,
  kind: "ClusterRoleBinding",
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
  subjects: [subject],
});

/** ServiceAccounts, in manifest order. */
export function calicoServiceAccounts(): K8sObject[] {
  return [serviceAccount("calico-kube-controllers"), serviceAccount("calico-node"), serviceAccount("calico-cni-plugin")];
}

/** ClusterRoles then ClusterRoleBindings, in manifest order. */
export function calicoRbac(datastore: CalicoDatastore): K8sObject[] {
  const sa = (name: string) => ({ kind: "ServiceAccount", name, namespace: NS });
  return [
    clusterRole("calico-kube-controllers", kubeControllersRules(datastore)),
    clusterRole("calico-node", nodeRules(datastore)),
    clusterRole("calico-cni-plugin", cniRules(datastore)),
    // Lets kube-controller-manager's garbage collector read Calico tiers (tigera operator apiserver.go).
    clusterRole("calico-tier-getter", [rule(["projectcalico.org"], ["tiers"], ["get"])]),
    binding("calico-kube-controllers", sa("calico-kube-controllers")),
    binding("calico-node", sa("calico-node")),
    binding("calico-cni-plugin", sa("calico-cni-plugin")),
    binding("calico-tier-getter", { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:kube-controller-manager" }),
  ];
}
