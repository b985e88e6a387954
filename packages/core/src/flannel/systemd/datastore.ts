/**
 * The datastore of mode systemd: etcd (the config written by a script, per-node
 * reservations) or the kube subnet manager (net-conf.json on each node).
 */

import type { CidrPlan } from "../../plan/index.js";
import { type Problems, show } from "../../shared/problems.js";
import { checkShellValue, SAFE_PATH } from "../../shared/shell.js";
import { ETCD_PREFIX, type FlannelEtcdPlan, planFlannelEtcd } from "../etcd.js";
import type { FlannelNodeInterface } from "../interfaces.js";
import { type FlannelNetConfInput, flannelNetConf, flannelNetConfJson } from "../net-conf.js";
import type { FlannelNetworkConfig } from "../options.js";
import type { FlannelKubeSubnetMgrConfig, FlannelSystemdConfig } from "../systemd-options.js";
import { checkFlannelKubeSubnetMgr } from "./kube-subnet-mgr.js";
import { LOCAL_PATH } from "./paths.js";

/** What the datastore adds to the systemd plan: the etcd plan, or the kube subnet manager settings and net-conf.json. */
export interface FlannelSystemdDatastore {
  readonly etcd?: FlannelEtcdPlan;
  readonly kube?: FlannelKubeSubnetMgrConfig;
  readonly netConfJson?: string;
}

/** What planning the datastore needs. */
export interface FlannelSystemdDatastoreInput {
  readonly c: FlannelNetworkConfig;
  readonly s: FlannelSystemdConfig;
  readonly plan: CidrPlan;
  /** Problem path of the flannel section. */
  readonly base: string;
  readonly netConfInput: Omit<FlannelNetConfInput, "subnets">;
  readonly selections: readonly FlannelNodeInterface[];
  readonly cleanupOnChange: readonly string[];
}

/** Checks and plans the chosen datastore; the other one's section is ignored with a warning. */
export function planSystemdDatastore(input: FlannelSystemdDatastoreInput, p: Problems): FlannelSystemdDatastore {
  return input.s.datastore === "etcd" ? planEtcdDatastore(input, p) : planKubeDatastore(input, p);
}

/** Datastore etcd: local TLS file paths, then the etcd plan (config JSON, ranges, reservations). */
function planEtcdDatastore(input: FlannelSystemdDatastoreInput, p: Problems): FlannelSystemdDatastore {
  const { c, s, plan, base, netConfInput, selections, cleanupOnChange } = input;
  const sbase = `${base}.systemd`;
  if (s.kubeSubnetMgr) p.warn(`${sbase}.kubeSubnetMgr`, "flannel.systemd.unused", `${sbase}.kubeSubnetMgr: ignored with datastore "etcd"`);
  if (!s.etcd) {
    p.error(
      `${sbase}.etcd`,
      "flannel.systemd.etcd-missing",
      `${sbase}.etcd: datastore "etcd" needs etcd: { endpoints: ["https://<member>:2379", ...], tls: {...} }`,
    );
    return {};
  }
  for (const [key, value] of Object.entries(s.etcd.tls ?? {}) as Array<[string, string]>) {
    if (!LOCAL_PATH.test(value)) {
      p.error(
        `${sbase}.etcd.tls.${key}`,
        "flannel.systemd.local-path",
        `${sbase}.etcd.tls.${key}: ${show(value)} is not a file path podnet accepts (letters, digits and ._+@=/-; no spaces or quotes)`,
      );
    }
  }
  let etcd = planFlannelEtcd(
    {
      plan,
      flannel: c,
      etcd: s.etcd,
      version: c.version,
      netConf: netConfInput,
      publicIps: Object.fromEntries(selections.map((x) => [x.node, x.addresses])),
      cleanupOnChange,
      base,
    },
    p,
  );
  if (etcd && !ETCD_PREFIX.test(etcd.prefix)) etcd = undefined;
  if (etcd?.allowNetworkChange) {
    p.warn(
      `${sbase}.etcd.allowNetworkChange`,
      "flannel.systemd.network-change",
      `${sbase}.etcd.allowNetworkChange: etcd/write-config.sh will replace a config with another Network, SubnetLen, backend or VNI and delete every lease; then, in order: ${cleanupOnChange.map((c, i) => `(${i + 1}) ${c}`).join("; ")} (also in plan.json); turn it off again afterwards`,
    );
  }
  return etcd ? { etcd } : {};
}

/** Datastore kube-subnet-mgr: subnet settings are ignored, the API server settings and paths are checked. */
function planKubeDatastore(input: FlannelSystemdDatastoreInput, p: Problems): FlannelSystemdDatastore {
  const { c, s, base, netConfInput } = input;
  const sbase = `${base}.systemd`;
  if (s.etcd) p.warn(`${sbase}.etcd`, "flannel.systemd.unused", `${sbase}.etcd: ignored with datastore "kube-subnet-mgr"`);
  for (const key of ["subnetLen", "subnetMin", "subnetMax", "ipv6SubnetLen", "ipv6SubnetMin", "ipv6SubnetMax"] as const) {
    if (c[key] !== undefined) {
      p.warn(
        `${base}.${key}`,
        "flannel.subnet-ignored",
        `${base}.${key}: ${show(c[key])} is ignored with datastore "kube-subnet-mgr": each node gets its spec.podCIDR (cluster.nodeMaskSize)`,
      );
    }
  }
  if (!s.kubeSubnetMgr) {
    p.error(
      `${sbase}.kubeSubnetMgr`,
      "flannel.systemd.kube-missing",
      `${sbase}.kubeSubnetMgr: datastore "kube-subnet-mgr" needs kubeSubnetMgr: { apiServer: "https://<api>:6443", caFile: ... }`,
    );
    return {};
  }
  const k = s.kubeSubnetMgr;
  checkFlannelKubeSubnetMgr(k, `${sbase}.kubeSubnetMgr`, p);
  for (const key of ["kubeconfigPath", "tokenPath", "netConfPath"] as const)
    checkShellValue(p, `${sbase}.kubeSubnetMgr.${key}`, k[key], SAFE_PATH);
  for (const key of ["caFile", "tokenFile"] as const) {
    const v = k[key];
    if (v !== undefined && !LOCAL_PATH.test(v)) {
      p.error(
        `${sbase}.kubeSubnetMgr.${key}`,
        "flannel.systemd.local-path",
        `${sbase}.kubeSubnetMgr.${key}: ${show(v)} is not a file path podnet accepts (letters, digits and ._+@=/-; no spaces or quotes)`,
      );
    }
  }
  return { kube: k, netConfJson: flannelNetConfJson(flannelNetConf(netConfInput)) };
}
