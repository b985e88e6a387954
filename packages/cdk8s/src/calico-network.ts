/**
 * cdk8s construct for Calico, either install path, rendered by the core from
 * the PodCidrPlan. Operator path: the custom resources, optionally after an
 * include of a local copy of the release's tigera-operator.yaml (and CRDs),
 * each checked against the pinned sha256 first. Manifest path: the
 * calico.yaml objects; the CRDs are a prerequisite (`prerequisites`).
 * With the etcd datastore, Calico's own resources (BGPConfiguration,
 * FelixConfiguration, BGPPeers, extra IPPools) live in etcd: no API server
 * serves them, so they are not synthesized; `calicoctlYaml` holds them for
 * `calicoctl apply` and a `podnet:warning` says so.
 * Bad props and disruptive changes from `previous` throw in the constructor
 * with every problem.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  allocationOf,
  type CalicoNetworkOptions,
  type CalicoNetworkRender,
  type CidrPlan,
  type FlannelNetworkOptions,
  formatProblem,
  type K8sObject,
  NetworkPlanError,
  type PinnedManifest,
  type PodCidrPlanOptions,
  type Problem,
  renderCalicoNetwork,
  resolvePlan,
  toYaml,
} from "@podnet/core";
import { checkComponentArgs, checkComponentChanges } from "@podnet/core/internal";
import { ApiObject, type ApiObjectProps, Chart, Include, JsonPatch } from "cdk8s";
import { Construct } from "constructs";
import { FlannelNetwork } from "./flannel-network.js";
import type { PodCidrPlan } from "./pod-cidr-plan.js";

/** Props of `CalicoNetwork`: Calico's options (as in a spec's `calico:` section), the plan, and the change check. */
export interface CalicoNetworkProps extends Omit<CalicoNetworkOptions, "etcd"> {
  /** The network plan: a PodCidrPlan construct, a plan computed elsewhere, or the plan's options. */
  readonly plan: PodCidrPlan | CidrPlan | PodCidrPlanOptions;
  /**
   * Operator path: local copy of the release's tigera-operator.yaml to include
   * (its sha256 must match the pinned one).
   * @default - not included: apply it first (see `prerequisites`)
   */
  readonly operatorManifest?: string;
  /**
   * Local copy of the release's operator-crds.yaml to include (sha256 checked).
   * Apply the result with `kubectl apply --server-side`: the CRDs are too large for client-side apply.
   * @default - not included: apply it first (see `prerequisites`)
   */
  readonly crdsManifest?: string;
  /** etcd datastore (manifest path): client URLs and the TLS material (PEM), all three or none. */
  readonly etcd?: { readonly endpoints: string[]; readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string } };
  /**
   * What was applied last: its plan (a PodCidrPlan's `plan`, or the `plan` field of an earlier
   * plan.json) and its options. Changes that disrupt running pods (pool CIDR, block size,
   * encapsulation, datastore, node subnet moves) then throw unless `allowDisruptiveChange` names them.
   * When `plan` is given as options, nodes keep their previous subnets.
   * @default - no change check
   */
  readonly previous?: {
    readonly plan: CidrPlan;
    readonly calico?: Omit<CalicoNetworkProps, "plan" | "previous" | "allowDisruptiveChange" | "operatorManifest" | "crdsManifest">;
    readonly flannel?: FlannelNetworkOptions;
  };
  /**
   * Disruptive changes from `previous` to allow, by the path `podnet diff` prints
   * (e.g. "calico.ipPools[default-ipv4-ippool].cidr"), a parent path, or "*".
   * @default - none
   */
  readonly allowDisruptiveChange?: readonly string[];
}

const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding"]);

/** Calico for the plan's cluster (manifest or operator install, pools, BGP), as cdk8s objects in apply order. */
export class CalicoNetwork extends Construct {
  /** Everything the core rendered: objects, resources, prerequisites, summary, host requirements. */
  readonly render: CalicoNetworkRender;
  /** Upstream files to apply before this chart (those not included here). */
  readonly prerequisites: readonly PinnedManifest[];
  /** Warnings from planning (when planned here) and from Calico's checks; also on the construct's metadata. */
  readonly warnings: readonly Problem[];
  /** The objects in apply order (includes first). */
  readonly apiObjects: readonly ApiObject[];
  /** etcd datastore: Calico resources for `calicoctl apply`, not synthesized (no API server serves them). */
  readonly calicoctlResources: readonly K8sObject[];
  /** `calicoctlResources` as YAML, for DATASTORE_TYPE=etcdv3 calicoctl apply -f; empty when there are none. */
  readonly calicoctlYaml: string;

  /** Checks the props (every problem in one NetworkPlanError) and adds the objects to `scope`. */
  constructor(scope: Construct, id: string, props: CalicoNetworkProps) {
    super(scope, id);
    checkComponentArgs("CalicoNetwork", "props", props, { plan: true });
    const { plan, operatorManifest, crdsManifest, previous, allowDisruptiveChange, ...options } = props;
    const planned = resolvePlan(plan, previous ? { previous: allocationOf(previous.plan) } : {});
    const r = renderCalicoNetwork(options, planned.value).value;
    const guard = checkComponentChanges(
      previous && { ...previous, calico: optionsOf(previous.calico) },
      { plan: planned.value, calico: options },
      allowDisruptiveChange,
    );
    if (guard.errors.length > 0) throw new NetworkPlanError(guard.errors, [...planned.warnings, ...r.warnings, ...guard.warnings]);
    this.render = r;
    this.warnings = [...planned.warnings, ...r.warnings, ...guard.warnings];
    this.calicoctlResources = r.calicoctlResources;
    this.calicoctlYaml = toYaml(r.calicoctlResources);
    for (const w of this.warnings) this.node.addMetadata("podnet:warning", formatProblem(w));

    const v = r.resolved.version;
    const included = new Set<string>();
    const objects: ApiObject[] = [];
    const include = (file: string | undefined, m: PinnedManifest, what: string): void => {
      if (file === undefined) return;
      if (!r.prerequisites.includes(m)) throw new Error(`${what}: ${m.name} is not a prerequisite of this install path; remove it`);
      verify(file, m, what);
      objects.push(...new Include(this, m.name.replace(/\.yaml$/, ""), { url: file }).apiObjects);
      included.add(m.name);
    };
    include(crdsManifest, v.crds, "crdsManifest");
    include(operatorManifest, v.operator, "operatorManifest");
    this.prerequisites = r.prerequisites.filter((m) => !included.has(m.name));

    const chartNamespace = Chart.of(this).namespace;
    const tlsData = tlsSecretData(options.etcd?.tls);
    for (const o of [...r.objects, ...r.kubernetesResources]) {
      const body = structuredClone(o) as Record<string, unknown>;
      if (o.kind === "Secret" && tlsData) body.data = tlsData;
      const obj = new ApiObject(this, `${o.kind}-${o.metadata.name}`.toLowerCase(), body as unknown as ApiObjectProps);
      // A chart-wide namespace must not land on cluster-scoped objects (Calico's CRs are cluster-scoped too).
      if (chartNamespace !== undefined && (CLUSTER_SCOPED.has(o.kind) || o.metadata.namespace === undefined))
        obj.addJsonPatch(JsonPatch.remove("/metadata/namespace"));
      objects.push(obj);
    }
    this.apiObjects = objects;

    // One pod network per cluster: Calico's cluster-scoped objects (ClusterRole "calico-node", Installation "default") exist once.
    this.node.addValidation({
      validate: () => {
        const all = this.node.root.node.findAll();
        const calicos = all.filter((c): c is CalicoNetwork => c instanceof CalicoNetwork);
        const flannels = all.filter((c) => c instanceof FlannelNetwork);
        if (calicos[0] !== this) return [];
        const out: string[] = [];
        if (calicos.length > 1)
          out.push(
            `${calicos.length} CalicoNetwork constructs (${calicos.map((c) => c.node.path).join(", ")}) would render the same cluster-scoped objects; keep one`,
          );
        if (flannels.length > 0)
          out.push(
            `CalicoNetwork ${this.node.path} and FlannelNetwork ${flannels[0]?.node.path} are in one app; a cluster runs one pod network, keep one`,
          );
        return out;
      },
    });
  }
}

/** Throws unless the file's sha256 is the pinned one (URLs are refused: the file is read here, then included). */
function verify(file: string, m: PinnedManifest, what: string): void {
  if (/^[a-z]+:\/\//i.test(file))
    throw new Error(
      `${what}: "${file}" is a URL; download ${m.url} and give the local path, so its sha256 is checked before it is included`,
    );
  let sum: string;
  try {
    sum = createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch (e) {
    throw new Error(`${what}: cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (sum !== m.sha256)
    throw new Error(`${what}: "${file}" has sha256 ${sum}, but ${m.name} of this release (${m.url}) has ${m.sha256}; use that file`);
}

/** The core options among props (what the change check compares). */
function optionsOf(props: Partial<CalicoNetworkProps> | undefined): CalicoNetworkOptions | undefined {
  if (props === undefined) return undefined;
  const { plan: _p, operatorManifest: _o, crdsManifest: _c, previous: _v, allowDisruptiveChange: _a, ...options } = props;
  return options;
}

function tlsSecretData(t: NonNullable<CalicoNetworkProps["etcd"]>["tls"]): Record<string, string> | undefined {
  if (!t?.ca || !t.cert || !t.key) return undefined;
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  return { "etcd-ca": b64(t.ca), "etcd-cert": b64(t.cert), "etcd-key": b64(t.key) };
}
