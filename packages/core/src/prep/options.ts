/**
 * Options of NodeNetworkPrep (the spec's `prep:` section, the Pulumi args and
 * the cdk8s props), with their defaults, and the pinned CNI plugins release.
 */
import { z } from "zod";
import { FirewallProtocol, NodeScope } from "../host/requirements.js";
import { NodeArch } from "../plan/options.js";

/** Host firewall podnet manages. `none` leaves the firewall alone (and a warning lists the openings needed). */
export const FirewallKind = { FIREWALLD: "firewalld", NONE: "none" } as const;
export type FirewallKind = (typeof FirewallKind)[keyof typeof FirewallKind];

/** Transports an extra opening can use: the port-based ones of FirewallProtocol. */
export const PortProtocol = { TCP: FirewallProtocol.TCP, UDP: FirewallProtocol.UDP } as const;
export type PortProtocol = (typeof PortProtocol)[keyof typeof PortProtocol];

/**
 * Release of the CNI reference plugins (containernetworking/plugins) podnet
 * installs by default. Flannel's README points to this release for the
 * `bridge`, `host-local`, `portmap` and `loopback` plugins it delegates to.
 * @see https://github.com/containernetworking/plugins/releases
 */
export const DEFAULT_CNI_PLUGINS_VERSION = "1.7.1";

/** Where release archives are downloaded from: `<baseUrl>/v<version>/cni-plugins-linux-<arch>-v<version>.tgz`. */
export const DEFAULT_CNI_PLUGINS_BASE_URL = "https://github.com/containernetworking/plugins/releases/download";

/** The CNI plugins a Flannel or bridge-based pod network needs on every node (flannel README). */
export const DEFAULT_CNI_PLUGINS = ["bridge", "host-local", "portmap", "loopback"] as const;

/**
 * sha256 of `cni-plugins-linux-<arch>-v<version>.tgz` per version and
 * architecture. Taken from kubespray's checksum table (kubernetes-sigs/kubespray
 * commit 005bdce7f1867958838a2d0bb4f7e67893d98f64,
 * roles/kubespray_defaults/vars/main/checksums.yml, `cni_binary_checksums`),
 * which kubespray's download role verifies on every install. podnet could not
 * download the archives to re-check them (no GitHub access where this was
 * written); other versions or architectures (s390x, riscv64) need
 * `cniPlugins.sha256` from the release's `.sha256` files.
 */
export const CNI_PLUGINS_SHA256: Readonly<Record<string, Readonly<Partial<Record<string, string>>>>> = {
  "1.8.0": {
    amd64: "ab3bda535f9d90766cccc90d3dddb5482003dd744d7f22bcf98186bf8eea8be6",
    arm: "7ed51af2ee5c7784c8b978b293ad1cf6c3022d7792a2e79197fb9cdc98f3f752",
    arm64: "57ce466fc3b79db1f19b8f4c63e07a1112306efa53c94fe810a2150dd9e07ddb",
    ppc64le: "63f762df723eb7dbee83e3751167ff1e18cf7b86ef5b48eb620c91af2def434a",
  },
  "1.7.1": {
    amd64: "1a28a0506bfe5bcdc981caf1a49eeab7e72da8321f1119b7be85f22621013098",
    arm: "1df4fa20a0fe279bda5a671d172911de2c1a81813bfe8fb0398b46fa9e49d0fb",
    arm64: "119fcb508d1ac2149e49a550752f9cd64d023a1d70e189b59c476e4d2bf7c497",
    ppc64le: "15a4070b20c4d6c8bc9b3db52d8303d0520ff7a89cd2e87a2fdf1e9b8dd69373",
  },
  "1.6.2": {
    amd64: "b8e811578fb66023f90d2e238d80cec3bdfca4b44049af74c374d4fae0f9c090",
    arm: "ee31b0117206dc6242a0349443020025a71752d20d683c08caa70b32de179c4b",
    arm64: "01e0e22acc7f7004e4588c1fe1871cc86d7ab562cd858e1761c4641d89ebfaa4",
    ppc64le: "66dcb90886a039e919904f2fb761b88e03dedd25fb718196855432771eaaa325",
  },
};

const port = z.number().int().min(1).max(65535);

/** An extra opening beyond what Kubernetes and the network need (e.g. NodePorts 30000-32767/tcp). */
export const extraPortSchema = z.strictObject({
  /** @default "tcp" */
  protocol: z.enum(PortProtocol).default("tcp"),
  port,
  /** Last port of a range. @default - same as port */
  portEnd: port.optional(),
  /** Why the opening exists (printed in the plan). @default "extra port" */
  purpose: z.string().default("extra port"),
  /** @default "all" */
  nodes: z.enum(NodeScope).default("all"),
});

/** Which CNI plugins release to install, from where, and its sha256 per architecture. */
export const cniPluginsSchema = z.strictObject({
  /**
   * containernetworking/plugins release, without the `v`.
   * @default "1.7.1"
   */
  version: z.string().default(DEFAULT_CNI_PLUGINS_VERSION),
  /**
   * sha256 of the release archive per architecture; required for versions or
   * architectures podnet has no checksum for (see CNI_PLUGINS_SHA256).
   * @default - podnet's table
   */
  sha256: z.partialRecord(z.enum(NodeArch), z.string()).default({}),
  /**
   * Release download base (a mirror in air-gapped sites).
   * @default "https://github.com/containernetworking/plugins/releases/download"
   */
  baseUrl: z.string().default(DEFAULT_CNI_PLUGINS_BASE_URL),
  /** Plugins taken from the archive. @default ["bridge", "host-local", "portmap", "loopback"] */
  plugins: z
    .array(z.string())
    .min(1)
    .default([...DEFAULT_CNI_PLUGINS]),
});

/** The `prep:` section: firewall, NetworkManager, kernel modules, sysctls, CNI plugins and swap. */
export const nodeNetworkPrepSchema = z.strictObject({
  /**
   * Host firewall to configure. `firewalld` opens what Kubernetes and the
   * network need, per node role; `none` leaves the firewall alone and warns
   * with the list of openings.
   * @default "none"
   */
  firewall: z.enum(FirewallKind).default("none"),
  /** firewalld zone of the node's own interfaces, where ports are opened. @default "public" */
  zone: z.string().default("public"),
  /** firewalld zone that trusts the pod and service CIDRs and the overlay interfaces. @default "trusted" */
  trustedZone: z.string().default("trusted"),
  /**
   * firewalld masquerade on `zone` (which also turns IPv4 forwarding on for
   * the zone), so pod egress that the network NATs to the node's address can
   * leave through it. `true` or `false` overrides what the network asks for.
   * @default - on where a network component NATs pod egress (flannel
   * `ipMasq: true`, Calico pools with natOutgoing), off where pods keep their
   * addresses on the wire (masquerading would hide them)
   * @see https://firewalld.org/documentation/man-pages/firewall-cmd.html (--add-masquerade)
   */
  masquerade: z.boolean().optional(),
  /** Extra openings, e.g. NodePorts `{port: 30000, portEnd: 32767}`. @default [] */
  extraPorts: z.array(extraPortSchema).default([]),
  /**
   * NetworkManager `unmanaged-devices` for the network's interfaces:
   * `true` writes the conf.d file and fails where NetworkManager is not
   * installed; `"auto"` writes it everywhere (a file NetworkManager never
   * reads is harmless) and reloads NetworkManager where it runs; `false`
   * writes nothing.
   * @default "auto"
   */
  networkManager: z.union([z.boolean(), z.literal("auto")]).default("auto"),
  /** Kernel modules to load in addition to br_netfilter, overlay and the network's. @default [] */
  kernelModules: z.array(z.string()).default([]),
  /** Extra sysctl settings, key to value. @default {} */
  sysctl: z.record(z.string(), z.union([z.string(), z.number().int()])).default({}),
  /**
   * `net.netfilter.nf_conntrack_max`; Calico's docs suggest 1000000 for busy nodes.
   * @default - the kernel's value
   */
  conntrackMax: z.number().int().min(65536).optional(),
  /** CNI reference plugins to install; `false` to manage them yourself. @default {} (version 1.7.1) */
  cniPlugins: z.union([z.literal(false), cniPluginsSchema]).default({
    version: DEFAULT_CNI_PLUGINS_VERSION,
    sha256: {},
    baseUrl: DEFAULT_CNI_PLUGINS_BASE_URL,
    plugins: [...DEFAULT_CNI_PLUGINS],
  }),
  /** Directory the CNI plugins go to (kubelet/containerd `bin_dir`). @default "/opt/cni/bin" */
  cniBinDir: z.string().default("/opt/cni/bin"),
  /**
   * Turn swap off now and comment out swap in /etc/fstab (kubelet refuses to
   * start with swap on unless `failSwapOn: false`).
   * @default false
   */
  swapOff: z.boolean().default(false),
});

/** The `prep:` section as written. */
export type NodeNetworkPrepOptions = z.input<typeof nodeNetworkPrepSchema>;
/** The `prep:` section with defaults applied. */
export type NodeNetworkPrepConfig = z.output<typeof nodeNetworkPrepSchema>;
