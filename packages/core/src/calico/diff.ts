/**
 * Calico's diff rules: the install path and datastore, and each pool's
 * CIDR, block size and encapsulation cannot change in place; each change
 * with its reason and migration. Facts are compared with every default filled in.
 */

import type { ComponentChangeRules, FieldReason, SpecChange } from "../component/contract.js";
import { type PresenceWording, presenceChange } from "../component/presence.js";
import type { CidrPlan } from "../plan/index.js";
import { Problems } from "../shared/problems.js";
import type { CalicoNetworkConfig } from "./options.js";
import { resolvePools } from "./pools.js";

interface PoolFacts {
  readonly name: string;
  readonly cidr: string;
  readonly blockSize: number;
  readonly encapsulation: string;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
}

/** The Calico facts diff compares, defaults resolved. */
export interface CalicoFacts {
  readonly install: string;
  readonly datastore: string;
  readonly pools: readonly PoolFacts[];
}

function encapsulation(ipipMode: string, vxlanMode: string): string {
  if (ipipMode !== "Never") return `IPIP ${ipipMode}`;
  if (vxlanMode !== "Never") return `VXLAN ${vxlanMode}`;
  return "None";
}

/** The facts of a parsed `calico:` section against its plan; undefined without one. */
export function calicoFacts(section: unknown, plan: CidrPlan): CalicoFacts | undefined {
  const c = section as CalicoNetworkConfig | undefined;
  if (!c) return undefined;
  const pools = resolvePools(c, plan, "calico", new Problems()).map((p) => ({
    name: p.name,
    cidr: p.cidr.text,
    blockSize: p.blockSize,
    encapsulation: encapsulation(p.ipipMode, p.vxlanMode),
    natOutgoing: p.natOutgoing,
    nodeSelector: p.nodeSelector,
  }));
  return { install: c.install ?? "operator", datastore: c.datastore ?? "kubernetes", pools };
}

/** How adding or removing Calico reads. */
const PRESENCE: PresenceWording = {
  added: "the pod network is replaced by Calico: pods on the old CNI lose connectivity",
  removed: "Calico is removed: pods lose connectivity and policy",
  install: "install the new network",
};

/** Another install path or datastore: Calico starts from an empty datastore. */
function installChange(a: CalicoFacts, b: CalicoFacts): SpecChange[] {
  if (a.install === b.install && a.datastore === b.datastore) return [];
  return [
    {
      path: `calico.${a.install !== b.install ? "install" : "datastore"}`,
      from: `${a.install} (${a.datastore})`,
      to: `${b.install} (${b.datastore})`,
      disruptive: true,
      reason:
        "Calico's state (pools, IPAM blocks, policies) lives in the datastore; another install path or datastore starts from an empty one",
      migration: [
        "Export the Calico resources (calicoctl get ippools,bgpconfigurations,felixconfigurations,networkpolicies -o yaml).",
        "Install the new path, import the resources into the new datastore, and migrate IPAM (calicoctl datastore migrate for etcd to Kubernetes).",
        "Restart calico-node on every node, then recreate the workloads.",
      ],
    },
  ];
}

function newPool(name: string, what: string): string[] {
  return [
    `${what} cannot change on an existing IPPool (libcalico-go: cidr and blockSize are immutable).`,
    `Create a new pool with the new settings, mark pool ${name} disabled: true, recreate (rolling restart) the workloads so they get addresses from the new pool.`,
    "Check that no pod still uses the old pool (calicoctl ipam show --show-blocks), then delete it.",
  ];
}

/** The changes of one pool that exists on both sides. */
function poolChanges(pa: PoolFacts, pb: PoolFacts): SpecChange[] {
  const out: SpecChange[] = [];
  const path = `calico.ipPools[${pa.name}]`;
  const change = (key: keyof PoolFacts, disruptive: boolean, reason: string, migration: readonly string[]): SpecChange => ({
    path: `${path}.${key}`,
    from: pa[key],
    to: pb[key],
    disruptive,
    reason,
    migration,
  });
  if (pa.cidr !== pb.cidr)
    out.push(change("cidr", true, "a pool's CIDR is immutable: pods must move to a new pool", newPool(pa.name, "The CIDR")));
  if (pa.blockSize !== pb.blockSize) {
    const reason = "a pool's block size is immutable: the existing blocks are affine to nodes";
    out.push(change("blockSize", true, reason, newPool(pa.name, "The block size")));
  }
  if (pa.encapsulation !== pb.encapsulation) {
    out.push(
      change(
        "encapsulation",
        true,
        "Felix reprograms the routes and tunnel devices of every node: cross-node pod traffic drops while nodes disagree",
        [
          `Open what ${pb.encapsulation} needs on every node first (VXLAN 4789/udp, IPIP IP protocol 4, BGP 179/tcp; podnet render lists them).`,
          `Change pool ${pa.name}'s ipipMode/vxlanMode in one step (apply the rendered pool or Installation).`,
          "Watch calico-node become ready on every node; then remove the old tunnel device if unused (tunl0 or vxlan.calico) and turn BGP off if nothing needs it.",
        ],
      ),
    );
  }
  for (const key of ["natOutgoing", "nodeSelector"] as const) {
    if (pa[key] !== pb[key]) out.push(change(key, false, "applied by Calico in place", []));
  }
  return out;
}

/** Pools removed, changed and added. */
function poolsChanges(a: CalicoFacts, b: CalicoFacts): SpecChange[] {
  const out: SpecChange[] = [];
  for (const pa of a.pools) {
    const pb = b.pools.find((p) => p.name === pa.name);
    if (pb) {
      out.push(...poolChanges(pa, pb));
      continue;
    }
    out.push({
      path: `calico.ipPools[${pa.name}]`,
      from: pa.cidr,
      to: undefined,
      disruptive: true,
      reason: `pods with addresses from pool ${pa.name} keep them, but Calico stops routing and allocating them`,
      migration: [
        `Mark pool ${pa.name} disabled: true first and recreate the workloads that use it.`,
        "Check that no pod still uses it (calicoctl ipam show --show-blocks), then remove it.",
      ],
    });
  }
  for (const pb of b.pools) {
    if (!a.pools.some((p) => p.name === pb.name)) {
      out.push({
        path: `calico.ipPools[${pb.name}]`,
        from: undefined,
        to: pb.cidr,
        disruptive: false,
        reason: "a new pool is created; new pods may get addresses from it",
        migration: [],
      });
    }
  }
  return out;
}

/** The changes of Calico's facts between two valid specs. */
export function calicoChanges(a: CalicoFacts | undefined, b: CalicoFacts | undefined): SpecChange[] {
  if (!a && !b) return [];
  if (!a || !b) return [presenceChange("calico", !!a, !!b, PRESENCE)];
  return [...installChange(a, b), ...poolsChanges(a, b)];
}

/** What a plain field change under `calico.` does. */
function calicoFieldReason(path: string): FieldReason | undefined {
  if (path.startsWith("calico."))
    return { reason: "applied by Calico in place (rolling restart of calico-node where needed)", migration: [] };
  return undefined;
}

/** Calico's steps when the pod network changes. */
function calicoNetworkSteps(): string[] {
  return [
    "Calico: create a pool in the new range, mark the old pool disabled: true, recreate the workloads, check that no pod uses the old range (calicoctl ipam show), then delete the old pool.",
  ];
}

/** Calico's diff rules, for the component registry. */
export const calicoChangeRules: ComponentChangeRules<CalicoFacts> = {
  facts: calicoFacts,
  changes: calicoChanges,
  factPaths: [/^calico\.(install|datastore|ipPools)(\.|\[|$)/, /^calico$/],
  fieldReason: calicoFieldReason,
  networkSteps: calicoNetworkSteps,
};
