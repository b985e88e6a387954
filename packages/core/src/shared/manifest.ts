/**
 * Kubernetes objects as plain data, and their deterministic YAML form.
 */
import { stringify } from "yaml";

/** A Kubernetes object as plain data. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** `kind/namespace/name`, a stable identity for matching and sorting. */
export function objectKey(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/**
 * Multi-document YAML; same objects, same bytes. Written as YAML 1.1, which
 * kubectl reads: strings such as "yes", "on", "0400" or "1_000" are quoted,
 * so they stay strings instead of turning into booleans or numbers.
 */
export function toYaml(objects: readonly K8sObject[]): string {
  return objects.map((o) => stringify(o, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
}
