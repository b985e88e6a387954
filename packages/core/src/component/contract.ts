/**
 * The NetworkComponent contract: what every component of a spec (flannel,
 * calico, prep) tells the renderer, diff and doctor, so those loop over the
 * registry (spec/registry.ts) instead of naming components. Types only,
 * between plan/host and the components: a component imports this, never
 * spec/, diff/ or doctor/.
 */

import type { z } from "zod";
import type { NodeState } from "../host/node-state.js";
import type { HostRequirements } from "../host/requirements.js";
import type { PlanComponents } from "../plan/document.js";
import type { AllocationRange, CidrPlan, PerFamily } from "../plan/index.js";
import type { K8sObject } from "../shared/manifest.js";
import type { Problems } from "../shared/problems.js";
import type { DoctorHints, NetworkExpectation } from "./expectations.js";

/** What one component contributes to a render. */
export interface ComponentArtifacts {
  /** Manifests by file name (relative to `manifests/`), objects in apply order. */
  readonly manifests?: Readonly<Record<string, readonly K8sObject[]>>;
  /** Units per node name, in apply order. */
  readonly nodeUnits?: Readonly<Record<string, NodeState["units"]>>;
  /** Extra files by path relative to the output folder (e.g. `etcd/write-config.sh`), with their modes. */
  readonly files?: Readonly<Record<string, { readonly content: string; readonly mode: string }>>;
  /** Host needs for NodeNetworkPrep. */
  readonly hostRequirements?: HostRequirements;
  /** Non-secret facts for plan.json (e.g. the flannel pod MTU per node), by component. */
  readonly summary?: PlanComponents;
}

/** A file the front end must read for the spec: where it is named, and the path as written. */
export interface ComponentFileRef {
  readonly path: string;
  readonly file: string;
}

/** What a front end read for the spec (certificate contents by path as written, and its folders). */
export interface ComponentFiles {
  /** Contents of the files `fileRefs` named, keyed by the path as written in the spec. */
  readonly files?: Readonly<Record<string, string>>;
  /** Folder the spec's relative paths start from (the spec file's folder). */
  readonly baseDir?: string;
  /** The spec's folder relative to the render output folder (CLI render, e.g. `..`). */
  readonly specDirFromBundle?: string;
}

/** What a component's `check` gets beside its own section. */
export interface ComponentContext extends ComponentFiles {
  /** Host needs of the network components checked before it (what the host component consumes). */
  readonly hostRequirements: readonly HostRequirements[];
}

/** One change of the spec and what it does. */
export interface SpecChange {
  /**
   * Stable path of what changed, e.g. `cluster.podCidrs`, `nodes[node1].podCidrs.ipv4`,
   * `flannel.backend.vni`, `calico.ipPools[default-ipv4-ippool].cidr`. Named list
   * entries are addressed by name. `allowDisruptiveChange` takes these paths.
   */
  readonly path: string;
  /** Value before (absent when added); secrets are shown as `(secret)`. */
  readonly from: unknown;
  /** Value after (absent when removed); secrets are shown as `(secret)`. */
  readonly to: unknown;
  /** True when running pods lose connectivity or addresses, or nodes must be re-registered. */
  readonly disruptive: boolean;
  /** What the change does. */
  readonly reason: string;
  /** Steps to carry the change out safely, in order (empty when it applies in place). */
  readonly migration: readonly string[];
}

/** What a plain (non-fact) field change does. */
export interface FieldReason {
  readonly reason: string;
  readonly migration: string[];
}

/** A component's diff rules: the facts of its section that cannot change in place, and their changes. */
export interface ComponentChangeRules<Facts> {
  /** The section's facts with defaults filled in; undefined when the spec has no such section. */
  facts(section: unknown, plan: CidrPlan): Facts | undefined;
  /** The changes of the facts between two valid specs (either side may lack the section). */
  changes(before: Facts | undefined, after: Facts | undefined): SpecChange[];
  /** Spec paths the fact rules own; plain field changes below them are not listed again. */
  readonly factPaths: readonly RegExp[];
  /** What a plain field change under the section does; undefined to fall through to the general rules. */
  fieldReason(path: string): FieldReason | undefined;
  /** This network's steps when the pod network (`network`, the new pod CIDRs) changes. */
  networkSteps?(facts: Facts, network: string): string[];
  /** This network's extra steps when one node's subnet moves away from `from`. */
  subnetMoveSteps?(facts: Facts, from: string): string[];
}

/** What a component asks of the PodCidrPlan (flannel's SubnetLen and SubnetMin..SubnetMax with etcd). */
export interface PlanConstraints {
  readonly nodeMaskSize: PerFamily<number>;
  readonly allocation: PerFamily<AllocationRange>;
}

/** A pod network component's doctor planning: what it expects on every node. */
export interface ComponentDoctor {
  /** Plans the expectations from the section as written; problems go to `p` with paths under the component's key. */
  expect(section: unknown, plan: CidrPlan, p: Problems): NetworkExpectation | undefined;
  /** The network's wording in doctor's findings. */
  readonly hints: DoctorHints;
}

/**
 * One component of a spec. `check` validates its section against the plan,
 * collecting every problem into `p` (paths under `key`) and returning the
 * resolved component, from which `artifacts` renders the bundle part.
 */
export interface NetworkComponent<Schema extends z.ZodType = z.ZodType, Resolved = unknown, Key extends string = string> {
  /** The spec section, and plan.json's `components.<key>`. */
  readonly key: Key;
  /**
   * `network`: a pod network, rendered first, at most one per spec (see `conflicts`).
   * `host`: node preparation; it consumes the networks' host requirements, is skipped when
   * a network failed (it would only repeat that), and its node units come first.
   */
  readonly kind: "network" | "host";
  /** The section's schema (spec/schema.ts is built from these). */
  readonly schema: Schema;
  /** Sections this one cannot run with: both set is a `<key>.<other>-conflict` error on `key`. */
  readonly conflicts?: readonly string[];
  /** Validates the parsed section against the plan; undefined when it has errors. */
  check(options: z.output<Schema>, plan: CidrPlan, p: Problems, ctx: ComponentContext): Resolved | undefined;
  /** The bundle part of a resolved component. */
  artifacts(resolved: Resolved): ComponentArtifacts;
  /** Files the front end must read (certificates only, never keys), on the unvalidated spec. */
  fileRefs?(spec: unknown): ComponentFileRef[];
  /** What the parsed section asks of the plan; `givenMask`: which families' node mask the spec sets itself. */
  planConstraints?(options: z.output<Schema> | undefined, givenMask: { readonly ipv4: boolean; readonly ipv6: boolean }): PlanConstraints;
  /** Diff rules of the section. */
  // biome-ignore lint/suspicious/noExplicitAny: each component's facts are its own type
  readonly changes?: ComponentChangeRules<any>;
  /** Doctor expectations (pod network components). */
  readonly doctor?: ComponentDoctor;
}

/** Any component, for registries. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds components of different option types
export type AnyNetworkComponent = NetworkComponent<z.ZodType, any>;
