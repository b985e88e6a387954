/**
 * The manifest path: the calico.yaml family generated from resolved options.
 * Kubernetes API datastore with or without Typha, or the etcd datastore.
 * The CRDs are not here: they are a prerequisite (see calico/network.ts).
 *
 * Numbers without their own comment (probe periods and thresholds, the 250m
 * CPU request, grace periods, maxUnavailable 1) are those of the release's
 * calico.yaml / calico-typha.yaml (v3.30.7); test/calico-reference.test.ts
 * compares every field with those files.
 */

import type { K8sObject } from "../shared/manifest.js";
import { calicoNode } from "./calico-node.js";
import { CALICO_SECRETS_DIR, CONFIG, NS } from "./manifest-parts.js";
import { kubeControllers, typha } from "./manifests-workloads.js";
import { calicoRbac, calicoServiceAccounts } from "./rbac.js";
import type { ResolvedCalico } from "./validation.js";

/** The CNI conflist calico-config carries; `__X__` placeholders are filled in by install-cni on each node. */
function cniConfig(c: ResolvedCalico): string {
  const v4 = c.pools.some((p) => p.family === "ipv4");
  const v6 = c.pools.some((p) => p.family === "ipv6");
  const datastore =
    c.spec.datastore === "etcd"
      ? {
          etcd_endpoints: "__ETCD_ENDPOINTS__",
          etcd_key_file: "__ETCD_KEY_FILE__",
          etcd_cert_file: "__ETCD_CERT_FILE__",
          etcd_ca_cert_file: "__ETCD_CA_CERT_FILE__",
        }
      : { datastore_type: "kubernetes", nodename: "__KUBERNETES_NODE_NAME__" };
  const ipam: Record<string, string> = { type: "calico-ipam" };
  if (v6) {
    // calico-ipam assigns IPv4 only unless told otherwise (Calico "Configure dual stack or IPv6 only").
    ipam.assign_ipv4 = v4 ? "true" : "false";
    ipam.assign_ipv6 = "true";
  }
  const conf = {
    name: "k8s-pod-network",
    cniVersion: "0.3.1",
    plugins: [
      {
        type: "calico",
        log_level: "info",
        log_file_path: "/var/log/calico/cni/cni.log",
        ...datastore,
        mtu: "__CNI_MTU__",
        ipam,
        policy: { type: "k8s" },
        kubernetes: { kubeconfig: "__KUBECONFIG_FILEPATH__" },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
    ],
  };
  // install-cni substitutes __CNI_MTU__ as a bare number, so it is written without quotes.
  return JSON.stringify(conf, null, 2).replace('"__CNI_MTU__"', "__CNI_MTU__");
}

function configMap(c: ResolvedCalico): K8sObject {
  const etcd = c.etcd
    ? {
        etcd_endpoints: c.etcd.endpoints.join(","),
        etcd_ca: c.etcd.tls ? `${CALICO_SECRETS_DIR}/etcd-ca` : "",
        etcd_cert: c.etcd.tls ? `${CALICO_SECRETS_DIR}/etcd-cert` : "",
        etcd_key: c.etcd.tls ? `${CALICO_SECRETS_DIR}/etcd-key` : "",
      }
    : {};
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: CONFIG, namespace: NS },
    data: {
      ...etcd,
      typha_service_name: c.typha.enabled ? "calico-typha" : "none",
      calico_backend: c.backend,
      veth_mtu: String(c.mtu.value),
      cni_network_config: cniConfig(c),
    },
  };
}

/** The etcd Secret without data; the front ends (or calico/etcd-secret.sh) supply the TLS files. */
export function calicoEtcdSecret(): K8sObject {
  return { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: "calico-etcd-secrets", namespace: NS } };
}

/** Every object of the manifest path, in apply order (CRDs excluded: they are a prerequisite). */
export function calicoManifestObjects(c: ResolvedCalico): K8sObject[] {
  const [kcPdb, kcDeployment] = kubeControllers(c) as [K8sObject, K8sObject];
  const t = c.typha.enabled ? typha(c) : undefined;
  return [
    kcPdb,
    ...(t ? [t.pdb] : []),
    ...calicoServiceAccounts(),
    ...(c.etcd ? [calicoEtcdSecret()] : []),
    configMap(c),
    ...calicoRbac(c.spec.datastore),
    ...(t ? [t.service] : []),
    calicoNode(c),
    kcDeployment,
    ...(t ? [t.deployment] : []),
  ];
}
