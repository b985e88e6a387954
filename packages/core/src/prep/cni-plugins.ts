/**
 * The CNI reference plugins NodeNetworkPrep installs: the checked release (version,
 * download URL and sha256 per architecture) and the node unit that installs it.
 */
import { ARCHIVE_MEMBER, downloadArchiveCommand } from "../host/downloads.js";
import type { NodeUnit } from "../host/node-state.js";
import type { PlannedNode } from "../plan/index.js";
import { type Problems, show } from "../shared/problems.js";
import { checkShellValue, DOWNLOAD_URL, SAFE_PATH, SHA256 } from "../shared/shell.js";
import type { PrepPath } from "./checks.js";
import { CNI_PLUGINS_SHA256, type NodeNetworkPrepConfig } from "./options.js";

const CNI_VERSION = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;

/** A checked CNI plugins release: what to take, and where and against which sha256 each architecture downloads it. */
export interface CniRelease {
  readonly version: string;
  readonly plugins: readonly string[];
  readonly url: (arch: string) => string;
  readonly sha: (arch: string) => string | undefined;
}

/** Checks `cniBinDir` and `cniPlugins` (every node's architecture needs a sha256); the release, or undefined when off or broken. */
export function cniRelease(o: NodeNetworkPrepConfig, planNodes: readonly PlannedNode[], at: PrepPath, p: Problems): CniRelease | undefined {
  let cni: CniRelease | undefined;
  checkShellValue(p, at("cniBinDir"), o.cniBinDir, SAFE_PATH);
  if (o.cniPlugins !== false) {
    const c = o.cniPlugins;
    const versionOk = CNI_VERSION.test(c.version);
    if (!versionOk)
      p.error(
        at("cniPlugins", "version"),
        "prep.cni-version",
        `${at("cniPlugins", "version")}: ${show(c.version)} is not a release number like "1.7.1" (without the v)`,
      );
    const baseOk = checkShellValue(p, at("cniPlugins", "baseUrl"), c.baseUrl.replace(/\/+$/, ""), DOWNLOAD_URL);
    c.plugins.forEach((m, i) => {
      checkShellValue(p, at("cniPlugins", "plugins", i), m, ARCHIVE_MEMBER);
    });
    for (const [arch, sha] of Object.entries(c.sha256)) checkShellValue(p, at("cniPlugins", "sha256", arch), sha, SHA256);
    if (versionOk && baseOk) {
      const baseUrl = c.baseUrl.replace(/\/+$/, "");
      cni = {
        version: c.version,
        plugins: c.plugins,
        url: (arch) => `${baseUrl}/v${c.version}/cni-plugins-linux-${arch}-v${c.version}.tgz`,
        sha: (arch) => (c.sha256 as Partial<Record<string, string>>)[arch] ?? CNI_PLUGINS_SHA256[c.version]?.[arch],
      };
      const missing = [...new Set(planNodes.map((n) => n.arch))].filter((a) => cni?.sha(a) === undefined);
      for (const arch of missing) {
        const nodes = planNodes.filter((n) => n.arch === arch).map((n) => n.name);
        const known = Object.entries(CNI_PLUGINS_SHA256)
          .map(([v, t]) => `${v} (${Object.keys(t).sort().join(", ")})`)
          .join("; ");
        p.error(
          at("cniPlugins", "sha256", arch),
          "prep.cni-sha256",
          `${at("cniPlugins", "sha256", arch)}: no sha256 for cni-plugins v${c.version} on ${arch} (node${nodes.length === 1 ? "" : "s"} ${nodes.map((n) => show(n)).join(", ")}); podnet downloads nothing unverified. podnet knows ${known}; add the value from ${cni.url(arch)}.sha256 or set ${at("cniPlugins")}: false`,
        );
      }
    }
  }
  return cni;
}

/** The node unit that installs the release's plugins for one architecture into `binDir`. */
export function cniPluginsUnit(cni: CniRelease, arch: string, binDir: string): NodeUnit {
  const sha = cni.sha(arch) as string;
  return {
    id: "prep/cni-plugins",
    description: `CNI reference plugins v${cni.version} (${arch}) in ${binDir}`,
    files: [],
    commands: [
      downloadArchiveCommand({
        name: `install CNI plugins v${cni.version}`,
        url: cni.url(arch),
        sha256: sha,
        destDir: binDir,
        members: cni.plugins,
      }),
    ],
  };
}
