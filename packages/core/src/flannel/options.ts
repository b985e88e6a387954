/**
 * Options of FlannelNetwork: one zod schema that is the CLI's `flannel:`
 * section, the Pulumi args and the cdk8s props. Network CIDRs are not options:
 * they come from the PodCidrPlan, so flannel and kube-controller-manager
 * cannot disagree (`network`/`ipv6Network` may only restate them).
 */
import { z } from "zod";
import { flannelSystemdSchema } from "./systemd-options.js";
import { DEFAULT_FLANNEL_VERSION } from "./versions.js";

/** How flanneld runs: the kube-flannel DaemonSet, or a host binary under systemd. */
export const FlannelMode = { DAEMONSET: "daemonset", SYSTEMD: "systemd" } as const;
export type FlannelMode = (typeof FlannelMode)[keyof typeof FlannelMode];

/**
 * flannel backends podnet renders.
 * @see https://github.com/flannel-io/flannel/blob/master/Documentation/backends.md
 */
export const FlannelBackend = {
  /** VXLAN overlay (recommended). */
  VXLAN: "vxlan",
  /** Direct routes via the peer nodes; needs every node on one L2 network. */
  HOST_GW: "host-gw",
  /** WireGuard-encrypted tunnels. */
  WIREGUARD: "wireguard",
  /** IP-in-IP (experimental upstream). */
  IPIP: "ipip",
  /** User-space UDP encapsulation (debugging only; deprecated). */
  UDP: "udp",
} as const;
export type FlannelBackend = (typeof FlannelBackend)[keyof typeof FlannelBackend];

/** WireGuard tunnel layout for dual-stack (`Mode`, flannel v0.21.0+). */
export const FlannelWireguardMode = { SEPARATE: "separate", AUTO: "auto", IPV4: "ipv4", IPV6: "ipv6" } as const;
export type FlannelWireguardMode = (typeof FlannelWireguardMode)[keyof typeof FlannelWireguardMode];

/**
 * The `Backend` object of net-conf.json. One flat object: which keys apply
 * depends on `type`, and the validator names any key that does not.
 */
export const flannelBackendSchema = z.strictObject({
  /** Backend type. @default "vxlan" */
  type: z.enum(FlannelBackend).default("vxlan"),
  /** vxlan: VXLAN network identifier (`VNI`). @default - 1 (flannel's default) */
  vni: z.number().int().optional(),
  /** vxlan, udp: UDP port (`Port`). @default - 8472 for vxlan (Linux kernel default), 8285 for udp */
  port: z.number().int().optional(),
  /** vxlan: VXLAN Group Based Policy (`GBP`). @default false */
  gbp: z.boolean().optional(),
  /** vxlan, ipip: direct routes to peers on the same subnet (`DirectRouting`). @default false */
  directRouting: z.boolean().optional(),
  /** vxlan, wireguard: MTU to use instead of the selected interface's (`MTU`, v0.21.3+). @default - the interface MTU */
  mtu: z.number().int().optional(),
  /** wireguard: UDP listen port (`ListenPort`). @default 51820 */
  listenPort: z.number().int().optional(),
  /** wireguard: UDP listen port for IPv6 (`ListenPortV6`). @default 51821 */
  listenPortV6: z.number().int().optional(),
  /** wireguard: pre-shared key, 32 bytes in base64 (`PSK`); rendered into a Secret, never into plan.json. @default - none */
  psk: z.string().optional(),
  /** wireguard: tunnel layout (`Mode`). @default "separate" */
  mode: z.enum(FlannelWireguardMode).optional(),
  /** wireguard: keepalive in seconds (`PersistentKeepaliveInterval`). @default 0 */
  persistentKeepaliveInterval: z.number().int().optional(),
});

const quantity = z.string();
const resourceList = z.strictObject({
  /** CPU quantity, e.g. "100m". */
  cpu: quantity.optional(),
  /** Memory quantity, e.g. "50Mi". */
  memory: quantity.optional(),
});

/** The zod schema of one toleration of the flannel DaemonSet. */
export const flannelTolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** The zod schema of a spec's `flannel:` section (FlannelNetworkOptions in, FlannelNetworkConfig out). */
export const flannelNetworkSchema = z.strictObject({
  /** How flanneld runs. @default "daemonset" */
  mode: z.enum(FlannelMode).default("daemonset"),
  /** flannel release; selects images, namespace and what the manifest contains. @default "v0.28.9" */
  version: z.string().default(DEFAULT_FLANNEL_VERSION),
  /** Registry (mirror) and organisation replacing `ghcr.io/flannel-io` in both images. @default - upstream's */
  imageRegistry: z.string().optional(),
  /** Full image references, overriding version and registry. @default - from version and imageRegistry */
  images: z.strictObject({ flannel: z.string().optional(), cniPlugin: z.string().optional() }).optional(),
  /** Pull policy of every container. @default - unset (Kubernetes' default) */
  imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
  /** Names of Secrets to pull the images with. @default [] */
  imagePullSecrets: z.array(z.string()).default([]),
  /** Restates the IPv4 `Network`; must equal the plan's IPv4 pod CIDR. @default - the plan's IPv4 pod CIDR */
  network: z.string().optional(),
  /** Restates the `IPv6Network`; must equal the plan's IPv6 pod CIDR. @default - the plan's IPv6 pod CIDR */
  ipv6Network: z.string().optional(),
  /** Experimental nftables mode (`EnableNFTables`, v0.25.0+). @default false */
  enableNFTables: z.boolean().default(false),
  /** The backend and its settings. @default { type: "vxlan" } */
  backend: flannelBackendSchema.default({ type: "vxlan" }),
  /** `--iface`: interface names or addresses, tried in order; the first present on a node wins. @default [] */
  iface: z.array(z.string()).default([]),
  /** `--iface-regex`: Go (RE2) regexps matched against interface addresses, then names. @default [] */
  ifaceRegex: z.array(z.string()).default([]),
  /** `--iface-can-reach`: use the interface that routes to this address. @default - none */
  ifaceCanReach: z.string().optional(),
  /** `--ip-masq`: SNAT pod traffic leaving the pod network. @default true */
  ipMasq: z.boolean().default(true),
  /** `--healthz-port`; 0 turns health checks and probes off. @default - the version's (8081 in v0.28.9, off in v0.26.7) */
  healthzPort: z.number().int().optional(),
  /** etcd mode only (`SubnetLen`); ignored with the kube subnet manager. @default - flannel's */
  subnetLen: z.number().int().optional(),
  /** etcd mode only (`SubnetMin`). @default - flannel's */
  subnetMin: z.string().optional(),
  /** etcd mode only (`SubnetMax`). @default - flannel's */
  subnetMax: z.string().optional(),
  /** etcd mode only (`IPv6SubnetLen`). @default - flannel's */
  ipv6SubnetLen: z.number().int().optional(),
  /** etcd mode only (`IPv6SubnetMin`). @default - flannel's */
  ipv6SubnetMin: z.string().optional(),
  /** etcd mode only (`IPv6SubnetMax`). @default - flannel's */
  ipv6SubnetMax: z.string().optional(),
  /** kube-flannel container resources. @default { requests: { cpu: "100m", memory: "50Mi" } } */
  resources: z
    .strictObject({ requests: resourceList.optional(), limits: resourceList.optional() })
    .default({ requests: { cpu: "100m", memory: "50Mi" } }),
  /** Pod tolerations (replace upstream's). @default [{ operator: "Exists", effect: "NoSchedule" }] */
  tolerations: z.array(flannelTolerationSchema).default([{ operator: "Exists", effect: "NoSchedule" }]),
  /** Pod nodeSelector, in addition to the linux node affinity. @default {} */
  nodeSelector: z.record(z.string(), z.string()).default({}),
  /** More flanneld flags (`--name=value`), after the ones podnet manages. @default [] */
  extraArgs: z.array(z.string()).default([]),
  /** Namespace of the namespaced objects. @default - the version's ("kube-flannel") */
  namespace: z.string().optional(),
  /** Emit the Namespace object (with the pod-security label flannel needs). @default - true, false for kube-system */
  createNamespace: z.boolean().optional(),
  /** Extra labels on every object and on the pods. @default {} */
  labels: z.record(z.string(), z.string()).default({}),
  /** Host directory of the CNI plugin binaries. @default "/opt/cni/bin" */
  cniBinDir: z.string().default("/opt/cni/bin"),
  /** Host directory of the CNI configuration. @default "/etc/cni/net.d" */
  cniConfDir: z.string().default("/etc/cni/net.d"),
  /** Mode "systemd" only: datastore, release, paths and container runtime of the host binary. @default - none */
  systemd: flannelSystemdSchema.optional(),
});

/** FlannelNetwork options as a user writes them (the CLI `flannel:` section, Pulumi args, cdk8s props). */
export type FlannelNetworkOptions = z.input<typeof flannelNetworkSchema>;
/** Options with defaults applied. */
export type FlannelNetworkConfig = z.output<typeof flannelNetworkSchema>;
/** The backend settings with defaults applied. */
export type FlannelBackendConfig = z.output<typeof flannelBackendSchema>;
/** flannel's backend as a user writes it (`flannel.backend`). */
export type FlannelBackendOptions = z.input<typeof flannelBackendSchema>;
/** A toleration of the flannel DaemonSet, as parsed. */
export type FlannelToleration = z.output<typeof flannelTolerationSchema>;
