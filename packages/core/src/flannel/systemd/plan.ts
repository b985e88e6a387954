/**
 * FlannelNetwork mode `systemd`, validation: the shared flannel checks plus the
 * systemd-only ones (release pins, paths, runtime integration, datastore), and
 * the resulting plan every unit, script and front end is built from. No key
 * material ever enters the plan.
 */

import type { HostRequirements } from "../../host/requirements.js";
import type { NodeArch } from "../../plan/options.js";
import type { CidrPlan, PerFamily } from "../../plan/pod-cidr-plan.js";
import { nthAddress, parseCidr } from "../../shared/cidr.js";
import { type Problems, show } from "../../shared/problems.js";
import { checkShellValue, DOWNLOAD_URL, SAFE_PATH, SHA256 } from "../../shared/shell.js";
import { backendDevices } from "../backend.js";
import { ETCD_PREFIX, FLANNEL_RELEASE_TAG, type FlannelEtcdPlan, planFlannelEtcd } from "../etcd.js";
import { flannelHostRequirements } from "../host-requirements.js";
import { checkFlannelSelectors, type FlannelNodeInterface, selectFlannelInterfaces } from "../interfaces.js";
import { flannelNetConf, flannelNetConfJson } from "../net-conf.js";
import type { FlannelNetworkConfig } from "../options.js";
import type { FlannelKubeSubnetMgrConfig, FlannelSystemdConfig } from "../systemd-options.js";
import { checkFlannelConfig, checkFlannelNodes } from "../validation.js";
import { checkFlannelKubeSubnetMgr } from "./kube-subnet-mgr.js";
import { LOCAL_PATH } from "./push.js";
import { checkUnitValue } from "./unit.js";

/** What podnet knows about one node in systemd mode. */
export interface FlannelSystemdNode {
  readonly node: string;
  readonly index: number;
  readonly arch: NodeArch;
  readonly etcdLocal: boolean;
  readonly interface: string;
  readonly addresses: PerFamily<string>;
  /** The reserved etcd key, when reservations are on. */
  readonly reservationKey?: string;
  /** FLANNEL_SUBNET / FLANNEL_IPV6_SUBNET the node must get (with a reservation). */
  readonly expected: { readonly subnet?: string; readonly ipv6Subnet?: string };
  readonly ssh?: CidrPlan["nodes"][number]["ssh"];
}

/** Validated systemd-mode plan: everything the units, scripts and front ends need, no key material. */
export interface FlannelSystemdPlan {
  readonly version: string;
  readonly flannel: FlannelNetworkConfig;
  readonly systemd: FlannelSystemdConfig;
  readonly etcd?: FlannelEtcdPlan;
  readonly kube?: FlannelKubeSubnetMgrConfig;
  /** net-conf.json text on each node (kube subnet manager only). */
  readonly netConfJson?: string;
  readonly certPaths: { readonly ca: string; readonly cert: string; readonly key: string };
  readonly devices: readonly string[];
  readonly nodes: readonly FlannelSystemdNode[];
  readonly families: CidrPlan["families"];
  readonly networks: PerFamily<string>;
  readonly subnetLen: PerFamily<number>;
  /** Download URL of the flannel release per architecture. */
  readonly releaseUrls: Readonly<Partial<Record<NodeArch, string>>>;
  readonly cniPluginUrls: Readonly<Partial<Record<NodeArch, string>>>;
  /** Node steps after an allowed network change. */
  readonly cleanupOnChange: readonly string[];
  /** Node name -> pod MTU (FLANNEL_MTU). */
  readonly podMtu: Readonly<Record<string, number>>;
  /** Node name -> MTU of the interface flanneld uses (1500 when the spec gives none). */
  readonly interfaceMtu: Readonly<Record<string, number>>;
  /** Firewall openings, devices and modules for NodeNetworkPrep. */
  readonly hostRequirements: HostRequirements;
}

export interface FlannelSystemdInput {
  readonly config: FlannelNetworkConfig;
  readonly plan: CidrPlan;
  /** Problem path of the flannel section. */
  readonly base: string;
}

const OPTIONS_KEY = /^[A-Z_][A-Z0-9_]{0,63}$/;
/** dockerd command line for the drop-in: an absolute program and plain words (no $, quotes, %). */
const DOCKERD_COMMAND = /^\/[A-Za-z0-9/._-]+( [A-Za-z0-9=/._:,@+-]+)*$/;

/** Validates mode systemd (on top of the shared flannel checks) and builds its plan. */
export function planFlannelSystemd(input: FlannelSystemdInput, p: Problems): FlannelSystemdPlan | undefined {
  const { config: c, plan, base } = input;
  const sbase = `${base}.systemd`;
  const before = p.errors.length;
  const s = c.systemd;
  if (!s) {
    p.error(
      sbase,
      "flannel.systemd.missing",
      `${sbase}: mode "systemd" needs a systemd section with at least the release sha256 per architecture and the datastore, e.g. systemd: { datastore: etcd, etcd: { endpoints: [...] }, release: { sha256: { amd64: ... } } }`,
    );
    return undefined;
  }
  if (!FLANNEL_RELEASE_TAG.test(c.version)) {
    p.error(
      `${base}.version`,
      "flannel.systemd.version",
      `${base}.version: ${show(c.version)} is not a flannel release tag such as "v0.28.9"`,
    );
    return undefined;
  }
  checkFlannelConfig(c, plan, undefined, base, p);
  // The regexps are free text and reach flanneld.service: no control characters (a newline would
  // start a new unit line). Every other value that reaches the unit is checked after its own rule.
  const printable = c.ifaceRegex.map((v, i) => checkUnitValue(p, `${base}.ifaceRegex[${i}]`, v)).every(Boolean);
  // Selection runs only on valid selectors: a bad regexp is one problem, not one per node.
  const selections = checkFlannelSelectors(c, base, p) && printable ? selectFlannelInterfaces(plan, c, base, p) : [];
  const mtus = checkFlannelNodes(selections, c, plan, base, p);
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

  // Release downloads: one sha256 per architecture in use, or nothing is rendered.
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

  const certPaths = { ca: `${s.certDir}/ca.pem`, cert: `${s.certDir}/flanneld.pem`, key: `${s.certDir}/flanneld-key.pem` };
  const networks: PerFamily<string> = {
    ...(plan.podCidr.ipv4 ? { ipv4: plan.podCidr.ipv4 } : {}),
    ...(plan.podCidr.ipv6 ? { ipv6: plan.podCidr.ipv6 } : {}),
  };
  const devices = [...backendDevices(c.backend, { ipv4: networks.ipv4 !== undefined, ipv6: networks.ipv6 !== undefined })];
  const byNode = new Map<string, FlannelNodeInterface>(selections.map((x) => [x.node, x]));
  const cleanupOnChange = [
    `stop flanneld on every node (systemctl stop flanneld) before the new config is written`,
    `on every node run uninstall.sh, then install.sh: it deletes ${[...devices, ...(s.containerRuntime === "containerd" ? ["cni0"] : [])].join(", ") || "flannel's routes"}, flannel's iptables chains and subnet.env, and starts flanneld on the new network`,
    s.containerRuntime === "docker"
      ? "restart Docker on every node (docker0 takes the new subnet; containers restart)"
      : "delete every pod that is not host-network so it gets an address in the new network",
  ];

  let etcd: FlannelEtcdPlan | undefined;
  let kube: FlannelKubeSubnetMgrConfig | undefined;
  let netConfJson: string | undefined;
  const netConfInput = {
    ...(networks.ipv4 !== undefined ? { network: networks.ipv4 } : {}),
    ...(networks.ipv6 !== undefined ? { ipv6Network: networks.ipv6 } : {}),
    enableNFTables: c.enableNFTables,
    backend: c.backend,
  };
  if (s.datastore === "etcd") {
    if (s.kubeSubnetMgr)
      p.warn(`${sbase}.kubeSubnetMgr`, "flannel.systemd.unused", `${sbase}.kubeSubnetMgr: ignored with datastore "etcd"`);
    if (!s.etcd) {
      p.error(
        `${sbase}.etcd`,
        "flannel.systemd.etcd-missing",
        `${sbase}.etcd: datastore "etcd" needs etcd: { endpoints: ["https://<member>:2379", ...], tls: {...} }`,
      );
    } else {
      for (const [key, value] of Object.entries(s.etcd.tls ?? {}) as Array<[string, string]>) {
        if (!LOCAL_PATH.test(value)) {
          p.error(
            `${sbase}.etcd.tls.${key}`,
            "flannel.systemd.local-path",
            `${sbase}.etcd.tls.${key}: ${show(value)} is not a file path podnet accepts (letters, digits and ._+@=/-; no spaces or quotes)`,
          );
        }
      }
      etcd = planFlannelEtcd(
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
    }
  } else {
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
    } else {
      const k = s.kubeSubnetMgr;
      kube = k;
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
      netConfJson = flannelNetConfJson(flannelNetConf(netConfInput));
    }
  }
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
  if (p.errors.length > before) return undefined;

  const subnetLen: PerFamily<number> = {
    ...(networks.ipv4 !== undefined ? { ipv4: etcd?.ranges.find((r) => r.family === "ipv4")?.subnetLen ?? plan.nodeMaskSize.ipv4 } : {}),
    ...(networks.ipv6 !== undefined ? { ipv6: etcd?.ranges.find((r) => r.family === "ipv6")?.subnetLen ?? plan.nodeMaskSize.ipv6 } : {}),
  };
  const nodes: FlannelSystemdNode[] = plan.nodes.map((n) => {
    const sel = byNode.get(n.name);
    const res = etcd?.reservations.find((r) => r.node === n.name);
    const firstPlusOne = (text?: string) => {
      const r = text ? parseCidr(text) : undefined;
      return r?.ok ? `${nthAddress(r.value, 1n)}/${r.value.prefix}` : undefined;
    };
    const expected = res
      ? {
          ...(networks.ipv4 !== undefined ? { subnet: firstPlusOne(n.podCidrs.ipv4) } : {}),
          ...(networks.ipv6 !== undefined ? { ipv6Subnet: firstPlusOne(n.podCidrs.ipv6) } : {}),
        }
      : {};
    return {
      node: n.name,
      index: n.index,
      arch: n.arch,
      etcdLocal: n.roles.includes("etcd"),
      interface: sel?.interface ?? "",
      addresses: sel?.addresses ?? {},
      ...(res ? { reservationKey: res.key } : {}),
      expected,
      ...(n.ssh ? { ssh: n.ssh } : {}),
    };
  });
  return {
    version: c.version,
    flannel: c,
    systemd: s,
    ...(etcd ? { etcd } : {}),
    ...(kube ? { kube } : {}),
    ...(netConfJson !== undefined ? { netConfJson } : {}),
    certPaths,
    devices,
    nodes,
    families: plan.families,
    networks,
    subnetLen,
    releaseUrls,
    cniPluginUrls,
    cleanupOnChange,
    podMtu: Object.fromEntries(mtus.map((m) => [m.node, m.podMtu])),
    interfaceMtu: Object.fromEntries(mtus.map((m) => [m.node, m.interfaceMtu])),
    hostRequirements: flannelHostRequirements({
      backend: c.backend,
      ipv4: networks.ipv4 !== undefined,
      ipv6: networks.ipv6 !== undefined,
      healthzPort: c.healthzPort ?? 0,
      enableNFTables: c.enableNFTables,
      ipMasq: c.ipMasq,
    }),
  };
}
