/**
 * Pulumi component for Calico, either install path, rendered by the core and
 * validated before the first child exists. Operator path: tigera-operator
 * from its pinned Helm chart (values carry the Installation) or from the
 * pinned manifests, then the custom resources. Manifest path: the pinned CRDs,
 * then the calico.yaml objects. Pinned downloads are checked against their
 * sha256 before any resource uses them. etcd TLS material is a Pulumi secret:
 * given, or a client certificate issued here with @pulumi/tls.
 *
 * With the etcd datastore, Calico's own resources (BGPConfiguration,
 * FelixConfiguration, BGPPeers, extra IPPools) live in etcd, where no API
 * server serves them: they are not created as Kubernetes resources but
 * exposed as `calicoctlYaml` for `calicoctl apply`, with a warning.
 * Changes from `previous` that disrupt running pods fail validation unless
 * `allowDisruptiveChange` names them.
 */
import {
  allocationOf,
  type CalicoNetworkOptions,
  type CalicoNetworkRender,
  type CidrPlan,
  type FlannelNetworkOptions,
  type K8sObject,
  NetworkPlanError,
  type PinnedManifest,
  type Planned,
  type Problem,
  renderCalicoNetwork,
  toYaml,
} from "@podnet/core";
import {
  calicoOptionsWithEtcd,
  checkCertificatePem,
  checkClientTlsPem,
  checkComponentArgs,
  checkComponentChanges,
  Problems,
  pinnedManifestMismatch,
} from "@podnet/core/internal";
import type * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type CalicoEtcdTls, calicoEtcdSecret, type IssueWith } from "./calico-etcd-secret.js";
import { createVerify, type PlannedVerify, planVerify, type VerifyHostArgs, verifySkipped } from "./component-verify.js";
import { Checked, checkKnown, checkResolved, splitArgs } from "./late.js";
import { componentPlan, type PlanArg } from "./plan-input.js";
import { logWarnings, validated } from "./problems.js";

export type { CalicoEtcdTls } from "./calico-etcd-secret.js";

/** CalicoNetwork's args: the core options, the plan, and what only Pulumi needs. */
export interface CalicoNetworkArgs extends Omit<CalicoNetworkOptions, "etcd"> {
  /** The network plan: a PodCidrPlan component, a plan computed elsewhere, or the plan's options. */
  readonly plan: PlanArg;
  /** How the operator path installs tigera-operator; `none` when it is already there. @default "helm" */
  readonly operatorInstall?: "helm" | "manifest" | "none";
  /** Manifest path, Kubernetes datastore: install the pinned CRDs first. @default true */
  readonly installCrds?: boolean;
  /** Reads a pinned file (e.g. from a vendored copy); its sha256 is checked either way. @default - HTTPS download */
  readonly manifestLoader?: (url: string) => Promise<string>;
  /** etcd datastore (manifest path): client URLs and TLS material. */
  readonly etcd?: { readonly endpoints: readonly pulumi.Input<string>[]; readonly tls?: CalicoEtcdTls };
  /**
   * What was applied last: its plan (a PodCidrPlan's `plan`, or the `plan` field of an earlier
   * plan.json) and its args. Changes that disrupt running pods (pool CIDR, block size,
   * encapsulation, datastore, node subnet moves) then fail validation unless
   * `allowDisruptiveChange` names them. When `plan` is given as options, nodes keep their previous subnets.
   * @default - no change check
   */
  readonly previous?: {
    readonly plan: CidrPlan;
    readonly calico?: Omit<CalicoNetworkArgs, "plan" | "previous" | "allowDisruptiveChange">;
    readonly flannel?: FlannelNetworkOptions;
  };
  /**
   * Disruptive changes from `previous` to allow, by the path `podnet diff` prints
   * (e.g. "calico.ipPools[default-ipv4-ippool].cidr"), a parent path, or "*".
   * @default - none
   */
  readonly allowDisruptiveChange?: readonly string[];
  /** SSH keys for `verify` (host, port and user come from nodes[].ssh). @default - none */
  readonly hosts?: VerifyHostArgs;
  /**
   * With `hosts`: check every node with doctor's self-checking script (`doctorVerifyCommand`)
   * after the calico-node DaemonSet's resource (the ConfigGroup, or the operator's Installation)
   * and the Calico resources. The Kubernetes provider may not wait for the rollout, so
   * `podnet doctor` after the rollout is the reliable check.
   * @default false
   */
  readonly verify?: boolean;
}

async function download(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** What the check of a CalicoNetwork found. */
interface CalicoCheck {
  readonly render: CalicoNetworkRender;
  readonly warnings: readonly Problem[];
  readonly checks: PlannedVerify | undefined;
}

/** The args CalicoNetwork checks beside the plan and the core options. */
interface CalicoExtras {
  readonly args: CalicoNetworkArgs;
  readonly etcdTls: CalicoEtcdTls | undefined;
  readonly issued: boolean;
  readonly given: { ca?: unknown; cert?: unknown; key?: unknown } | undefined;
}

/** The core check of a CalicoNetwork for one plan; throws NetworkPlanError / InputPropertiesError. */
function checkCalico(
  planned: Planned<CidrPlan>,
  options: Omit<CalicoNetworkOptions, "etcd">,
  endpoints: string[] | undefined,
  x: CalicoExtras,
  late: boolean,
): CalicoCheck {
  const { previous, allowDisruptiveChange, hosts, verify } = x.args;
  const present = (v: unknown) => x.issued || v !== undefined;
  const tls = x.etcdTls && { ca: present(x.given?.ca), cert: present(x.given?.cert), key: present(x.given?.key) };
  const core = calicoOptionsWithEtcd(options, endpoints && { endpoints, ...(tls ? { tls } : {}) });
  const out = renderCalicoNetwork(core, planned.value);
  // PEM material given as plain strings is parsed now, before any resource exists.
  const pem = new Problems();
  if (x.given) checkClientTlsPem(x.given, "calico.etcd.tls", pem);
  const issuer = x.issued ? (x.etcdTls as { issueWith: IssueWith }).issueWith.caCertPem : undefined;
  if (typeof issuer === "string") checkCertificatePem(issuer, "calico.etcd.tls.issueWith.caCertPem", pem, { role: "ca" });
  pem.throwIfErrors();
  const guard = checkComponentChanges(
    previous && { ...previous, calico: optionsOf(previous.calico) },
    { plan: planned.value, calico: optionsOf({ ...x.args, ...options, ...(endpoints ? { etcd: { ...x.args.etcd, endpoints } } : {}) }) },
    allowDisruptiveChange,
  );
  const warnings = [...planned.warnings, ...out.warnings, ...pem.warnings, ...guard.warnings];
  if (guard.errors.length > 0) throw new NetworkPlanError(guard.errors, warnings);
  if (verify && !hosts) warnings.push(verifySkipped("hosts is not set"));
  if (verify && hosts && late) warnings.push(verifySkipped("node values are Outputs (known only at deployment)"));
  const checks = verify && hosts && !late ? planVerify("CalicoNetwork", planned.value, { calico: core }, hosts) : undefined;
  return { render: out.value, warnings, checks };
}

/** Calico for the plan's cluster, by the operator or the manifest path; see the module comment. */
export class CalicoNetwork extends pulumi.ComponentResource {
  /** Everything the core rendered: objects, resources, prerequisites, summary, host requirements. */
  readonly render: CalicoNetworkRender;
  /** The tigera-operator Helm release (operator path with operatorInstall "helm"). */
  readonly operatorRelease?: k8s.helm.v3.Release;
  /** Non-secret facts (pools, autodetection per node, MTU, firewall needs). */
  readonly summary: pulumi.Output<Record<string, unknown>>;
  /** etcd datastore: Calico resources for `calicoctl apply`, not created here (no API server serves them). */
  readonly calicoctlResources: readonly K8sObject[];
  /** `calicoctlResources` as YAML, for DATASTORE_TYPE=etcdv3 calicoctl apply -f; empty when there are none. */
  readonly calicoctlYaml: pulumi.Output<string>;
  /** Node name -> the verify command (with `verify: true` and `hosts`). */
  readonly verify?: Readonly<Record<string, command.remote.Command>>;

  constructor(name: string, args: CalicoNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    validated("CalicoNetwork", () => checkComponentArgs("CalicoNetwork", "args", args, { plan: true }));
    const { plan, operatorInstall = "helm", installCrds = true, manifestLoader = download, etcd, previous, ...rest } = args;
    const { allowDisruptiveChange: _a, hosts: _h, verify: _v, ...options } = rest;
    const etcdTls = etcd?.tls;
    const issued = etcdTls !== undefined && "issueWith" in etcdTls;
    const given = etcdTls !== undefined && !issued ? (etcdTls as { ca?: unknown; cert?: unknown; key?: unknown }) : undefined;
    const x: CalicoExtras = { args, etcdTls, issued, given };
    const split = splitArgs<{ endpoints?: string[] }>(
      "CalicoNetwork",
      { ...(etcd ? { endpoints: [...etcd.endpoints] } : {}) },
      "calico.etcd",
    );
    const context = previous ? { previous: allocationOf(previous.plan) } : {};
    const planned = validated("CalicoNetwork", () => componentPlan("CalicoNetwork", plan, context));
    const latePaths = [...planned.latePaths, ...split.latePaths];
    const shape = validated("CalicoNetwork", () =>
      checkKnown(latePaths, () => checkCalico(planned.shape, options, split.known.endpoints, x, latePaths.length > 0)),
    );
    super("podnet:index:CalicoNetwork", name, {}, opts);
    logWarnings(this, shape.warnings);
    const late =
      latePaths.length > 0
        ? pulumi
            .all([planned.late ? planned.late("CalicoNetwork", this) : planned.shape.value, split.resolved ?? split.known])
            .apply(([p, e]) =>
              checkResolved("CalicoNetwork", this, () =>
                checkCalico({ value: p as CidrPlan, warnings: [] }, options, e.endpoints, x, true),
              ),
            )
        : undefined;
    const checked = new Checked<CalicoCheck>(shape, late as pulumi.Output<CalicoCheck> | undefined);
    this.render = shape.render;
    const { base, resources } = createCalicoChildren(this, name, checked, { operatorInstall, installCrds, manifestLoader, given, etcdTls });
    this.operatorRelease = base.find((b) => b instanceof k8s.helm.v3.Release) as k8s.helm.v3.Release | undefined;
    if (shape.checks) this.verify = createVerify(name, shape.checks, () => [], { parent: this, dependsOn: [...base, ...resources] });
    this.calicoctlResources = shape.render.calicoctlResources;
    this.calicoctlYaml = checked.output((c) => toYaml(c.render.calicoctlResources));
    this.summary = checked.output((c) => c.render.summary) as unknown as pulumi.Output<Record<string, unknown>>;
    this.registerOutputs({ summary: this.summary, calicoctlYaml: this.calicoctlYaml });
  }
}

/** How CalicoNetwork installs, besides the render. */
interface CalicoInstall {
  readonly operatorInstall: "helm" | "manifest" | "none";
  readonly installCrds: boolean;
  readonly manifestLoader: (url: string) => Promise<string>;
  readonly given: { ca?: unknown; cert?: unknown; key?: unknown } | undefined;
  readonly etcdTls: CalicoEtcdTls | undefined;
}

/** The children of either install path; returns what the Calico resources and verify wait for. */
function createCalicoChildren(parent: CalicoNetwork, name: string, checked: Checked<CalicoCheck>, i: CalicoInstall) {
  const render = checked.shape.render;
  const child = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent, dependsOn });
  /** A pinned file's text, only once its sha256 matches. */
  const pinned = (m: PinnedManifest): pulumi.Output<string> =>
    pulumi.output(
      i.manifestLoader(m.url).then((text) => {
        const mismatch = pinnedManifestMismatch(m, text);
        if (mismatch !== undefined) throw new pulumi.ResourceError(`CalicoNetwork: ${mismatch}`, parent);
        return text;
      }),
    );
  const group = (id: string, yaml: pulumi.Output<string>, dependsOn: pulumi.Resource[] = []) =>
    new k8s.yaml.v2.ConfigGroup(`${name}-${id}`, { yaml }, child(dependsOn));
  const custom = (o: K8sObject, pick: (r: CalicoNetworkRender) => K8sObject | undefined, dependsOn: pulumi.Resource[]) =>
    new k8s.apiextensions.CustomResource(
      `${name}-${o.kind.toLowerCase()}-${o.metadata.name}`,
      checked.fields((c) => structuredClone(pick(c.render)) as Record<string, unknown> | undefined) as never,
      child(dependsOn),
    );
  let base: pulumi.Resource[] = [];
  if (render.install === "operator") {
    if (i.operatorInstall === "helm" && render.operator) {
      const h = render.operator.helm;
      const values = checked.value((c) => c.render.operator?.helm.values);
      const release = new k8s.helm.v3.Release(
        `${name}-tigera-operator`,
        { chart: h.chart, version: h.version, repositoryOpts: { repo: h.repo }, namespace: h.namespace, createNamespace: true, values },
        child(),
      );
      // The chart renders Installation, APIServer, Goldmane and Whisker from the values.
      base = [release];
    } else {
      if (i.operatorInstall === "manifest") {
        const [crds, operator] = render.prerequisites as [PinnedManifest, PinnedManifest];
        const crdGroup = group("crds", pinned(crds));
        base = [group("operator", pinned(operator), [crdGroup])];
      }
      const installation = render.objects.map((o, k) => custom(o, (r) => r.objects[k], base));
      base = installation.slice(0, 1);
    }
  } else {
    const crds = render.prerequisites[0];
    if (crds && i.installCrds) base = [group("crds", pinned(crds))];
    const objects = (r: CalicoNetworkRender) => r.objects.filter((o) => o.kind !== "Secret");
    const secret = (r: CalicoNetworkRender) => r.objects.find((o) => o.kind === "Secret");
    const issue = i.etcdTls !== undefined && "issueWith" in i.etcdTls ? i.etcdTls.issueWith : undefined;
    if (secret(render))
      base = [
        ...base,
        calicoEtcdSecret(
          parent,
          name,
          checked.fields((c) => structuredClone(secret(c.render))),
          i.given,
          issue,
        ),
      ];
    const objs = checked.value((c) => objects(c.render).map((o) => structuredClone(o)));
    base = [new k8s.yaml.v2.ConfigGroup(`${name}-calico`, { objs }, child(base))];
  }
  const resources = render.kubernetesResources.map((o, k) => custom(o, (r) => r.kubernetesResources[k], base));
  return { base, resources };
}

/** The core options among args, as the change check compares them (etcd TLS material left out). */
function optionsOf(args: Partial<CalicoNetworkArgs> | undefined): CalicoNetworkOptions | undefined {
  if (args === undefined) return undefined;
  const {
    plan: _p,
    operatorInstall: _o,
    installCrds: _i,
    manifestLoader: _m,
    etcd,
    previous: _v,
    allowDisruptiveChange: _a,
    hosts: _h,
    verify: _r,
    ...options
  } = args;
  return calicoOptionsWithEtcd(options, etcd && { endpoints: etcd.endpoints as string[] });
}
