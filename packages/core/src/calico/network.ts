/**
 * CalicoNetwork: validates Calico options against the plan and renders
 * either install path. Pure: the front ends (CLI, Pulumi, cdk8s) turn the
 * result into files or resources.
 */

import { firewallNeedText, type HostRequirements } from "../host/requirements.js";
import type { CalicoPlanFacts } from "../plan/document.js";
import type { CidrPlan } from "../plan/index.js";
import type { K8sObject } from "../shared/manifest.js";
import type { Problem, Problems } from "../shared/problems.js";
import { type Checked, checkWith, type Planned, plannedOf } from "../shared/result.js";
import { calicoHostRequirements } from "./host.js";
import { calicoManifestObjects } from "./manifests.js";
import { type CalicoOperatorInstall, calicoOperatorInstall, calicoOperatorObjects } from "./operator.js";
import { type CalicoInstall, type CalicoNetworkConfig, type CalicoNetworkOptions, calicoOptionsSchema } from "./options.js";
import { calicoResourceObjects } from "./resources.js";
import { type ResolvedAutodetection, type ResolvedCalico, resolveCalico } from "./validation.js";
import type { PinnedManifest } from "./versions.js";

export interface CalicoNetworkRender {
  readonly install: CalicoInstall;
  /** Every default resolved; what the objects were rendered from. */
  readonly resolved: ResolvedCalico;
  /** Manifest path: the calico.yaml objects. Operator path: Installation, APIServer (and Goldmane, Whisker). */
  readonly objects: readonly K8sObject[];
  /**
   * Calico resources to apply once Calico runs: extra IPPools, BGPConfiguration, FelixConfiguration, BGPPeers.
   * Exactly one of `kubernetesResources` and `calicoctlResources` holds them, by datastore.
   */
  readonly resources: readonly K8sObject[];
  /** Kubernetes datastore: the resources as crd.projectcalico.org/v1 objects, for kubectl once the CRDs exist. */
  readonly kubernetesResources: readonly K8sObject[];
  /**
   * etcd datastore: the resources as projectcalico.org/v3 objects stored in etcd. No API server serves
   * them, so they are not Kubernetes objects: apply them with `calicoctl apply` (DATASTORE_TYPE=etcdv3).
   */
  readonly calicoctlResources: readonly K8sObject[];
  /** Upstream files to apply first (server-side or `kubectl create`: the CRDs are too large for client-side apply). */
  readonly prerequisites: readonly PinnedManifest[];
  /** Operator path: how to install tigera-operator (Helm chart or the pinned manifests). */
  readonly operator?: CalicoOperatorInstall;
  readonly hostRequirements: HostRequirements;
  /** Non-secret facts for plan.json. */
  readonly summary: CalicoPlanFacts & Readonly<Record<string, unknown>>;
  readonly warnings: readonly Problem[];
}

function summaryOf(c: ResolvedCalico, prerequisites: readonly PinnedManifest[], host: HostRequirements, operator?: CalicoOperatorInstall) {
  const autodetection = Object.fromEntries(
    (Object.entries(c.autodetection) as Array<[string, ResolvedAutodetection]>).map(([family, a]) => [
      family,
      {
        method: a.method.env,
        explicit: a.method.explicit,
        nodes: Object.fromEntries(a.nodes.map((n) => [n.node, { interface: n.interface, address: n.address, mtu: n.mtu }])),
      },
    ]),
  );
  return {
    version: c.version.version,
    install: c.spec.install,
    datastore: c.spec.datastore,
    backend: c.backend,
    ipPools: c.pools.map((p) => ({
      name: p.name,
      family: p.family,
      cidr: p.cidr.text,
      blockSize: p.blockSize,
      ipipMode: p.ipipMode,
      vxlanMode: p.vxlanMode,
      natOutgoing: p.natOutgoing,
      nodeSelector: p.nodeSelector,
    })),
    autodetection,
    mtu: {
      value: c.mtu.value,
      auto: c.mtu.value === 0,
      largestSafe: c.mtu.max ?? null,
      underlay: c.mtu.underlay ?? null,
      overhead: c.mtu.overhead,
    },
    typha: c.typha,
    bgp: {
      asNumber: c.bgp.asNumber,
      nodeToNodeMesh: c.bgp.nodeToNodeMesh,
      listenPort: c.bgp.listenPort,
      peers: c.bgp.peers.map((p) => p.name),
    },
    wireguard: c.wireguard,
    ...(c.etcd ? { etcd: { endpoints: c.etcd.endpoints, tls: c.etcd.tls } } : {}),
    prerequisites: prerequisites.map((m) => ({ name: m.name, url: m.url, sha256: m.sha256 })),
    ...(operator
      ? {
          operatorHelm: {
            repo: operator.helm.repo,
            chart: operator.helm.chart,
            version: operator.helm.version,
            namespace: operator.helm.namespace,
          },
        }
      : {}),
    firewall: host.firewall.map((f) => `${firewallNeedText(f)} (${f.purpose})`),
  };
}

/** Where the section's problems are reported: under the spec's `calico` key. */
const CALICO_PATH = "calico";

/** Checks options against the plan and renders; returns problems (paths under `calico`) instead of throwing. */
export function checkCalicoNetwork(options: unknown, plan: CidrPlan): Checked<CalicoNetworkRender> {
  return checkWith(calicoOptionsSchema, options ?? {}, [CALICO_PATH], (config, p) => buildCalicoNetwork(config, plan, p));
}

/** Resolves the parsed options against the plan and renders; undefined after an error. */
function buildCalicoNetwork(config: CalicoNetworkConfig, plan: CidrPlan, p: Problems): CalicoNetworkRender | undefined {
  const c = resolveCalico(config, plan, `${CALICO_PATH}.`, p);
  if (!p.ok || !c) return undefined;
  const operatorPath = c.spec.install === "operator";
  const operator = operatorPath ? calicoOperatorInstall(c) : undefined;
  // The CRDs in operator-crds.yaml are a superset of calico.yaml's (identical objects); etcd needs none.
  const prerequisites = operatorPath ? [c.version.crds, c.version.operator] : c.spec.datastore === "kubernetes" ? [c.version.crds] : [];
  const hostRequirements = calicoHostRequirements(c);
  const resources = calicoResourceObjects(c);
  const etcd = c.spec.datastore === "etcd";
  if (etcd && resources.length > 0) {
    const named = resources.map((o) => `${o.kind} "${o.metadata.name}"`).join(", ");
    p.warn(
      `${CALICO_PATH}.datastore`,
      "calico.etcd.calicoctl-resources",
      `${CALICO_PATH}.datastore: "etcd" keeps Calico resources in etcd, where no API server serves projectcalico.org/v3, so ${named} are not Kubernetes objects; apply them with calicoctl (DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=... calicoctl apply -f FILE): podnet render writes calico/calicoctl-resources.yaml, the cdk8s and Pulumi CalicoNetwork leave them out and expose them as calicoctlYaml`,
    );
  }
  const render: CalicoNetworkRender = {
    install: c.spec.install,
    resolved: c,
    objects: operatorPath ? calicoOperatorObjects(c) : calicoManifestObjects(c),
    resources,
    kubernetesResources: etcd ? [] : resources,
    calicoctlResources: etcd ? resources : [],
    prerequisites,
    ...(operator ? { operator } : {}),
    hostRequirements,
    summary: summaryOf(c, prerequisites, hostRequirements, operator),
    warnings: p.warnings,
  };
  return render;
}

/** Validates and renders; throws one NetworkPlanError with every problem when the options are wrong. */
export function renderCalicoNetwork(options: CalicoNetworkOptions, plan: CidrPlan): Planned<CalicoNetworkRender> {
  return plannedOf(checkCalicoNetwork(options, plan));
}

/** Stands in for etcd TLS material a front end holds as secrets: only presence matters to validation. */
export const CALICO_TLS_GIVEN = "(pulumi secret)";

/** Which etcd TLS parts a front end holds (the values stay with it, e.g. as Pulumi secrets). */
export interface CalicoEtcdTlsPresence {
  readonly ca: boolean;
  readonly cert: boolean;
  readonly key: boolean;
}

/**
 * The core options of a front end that holds etcd TLS material itself: the options with `etcd`,
 * each given TLS part as `CALICO_TLS_GIVEN` (validation checks all three or none); without `tls`,
 * no TLS (what the change check compares).
 */
export function calicoOptionsWithEtcd(
  options: Omit<CalicoNetworkOptions, "etcd">,
  etcd: { readonly endpoints: string[]; readonly tls?: CalicoEtcdTlsPresence } | undefined,
): CalicoNetworkOptions {
  if (!etcd) return { ...options };
  const given = (v: boolean) => (v ? CALICO_TLS_GIVEN : undefined);
  const tls = etcd.tls ? { tls: { ca: given(etcd.tls.ca), cert: given(etcd.tls.cert), key: given(etcd.tls.key) } } : {};
  return { ...options, etcd: { endpoints: etcd.endpoints, ...tls } };
}
