/**
 * Shared inputs and helpers for the Calico tests: plans, the reference
 * loader (YAML 1.1, as kubectl reads it) and the normaliser that makes the
 * comparison semantic (JSON inside strings parsed, nulls dropped).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CidrPlan } from "@podnet/core";
import { type K8sObject, planPodCidrs } from "@podnet/core";
import { parseAllDocuments } from "yaml";
import { sharedReference } from "./support/real.js";

/** Three single-NIC nodes on 10.0.0.0/24 with upstream's default pool as the pod CIDR. */
export function referencePlan(): CidrPlan {
  return planPodCidrs({
    cluster: { podCidrs: ["192.168.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: ["a", "b", "c"].map((n, i) => ({ name: `node-${n}`, interfaces: [{ name: "ens3", addresses: [`10.0.0.${11 + i}/24`] }] })),
  }).value;
}

/** The seed runbook's hosts: ens33 on 192.168.79.0/24 (NAT), plus virbr0 and docker0 on the master. */
export const SEED_NODES = [
  {
    name: "k8s-master-01",
    roles: ["control-plane", "etcd"] as Array<"control-plane" | "etcd">,
    interfaces: [
      { name: "ens33", addresses: ["192.168.79.128/24"], defaultRoute: true },
      { name: "virbr0", addresses: ["192.168.122.1/24"] },
      { name: "docker0", addresses: ["172.17.0.1/16"] },
    ],
  },
  { name: "k8s-node-01", interfaces: [{ name: "ens33", addresses: ["192.168.79.129/24"] }] },
  { name: "k8s-node-02", interfaces: [{ name: "ens33", addresses: ["192.168.79.130/24"] }] },
];

export function seedPlan(): CidrPlan {
  return planPodCidrs({ cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] }, nodes: SEED_NODES }).value;
}

/** The Calico reference folder, or undefined (tests skip via needsReference()). */
export function calicoReferenceDir(): string | undefined {
  const base = sharedReference();
  return base ? join(base, "calico", "v3.30.7") : undefined;
}

/** Parses multi-document YAML the way kubectl does (YAML 1.1: `0400` is octal). */
export function parseK8sYaml(text: string): K8sObject[] {
  return parseAllDocuments(text, { version: "1.1" })
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null && typeof d === "object");
}

export function loadReference(file: string): K8sObject[] {
  const dir = calicoReferenceDir();
  if (!dir) throw new Error("reference folder absent");
  return parseK8sYaml(readFileSync(join(dir, file), "utf8"));
}

export const keyOf = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** `"mtu": __CNI_MTU__` is not JSON until install-cni fills it in; quote the placeholder to parse. */
export function parseCniConfig(text: string): unknown {
  return JSON.parse(text.replace(/:\s*__CNI_MTU__/g, ': "__CNI_MTU__"'));
}

/** Deep copy with nulls dropped and JSON-in-string fields parsed: semantic equality then is deepStrictEqual. */
export function normalize(value: unknown, key = ""): unknown {
  if (key === "cni_network_config" && typeof value === "string") return parseCniConfig(value);
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = normalize(v, k);
    return out;
  }
  return value;
}
