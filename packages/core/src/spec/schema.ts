/**
 * The whole podnet spec (the CLI's YAML file): `cluster` and `nodes` for the
 * PodCidrPlan, plus one optional section per component of the registry
 * (`flannel`: FlannelNetwork, the kube-flannel DaemonSet or flanneld under
 * systemd; `calico`: CalicoNetwork, operator or manifest path, pools,
 * BGP/IPIP/VXLAN, autodetection, Typha, etcd; `prep`: NodeNetworkPrep,
 * firewalld, NetworkManager, kernel modules, sysctl, CNI plugins and swap on
 * every node). Each component's section schema lives in that component's folder.
 */
import { z } from "zod";
import { clusterSchema, nodeSchema } from "../plan/options.js";
import { SPEC_COMPONENTS } from "./registry.js";

type SpecComponent = (typeof SPEC_COMPONENTS)[number];

/** One optional section per registered component, keyed by its `key`. */
type SectionShapes = { [C in SpecComponent as C["key"]]: z.ZodOptional<C["schema"]> };

const sections = Object.fromEntries(SPEC_COMPONENTS.map((c) => [c.key, c.schema.optional()])) as unknown as SectionShapes;

/** The spec schema: apiVersion, cluster, nodes, then the component sections in registry order. */
export const podnetSpecSchema = z.strictObject({
  /** Spec format version. @default "podnet/v1" */
  apiVersion: z.literal("podnet/v1").default("podnet/v1"),
  cluster: clusterSchema,
  nodes: z.array(nodeSchema).default([]),
  ...sections,
});

/** The spec as a user writes it. */
export type PodnetSpec = z.input<typeof podnetSpecSchema>;
/** The spec with defaults applied. */
export type PodnetConfig = z.output<typeof podnetSpecSchema>;
