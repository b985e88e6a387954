/**
 * Options of FlannelNetwork mode `systemd` (flanneld as a host binary), the
 * `systemd:` key of the flannel section: datastore (etcd or the kube subnet
 * manager), the pinned release with its sha256 per architecture, where things
 * go on the node, and the container runtime integration.
 */
import { z } from "zod";
import { flanneldCertSchema } from "./certs.js";
import { FLANNEL_SUBNET_FILE } from "./cni-conf.js";
import { flannelEtcdSchema } from "./etcd-options.js";

/** Where flanneld keeps node subnets. */
export const FlannelDatastore = {
  /** etcd: flannel allocates subnets itself (`<prefix>/subnets/…`). */
  ETCD: "etcd",
  /** The Kubernetes API: each node's `spec.podCIDR` (`--kube-subnet-mgr`). */
  KUBE_SUBNET_MGR: "kube-subnet-mgr",
} as const;
export type FlannelDatastore = (typeof FlannelDatastore)[keyof typeof FlannelDatastore];

/** How pods get their addresses from flannel's subnet. */
export const FlannelContainerRuntime = {
  /** Docker's own bridge, configured by mk-docker-opts.sh (seeds 000 and 002). */
  DOCKER: "docker",
  /** CNI: the flannel plugin and `10-flannel.conflist` (containerd, CRI-O). */
  CONTAINERD: "containerd",
} as const;
export type FlannelContainerRuntime = (typeof FlannelContainerRuntime)[keyof typeof FlannelContainerRuntime];

/** flannel's release download location (the assets `flannel-<tag>-linux-<arch>.tar.gz`). */
export const FLANNEL_RELEASE_BASE_URL = "https://github.com/flannel-io/flannel/releases/download";
/** The CNI plugin's release location (the assets `cni-plugin-flannel-linux-<arch>-<tag>.tgz`). */
export const FLANNEL_CNI_PLUGIN_BASE_URL = "https://github.com/flannel-io/cni-plugin/releases/download";
/** The CNI plugin release kube-flannel.yml v0.28.9 ships (`flannel-cni-plugin:v1.9.1-flannel3`). */
export const FLANNEL_CNI_PLUGIN_DEFAULT_VERSION = "v1.9.1-flannel3";

/** sha256 per node architecture; podnet never downloads without one. */
const sha256PerArch = z.strictObject({
  amd64: z.string().optional(),
  arm64: z.string().optional(),
  arm: z.string().optional(),
  ppc64le: z.string().optional(),
  s390x: z.string().optional(),
  riscv64: z.string().optional(),
});

export const flannelKubeSubnetMgrSchema = z.strictObject({
  /** API server URL flanneld talks to, e.g. `https://192.168.1.31:6443`. */
  apiServer: z.string(),
  /** CLI: the cluster CA file, read by the CLI and embedded in the kubeconfig (Pulumi takes the PEM). */
  caFile: z.string().optional(),
  /**
   * CLI: a file holding the ServiceAccount token, copied to the nodes by `flannel/push-secrets.sh`
   * (never into the bundle). @default - push-secrets.sh reads it from the cluster with kubectl
   */
  tokenFile: z.string().optional(),
  /** Namespace of the ServiceAccount and its token Secret. @default "kube-system" (seed 003) */
  namespace: z.string().default("kube-system"),
  /** Where the kubeconfig goes on each node (mode 0600). @default "/etc/kubernetes/flannel.conf" (seed 003) */
  kubeconfigPath: z.string().default("/etc/kubernetes/flannel.conf"),
  /** CLI: where the token goes on each node (mode 0600); the kubeconfig names it. @default "/etc/flanneld/token" */
  tokenPath: z.string().default("/etc/flanneld/token"),
  /** Where net-conf.json goes on each node (`--net-config-path`). @default "/etc/kube-flannel/net-conf.json" (flannel's default) */
  netConfPath: z.string().default("/etc/kube-flannel/net-conf.json"),
});

/** The zod schema of `flannel.systemd` (flanneld as a host binary). */
export const flannelSystemdSchema = z.strictObject({
  /** Where flanneld keeps node subnets. @default "etcd" */
  datastore: z.enum(FlannelDatastore).default("etcd"),
  /** etcd settings (datastore etcd). */
  etcd: flannelEtcdSchema.optional(),
  /** Kube subnet manager settings (datastore kube-subnet-mgr). */
  kubeSubnetMgr: flannelKubeSubnetMgrSchema.optional(),
  /** The flannel release (version from `flannel.version`). */
  release: z.strictObject({
    /**
     * sha256 of `flannel-<version>-linux-<arch>.tar.gz` for every node architecture,
     * from the release page; podnet refuses to render a download without it.
     */
    sha256: sha256PerArch,
    /** Download location (a mirror): `<baseUrl>/<version>/<asset>`. @default "https://github.com/flannel-io/flannel/releases/download" */
    baseUrl: z.string().default(FLANNEL_RELEASE_BASE_URL),
  }),
  /** Where flanneld and mk-docker-opts.sh go. @default "/usr/local/bin" (seed 003; seed 000 uses /opt/k8s/bin) */
  binDir: z.string().default("/usr/local/bin"),
  /** Where the etcd client certificate goes (keys 0600). @default "/etc/flanneld/cert" (seed 000) */
  certDir: z.string().default("/etc/flanneld/cert"),
  /** `--subnet-file`; the CNI plugin and mk-docker-opts.sh read the same file. @default "/run/flannel/subnet.env" */
  subnetFile: z.string().default(FLANNEL_SUBNET_FILE),
  /** How pods get flannel's subnet. @default "containerd" */
  containerRuntime: z.enum(FlannelContainerRuntime).default("containerd"),
  /** Docker integration (containerRuntime docker). */
  docker: z
    .strictObject({
      /** mk-docker-opts.sh output, Docker's EnvironmentFile. @default "/run/flannel/docker" (seeds 000, 002) */
      optionsFile: z.string().default("/run/flannel/docker"),
      /** Variable holding the combined options. @default "DOCKER_NETWORK_OPTIONS" (seeds 000, 002) */
      optionsKey: z.string().default("DOCKER_NETWORK_OPTIONS"),
      /** Docker's ExecStart without the network options. @default "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock" (docker-ce's unit) */
      dockerd: z.string().default("/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"),
      /** Restart a running Docker after flanneld (re)starts, so docker0 takes the new subnet (restarts every container). @default false */
      restart: z.boolean().default(false),
    })
    .default({
      optionsFile: "/run/flannel/docker",
      optionsKey: "DOCKER_NETWORK_OPTIONS",
      dockerd: "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
      restart: false,
    }),
  /** The flannel CNI plugin (containerRuntime containerd). */
  cniPlugin: z
    .strictObject({
      /** CNI plugin release tag. @default "v1.9.1-flannel3" (what kube-flannel.yml v0.28.9 ships) */
      version: z.string().default(FLANNEL_CNI_PLUGIN_DEFAULT_VERSION),
      /** sha256 of `cni-plugin-flannel-linux-<arch>-<version>.tgz` for every node architecture. */
      sha256: sha256PerArch,
      /** Download location. @default "https://github.com/flannel-io/cni-plugin/releases/download" */
      baseUrl: z.string().default(FLANNEL_CNI_PLUGIN_BASE_URL),
    })
    .optional(),
  /**
   * Move other CNI configs that sort before `10-flannel.conflist` (e.g. containerd's
   * `10-containerd-net.conflist`) aside instead of failing; uninstall puts them back.
   * @default false
   */
  moveConflictingCniConfigs: z.boolean().default(false),
  /** The flanneld etcd client certificate Pulumi creates (the CLI takes certificate files). @default - CN flanneld, RSA 2048, one year */
  certificate: flanneldCertSchema.default({
    commonName: "flanneld",
    keyAlgorithm: "RSA",
    rsaBits: 2048,
    ecdsaCurve: "P256",
    validityHours: 8760,
    earlyRenewalHours: 720,
    renewalTrigger: "",
  }),
});

/** flannel mode systemd's settings as a user writes them (`flannel.systemd`). */
export type FlannelSystemdOptions = z.input<typeof flannelSystemdSchema>;
/** flannel mode systemd's settings, parsed with defaults filled in. */
export type FlannelSystemdConfig = z.output<typeof flannelSystemdSchema>;
export type FlannelKubeSubnetMgrConfig = z.output<typeof flannelKubeSubnetMgrSchema>;
