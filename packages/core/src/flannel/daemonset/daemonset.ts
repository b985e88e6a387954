/**
 * The kube-flannel DaemonSet, written field by field from the release's
 * facts (flannel/versions.ts) and the options. The small interfaces below
 * type the pod spec so a misspelt field fails to compile.
 */

import type { K8sObject } from "../../shared/manifest.js";
import { FLANNEL_CONFLIST_NAME } from "../cni-conf.js";
import type { FlannelNetworkConfig } from "../options.js";
import type { FlannelVersionInfo } from "../versions.js";

/** Names shared by the objects (upstream's). */
export const FLANNEL_NAMES = {
  daemonSet: "kube-flannel-ds",
  configMap: "kube-flannel-cfg",
  /** Holds net-conf.json instead of the ConfigMap when a wireguard PSK is set. */
  netConfSecret: "kube-flannel-net-conf",
  serviceAccount: "flannel",
  clusterRole: "flannel",
  clusterRoleBinding: "flannel",
  container: "kube-flannel",
} as const;

/** Where the init and main containers see the config (mount path of the flannel-cfg volume). */
const CFG_DIR = "/etc/kube-flannel/";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: { fieldPath: string } };
}
interface VolumeMount {
  name: string;
  mountPath: string;
}
interface Probe {
  httpGet: { path: string; port: string };
  initialDelaySeconds: number;
  periodSeconds: number;
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command: string[];
  args: string[];
  ports?: Array<{ name: string; containerPort: number; protocol: "TCP" }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { privileged: boolean; capabilities: { add: string[] } };
  env?: EnvVar[];
  volumeMounts: VolumeMount[];
}
interface Volume {
  name: string;
  hostPath?: { path: string; type?: "FileOrCreate" };
  configMap?: { name: string };
  projected?: { sources: Array<{ configMap?: { name: string }; secret?: { name: string } }> };
}
interface PodSpec {
  affinity: unknown;
  hostNetwork: boolean;
  priorityClassName: string;
  tolerations: unknown[];
  serviceAccountName: string;
  nodeSelector?: Record<string, string>;
  imagePullSecrets?: Array<{ name: string }>;
  initContainers: Container[];
  containers: Container[];
  volumes: Volume[];
}

export interface FlannelDaemonSetInput {
  readonly config: FlannelNetworkConfig;
  readonly info: FlannelVersionInfo;
  readonly namespace: string;
  readonly images: { readonly flannel: string; readonly cniPlugin: string };
  /** flanneld arguments (flanneldArgs). */
  readonly args: readonly string[];
  /** Resolved healthz port; 0 = off. */
  readonly healthzPort: number;
  /** net-conf.json lives in a Secret (wireguard PSK). */
  readonly netConfInSecret: boolean;
}

/** The container with the configured imagePullPolicy, when one is set. */
function withPullPolicy(c: Container, policy: string | undefined): Container {
  return policy ? { ...c, imagePullPolicy: policy } : c;
}

/** The DaemonSet object. */
export function flannelDaemonSet(input: FlannelDaemonSetInput): K8sObject {
  const extra = input.config.labels;
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: FLANNEL_NAMES.daemonSet,
      namespace: input.namespace,
      labels: { tier: "node", app: "flannel", "k8s-app": "flannel", ...extra },
    },
    spec: {
      selector: { matchLabels: { app: "flannel" } },
      template: {
        metadata: { labels: { tier: "node", app: "flannel", ...extra } },
        spec: flannelPodSpec(input),
      },
    },
  };
}

/** The pod: host network, node-critical, the two init containers (CNI plugin, CNI config) and flanneld. */
function flannelPodSpec(input: FlannelDaemonSetInput): PodSpec {
  const c = input.config;
  const installPlugin = installPluginContainer(input);
  const installCni = installCniContainer(input);
  const flannel = flanneldContainer(input);
  const cfgVolume: Volume = input.netConfInSecret
    ? {
        name: "flannel-cfg",
        projected: { sources: [{ configMap: { name: FLANNEL_NAMES.configMap } }, { secret: { name: FLANNEL_NAMES.netConfSecret } }] },
      }
    : { name: "flannel-cfg", configMap: { name: FLANNEL_NAMES.configMap } };

  const podSpec: PodSpec = {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }],
        },
      },
    },
    hostNetwork: true,
    priorityClassName: "system-node-critical",
    tolerations: c.tolerations.map((t) => ({ ...t })),
    serviceAccountName: FLANNEL_NAMES.serviceAccount,
    initContainers: [withPullPolicy(installPlugin, c.imagePullPolicy), withPullPolicy(installCni, c.imagePullPolicy)],
    containers: [withPullPolicy(flannel, c.imagePullPolicy)],
    volumes: [
      { name: "run", hostPath: { path: "/run/flannel" } },
      { name: "cni-plugin", hostPath: { path: c.cniBinDir } },
      { name: "cni", hostPath: { path: c.cniConfDir } },
      cfgVolume,
      { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
    ],
  };
  if (Object.keys(c.nodeSelector).length > 0) podSpec.nodeSelector = { ...c.nodeSelector };
  if (c.imagePullSecrets.length > 0) podSpec.imagePullSecrets = c.imagePullSecrets.map((name) => ({ name }));
  return podSpec;
}

/** Init container copying the flannel CNI plugin binary to the host. */
function installPluginContainer(input: FlannelDaemonSetInput): Container {
  return {
    name: "install-cni-plugin",
    image: input.images.cniPlugin,
    command: ["cp"],
    args: ["-f", "/flannel", "/opt/cni/bin/flannel"],
    volumeMounts: [{ name: "cni-plugin", mountPath: "/opt/cni/bin" }],
  };
}

/** Init container writing the CNI config list (install-conf on releases that have it, else cp). */
function installCniContainer(input: FlannelDaemonSetInput): Container {
  const conflist = `/etc/cni/net.d/${FLANNEL_CONFLIST_NAME}`;
  const installCni: Container =
    input.info.installConf === "install-conf"
      ? {
          name: "install-cni",
          image: input.images.flannel,
          command: ["/opt/bin/install-conf"],
          args: [`${CFG_DIR}cni-conf.json`, conflist],
          volumeMounts: [],
        }
      : {
          name: "install-cni",
          image: input.images.flannel,
          command: ["cp"],
          args: ["-f", `${CFG_DIR}cni-conf.json`, conflist],
          volumeMounts: [],
        };
  installCni.volumeMounts = [
    { name: "cni", mountPath: "/etc/cni/net.d" },
    { name: "flannel-cfg", mountPath: CFG_DIR },
  ];
  return installCni;
}

/** The flanneld container: flags, healthz probes, resources, capabilities, env, mounts. */
function flanneldContainer(input: FlannelDaemonSetInput): Container {
  const { config: c, info } = input;
  const flannel: Container = {
    name: FLANNEL_NAMES.container,
    image: input.images.flannel,
    command: ["/opt/bin/flanneld"],
    args: [...input.args],
    volumeMounts: [],
  };
  if (input.healthzPort > 0) {
    flannel.ports = [{ name: "healthz", containerPort: input.healthzPort, protocol: "TCP" }];
    // upstream v0.28.9 probe timings
    flannel.livenessProbe = { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 10, periodSeconds: 30 };
    if (info.readyz) flannel.readinessProbe = { httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 };
  }
  const resources: NonNullable<Container["resources"]> = {};
  if (c.resources.requests && Object.keys(c.resources.requests).length > 0) resources.requests = { ...c.resources.requests };
  if (c.resources.limits && Object.keys(c.resources.limits).length > 0) resources.limits = { ...c.resources.limits };
  if (Object.keys(resources).length > 0) flannel.resources = resources;
  // flanneld manages routes, links and iptables: NET_ADMIN and NET_RAW, not privileged.
  flannel.securityContext = { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } };
  flannel.env = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    // upstream kube-flannel.yml: EVENT_QUEUE_DEPTH=5000
    { name: "EVENT_QUEUE_DEPTH", value: "5000" },
    ...(info.contWhenCacheNotReadyEnv ? [{ name: "CONT_WHEN_CACHE_NOT_READY", value: "false" }] : []),
  ];
  flannel.volumeMounts = [
    { name: "run", mountPath: "/run/flannel" },
    { name: "flannel-cfg", mountPath: CFG_DIR },
    { name: "xtables-lock", mountPath: "/run/xtables.lock" },
  ];
  return flannel;
}
