/**
 * Schema of the `cluster:` and `nodes:` sections: the input of PodCidrPlan.
 * Field names are the same in the YAML spec, the Pulumi args and the cdk8s props.
 */
import { z } from "zod";

/** Node CPU architectures flannel and the CNI plugins ship release binaries for. */
export const NodeArch = {
  AMD64: "amd64",
  ARM64: "arm64",
  ARM: "arm",
  PPC64LE: "ppc64le",
  S390X: "s390x",
  RISCV64: "riscv64",
} as const;
export type NodeArch = (typeof NodeArch)[keyof typeof NodeArch];

/** What a node does in the cluster; drives firewall openings (6443 on control-plane, 2379-2380 on etcd). */
export const NodeRole = { CONTROL_PLANE: "control-plane", WORKER: "worker", ETCD: "etcd" } as const;
export type NodeRole = (typeof NodeRole)[keyof typeof NodeRole];

const port = z.number().int().min(1).max(65535);

/** One network interface of a node: name, addresses, MTU, default route. */
export const interfaceSchema = z.strictObject({
  /** Linux interface name, e.g. `eth0`. */
  name: z.string(),
  /** Addresses with their prefix length, e.g. `192.168.1.31/24`. */
  addresses: z.array(z.string()).default([]),
  /** Link MTU. @default 1500 */
  mtu: z.number().int().min(68).max(65536).default(1500), // 65536: the loopback device
  /** True for the interface that holds the default route (what flannel and first-found pick). */
  defaultRoute: z.boolean().optional(),
});

/** How podnet (and later components) reach a node over ssh. */
export const sshSchema = z.strictObject({
  /** Address or DNS name to reach the node on. */
  host: z.string(),
  /** @default 22 */
  port: port.default(22),
  /** @default "root" */
  user: z.string().default("root"),
  /** Private key file (CLI) used to connect; Pulumi takes the key itself as a secret. */
  privateKeyFile: z.string().optional(),
});

/** One entry of `nodes:`: name, interfaces, pinned subnets, ssh, roles and CPU architecture. */
export const nodeSchema = z.strictObject({
  /** Kubernetes node name (DNS-1123 label). */
  name: z.string(),
  /** The node's network interfaces. */
  interfaces: z.array(interfaceSchema).min(1),
  /** Pinned pod subnets, one per family. @default - allocated from the pod CIDRs */
  podCidrs: z.array(z.string()).optional(),
  /** How later components reach the node. */
  ssh: sshSchema.optional(),
  /** @default ["worker"] */
  roles: z.array(z.enum(NodeRole)).min(1).default(["worker"]),
  /** @default "amd64" */
  arch: z.enum(NodeArch).default("amd64"),
});

/** The `cluster:` section: pod and service CIDRs, node mask, pods per node, reserved networks, DNS. */
export const clusterSchema = z.strictObject({
  /** Pod CIDRs, one per family (two = dual-stack): kube-controller-manager `--cluster-cidr`. */
  podCidrs: z.array(z.string()).min(1),
  /** Service CIDRs, one per pod family: `--service-cluster-ip-range`. */
  serviceCidrs: z.array(z.string()).min(1),
  /** Per-node subnet mask size per family. @default { ipv4: 24, ipv6: 64 } */
  nodeMaskSize: z.strictObject({ ipv4: z.number().int().default(24), ipv6: z.number().int().default(64) }).default({ ipv4: 24, ipv6: 64 }),
  /** kubelet `maxPods`. @default 110 */
  maxPodsPerNode: z.number().int().min(1).default(110),
  /** Networks pods and services must avoid (docker0, VPN, office LAN). @default [] */
  reservedCidrs: z.array(z.string()).default([]),
  /** Cluster DNS Service IP. @default - the tenth address of the first service CIDR (kubeadm's choice) */
  dnsServiceIp: z.string().optional(),
  /** Cluster DNS domain. @default "cluster.local" */
  clusterDomain: z.string().default("cluster.local"),
});

/** Makes every nested property and array readonly, so `as const` data and readonly arrays are accepted. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Input of PodCidrPlan, as written by a user (defaults not yet applied). */
export type PodCidrPlanOptions = DeepReadonly<z.input<typeof podCidrPlanSchema>>;
/** Input of PodCidrPlan with defaults applied. */
export type PodCidrPlanConfig = z.output<typeof podCidrPlanSchema>;
/** A spec's `cluster:` section as a user writes it. */
export type ClusterOptions = DeepReadonly<z.input<typeof clusterSchema>>;
/** One node of a spec's `nodes:` list as a user writes it. */
export type NodeOptions = DeepReadonly<z.input<typeof nodeSchema>>;
/** One node of a spec, parsed with defaults filled in. */
export type NodeConfig = z.output<typeof nodeSchema>;
/** One node interface, parsed with defaults filled in. */
export type InterfaceConfig = z.output<typeof interfaceSchema>;

/** The PodCidrPlan input: the `cluster:` and `nodes:` sections. */
export const podCidrPlanSchema = z.strictObject({
  cluster: clusterSchema,
  nodes: z.array(nodeSchema).default([]),
});
