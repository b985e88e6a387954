/**
 * The datastore settings of the manifest path: Typha in front of the Kubernetes
 * datastore (on, replicas, node-count guidance) and the etcd datastore's endpoints and TLS.
 */

import type { CidrPlan } from "../plan/index.js";
import { type Problems, show } from "../shared/problems.js";
import type { CalicoNetworkConfig } from "./options.js";

/** Typha as rendered: on or off, and its replicas. */
export interface ResolvedTypha {
  readonly enabled: boolean;
  readonly replicas: number;
}

/** The etcd datastore as rendered: its client URLs and whether TLS material is given. */
export interface ResolvedEtcd {
  readonly endpoints: readonly string[];
  readonly tls: boolean;
}

/** Calico guidance: Typha recommended above 50 and required above 100 nodes (KDD). */
const TYPHA_RECOMMENDED = 50;
const TYPHA_REQUIRED = 100;
/** Typha guidance: at most 20 replicas (calico-typha.yaml comment). */
const TYPHA_MAX = 20;
/** etcd client URL: scheme, host name or address (IPv6 in brackets), port. Strict: it reaches calico/apply.sh. */
export const ETCD_URL = /^https?:\/\/([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/;

/** Checks `typha` against the install path, the datastore and the node count; resolves its replicas. */
export function checkTypha(spec: CalicoNetworkConfig, plan: CidrPlan, base: string, p: Problems): ResolvedTypha {
  const n = plan.nodes.length;
  const at = `${base}typha`;
  if (spec.install !== "manifest" || spec.datastore !== "kubernetes") {
    if (spec.install === "manifest" && spec.typha?.enabled) {
      p.error(at, "calico.typha.etcd", `${at}: Typha serves the Kubernetes datastore only; remove typha with datastore "etcd"`);
    }
    return { enabled: false, replicas: 0 };
  }
  const enabled = spec.typha?.enabled ?? false;
  if (!enabled) {
    if (n > TYPHA_REQUIRED) {
      p.error(
        at,
        "calico.typha.required",
        `${at}: the plan has ${n} nodes; with the Kubernetes datastore Calico needs Typha above ${TYPHA_REQUIRED} nodes (each Felix would watch the API server), add typha: { replicas: 3 }`,
      );
    } else if (n > TYPHA_RECOMMENDED) {
      p.warn(
        at,
        "calico.typha.recommended",
        `${at}: the plan has ${n} nodes; Calico recommends Typha above ${TYPHA_RECOMMENDED} nodes, add typha: { replicas: 3 }`,
      );
    }
    return { enabled: false, replicas: 0 };
  }
  // Default: the operator's autoscaling (pkg/common/autoscale.go): <=2 nodes 1, <=4 nodes 2, else max(3, nodes/200 + 2).
  const auto = n <= 2 ? 1 : n <= 4 ? 2 : Math.max(3, Math.floor(n / 200) + 2);
  const replicas = spec.typha?.replicas ?? auto;
  const rat = `${at}.replicas`;
  if (replicas < 1) {
    p.error(
      rat,
      "calico.typha.replicas",
      `${rat}: ${replicas}; with Typha on, Felix waits for a Typha and never starts at 0 replicas, use 1 or more`,
    );
  } else if (n > 1 && replicas >= n) {
    p.error(
      rat,
      "calico.typha.replicas-nodes",
      `${rat}: ${replicas} is not below the ${n} nodes; Typha uses a host port, so a rollout stalls without a free node, use at most ${n - 1}`,
    );
  } else if (replicas > TYPHA_MAX) {
    p.warn(
      rat,
      "calico.typha.replicas-many",
      `${rat}: ${replicas} is above ${TYPHA_MAX}; Calico suggests about one replica per 200 nodes and no more than ${TYPHA_MAX}`,
    );
  }
  if (n === 1) p.warn(at, "calico.typha.single-node", `${at}: Typha on a single-node cluster gains nothing; remove it`);
  return { enabled: true, replicas };
}

/** Checks `etcd` (endpoint URLs, one scheme, TLS all three or none); undefined unless the datastore is etcd. */
export function checkEtcd(spec: CalicoNetworkConfig, base: string, p: Problems): ResolvedEtcd | undefined {
  if (spec.install !== "manifest" || spec.datastore !== "etcd" || !spec.etcd) return undefined;
  const at = `${base}etcd`;
  const schemes = new Set<string>();
  const seen = new Set<string>();
  spec.etcd.endpoints.forEach((e, i) => {
    const path = `${at}.endpoints[${i}]`;
    let url: URL | undefined;
    try {
      url = new URL(e);
    } catch {
      url = undefined;
    }
    const bad =
      !ETCD_URL.test(e) ||
      !url ||
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      url.username !== "" ||
      url.password !== "" ||
      (url.pathname !== "/" && url.pathname !== "") ||
      url.search !== "" ||
      url.hash !== "" ||
      url.port === "" ||
      /[,\s]/.test(e);
    if (bad) {
      p.error(
        path,
        "calico.etcd.endpoint",
        `${path}: ${show(e)} is not an etcd client URL; write scheme://host:port, e.g. "https://10.0.0.1:2379"`,
      );
      return;
    }
    schemes.add(url?.protocol ?? "");
    if (seen.has(e)) p.error(path, "calico.etcd.endpoint-duplicate", `${path}: "${e}" is listed twice`);
    seen.add(e);
  });
  if (schemes.size > 1)
    p.error(
      `${at}.endpoints`,
      "calico.etcd.mixed-schemes",
      `${at}.endpoints: mixes http:// and https://; use one scheme for every endpoint`,
    );
  const tls = spec.etcd.tls ?? {};
  const parts = (["ca", "cert", "key"] as const).filter((k) => tls[k] !== undefined);
  if (parts.length > 0 && parts.length < 3) {
    const missing = (["ca", "cert", "key"] as const).filter((k) => tls[k] === undefined);
    p.error(
      `${at}.tls`,
      "calico.etcd.tls-partial",
      `${at}.tls: has ${parts.join(" and ")} but not ${missing.join(" and ")}; etcd TLS needs the CA, the client certificate and its key, all three or none`,
    );
  }
  const on = parts.length === 3;
  if (on && schemes.has("http:")) {
    p.error(
      `${at}.tls`,
      "calico.etcd.tls-http",
      `${at}.tls: TLS material is given but the endpoints use http://; use https:// endpoints or drop tls`,
    );
  }
  if (!on && parts.length === 0 && schemes.has("https:")) {
    p.warn(
      `${at}.tls`,
      "calico.etcd.https-no-tls",
      `${at}.tls: https:// endpoints without TLS material: Calico checks etcd against the system CAs and sends no client certificate`,
    );
  }
  return { endpoints: spec.etcd.endpoints, tls: on };
}
