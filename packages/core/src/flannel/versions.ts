/**
 * What each pinned flannel release ships in its `kube-flannel.yml`: images,
 * namespace, how the CNI conflist is installed, which health endpoints exist.
 * One table, so supporting another release is one entry (plus its upstream
 * manifest in the comparison test).
 */
import { show } from "../shared/problems.js";

/** The releases podnet renders; the newest is the default. */
export const FlannelVersion = { V0_26_7: "v0.26.7", V0_28_9: "v0.28.9" } as const;
export type FlannelVersion = (typeof FlannelVersion)[keyof typeof FlannelVersion];

/** @see https://github.com/flannel-io/flannel/releases/tag/v0.28.9 */
export const DEFAULT_FLANNEL_VERSION: FlannelVersion = FlannelVersion.V0_28_9;

/** How the `install-cni` init container copies the conflist onto the host. */
export const FlannelInstallConf = {
  /** `cp -f SRC DST` (flannel up to v0.28.5). */
  COPY: "cp",
  /** `/opt/bin/install-conf SRC DST`: temp file, then rename (v0.28.6+). */
  INSTALL_CONF: "install-conf",
} as const;
export type FlannelInstallConf = (typeof FlannelInstallConf)[keyof typeof FlannelInstallConf];

/** Facts about one flannel release, read from its upstream manifest and code. */
export interface FlannelVersionInfo {
  readonly version: FlannelVersion;
  /** Image registry and organisation both images live under. */
  readonly registry: string;
  /** flanneld image tag (`<registry>/flannel:<tag>`). */
  readonly flannelTag: string;
  /** CNI plugin image tag (`<registry>/flannel-cni-plugin:<tag>`). */
  readonly cniPluginTag: string;
  /** Namespace the upstream manifest installs into. */
  readonly namespace: string;
  readonly installConf: FlannelInstallConf;
  /** `--healthz-port` in the upstream manifest; undefined when it has none (no probes). */
  readonly healthzPort?: number;
  /** `/readyz` exists (readiness after iptables rules and subnet.env are in place). */
  readonly readyz: boolean;
  /** The manifest sets `CONT_WHEN_CACHE_NOT_READY=false`. */
  readonly contWhenCacheNotReadyEnv: boolean;
  /** `EnableNFTables` is understood (v0.25.0+). */
  readonly nftables: boolean;
  /** vxlan and wireguard `MTU` is understood (v0.21.3+). */
  readonly backendMtu: boolean;
  /** wireguard `Mode` is understood (v0.21.0+). */
  readonly wireguardMode: boolean;
  /** etcd API flanneld speaks (v3 since v0.18.0). */
  readonly etcdApi: "v2" | "v3";
}

/**
 * The table. Images moved to ghcr.io in v0.26.4; probes and `/readyz` arrived
 * in v0.28.9 (flannel #2523); `install-conf` replaced `cp -f` after v0.28.5.
 * @see https://github.com/flannel-io/flannel/blob/v0.28.9/Documentation/kube-flannel.yml
 * @see https://github.com/flannel-io/flannel/blob/v0.26.7/Documentation/kube-flannel.yml
 */
export const FLANNEL_VERSIONS: Readonly<Record<FlannelVersion, FlannelVersionInfo>> = {
  "v0.26.7": {
    version: "v0.26.7",
    registry: "ghcr.io/flannel-io",
    flannelTag: "v0.26.7",
    cniPluginTag: "v1.6.2-flannel1",
    namespace: "kube-flannel",
    installConf: "cp",
    readyz: false,
    contWhenCacheNotReadyEnv: false,
    nftables: true,
    backendMtu: true,
    wireguardMode: true,
    etcdApi: "v3",
  },
  "v0.28.9": {
    version: "v0.28.9",
    registry: "ghcr.io/flannel-io",
    flannelTag: "v0.28.9",
    cniPluginTag: "v1.9.1-flannel3",
    namespace: "kube-flannel",
    installConf: "install-conf",
    // upstream kube-flannel.yml v0.28.9: --healthz-port=8081
    healthzPort: 8081,
    readyz: true,
    contWhenCacheNotReadyEnv: true,
    nftables: true,
    backendMtu: true,
    wireguardMode: true,
    etcdApi: "v3",
  },
};

/** Known versions, oldest first. */
export function knownFlannelVersions(): FlannelVersion[] {
  return (Object.keys(FLANNEL_VERSIONS) as FlannelVersion[]).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** The table entry, or a message listing the known versions (with a guess for near misses). */
export function lookupFlannelVersion(version: string, path: string): { info: FlannelVersionInfo } | { message: string } {
  const info = (FLANNEL_VERSIONS as Record<string, FlannelVersionInfo | undefined>)[version];
  if (info) return { info };
  const known = knownFlannelVersions();
  const trimmed = version.trim().replace(/^(?!v)/, "v");
  const guess = known.includes(trimmed as FlannelVersion) ? trimmed : undefined;
  return {
    message: `${path}: ${show(version)} is not a flannel version podnet knows; known versions: ${known.map((v) => `"${v}"`).join(", ")}${
      guess ? `; did you mean "${guess}"?` : ""
    }`,
  };
}

/** Image references for a release, honouring a registry mirror and per-image overrides. */
export function flannelImages(
  info: FlannelVersionInfo,
  overrides: { readonly imageRegistry?: string; readonly images?: { readonly flannel?: string; readonly cniPlugin?: string } } = {},
): { readonly flannel: string; readonly cniPlugin: string } {
  const registry = (overrides.imageRegistry ?? info.registry).replace(/\/+$/, "");
  return {
    flannel: overrides.images?.flannel ?? `${registry}/flannel:${info.flannelTag}`,
    cniPlugin: overrides.images?.cniPlugin ?? `${registry}/flannel-cni-plugin:${info.cniPluginTag}`,
  };
}
