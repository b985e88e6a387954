/**
 * `podnet render`: the whole spec turned into deployable artifacts.
 *
 * Layout written by the CLI (shared by every component):
 *   manifests/<file>.yaml      cluster objects
 *   nodes/<node>/root/...      files to place on the node, under their absolute paths
 *   nodes/<node>/install.sh    and uninstall.sh
 *   <extra files>              e.g. etcd/write-config.sh
 *   plan.json                  the plan, without key material
 */
import { checkConflicts } from "../component/conflicts.js";
import type { ComponentArtifacts, ComponentFileRef, ComponentFiles } from "../component/contract.js";
import { checkNodeState } from "../host/node-scripts.js";
import type { NodeState } from "../host/node-state.js";
import type { HostRequirements } from "../host/requirements.js";
import { type PlanDocument, planDocument } from "../plan/document.js";
import { type CidrPlan, checkPodCidrPlan, type PlanContext } from "../plan/index.js";
import type { K8sObject } from "../shared/manifest.js";
import { type Problem, Problems } from "../shared/problems.js";
import { type Checked, checkedOf, parseSection } from "../shared/result.js";
import { COMPONENTS, componentSections } from "./registry.js";
import { type PodnetConfig, podnetSpecSchema } from "./schema.js";

/** Everything `renderSpec` produces: the plan, manifests, node states, extra files and plan.json. */
export interface RenderBundle {
  readonly plan: CidrPlan;
  readonly manifests: Readonly<Record<string, readonly K8sObject[]>>;
  readonly nodes: readonly NodeState[];
  readonly files: Readonly<Record<string, { readonly content: string; readonly mode: string }>>;
  /** plan.json content: the plan plus component summaries, never key material (`podnet plan --json` prints the same). */
  readonly planJson: PlanDocument;
  readonly warnings: readonly Problem[];
}

/**
 * What a front end passes beside the spec: the previous allocation, and the contents of the
 * certificate files the spec names (`specFileRefs`), keyed by the path as written, with the
 * folder relative paths start from. Keys and tokens are never read (push-secrets.sh copies them).
 */
export interface RenderContext extends PlanContext, ComponentFiles {}

/** Files the front end must read for `renderSpec` (certificates only, never keys). Works on unvalidated input. */
export function specFileRefs(input: unknown): ComponentFileRef[] {
  return COMPONENTS.flatMap((c) => c.fileRefs?.(input) ?? []);
}

/** The value of `checkSpec` for a valid spec: the parsed spec, its plan and its plan document. */
export interface ValidSpec {
  readonly spec: PodnetConfig;
  readonly plan: CidrPlan;
  /** The plan document (plan.json). */
  readonly document: PlanDocument;
}

/**
 * The spec's PodCidrPlan, with what the component sections ask of it: flannel's SubnetLen as
 * the node mask where cluster.nodeMaskSize leaves it out, and flannel's SubnetMin..SubnetMax
 * as the allocation range when it reserves subnets in etcd.
 * @param input - the spec as written (to tell a node mask given from a default)
 */
export function checkSpecPlan(spec: PodnetConfig, input: unknown, context: PlanContext = {}): Checked<CidrPlan> {
  const written = (input as { cluster?: { nodeMaskSize?: Record<string, unknown> } } | undefined)?.cluster?.nodeMaskSize;
  const given = { ipv4: written?.ipv4 !== undefined, ipv6: written?.ipv6 !== undefined };
  const sections = componentSections(spec);
  let nodeMaskSize = { ...spec.cluster.nodeMaskSize };
  let allocation = {};
  for (const component of COMPONENTS) {
    if (!component.planConstraints) continue;
    const c = component.planConstraints(sections[component.key], given);
    nodeMaskSize = { ...nodeMaskSize, ...c.nodeMaskSize };
    allocation = { ...allocation, ...c.allocation };
  }
  const cluster = { ...spec.cluster, nodeMaskSize };
  return checkPodCidrPlan({ cluster, nodes: spec.nodes }, { ...context, allocation: { ...allocation, ...context.allocation } });
}

/** A spec taken as far as it goes: parsed, planned, every component rendered and its node units checked. */
interface Evaluated {
  readonly spec?: PodnetConfig;
  readonly plan?: CidrPlan;
  /** Set only when there is no error. */
  readonly parts?: readonly ComponentArtifacts[];
  /** Each node's units from every component; set with `parts`. */
  readonly nodes?: readonly NodeState[];
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

function evaluateSpec(input: unknown, context: RenderContext): Evaluated {
  const parsing = new Problems();
  const spec = parseSection(podnetSpecSchema, input, [], parsing);
  if (!spec) return { errors: parsing.errors, warnings: [] };
  const planCheck = checkSpecPlan(spec, input, context);
  if (!planCheck.value) return { spec, errors: planCheck.errors, warnings: planCheck.warnings };
  const plan = planCheck.value;
  const p = new Problems();
  p.warnings.push(...planCheck.warnings);
  const parts = renderComponents(spec, plan, p, context);
  if (!p.ok) return { spec, plan, errors: p.errors, warnings: p.warnings };
  const nodes = nodeStates(plan, parts);
  // Node scripts are rendered from these states: every value must pass the node layer's checks first.
  for (const n of nodes) p.errors.push(...checkNodeState(n, `nodeUnits.${n.node}`));
  return { spec, plan, ...(p.ok ? { parts, nodes } : {}), errors: p.errors, warnings: p.warnings };
}

/** Each node's units from every component, in component order. */
function nodeStates(plan: CidrPlan, parts: readonly ComponentArtifacts[]): NodeState[] {
  const units = new Map<string, NodeState["units"][number][]>(plan.nodes.map((n) => [n.name, []]));
  for (const part of parts) for (const [node, us] of Object.entries(part.nodeUnits ?? {})) units.get(node)?.push(...us);
  return [...units].map(([node, us]) => ({ node, units: us }));
}

/** Validates a whole spec: schema, plan, and every component section; a valid spec gets its plan document. */
export function checkSpec(input: unknown, context: RenderContext = {}): Checked<ValidSpec> {
  const r = evaluateSpec(input, context);
  const value =
    r.spec && r.plan && r.parts
      ? {
          spec: r.spec,
          plan: r.plan,
          document: planDocument(
            r.plan,
            r.parts.map((part) => part.summary),
            r.warnings,
          ),
        }
      : undefined;
  return checkedOf(value, r);
}

/**
 * Every component of the registry whose section the spec sets, checked into `p` and rendered:
 * the networks first, then the host component with their host requirements. The host
 * component's units come first in the bundle: modules, sysctls and CNI plugins must be on a
 * node before the network's. When a network failed, the host component would only repeat
 * that as "no network component": it is skipped.
 */
function renderComponents(spec: PodnetConfig, plan: CidrPlan, p: Problems, context: RenderContext = {}): ComponentArtifacts[] {
  const sections = componentSections(spec);
  const networks: ComponentArtifacts[] = [];
  const hosts: ComponentArtifacts[] = [];
  let networkFailed = false;
  for (const component of COMPONENTS) {
    const options = sections[component.key];
    if (options === undefined || (component.kind === "host" && networkFailed)) continue;
    checkConflicts(component, sections, p);
    const hostRequirements = networks.flatMap((a): HostRequirements[] => (a.hostRequirements ? [a.hostRequirements] : []));
    const resolved = component.check(options, plan, p, { ...context, hostRequirements });
    if (resolved === undefined) networkFailed ||= component.kind === "network";
    else (component.kind === "host" ? hosts : networks).push(component.artifacts(resolved));
  }
  return [...hosts, ...networks];
}

/** Renders the spec; on any error returns the problems and no artifacts. */
export function renderSpec(input: unknown, context: RenderContext = {}): Checked<RenderBundle> {
  const r = evaluateSpec(input, context);
  if (!r.plan || !r.parts || !r.nodes) return { errors: r.errors, warnings: r.warnings };
  const { plan, parts, nodes } = r;
  const manifests: Record<string, K8sObject[]> = {};
  const files: Record<string, { content: string; mode: string }> = {};
  for (const part of parts) {
    for (const [name, objs] of Object.entries(part.manifests ?? {})) manifests[name] = [...(manifests[name] ?? []), ...objs];
    for (const [path, f] of Object.entries(part.files ?? {})) files[path] = f;
  }
  return {
    value: {
      plan,
      manifests,
      nodes,
      files,
      planJson: planDocument(
        plan,
        parts.map((part) => part.summary),
        r.warnings,
      ),
      warnings: r.warnings,
    },
    errors: [],
    warnings: r.warnings,
  };
}
