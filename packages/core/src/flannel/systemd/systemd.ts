/**
 * FlannelNetwork mode `systemd`: flanneld as a host binary, the way seeds 000,
 * 002, 003 and 004 install it by hand, generated from the plan.
 *
 * Per node, in apply order (each a NodeUnit of the node layer):
 *   flannel/secrets   CLI only: the key or token push-secrets.sh staged (0600), checked
 *                     against the certificate before anything is replaced
 *   flannel/certs     etcd client certificate (key 0600) or the kubeconfig (0600)
 *   flannel/binaries  flanneld (+ mk-docker-opts.sh, + the CNI plugin), sha256-pinned
 *   flannel/config    flanneld.service, the Docker drop-in or 10-flannel.conflist, net-conf.json
 *   flannel/service   enable + (re)start; uninstall stops it and removes its links,
 *                     iptables chains, subnet.env and this node's etcd key
 *   flannel/verify    unit active, subnet.env inside the node's subnet, flannel.<VNI> present
 * plus, once per cluster, the etcd config-writing script (`etcd/write-config.sh`)
 * or the kube subnet manager's RBAC objects.
 */

import type { ComponentArtifacts } from "../../component/contract.js";
import type { NodeState } from "../../host/node-state.js";
import type { FlannelPlanFacts } from "../../plan/document.js";
import type { NodeArch } from "../../plan/options.js";
import type { K8sObject } from "../../shared/manifest.js";
import { checkCertificatePem, checkKeyMatchesCertificate, checkPrivateKeyPem } from "../../shared/pem.js";
import type { Problems } from "../../shared/problems.js";
import { checkPem } from "../certs.js";
import { renderFlannelEtcdWriteConfig } from "./etcd-script.js";
import { checkFlannelKubeSubnetMgr, flannelKubeSubnetMgrObjects } from "./kube-subnet-mgr.js";
import { type FlannelSystemdInput, type FlannelSystemdMaterial, type FlannelSystemdPlan, planFlannelSystemd } from "./plan.js";
import { renderFlannelPushSecrets } from "./push.js";
import { flanneldSystemdArgs, flannelSystemdNodeUnits } from "./units.js";

/**
 * The node units, per node. `material` carries the PEM files; the key and the token only
 * when the front end may place them (Pulumi, as secrets); otherwise the units expect
 * them from flannel/push-secrets.sh.
 */
export function flannelSystemdNodeStates(
  sp: FlannelSystemdPlan,
  material: FlannelSystemdMaterial,
  p: Problems,
  base = "flannel",
): NodeState[] {
  const sbase = `${base}.systemd`;
  const before = p.errors.length;
  if (sp.etcd?.tls) {
    if (material.etcdCa === undefined || material.etcdCert === undefined) {
      p.error(
        `${sbase}.etcd.tls`,
        "flannel.systemd.cert-missing",
        `${sbase}.etcd.tls: the CA and client certificate contents were not supplied (the CLI reads caFile and certFile; Pulumi passes them)`,
      );
    } else {
      checkCertificatePem(material.etcdCa, `${sbase}.etcd.tls.caFile`, p, { role: "ca" });
      const cert = checkCertificatePem(material.etcdCert, `${sbase}.etcd.tls.certFile`, p, { role: "client" });
      const key = material.etcdKey !== undefined ? checkPrivateKeyPem(material.etcdKey, `${sbase}.etcd.tls.keyFile`, p) : undefined;
      if (cert?.[0] && key) checkKeyMatchesCertificate(cert[0], key, `${sbase}.etcd.tls.certFile`, `${sbase}.etcd.tls.keyFile`, p);
    }
    if (material.etcdKey !== undefined && (material.etcdCa === undefined || material.etcdCert === undefined)) {
      checkPem("key", material.etcdKey, `${sbase}.etcd.tls.keyFile`, p);
    }
  }
  if (sp.kube) {
    if (material.kubeCa === undefined) {
      p.error(
        `${sbase}.kubeSubnetMgr.caFile`,
        "flannel.systemd.cert-missing",
        `${sbase}.kubeSubnetMgr.caFile: the cluster CA was not supplied (the CLI reads caFile; Pulumi passes it)`,
      );
    } else checkCertificatePem(material.kubeCa, `${sbase}.kubeSubnetMgr.caFile`, p, { role: "ca" });
    if (material.kubeToken !== undefined) checkFlannelKubeSubnetMgr({ ...sp.kube, token: material.kubeToken }, `${sbase}.kubeSubnetMgr`, p);
  }
  if (p.errors.length > before) return [];

  const states = sp.nodes.map((n) => ({ node: n.node, units: flannelSystemdNodeUnits(sp, n, material, sbase, p) }));
  return p.errors.length > before ? [] : states;
}

/**
 * Cluster-level files of a render bundle: `etcd/write-config.sh`, `flannel/push-secrets.sh`, `etcd/config.json`.
 * push-secrets.sh resolves the spec's relative paths at run time, from SPEC_DIR (default: the spec's
 * folder relative to the bundle, `specDirFromBundle`).
 */
export function flannelSystemdClusterFiles(
  sp: FlannelSystemdPlan,
  material: FlannelSystemdMaterial,
  specDirFromBundle?: string,
): Record<string, { content: string; mode: string }> {
  const out: Record<string, { content: string; mode: string }> = {};
  if (sp.etcd) {
    out["etcd/write-config.sh"] = {
      content: renderFlannelEtcdWriteConfig(sp.etcd, { caFile: sp.certPaths.ca, certFile: sp.certPaths.cert, keyFile: sp.certPaths.key }),
      mode: "0755",
    };
    out["etcd/config.json"] = { content: `${sp.etcd.configJson}\n`, mode: "0644" };
  }
  const push = renderFlannelPushSecrets(sp, material, specDirFromBundle);
  if (push !== undefined) out["flannel/push-secrets.sh"] = { content: push, mode: "0755" };
  return out;
}

/** Cluster objects (kube subnet manager: ServiceAccount, ClusterRole, binding, token Secret). */
export function flannelSystemdObjects(sp: FlannelSystemdPlan): K8sObject[] {
  return sp.kube ? flannelKubeSubnetMgrObjects(sp.kube.namespace, sp.flannel.labels) : [];
}

/** Non-secret facts for plan.json. */
export function flannelSystemdSummary(sp: FlannelSystemdPlan): FlannelPlanFacts & Record<string, unknown> {
  const s = sp.systemd;
  return {
    mode: "systemd",
    version: sp.version,
    datastore: s.datastore,
    containerRuntime: s.containerRuntime,
    networks: sp.networks,
    subnetLen: sp.subnetLen,
    backend: { ...sp.flannel.backend, ...(sp.flannel.backend.psk !== undefined ? { psk: "(secret)" } : {}) },
    args: flanneldSystemdArgs(sp),
    release: Object.fromEntries(
      Object.entries(sp.releaseUrls).map(([arch, url]) => [arch, { url, sha256: s.release.sha256[arch as NodeArch] }]),
    ),
    ...(s.cniPlugin && s.containerRuntime === "containerd"
      ? {
          cniPlugin: Object.fromEntries(
            Object.entries(sp.cniPluginUrls).map(([arch, url]) => [arch, { url, sha256: s.cniPlugin?.sha256[arch as NodeArch] }]),
          ),
        }
      : {}),
    ...(sp.etcd
      ? {
          etcd: {
            api: sp.etcd.api,
            endpoints: sp.etcd.endpoints,
            prefix: sp.etcd.prefix,
            config: sp.etcd.configJson,
            reservations: Object.fromEntries(sp.etcd.reservations.map((r) => [r.node, { key: r.key, value: r.value }])),
            allowNetworkChange: sp.etcd.allowNetworkChange,
            ...(sp.etcd.api === "v2"
              ? {
                  note: "flannel < v0.18.0 speaks only the etcd v2 API: etcd must run with --enable-v2=true, and etcd >= 3.6 has no v2 API",
                }
              : {}),
          },
        }
      : {}),
    ...(sp.kube
      ? { kubeSubnetMgr: { apiServer: sp.kube.apiServer, namespace: sp.kube.namespace, kubeconfigPath: sp.kube.kubeconfigPath } }
      : {}),
    ...(sp.etcd?.allowNetworkChange ? { cleanupOnNetworkChange: sp.cleanupOnChange } : {}),
    nodes: Object.fromEntries(
      sp.nodes.map((n) => [
        n.node,
        {
          interface: n.interface,
          addresses: n.addresses,
          podMtu: sp.podMtu[n.node] ?? 0,
          interfaceMtu: sp.interfaceMtu[n.node] ?? 0,
          ...(n.reservationKey ? { reservation: n.reservationKey } : {}),
          ...n.expected,
        },
      ]),
    ),
  };
}

export interface FlannelSystemdComponentInput extends FlannelSystemdInput {
  readonly material: FlannelSystemdMaterial;
  /** CLI render: the spec's folder relative to the bundle, the default SPEC_DIR of push-secrets.sh. */
  readonly specDirFromBundle?: string;
}

/** The bundle part of mode systemd for `podnet render`. */
export function flannelSystemdComponent(input: FlannelSystemdComponentInput, p: Problems): ComponentArtifacts | undefined {
  const sp = planFlannelSystemd(input, p);
  if (!sp) return undefined;
  const states = flannelSystemdNodeStates(sp, input.material, p, input.base);
  const files = flannelSystemdClusterFiles(sp, input.material, input.specDirFromBundle);
  if (!p.ok) return undefined;
  const objects = flannelSystemdObjects(sp);
  return {
    ...(objects.length > 0 ? { manifests: { "flannel.yaml": objects } } : {}),
    nodeUnits: Object.fromEntries(states.map((st) => [st.node, st.units])),
    files,
    hostRequirements: sp.hostRequirements,
    summary: { flannel: flannelSystemdSummary(sp) },
  };
}
