/**
 * flannel's diff rules: the facts of the `flannel:` section that cannot
 * change in place (mode and datastore, the etcd API its release speaks, the
 * etcd prefix, backend type and VNI, SubnetLen with etcd), each change with
 * its reason and migration. Facts are compared with every default filled in.
 */

import type { ComponentChangeRules, FieldReason, SpecChange } from "../component/contract.js";
import { type PresenceWording, presenceChange } from "../component/presence.js";
import { FLANNEL_VXLAN_DEFAULT_VNI } from "./backend.js";
import { FLANNEL_ETCD_V3_SINCE, type FlannelEtcdApi, flannelEtcdApi, parseFlannelTag } from "./etcd.js";
import { DEFAULT_FLANNEL_VERSION } from "./versions.js";

/** The flannel facts diff compares, defaults resolved. */
export interface FlannelFacts {
  readonly mode: string;
  readonly version: string;
  readonly datastore: string;
  /** etcd API flanneld speaks (etcd datastore only): part of the datastore, the v2 and v3 keyspaces are separate. */
  readonly etcdApi?: FlannelEtcdApi;
  readonly backendType: string;
  readonly vni?: number;
  readonly etcdPrefix?: string;
  readonly subnetLen?: number;
  readonly ipv6SubnetLen?: number;
}

interface FlannelSection {
  readonly mode?: string;
  readonly version?: string;
  readonly backend?: { readonly type?: string; readonly vni?: number };
  readonly subnetLen?: number;
  readonly ipv6SubnetLen?: number;
  readonly systemd?: { readonly datastore?: string; readonly etcd?: { readonly prefix?: string } };
}

/** flannel's default `--etcd-prefix` (flannel main.go). */
const FLANNEL_DEFAULT_ETCD_PREFIX = "/coreos.com/network";

/** The facts of a parsed `flannel:` section; undefined without one. */
export function flannelFacts(section: unknown): FlannelFacts | undefined {
  const f = section as FlannelSection | undefined;
  if (!f) return undefined;
  const mode = f.mode ?? "daemonset";
  const systemd = f.systemd;
  // The DaemonSet always uses the kube subnet manager; systemd mode names its datastore.
  const datastore = mode === "daemonset" ? "kube-subnet-mgr" : (systemd?.datastore ?? "etcd");
  const backendType = f.backend?.type ?? "vxlan";
  const etcd = datastore === "etcd";
  const version = f.version ?? DEFAULT_FLANNEL_VERSION;
  return {
    mode,
    version,
    datastore,
    etcdApi: etcd && parseFlannelTag(version) ? flannelEtcdApi(version) : undefined,
    backendType,
    vni: backendType === "vxlan" ? (f.backend?.vni ?? FLANNEL_VXLAN_DEFAULT_VNI) : undefined,
    etcdPrefix: etcd ? (systemd?.etcd?.prefix ?? FLANNEL_DEFAULT_ETCD_PREFIX) : undefined,
    // SubnetLen only matters where flannel allocates (etcd); the kube subnet manager ignores it.
    subnetLen: etcd ? f.subnetLen : undefined,
    ipv6SubnetLen: etcd ? f.ipv6SubnetLen : undefined,
  };
}

const RESTART_ALL =
  "Restart flannel on every node at the same time (kubectl -n kube-flannel rollout restart ds/kube-flannel-ds, or systemctl restart flanneld on each node): nodes on the old and the new setting cannot reach each other's pods.";

/** How adding or removing flannel reads. */
const PRESENCE: PresenceWording = {
  added: "the pod network is replaced by Flannel: pods on other CNIs lose connectivity",
  removed: "Flannel is removed: pods lose cross-node connectivity",
  install: "install the new network (podnet render)",
};

/** Another mode or datastore: the leases move between datastores. */
function datastoreChange(a: FlannelFacts, b: FlannelFacts): SpecChange {
  return {
    path: a.mode !== b.mode ? "flannel.mode" : "flannel.systemd.datastore",
    from: `${a.mode} (${a.datastore} datastore)`,
    to: `${b.mode} (${b.datastore} datastore)`,
    disruptive: true,
    reason:
      "the node subnet leases move between datastores (etcd keys vs the Nodes' spec.podCIDR): flannel may hand nodes other subnets, and running it both ways at once makes nodes disagree",
    migration: [
      "Stop flannel on every node (delete the DaemonSet, or systemctl stop flanneld).",
      b.datastore === "etcd"
        ? `Write the network config to etcd with the rendered etcd/write-config.sh (prefix ${b.etcdPrefix}); keep reserveSubnets on so each node gets its plan subnet back.`
        : "Apply the kube-subnet-mgr RBAC (podnet render) and make sure kube-controller-manager allocates node CIDRs (--allocate-node-cidrs).",
      "On every node: rm -f /run/flannel/subnet.env, then start the new flannel (apply the manifests, or install.sh for systemd mode).",
      "Recreate the pods of every node whose subnet changed (compare /run/flannel/subnet.env with the plan, or run podnet doctor).",
    ],
  };
}

/** Same datastore: the etcd API (through the release) and the etcd prefix. */
function etcdChanges(a: FlannelFacts, b: FlannelFacts): SpecChange[] {
  const out: SpecChange[] = [];
  if (a.etcdApi !== b.etcdApi) out.push(etcdApiChange(a, b));
  if (a.etcdPrefix !== b.etcdPrefix) {
    out.push({
      path: "flannel.systemd.etcd.prefix",
      from: a.etcdPrefix,
      to: b.etcdPrefix,
      disruptive: true,
      reason: "flannel finds no config and no leases under the new prefix: nodes may get other subnets",
      migration: [
        `Write the config under ${b.etcdPrefix} first (etcd/write-config.sh), with the old leases copied or the plan reservations on.`,
        RESTART_ALL,
        `Delete the old keys afterwards: etcdctl del --prefix ${a.etcdPrefix}/`,
      ],
    });
  }
  return out;
}

/** Another backend type, or another VNI of the vxlan backend. */
function backendChanges(a: FlannelFacts, b: FlannelFacts): SpecChange[] {
  if (a.backendType !== b.backendType) {
    return [
      {
        path: "flannel.backend.type",
        from: a.backendType,
        to: b.backendType,
        disruptive: true,
        reason: `a ${a.backendType} node cannot exchange pod traffic with a ${b.backendType} node; cross-node pod traffic stops until every node runs the new backend`,
        migration: [
          `Open what ${b.backendType} needs in every node's firewall first (podnet render: the prep unit lists the ports).`,
          "Apply the new net-conf.json (podnet render; with the etcd datastore etcd/write-config.sh with allowNetworkChange).",
          RESTART_ALL,
          `Remove the old backend's device on each node (e.g. ip link delete flannel.${a.vni ?? FLANNEL_VXLAN_DEFAULT_VNI} for vxlan, flannel-wg for wireguard); pods keep their addresses.`,
        ],
      },
    ];
  }
  if (a.vni === b.vni) return [];
  return [
    {
      path: "flannel.backend.vni",
      from: a.vni,
      to: b.vni,
      disruptive: true,
      reason: `the VXLAN device becomes flannel.${b.vni}: nodes on VNI ${a.vni} and VNI ${b.vni} cannot reach each other's pods`,
      migration: [
        "Apply the new net-conf.json (podnet render; with the etcd datastore etcd/write-config.sh with allowNetworkChange).",
        RESTART_ALL,
        `On each node: ip link delete flannel.${a.vni}.`,
      ],
    },
  ];
}

/** SubnetLen changes with the etcd datastore: every lease has the old size. */
function subnetLenChanges(a: FlannelFacts, b: FlannelFacts): SpecChange[] {
  const out: SpecChange[] = [];
  for (const [key, from, to] of [
    ["subnetLen", a.subnetLen, b.subnetLen],
    ["ipv6SubnetLen", a.ipv6SubnetLen, b.ipv6SubnetLen],
  ] as const) {
    if (a.datastore === "etcd" && b.datastore === "etcd" && from !== to) {
      out.push({
        path: `flannel.${key}`,
        from,
        to,
        disruptive: true,
        reason: "every lease in etcd has the old subnet size: flannel must hand every node a new subnet",
        migration: [
          "Run etcd/write-config.sh with allowNetworkChange, then delete every lease under the prefix's subnets/.",
          "On the node, remove the stale pod network state: ip link delete cni0; ip link delete flannel.1 (or the overlay device in use); rm -f /run/flannel/subnet.env; then restart the container runtime and the kubelet so the node re-registers.",
          RESTART_ALL,
        ],
      });
    }
  }
  return out;
}

/** The changes of flannel's facts between two valid specs. */
export function flannelChanges(a: FlannelFacts | undefined, b: FlannelFacts | undefined): SpecChange[] {
  if (!a && !b) return [];
  if (!a || !b) return [presenceChange("flannel", !!a, !!b, PRESENCE)];
  const out: SpecChange[] = [];
  if (a.mode !== b.mode || a.datastore !== b.datastore) out.push(datastoreChange(a, b));
  else out.push(...etcdChanges(a, b));
  // flannel.version is a fact path (so a release change across the etcd API is not listed
  // twice); any other release change is listed here, as applying in place.
  if (a.version !== b.version && (a.etcdApi === b.etcdApi || a.datastore !== b.datastore)) {
    out.push({
      path: "flannel.version",
      from: a.version,
      to: b.version,
      disruptive: false,
      reason: "flannel restarts with the new release (rolling); pods keep their addresses",
      migration: [],
    });
  }
  out.push(...backendChanges(a, b), ...subnetLenChanges(a, b));
  return out;
}

/** flannel.version crosses v0.18.0 with the etcd datastore: the etcd API, and with it the keyspace, changes. */
function etcdApiChange(a: FlannelFacts, b: FlannelFacts): SpecChange {
  const ctl = (api: FlannelEtcdApi | undefined) => `ETCDCTL_API=${api === "v2" ? 2 : 3} etcdctl`;
  const clearOld =
    a.etcdApi === "v2" ? `${ctl(a.etcdApi)} rm -r ${a.etcdPrefix}/subnets` : `${ctl(a.etcdApi)} del --prefix ${a.etcdPrefix}/subnets/`;
  return {
    path: "flannel.version",
    from: `${a.version} (etcd ${a.etcdApi} API)`,
    to: `${b.version} (etcd ${b.etcdApi} API)`,
    disruptive: true,
    reason: `flannel speaks the etcd v2 API before ${FLANNEL_ETCD_V3_SINCE} and the v3 API from it on; their keyspaces are separate, so the new flanneld sees neither the network config nor the subnet leases the old one wrote under ${b.etcdPrefix}: it does not start until the config is written again, and nodes on the old and the new release do not see each other's leases (no routes between them)`,
    migration: [
      `Write the network config with the ${b.etcdApi} API before the new release starts: run the new bundle's etcd/write-config.sh (it uses ${ctl(b.etcdApi)}); keep reserveSubnets on so each node gets its plan subnet back${b.etcdApi === "v2" ? ", and start every etcd member with --enable-v2=true (etcd 3.4/3.5; etcd 3.6 has no v2 API)" : ""}.`,
      `Stop flanneld on every node, then install the new release on all of them (install.sh) and start it: leases are not visible across the APIs, so nodes on ${a.version} and ${b.version} cannot route to each other's pods.`,
      "On every node compare /run/flannel/subnet.env with the plan (podnet doctor) and recreate the pods of any node whose subnet changed.",
      `Delete the old leases, which nothing reads any more: ${clearOld} (and the old config at ${a.etcdPrefix}/config).`,
    ],
  };
}

/** What a plain field change under `flannel.` does. */
function flannelFieldReason(path: string): FieldReason | undefined {
  if (/^flannel\.(network|ipv6Network)$/.test(path))
    return { reason: "restates the plan's pod CIDR; the Network changes only with cluster.podCidrs", migration: [] };
  if (path.startsWith("flannel."))
    return { reason: "flannel restarts with the new setting (rolling); pods keep their addresses", migration: [] };
  return undefined;
}

/** flannel's steps when the pod network changes. */
function flannelNetworkSteps(f: FlannelFacts, network: string): string[] {
  if (f.datastore === "etcd") {
    return [
      `Flannel (etcd): run the new etcd/write-config.sh with allowNetworkChange so ${f.etcdPrefix}/config holds Network ${network}, and delete the old leases: etcdctl del --prefix ${f.etcdPrefix}/subnets/.`,
    ];
  }
  return [`Flannel: apply the new manifests (net-conf.json Network ${network}) and restart every flannel pod or unit.`];
}

/** With the etcd datastore a moved node leaves its old lease behind. */
function flannelSubnetMoveSteps(f: FlannelFacts, from: string): string[] {
  return f.datastore === "etcd" ? [`Delete the stale flannel lease: etcdctl del ${f.etcdPrefix}/subnets/${from.replace("/", "-")}`] : [];
}

/** flannel's diff rules, for the component registry. */
export const flannelChangeRules: ComponentChangeRules<FlannelFacts> = {
  facts: (section) => flannelFacts(section),
  changes: flannelChanges,
  factPaths: [/^flannel\.(mode|version|backend\.(type|vni)|systemd\.(datastore|etcd\.prefix)|subnetLen|ipv6SubnetLen)$/, /^flannel$/],
  fieldReason: flannelFieldReason,
  networkSteps: flannelNetworkSteps,
  subnetMoveSteps: flannelSubnetMoveSteps,
};
