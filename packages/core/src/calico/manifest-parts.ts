/**
 * Names and small builders shared by the objects of the manifest path: the
 * namespace, calico-config references, env entries, volumes and mounts.
 */

/** Namespace of every object of the manifest path. */
export const NS = "kube-system";
/** Name of the ConfigMap calico-node, install-cni and kube-controllers read. */
export const CONFIG = "calico-config";
/** Where the etcd Secret is mounted; calico-config's etcd_* keys point here. */
export const CALICO_SECRETS_DIR = "/calico-secrets";
/** Typha's port (Felix connects to it), from calico-typha.yaml. */
export const TYPHA_PORT = 5473;

/** A container env entry or a volume, as a plain object. */
export type Env = Record<string, unknown>;
/** An env entry with a literal value. */
export const value = (name: string, v: string): Env => ({ name, value: v });
/** An env entry read from a calico-config key. */
export const fromConfig = (name: string, key: string): Env => ({ name, valueFrom: { configMapKeyRef: { name: CONFIG, key } } });
/** An env entry holding the pod's node name. */
export const nodeName = (name: string): Env => ({ name, valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
/** The optional ConfigMap that tells Calico where the API server is (envFrom). */
export const servicesEndpoint = [{ configMapRef: { name: "kubernetes-services-endpoint", optional: true } }];
/** securityContext of the privileged calico-node containers. */
export const privileged = { privileged: true };
/** The `k8s-app` label of an object and its pods. */
export const labels = (app: string) => ({ "k8s-app": app });
/** A hostPath volume, with its type when given. */
export const hostPath = (name: string, path: string, type?: string): Env => ({ name, hostPath: { path, ...(type ? { type } : {}) } });
/** The etcd Secret as a volume, its files readable with `mode`. */
export const etcdCerts = (mode: number): Env => ({ name: "etcd-certs", secret: { secretName: "calico-etcd-secrets", defaultMode: mode } });
/** The mount of the etcd Secret at CALICO_SECRETS_DIR. */
export const etcdMount = { mountPath: CALICO_SECRETS_DIR, name: "etcd-certs" };
