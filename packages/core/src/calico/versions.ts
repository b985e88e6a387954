/**
 * The Calico releases podnet knows how to render: image locations, the names
 * a release gives its init containers, and the pinned upstream files (with
 * their sha256) that install the CRDs and the tigera-operator.
 */

import { sha256Hex } from "../shared/hash.js";

/** A pinned upstream file: download it, check the sha256, then apply it. */
export interface PinnedManifest {
  /** File name as upstream publishes it. */
  readonly name: string;
  /** Release URL (tag-pinned). */
  readonly url: string;
  /** sha256 of the file at that URL, lowercase hex. */
  readonly sha256: string;
}

/** What one Calico release expects. */
export interface CalicoVersion {
  /** Release tag, e.g. `v3.30.7`. */
  readonly version: string;
  /** Registry host of the Calico images (docker.io until v3.30, quay.io from v3.31). */
  readonly registry: string;
  /** Image path below the registry (`calico` -> `docker.io/calico/node`). */
  readonly imagePath: string;
  /** Name of calico-node's bpffs init container (`mount-bpffs`; `ebpf-bootstrap` from v3.31). */
  readonly bpffsInitContainer: string;
  /** Number of CRDs the release's calico.yaml ships (prerequisite check). */
  readonly crdCount: number;
  /** The tigera-operator image the release pins. */
  readonly operatorImage: string;
  /** The Helm chart that installs the operator. */
  readonly helm: { readonly repo: string; readonly chart: string; readonly version: string };
  /** `operator-crds.yaml`: the operator's and Calico's CRDs (a superset of calico.yaml's CRDs). */
  readonly crds: PinnedManifest;
  /** `tigera-operator.yaml`: namespace, RBAC and Deployment of the operator. */
  readonly operator: PinnedManifest;
}

const RAW = "https://raw.githubusercontent.com/projectcalico/calico";

/**
 * Known releases. The sha256 values are those of the unmodified upstream files
 * (computed from the release's manifests/ folder at the tag).
 */
export const CALICO_VERSIONS: Readonly<Record<string, CalicoVersion>> = {
  "v3.30.7": {
    version: "v3.30.7",
    registry: "docker.io",
    imagePath: "calico",
    bpffsInitContainer: "mount-bpffs",
    // calico.yaml v3.30.7: 22 crd.projectcalico.org CRDs + AdminNetworkPolicy + BaselineAdminNetworkPolicy.
    crdCount: 24,
    // tigera-operator.yaml and charts/tigera-operator/values.yaml at v3.30.7.
    operatorImage: "quay.io/tigera/operator:v1.38.13",
    // Calico docs, "Install using Helm": helm repo add projectcalico https://docs.tigera.io/calico/charts
    helm: { repo: "https://docs.tigera.io/calico/charts", chart: "tigera-operator", version: "v3.30.7" },
    crds: {
      name: "operator-crds.yaml",
      url: `${RAW}/v3.30.7/manifests/operator-crds.yaml`,
      sha256: "53b2e2791915809db8016b72d4ceac9d1dd529d053984eb203c06b94c6639ee3",
    },
    operator: {
      name: "tigera-operator.yaml",
      url: `${RAW}/v3.30.7/manifests/tigera-operator.yaml`,
      sha256: "bcc9f89c1847ee5237c29c1b7e4a67c86296cb0139619093df6ca98ec14abf18",
    },
  },
};

/** The release podnet installs when `version` is not given. */
export const DEFAULT_CALICO_VERSION = "v3.30.7";

/** Looks a release up; undefined when podnet does not know it. */
export function calicoVersion(version: string): CalicoVersion | undefined {
  return Object.hasOwn(CALICO_VERSIONS, version) ? CALICO_VERSIONS[version] : undefined;
}

/** Full image reference of a Calico component (`node`, `cni`, `kube-controllers`, `typha`). */
export function calicoImage(v: CalicoVersion, component: string, registry?: string): string {
  return `${registry ?? v.registry}/${v.imagePath}/${component}:${v.version}`;
}

/** Why `text` is not the pinned file `m` (its sha256 differs); `undefined` when it is. */
export function pinnedManifestMismatch(m: PinnedManifest, text: string): string | undefined {
  const sum = sha256Hex(text);
  return sum === m.sha256 ? undefined : `${m.name} from ${m.url} has sha256 ${sum}, expected ${m.sha256}; nothing applied`;
}
