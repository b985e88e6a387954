/**
 * Checks of mode systemd's own settings before planning: paths, the wireguard
 * PSK, the config node, the Docker integration, the release and CNI plugin
 * downloads, and the values that reach a unit line.
 */

import type { CidrPlan } from "../../plan/index.js";
import type { NodeArch } from "../../plan/options.js";
import { type Problems, show } from "../../shared/problems.js";
import { checkShellValue, DOWNLOAD_URL, SAFE_PATH, SHA256 } from "../../shared/shell.js";
import type { FlannelNetworkConfig } from "../options.js";
import type { FlannelSystemdConfig } from "../systemd-options.js";
import { checkUnitValue } from "./unit.js";

const OPTIONS_KEY = /^[A-Z_][A-Z0-9_]{0,63}$/;
/** dockerd command line for the drop-in: an absolute program and plain words (no $, quotes, %). */
const DOCKERD_COMMAND = /^\/[A-Za-z0-9/._-]+( [A-Za-z0-9=/._:,@+-]+)*$/;

/** The wireguard PSK (unsupported here), the section's paths, the config node and the Docker integration. */
export function checkSystemdSettings(c: FlannelNetworkConfig, s: FlannelSystemdConfig, plan: CidrPlan, base: string, p: Problems): void {
  const sbase = `${base}.systemd`;
  if (c.backend.psk !== undefined) {
    p.error(
      `${base}.backend.psk`,
      "flannel.systemd.psk",
      `${base}.backend.psk: a wireguard PSK is not supported in mode "systemd" yet (it would be stored in etcd's config and in the config-writing script); use mode "daemonset" or no PSK`,
    );
  }
  for (const [key, value] of [
    ["binDir", s.binDir],
    ["certDir", s.certDir],
    ["subnetFile", s.subnetFile],
    ["docker.optionsFile", s.docker.optionsFile],
  ] as const) {
    checkShellValue(p, `${sbase}.${key}`, value, SAFE_PATH);
  }
  const configNode = s.etcd?.configNode;
  if (configNode !== undefined && !plan.nodes.some((n) => n.name === configNode)) {
    p.error(
      `${sbase}.etcd.configNode`,
      "flannel.etcd.config-node-unknown",
      `${sbase}.etcd.configNode: ${show(configNode)} is not a node of the spec (${plan.nodes.map((n) => `"${n.name}"`).join(", ")}); name the node that has etcdctl and reaches etcd, or leave it out to use the first etcd member`,
    );
  }
  if (!OPTIONS_KEY.test(s.docker.optionsKey)) {
    p.error(
      `${sbase}.docker.optionsKey`,
      "flannel.systemd.options-key",
      `${sbase}.docker.optionsKey: ${show(s.docker.optionsKey)} is not an environment variable name (A-Z, 0-9, _), e.g. "DOCKER_NETWORK_OPTIONS"`,
    );
  }
  if (!DOCKERD_COMMAND.test(s.docker.dockerd)) {
    p.error(
      `${sbase}.docker.dockerd`,
      "flannel.systemd.dockerd",
      `${sbase}.docker.dockerd: ${show(s.docker.dockerd)} is not an absolute program followed by plain words (no $, quotes or %), e.g. "/usr/bin/dockerd -H fd://"`,
    );
  }
  if (s.containerRuntime === "docker" && !c.ipMasq) {
    p.warn(
      `${base}.ipMasq`,
      "flannel.systemd.docker-ip-masq",
      `${base}.ipMasq: false with Docker leaves Docker's own --ip-masq on: it masquerades everything pods send off docker0, so remote pods see the node's address instead of the pod's (seed 004); set ${base}.ipMasq: true so flanneld does the narrow SNAT and Docker's is turned off`,
    );
  }
}

/** Release download URL per architecture in use; one pinned sha256 per architecture, or nothing is rendered. */
export function flannelReleaseUrls(
  c: FlannelNetworkConfig,
  s: FlannelSystemdConfig,
  plan: CidrPlan,
  sbase: string,
  p: Problems,
): Partial<Record<NodeArch, string>> {
  const arches = [...new Set(plan.nodes.map((n) => n.arch))].sort();
  checkShellValue(p, `${sbase}.release.baseUrl`, s.release.baseUrl.replace(/\/+$/, ""), DOWNLOAD_URL);
  const releaseUrls: Partial<Record<NodeArch, string>> = {};
  for (const arch of arches) {
    const asset = `flannel-${c.version}-linux-${arch}.tar.gz`;
    const url = `${s.release.baseUrl.replace(/\/+$/, "")}/${c.version}/${asset}`;
    releaseUrls[arch] = url;
    const sum = s.release.sha256[arch];
    if (sum === undefined) {
      p.error(
        `${sbase}.release.sha256.${arch}`,
        "flannel.systemd.sha256-missing",
        `${sbase}.release.sha256.${arch}: missing; nodes ${plan.nodes
          .filter((n) => n.arch === arch)
          .map((n) => `"${n.name}"`)
          .join(
            ", ",
          )} are ${arch}, and podnet downloads ${asset} only with a pinned sha256 (copy it from the release page or run sha256sum on a copy you trust)`,
      );
    } else if (checkShellValue(p, `${sbase}.release.sha256.${arch}`, sum, SHA256) && /^0+$/.test(sum)) {
      p.warn(
        `${sbase}.release.sha256.${arch}`,
        "flannel.systemd.sha256-placeholder",
        `${sbase}.release.sha256.${arch}: all zeros is a placeholder; the download of ${asset} will stop with a sha256 mismatch (nothing replaced) until you give the real sha256 from the release page`,
      );
    }
  }
  return releaseUrls;
}

/** CNI plugin download URL per architecture (containerd only), with the same sha256 rule. */
export function flannelCniPluginUrls(
  c: FlannelNetworkConfig,
  s: FlannelSystemdConfig,
  plan: CidrPlan,
  base: string,
  p: Problems,
): Partial<Record<NodeArch, string>> {
  const sbase = `${base}.systemd`;
  const arches = [...new Set(plan.nodes.map((n) => n.arch))].sort();
  const cniPluginUrls: Partial<Record<NodeArch, string>> = {};
  if (s.containerRuntime === "containerd") {
    checkShellValue(p, `${base}.cniBinDir`, c.cniBinDir, SAFE_PATH);
    checkShellValue(p, `${base}.cniConfDir`, c.cniConfDir, SAFE_PATH);
    if (!s.cniPlugin) {
      p.error(
        `${sbase}.cniPlugin`,
        "flannel.systemd.cni-plugin-missing",
        `${sbase}.cniPlugin: containerRuntime "containerd" needs the flannel CNI plugin; give cniPlugin: { sha256: { <arch>: ... } } (version defaults to v1.9.1-flannel3), or use containerRuntime "docker"`,
      );
    } else {
      if (!/^v[0-9]+\.[0-9]+\.[0-9]+(-flannel[0-9]+)?$/.test(s.cniPlugin.version)) {
        p.error(
          `${sbase}.cniPlugin.version`,
          "flannel.systemd.cni-version",
          `${sbase}.cniPlugin.version: ${show(s.cniPlugin.version)} is not a flannel CNI plugin tag such as "v1.9.1-flannel3"`,
        );
      }
      checkShellValue(p, `${sbase}.cniPlugin.baseUrl`, s.cniPlugin.baseUrl.replace(/\/+$/, ""), DOWNLOAD_URL);
      for (const arch of arches) {
        const asset = `cni-plugin-flannel-linux-${arch}-${s.cniPlugin.version}.tgz`;
        cniPluginUrls[arch] = `${s.cniPlugin.baseUrl.replace(/\/+$/, "")}/${s.cniPlugin.version}/${asset}`;
        const sum = s.cniPlugin.sha256[arch];
        if (sum === undefined) {
          p.error(
            `${sbase}.cniPlugin.sha256.${arch}`,
            "flannel.systemd.sha256-missing",
            `${sbase}.cniPlugin.sha256.${arch}: missing; podnet downloads ${asset} only with a pinned sha256`,
          );
        } else checkShellValue(p, `${sbase}.cniPlugin.sha256.${arch}`, sum, SHA256);
      }
    }
  } else if (s.cniPlugin) {
    p.warn(
      `${sbase}.cniPlugin`,
      "flannel.systemd.cni-plugin-unused",
      `${sbase}.cniPlugin: ignored with containerRuntime "docker" (Docker's bridge takes flannel's subnet; no CNI plugin is installed)`,
    );
  }
  return cniPluginUrls;
}

/** The values that reach a unit line without a rule of their own (or that passed it) carry no control characters. */
export function checkSystemdUnitValues(c: FlannelNetworkConfig, s: FlannelSystemdConfig, base: string, p: Problems): void {
  const sbase = `${base}.systemd`;
  // Values with a rule of their own are reported by it; here only what got past one.
  const reported = new Set(p.errors.map((e) => e.path));
  const unitValues: Array<[string, string | undefined]> = [
    ...c.iface.map((v, i): [string, string] => [`${base}.iface[${i}]`, v]),
    [`${base}.ifaceCanReach`, c.ifaceCanReach],
    ...c.extraArgs.map((v, i): [string, string] => [`${base}.extraArgs[${i}]`, v]),
    ...(s.etcd?.endpoints ?? []).map((v, i): [string, string] => [`${sbase}.etcd.endpoints[${i}]`, v]),
    [`${sbase}.etcd.prefix`, s.etcd?.prefix],
    [`${sbase}.binDir`, s.binDir],
    [`${sbase}.certDir`, s.certDir],
    [`${sbase}.subnetFile`, s.subnetFile],
    [`${sbase}.docker.optionsFile`, s.docker.optionsFile],
    [`${sbase}.docker.optionsKey`, s.docker.optionsKey],
    [`${sbase}.docker.dockerd`, s.docker.dockerd],
    [`${sbase}.kubeSubnetMgr.kubeconfigPath`, s.kubeSubnetMgr?.kubeconfigPath],
    [`${sbase}.kubeSubnetMgr.netConfPath`, s.kubeSubnetMgr?.netConfPath],
  ];
  for (const [path, value] of unitValues) {
    if (value !== undefined && !reported.has(path)) checkUnitValue(p, path, value);
  }
}
