/**
 * The whole podnet spec (the CLI's YAML file): `cluster` and `nodes` for the
 * PodCidrPlan, plus one optional section per component. Each component's
 * section schema lives in that component's file.
 */
import { z } from "zod";
import { calicoOptionsSchema } from "../calico/options.js";
import { flannelNetworkSchema } from "../flannel/options.js";
import { clusterSchema, nodeSchema } from "../plan/options.js";
import { nodeNetworkPrepSchema } from "../prep/options.js";

/** The zod schema of a whole podnet spec (PodnetSpec in, PodnetConfig out). */
export const podnetSpecSchema = z.strictObject({
  /** Spec format version. @default "podnet/v1" */
  apiVersion: z.literal("podnet/v1").default("podnet/v1"),
  cluster: clusterSchema,
  nodes: z.array(nodeSchema).default([]),
  /** FlannelNetwork: the kube-flannel DaemonSet (or flanneld under systemd), driven by the plan. */
  flannel: flannelNetworkSchema.optional(),
  /** CalicoNetwork: operator or manifest path, pools, BGP/IPIP/VXLAN, autodetection, Typha, etcd. */
  calico: calicoOptionsSchema.optional(),
  /** NodeNetworkPrep: firewalld, NetworkManager, kernel modules, sysctl, CNI plugins and swap on every node. */
  prep: nodeNetworkPrepSchema.optional(),
  // Component sections are added here, one line each (flannel, calico, prep).
});

/** The spec as a user writes it. */
export type PodnetSpec = z.input<typeof podnetSpecSchema>;
/** The spec with defaults applied. */
export type PodnetConfig = z.output<typeof podnetSpecSchema>;
