/**
 * flanneld as a host binary with `--kube-subnet-mgr` (seed 003, the
 * recommended way): a ServiceAccount, upstream's ClusterRole (never broader),
 * its binding, a `kubernetes.io/service-account-token` Secret (Kubernetes
 * >= 1.24 no longer creates one per ServiceAccount), and a kubeconfig built
 * from the API server URL, the cluster CA and that token.
 */
import { stringify } from "yaml";
import type { K8sObject } from "../../shared/manifest.js";
import { DNS1123_LABEL } from "../../shared/names.js";
import { type Problems, show } from "../../shared/problems.js";
import { FLANNEL_CLUSTER_ROLE_RULES } from "../rbac.js";

/** Names of the objects (seed 003 uses `flannel` for all of them). */
export const FLANNEL_KUBE_NAMES = {
  serviceAccount: "flannel",
  clusterRole: "flannel",
  clusterRoleBinding: "flannel",
  /** The long-lived token Secret of the ServiceAccount. */
  tokenSecret: "flannel-token",
} as const;

/** API server URL: https, host (name, IPv4 or [IPv6]), optional port, no path. */
export const KUBE_API_SERVER = /^https:\/\/(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:[1-9][0-9]{0,4})?$/;

/** A bearer token as Kubernetes issues them (JWT: base64url parts joined by dots). Never echoed. */
export const KUBE_TOKEN = /^[A-Za-z0-9._~+/=-]{20,8192}$/;

/** The cluster objects flanneld needs with the kube subnet manager, in apply order. */
export function flannelKubeSubnetMgrObjects(namespace: string, labels: Readonly<Record<string, string>> = {}): K8sObject[] {
  const app = { "k8s-app": "flannel", ...labels };
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: FLANNEL_KUBE_NAMES.clusterRole, labels: app },
      rules: FLANNEL_CLUSTER_ROLE_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: FLANNEL_KUBE_NAMES.clusterRoleBinding, labels: app },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: FLANNEL_KUBE_NAMES.clusterRole },
      subjects: [{ kind: "ServiceAccount", name: FLANNEL_KUBE_NAMES.serviceAccount, namespace }],
    },
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: FLANNEL_KUBE_NAMES.serviceAccount, namespace, labels: app },
    },
    {
      // The token controller fills in data.token, ca.crt and namespace.
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/service-account-token",
      metadata: {
        name: FLANNEL_KUBE_NAMES.tokenSecret,
        namespace,
        labels: app,
        annotations: { "kubernetes.io/service-account.name": FLANNEL_KUBE_NAMES.serviceAccount },
      },
    },
  ];
}

export interface FlannelKubeconfigInput {
  /** API server URL. */
  readonly server: string;
  /** Cluster CA certificate (PEM), embedded as certificate-authority-data. */
  readonly caPem: string;
  /** The token itself (Pulumi: the kubeconfig is then a secret)… */
  readonly token?: string;
  /** …or the node path of a file holding it (CLI: the token never enters the bundle). */
  readonly tokenFile?: string;
}

/** kubeconfig for flanneld: one cluster, one user, one context. Same input, same bytes. */
export function flannelKubeconfig(input: FlannelKubeconfigInput): string {
  const user: Record<string, string> = input.token !== undefined ? { token: input.token } : { tokenFile: input.tokenFile ?? "" };
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "kubernetes",
        cluster: { server: input.server, "certificate-authority-data": Buffer.from(input.caPem, "utf8").toString("base64") },
      },
    ],
    users: [{ name: "flannel", user }],
    contexts: [{ name: "flannel@kubernetes", context: { cluster: "kubernetes", user: "flannel" } }],
    "current-context": "flannel@kubernetes",
    preferences: {},
  };
  return stringify(doc, { lineWidth: 0 });
}

/** Checks the kube subnet manager settings that reach files and scripts. */
export function checkFlannelKubeSubnetMgr(
  s: { readonly apiServer: string; readonly namespace: string; readonly token?: string },
  base: string,
  p: Problems,
): void {
  if (!KUBE_API_SERVER.test(s.apiServer)) {
    p.error(
      `${base}.apiServer`,
      "flannel.kube.api-server",
      `${base}.apiServer: ${show(s.apiServer)} is not an API server URL podnet accepts (https://host[:port], no path), e.g. "https://192.168.1.31:6443"`,
    );
  }
  if (!DNS1123_LABEL.test(s.namespace)) {
    p.error(`${base}.namespace`, "flannel.k8s-name", `${base}.namespace: ${show(s.namespace)} is not a namespace name (DNS-1123 label)`);
  }
  if (s.token !== undefined && !KUBE_TOKEN.test(s.token)) {
    p.error(
      `${base}.token`,
      "flannel.kube.token",
      `${base}.token: is not a bearer token (20-8192 characters of A-Z a-z 0-9 . _ ~ + / = -); the value is not shown because it is secret`,
    );
  }
}
