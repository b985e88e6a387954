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
  type PodCidrPlanOptions,
  renderCalicoNetwork,
  resolvePlan,
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
import { createVerify, planVerify, type VerifyHostArgs, verifySkipped } from "./component-verify.js";
import type { PodCidrPlan } from "./pod-cidr-plan.js";
import { logWarnings, validated } from "./problems.js";

export type { CalicoEtcdTls } from "./calico-etcd-secret.js";

export interface CalicoNetworkArgs extends Omit<CalicoNetworkOptions, "etcd"> {
  /** The network plan: a PodCidrPlan component, a plan computed elsewhere, or the plan's options. */
  readonly plan: PodCidrPlan | CidrPlan | PodCidrPlanOptions;
  /** How the operator path installs tigera-operator; `none` when it is already there. @default "helm" */
  readonly operatorInstall?: "helm" | "manifest" | "none";
  /** Manifest path, Kubernetes datastore: install the pinned CRDs first. @default true */
  readonly installCrds?: boolean;
  /** Reads a pinned file (e.g. from a vendored copy); its sha256 is checked either way. @default - HTTPS download */
  readonly manifestLoader?: (url: string) => Promise<string>;
  /** etcd datastore (manifest path): client URLs and TLS material. */
  readonly etcd?: { readonly endpoints: string[]; readonly tls?: CalicoEtcdTls };
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
    const {
      plan,
      operatorInstall = "helm",
      installCrds = true,
      manifestLoader = download,
      etcd,
      previous,
      allowDisruptiveChange,
      hosts,
      verify,
      ...options
    } = args;
    const etcdTls = etcd?.tls;
    const issued = etcdTls !== undefined && "issueWith" in etcdTls;
    const given = etcdTls !== undefined && !issued ? (etcdTls as { ca?: unknown; cert?: unknown; key?: unknown }) : undefined;
    const r = validated("CalicoNetwork", () => {
      const planned = resolvePlan(plan, previous ? { previous: allocationOf(previous.plan) } : {});
      const present = (v: unknown) => issued || v !== undefined;
      const tls = etcdTls && { ca: present(given?.ca), cert: present(given?.cert), key: present(given?.key) };
      const core = calicoOptionsWithEtcd(options, etcd && { endpoints: etcd.endpoints, ...(tls ? { tls } : {}) });
      const out = renderCalicoNetwork(core, planned.plan);
      // PEM material given as plain strings is parsed now, before any resource exists.
      const pem = new Problems();
      if (given) checkClientTlsPem(given, "etcd.tls", pem);
      const issuer = issued ? (etcdTls as { issueWith: IssueWith }).issueWith.caCertPem : undefined;
      if (typeof issuer === "string") checkCertificatePem(issuer, "etcd.tls.issueWith.caCertPem", pem, { role: "ca" });
      pem.throwIfErrors();
      const guard = checkComponentChanges(
        previous && { ...previous, calico: optionsOf(previous.calico) },
        { plan: planned.plan, calico: optionsOf(args) },
        allowDisruptiveChange,
      );
      const warnings = [...planned.warnings, ...out.warnings, ...pem.warnings, ...guard.warnings];
      if (guard.errors.length > 0) throw new NetworkPlanError(guard.errors, warnings);
      if (verify && !hosts) warnings.push(verifySkipped("hosts is not set"));
      const checks = verify && hosts ? planVerify("CalicoNetwork", planned.plan, { calico: core }, hosts) : undefined;
      return { render: out, warnings, checks };
    });
    super("podnet:index:CalicoNetwork", name, {}, opts);
    logWarnings(this, r.warnings);
    this.render = r.render;
    const render = r.render;
    const child = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent: this, dependsOn });
    /** A pinned file's text, only once its sha256 matches. */
    const pinned = (m: PinnedManifest): pulumi.Output<string> =>
      pulumi.output(
        manifestLoader(m.url).then((text) => {
          const mismatch = pinnedManifestMismatch(m, text);
          if (mismatch !== undefined) throw new pulumi.ResourceError(`CalicoNetwork: ${mismatch}`, this);
          return text;
        }),
      );
    const group = (id: string, yaml: pulumi.Output<string>, dependsOn: pulumi.Resource[] = []) =>
      new k8s.yaml.v2.ConfigGroup(`${name}-${id}`, { yaml }, child(dependsOn));
    const custom = (o: K8sObject, dependsOn: pulumi.Resource[]) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${o.kind.toLowerCase()}-${o.metadata.name}`,
        structuredClone(o) as never,
        child(dependsOn),
      );

    let base: pulumi.Resource[] = [];
    if (render.install === "operator") {
      if (operatorInstall === "helm" && render.operator) {
        const h = render.operator.helm;
        this.operatorRelease = new k8s.helm.v3.Release(
          `${name}-tigera-operator`,
          {
            chart: h.chart,
            version: h.version,
            repositoryOpts: { repo: h.repo },
            namespace: h.namespace,
            createNamespace: true,
            values: h.values,
          },
          child(),
        );
        // The chart renders Installation, APIServer, Goldmane and Whisker from the values.
        base = [this.operatorRelease];
      } else {
        if (operatorInstall === "manifest") {
          const [crds, operator] = render.prerequisites as [PinnedManifest, PinnedManifest];
          const crdGroup = group("crds", pinned(crds));
          base = [group("operator", pinned(operator), [crdGroup])];
        }
        const installation = render.objects.map((o) => custom(o, base));
        base = installation.slice(0, 1);
      }
    } else {
      const crds = render.prerequisites[0];
      if (crds && installCrds) base = [group("crds", pinned(crds))];
      const objects = render.objects.filter((o) => o.kind !== "Secret");
      const secret = render.objects.find((o) => o.kind === "Secret");
      if (secret)
        base = [...base, calicoEtcdSecret(this, name, secret, given, issued ? (etcdTls as { issueWith: IssueWith }).issueWith : undefined)];
      base = [new k8s.yaml.v2.ConfigGroup(`${name}-calico`, { objs: objects.map((o) => structuredClone(o)) }, child(base))];
    }
    const resources = render.kubernetesResources.map((o) => custom(o, base));
    if (r.checks) this.verify = createVerify(name, r.checks, () => [], { parent: this, dependsOn: [...base, ...resources] });
    this.calicoctlResources = render.calicoctlResources;
    this.calicoctlYaml = pulumi.output(toYaml(render.calicoctlResources));
    this.summary = pulumi.output(render.summary) as unknown as pulumi.Output<Record<string, unknown>>;
    this.registerOutputs({ summary: this.summary, calicoctlYaml: this.calicoctlYaml });
  }
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
  return calicoOptionsWithEtcd(options, etcd && { endpoints: etcd.endpoints });
}
