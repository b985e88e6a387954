/**
 * FlannelNetwork mode `systemd`: flanneld as a host binary, the way seeds 000,
 * 002, 003 and 004 install it by hand, generated from the plan.
 *
 * Per node, in apply order (each a NodeUnit of the node layer):
 *   flannel/certs     etcd client certificate (key 0600) or the kubeconfig (0600)
 *   flannel/binaries  flanneld (+ mk-docker-opts.sh, + the CNI plugin), sha256-pinned
 *   flannel/config    flanneld.service, the Docker drop-in or 10-flannel.conflist, net-conf.json
 *   flannel/service   enable + (re)start; uninstall stops it and removes its links,
 *                     iptables chains, subnet.env and this node's etcd key
 *   flannel/verify    unit active, subnet.env inside the node's subnet, flannel.<VNI> present
 * plus, once per cluster, the etcd config-writing script (`etcd/write-config.sh`)
 * or the kube subnet manager's RBAC objects.
 */
import { createHash } from "node:crypto";
import type { ComponentArtifacts } from "./bundle.js";
import { nthAddress, parseCidr } from "./cidr.js";
import type { NodeArch } from "./cluster-spec.js";
import { flanneldArgs } from "./flannel-args.js";
import { backendDevices } from "./flannel-backend.js";
import { checkPem } from "./flannel-certs.js";
import { FLANNEL_CONFLIST_NAME, flannelCniConfJson } from "./flannel-cni-conf.js";
import { ETCD_PREFIX, FLANNEL_RELEASE_TAG, type FlannelEtcdPlan, planFlannelEtcd } from "./flannel-etcd.js";
import { renderFlannelEtcdWriteConfig } from "./flannel-etcd-script.js";
import { flannelHostRequirements } from "./flannel-host-requirements.js";
import { checkFlannelSelectors, type FlannelNodeInterface, selectFlannelInterfaces } from "./flannel-interfaces.js";
import { checkFlannelKubeSubnetMgr, flannelKubeconfig, flannelKubeSubnetMgrObjects } from "./flannel-kube-subnet-mgr.js";
import { flannelNetConf, flannelNetConfJson } from "./flannel-net-conf.js";
import type { FlannelNetworkConfig } from "./flannel-options.js";
import { LOCAL_PATH, renderFlannelPushSecrets } from "./flannel-systemd-push.js";
import {
  cniConflictSnippet,
  cniPluginSnippet,
  cniRestoreSnippet,
  leaseDeleteSnippet,
  secretPresentSnippet,
  secretRemoveSnippet,
  startFlanneldSnippet,
  stopFlanneldSnippet,
  verifySnippet,
} from "./flannel-systemd-scripts.js";
import { type FlannelKubeSubnetMgrConfig, type FlannelSystemdConfig } from "./flannel-systemd-options.js";
import { DOCKER_FLANNEL_DROP_IN, dockerDropIn, FLANNELD_UNIT_PATH, flanneldUnit } from "./flannel-systemd-unit.js";
import { checkFlannelConfig, checkFlannelNodes } from "./flannel-validation.js";
import type { HostRequirements } from "./host-requirements.js";
import type { K8sObject } from "./manifest.js";
import { downloadArchiveCommand } from "./node-scripts.js";
import type { NodeCommand, NodeFile, NodeState, NodeUnit } from "./node-state.js";
import type { PerFamily, PodCidrPlan } from "./pod-cidr-plan.js";
import { type Problems, show } from "./problems.js";
import { checkShellValue, DOWNLOAD_URL, SAFE_PATH, SHA256 } from "./shell.js";

/** PEM material and tokens the node units carry; key and token only where they may travel (Pulumi secrets). */
export interface FlannelSystemdMaterial {
  /** CA that signed etcd's server certificate (PEM). */
  readonly etcdCa?: string;
  /** flanneld's etcd client certificate (PEM). */
  readonly etcdCert?: string;
  /** Its private key (PEM). Absent in the CLI path: flannel/push-secrets.sh copies it. */
  readonly etcdKey?: string;
  /** Cluster CA for the kubeconfig (PEM). */
  readonly kubeCa?: string;
  /** The ServiceAccount token. Absent in the CLI path: the kubeconfig names a token file that push-secrets.sh copies. */
  readonly kubeToken?: string;
}

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
  readonly ssh?: PodCidrPlan["nodes"][number]["ssh"];
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
  readonly families: PodCidrPlan["families"];
  readonly networks: PerFamily<string>;
  readonly subnetLen: PerFamily<number>;
  /** Download URL of the flannel release per architecture. */
  readonly releaseUrls: Readonly<Partial<Record<NodeArch, string>>>;
  readonly cniPluginUrls: Readonly<Partial<Record<NodeArch, string>>>;
  /** Node steps after an allowed network change. */
  readonly cleanupOnChange: readonly string[];
  /** Node name -> pod MTU (FLANNEL_MTU). */
  readonly podMtu: Readonly<Record<string, number>>;
  /** Firewall openings, devices and modules for NodeNetworkPrep. */
  readonly hostRequirements: HostRequirements;
}

export interface FlannelSystemdInput {
  readonly config: FlannelNetworkConfig;
  readonly plan: PodCidrPlan;
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
    p.error(`${base}.version`, "flannel.systemd.version", `${base}.version: ${show(c.version)} is not a flannel release tag such as "v0.28.9"`);
    return undefined;
  }
  checkFlannelConfig(c, plan, undefined, base, p);
  // Selection runs only on valid selectors: a bad regexp is one problem, not one per node.
  const selections = checkFlannelSelectors(c, base, p) ? selectFlannelInterfaces(plan, c, base, p) : [];
  const mtus = checkFlannelNodes(selections, c, plan, base, p);
  if (c.backend.psk !== undefined) {
    p.error(`${base}.backend.psk`, "flannel.systemd.psk", `${base}.backend.psk: a wireguard PSK is not supported in mode "systemd" yet (it would be stored in etcd's config and in the config-writing script); use mode "daemonset" or no PSK`);
  }
  for (const [key, value] of [
    ["binDir", s.binDir],
    ["certDir", s.certDir],
    ["subnetFile", s.subnetFile],
    ["docker.optionsFile", s.docker.optionsFile],
  ] as const) {
    checkShellValue(p, `${sbase}.${key}`, value, SAFE_PATH);
  }
  if (!OPTIONS_KEY.test(s.docker.optionsKey)) {
    p.error(`${sbase}.docker.optionsKey`, "flannel.systemd.options-key", `${sbase}.docker.optionsKey: ${show(s.docker.optionsKey)} is not an environment variable name (A-Z, 0-9, _), e.g. "DOCKER_NETWORK_OPTIONS"`);
  }
  if (!DOCKERD_COMMAND.test(s.docker.dockerd)) {
    p.error(`${sbase}.docker.dockerd`, "flannel.systemd.dockerd", `${sbase}.docker.dockerd: ${show(s.docker.dockerd)} is not an absolute program followed by plain words (no $, quotes or %), e.g. "/usr/bin/dockerd -H fd://"`);
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
        `${sbase}.release.sha256.${arch}: missing; nodes ${plan.nodes.filter((n) => n.arch === arch).map((n) => `"${n.name}"`).join(", ")} are ${arch}, and podnet downloads ${asset} only with a pinned sha256 (copy it from the release page or run sha256sum on a copy you trust)`,
      );
    } else checkShellValue(p, `${sbase}.release.sha256.${arch}`, sum, SHA256);
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
        p.error(`${sbase}.cniPlugin.version`, "flannel.systemd.cni-version", `${sbase}.cniPlugin.version: ${show(s.cniPlugin.version)} is not a flannel CNI plugin tag such as "v1.9.1-flannel3"`);
      }
      checkShellValue(p, `${sbase}.cniPlugin.baseUrl`, s.cniPlugin.baseUrl.replace(/\/+$/, ""), DOWNLOAD_URL);
      for (const arch of arches) {
        const asset = `cni-plugin-flannel-linux-${arch}-${s.cniPlugin.version}.tgz`;
        cniPluginUrls[arch] = `${s.cniPlugin.baseUrl.replace(/\/+$/, "")}/${s.cniPlugin.version}/${asset}`;
        const sum = s.cniPlugin.sha256[arch];
        if (sum === undefined) {
          p.error(`${sbase}.cniPlugin.sha256.${arch}`, "flannel.systemd.sha256-missing", `${sbase}.cniPlugin.sha256.${arch}: missing; podnet downloads ${asset} only with a pinned sha256`);
        } else checkShellValue(p, `${sbase}.cniPlugin.sha256.${arch}`, sum, SHA256);
      }
    }
  } else if (s.cniPlugin) {
    p.warn(`${sbase}.cniPlugin`, "flannel.systemd.cni-plugin-unused", `${sbase}.cniPlugin: ignored with containerRuntime "docker" (Docker's bridge takes flannel's subnet; no CNI plugin is installed)`);
  }

  const certPaths = { ca: `${s.certDir}/ca.pem`, cert: `${s.certDir}/flanneld.pem`, key: `${s.certDir}/flanneld-key.pem` };
  const networks: PerFamily<string> = { ...(plan.podCidr.ipv4 ? { ipv4: plan.podCidr.ipv4 } : {}), ...(plan.podCidr.ipv6 ? { ipv6: plan.podCidr.ipv6 } : {}) };
  const devices = [...backendDevices(c.backend, { ipv4: networks.ipv4 !== undefined, ipv6: networks.ipv6 !== undefined })];
  const byNode = new Map<string, FlannelNodeInterface>(selections.map((x) => [x.node, x]));
  const cleanupOnChange = [
    `stop flanneld on every node (systemctl stop flanneld) before the new config is written`,
    `on every node run uninstall.sh, then install.sh: it deletes ${[...devices, ...(s.containerRuntime === "containerd" ? ["cni0"] : [])].join(", ") || "flannel's routes"}, flannel's iptables chains and subnet.env, and starts flanneld on the new network`,
    s.containerRuntime === "docker" ? "restart Docker on every node (docker0 takes the new subnet; containers restart)" : "delete every pod that is not host-network so it gets an address in the new network",
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
    if (s.kubeSubnetMgr) p.warn(`${sbase}.kubeSubnetMgr`, "flannel.systemd.unused", `${sbase}.kubeSubnetMgr: ignored with datastore "etcd"`);
    if (!s.etcd) {
      p.error(`${sbase}.etcd`, "flannel.systemd.etcd-missing", `${sbase}.etcd: datastore "etcd" needs etcd: { endpoints: ["https://<member>:2379", ...], tls: {...} }`);
    } else {
      for (const [key, value] of Object.entries(s.etcd.tls ?? {}) as Array<[string, string]>) {
        if (!LOCAL_PATH.test(value)) {
          p.error(`${sbase}.etcd.tls.${key}`, "flannel.systemd.local-path", `${sbase}.etcd.tls.${key}: ${show(value)} is not a file path podnet accepts (letters, digits and ._+@=/-; no spaces or quotes)`);
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
    }
  } else {
    if (s.etcd) p.warn(`${sbase}.etcd`, "flannel.systemd.unused", `${sbase}.etcd: ignored with datastore "kube-subnet-mgr"`);
    for (const key of ["subnetLen", "subnetMin", "subnetMax", "ipv6SubnetLen", "ipv6SubnetMin", "ipv6SubnetMax"] as const) {
      if (c[key] !== undefined) {
        p.warn(`${base}.${key}`, "flannel.subnet-ignored", `${base}.${key}: ${show(c[key])} is ignored with datastore "kube-subnet-mgr": each node gets its spec.podCIDR (cluster.nodeMaskSize)`);
      }
    }
    if (!s.kubeSubnetMgr) {
      p.error(`${sbase}.kubeSubnetMgr`, "flannel.systemd.kube-missing", `${sbase}.kubeSubnetMgr: datastore "kube-subnet-mgr" needs kubeSubnetMgr: { apiServer: "https://<api>:6443", caFile: ... }`);
    } else {
      const k = s.kubeSubnetMgr;
      kube = k;
      checkFlannelKubeSubnetMgr(k, `${sbase}.kubeSubnetMgr`, p);
      for (const key of ["kubeconfigPath", "tokenPath", "netConfPath"] as const) checkShellValue(p, `${sbase}.kubeSubnetMgr.${key}`, k[key], SAFE_PATH);
      for (const key of ["caFile", "tokenFile"] as const) {
        const v = k[key];
        if (v !== undefined && !LOCAL_PATH.test(v)) {
          p.error(`${sbase}.kubeSubnetMgr.${key}`, "flannel.systemd.local-path", `${sbase}.kubeSubnetMgr.${key}: ${show(v)} is not a file path podnet accepts (letters, digits and ._+@=/-; no spaces or quotes)`);
        }
      }
      netConfJson = flannelNetConfJson(flannelNetConf(netConfInput));
    }
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
    hostRequirements: flannelHostRequirements({
      backend: c.backend,
      ipv4: networks.ipv4 !== undefined,
      ipv6: networks.ipv6 !== undefined,
      healthzPort: c.healthzPort ?? 0,
      enableNFTables: c.enableNFTables,
    }),
  };
}

function sha(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** flanneld's arguments for one node (the datastore flags, the shared flags, the subnet file). */
export function flanneldSystemdArgs(sp: FlannelSystemdPlan): string[] {
  const c = sp.flannel;
  const s = sp.systemd;
  const datastore: string[] = [];
  if (sp.etcd) {
    datastore.push(`--etcd-endpoints=${sp.etcd.endpoints.join(",")}`, `--etcd-prefix=${sp.etcd.prefix}`);
    if (sp.etcd.tls) {
      datastore.push(`--etcd-cafile=${sp.certPaths.ca}`, `--etcd-certfile=${sp.certPaths.cert}`, `--etcd-keyfile=${sp.certPaths.key}`);
    }
  }
  const shared = flanneldArgs({
    ipMasq: c.ipMasq,
    kubeSubnetMgr: sp.kube !== undefined,
    ...(c.healthzPort ? { healthzPort: c.healthzPort } : {}),
    iface: c.iface,
    ifaceRegex: c.ifaceRegex,
    ...(c.ifaceCanReach !== undefined ? { ifaceCanReach: c.ifaceCanReach } : {}),
  });
  const kube = sp.kube ? [`--kubeconfig-file=${sp.kube.kubeconfigPath}`, `--net-config-path=${sp.kube.netConfPath}`] : [];
  return [...datastore, ...shared, ...kube, `--subnet-file=${s.subnetFile}`, ...c.extraArgs];
}

/**
 * The node units, per node. `material` carries the PEM files; the key and the token only
 * when the front end may place them (Pulumi, as secrets); otherwise the units expect
 * them from flannel/push-secrets.sh.
 */
export function flannelSystemdNodeStates(sp: FlannelSystemdPlan, material: FlannelSystemdMaterial, p: Problems, base = "flannel"): NodeState[] {
  const s = sp.systemd;
  const sbase = `${base}.systemd`;
  const before = p.errors.length;
  if (sp.etcd?.tls) {
    if (material.etcdCa === undefined || material.etcdCert === undefined) {
      p.error(`${sbase}.etcd.tls`, "flannel.systemd.cert-missing", `${sbase}.etcd.tls: the CA and client certificate contents were not supplied (the CLI reads caFile and certFile; Pulumi passes them)`);
    } else {
      checkPem("certificate", material.etcdCa, `${sbase}.etcd.tls.caFile`, p);
      checkPem("certificate", material.etcdCert, `${sbase}.etcd.tls.certFile`, p);
    }
    if (material.etcdKey !== undefined) checkPem("key", material.etcdKey, `${sbase}.etcd.tls.keyFile`, p);
  }
  if (sp.kube) {
    if (material.kubeCa === undefined) {
      p.error(`${sbase}.kubeSubnetMgr.caFile`, "flannel.systemd.cert-missing", `${sbase}.kubeSubnetMgr.caFile: the cluster CA was not supplied (the CLI reads caFile; Pulumi passes it)`);
    } else checkPem("certificate", material.kubeCa, `${sbase}.kubeSubnetMgr.caFile`, p);
    if (material.kubeToken !== undefined) checkFlannelKubeSubnetMgr({ ...sp.kube, token: material.kubeToken }, `${sbase}.kubeSubnetMgr`, p);
  }
  if (p.errors.length > before) return [];

  const docker = s.containerRuntime === "docker";
  const states = sp.nodes.map((n) => {
    const units: NodeUnit[] = [];
    // 1. credentials
    const certFiles: NodeFile[] = [];
    const certCommands: NodeCommand[] = [];
    const pushed: string[] = [];
    if (sp.etcd?.tls && material.etcdCa !== undefined && material.etcdCert !== undefined) {
      certFiles.push({ path: sp.certPaths.ca, content: material.etcdCa, mode: "0644" }, { path: sp.certPaths.cert, content: material.etcdCert, mode: "0644" });
      if (material.etcdKey !== undefined) certFiles.push({ path: sp.certPaths.key, content: material.etcdKey, mode: "0600", secret: true });
      else pushed.push(sp.certPaths.key);
    }
    if (sp.kube && material.kubeCa !== undefined) {
      const kubeconfig = flannelKubeconfig({
        server: sp.kube.apiServer,
        caPem: material.kubeCa,
        ...(material.kubeToken !== undefined ? { token: material.kubeToken } : { tokenFile: sp.kube.tokenPath }),
      });
      certFiles.push({ path: sp.kube.kubeconfigPath, content: kubeconfig, mode: "0600", ...(material.kubeToken !== undefined ? { secret: true } : {}) });
      if (material.kubeToken === undefined) pushed.push(sp.kube.tokenPath);
    }
    if (pushed.length > 0 && !n.ssh) {
      p.error(
        `nodes[${n.index}].ssh`,
        "flannel.systemd.ssh-missing",
        `nodes[${n.index}].ssh: node "${n.node}" has no ssh settings, so flannel/push-secrets.sh cannot copy ${pushed.join(" and ")} to it; add ssh: { host: ..., user: root }`,
      );
    }
    if (pushed.length > 0) {
      certCommands.push({ name: "check the secrets copied by push-secrets.sh", create: secretPresentSnippet(pushed), delete: secretRemoveSnippet(pushed) });
    }
    if (certFiles.length > 0 || certCommands.length > 0) {
      units.push({ id: "flannel/certs", description: sp.kube ? "flanneld kubeconfig (mode 0600)" : "flanneld etcd client certificate (key 0600)", files: certFiles, commands: certCommands });
    }
    // 2. binaries
    const releaseUrl = sp.releaseUrls[n.arch] as string;
    const binCommands: NodeCommand[] = [
      {
        ...downloadArchiveCommand({
          name: `install flanneld ${sp.version} (${n.arch})`,
          url: releaseUrl,
          sha256: s.release.sha256[n.arch] as string,
          destDir: s.binDir,
          members: docker ? ["flanneld", "mk-docker-opts.sh"] : ["flanneld"],
        }),
        // Runs on uninstall after flanneld.service is gone (units are removed last-installed first).
        delete: "systemctl daemon-reload",
      },
    ];
    if (!docker && s.cniPlugin) {
      binCommands.push({
        name: `install the flannel CNI plugin ${s.cniPlugin.version} (${n.arch})`,
        create: cniPluginSnippet({ url: sp.cniPluginUrls[n.arch] as string, sha256: s.cniPlugin.sha256[n.arch] as string, member: `flannel-${n.arch}`, dest: `${sp.flannel.cniBinDir}/flannel` }),
      });
    }
    units.push({ id: "flannel/binaries", description: `flanneld ${sp.version} release binaries, sha256-verified`, files: [], commands: binCommands });
    // 3. configuration files
    const unitText = flanneldUnit({
      binDir: s.binDir,
      args: flanneldSystemdArgs(sp),
      ...(sp.kube ? { nodeName: n.node } : {}),
      etcdLocal: sp.etcd !== undefined && n.etcdLocal,
      runtime: s.containerRuntime,
      ...(docker ? { docker: { optionsKey: s.docker.optionsKey, optionsFile: s.docker.optionsFile, subnetFile: s.subnetFile } } : {}),
    });
    const configFiles: NodeFile[] = [{ path: FLANNELD_UNIT_PATH, content: unitText, mode: "0644" }];
    const configCommands: NodeCommand[] = [];
    if (docker) {
      configFiles.push({ path: DOCKER_FLANNEL_DROP_IN, content: dockerDropIn(s.docker), mode: "0644" });
    } else {
      configFiles.push({ path: `${sp.flannel.cniConfDir}/${FLANNEL_CONFLIST_NAME}`, content: flannelCniConfJson({ subnetFile: s.subnetFile }), mode: "0644" });
      configCommands.push({
        name: "check for conflicting CNI configs",
        create: cniConflictSnippet({ confDir: sp.flannel.cniConfDir, ours: FLANNEL_CONFLIST_NAME, move: s.moveConflictingCniConfigs }),
        delete: cniRestoreSnippet(sp.flannel.cniConfDir),
      });
    }
    if (sp.kube && sp.netConfJson !== undefined) configFiles.push({ path: sp.kube.netConfPath, content: sp.netConfJson, mode: "0644" });
    units.push({ id: "flannel/config", description: "flanneld.service and the container runtime integration", files: configFiles, commands: configCommands });
    // 4. service; its definition carries a digest of everything flanneld reads, so a change restarts it
    const reads = sha(JSON.stringify([certFiles.map((f) => [f.path, sha(f.content)]), configFiles.map((f) => [f.path, sha(f.content)]), pushed]));
    const lease =
      sp.etcd !== undefined
        ? leaseDeleteSnippet({
            api: sp.etcd.api,
            endpoints: sp.etcd.endpoints,
            prefix: sp.etcd.prefix,
            ...(n.reservationKey !== undefined ? { key: n.reservationKey } : {}),
            subnetFile: s.subnetFile,
            ...(sp.etcd.tls ? { tls: { ca: sp.certPaths.ca, cert: sp.certPaths.cert, key: sp.certPaths.key } } : {}),
          })
        : undefined;
    const start = `# flanneld reads: ${reads}\n${startFlanneldSnippet({ runtime: s.containerRuntime, restartDocker: s.docker.restart })}`;
    units.push({
      id: "flannel/service",
      description: "enable and start flanneld.service",
      files: [],
      commands: [
        {
          name: "start flanneld",
          create: start,
          delete: stopFlanneldSnippet({
            devices: [...sp.devices, ...(docker ? [] : ["cni0"])],
            nftables: sp.flannel.enableNFTables,
            runtimeFiles: [s.subnetFile, ...(docker ? [s.docker.optionsFile] : [])],
            ...(lease !== undefined ? { leaseDelete: lease } : {}),
          }),
        },
      ],
    });
    // 5. verify
    const hint = sp.etcd ? "a stale lease? run etcd/write-config.sh (it removes stale leases and reserves the subnet), then restart flanneld" : "";
    units.push({
      id: "flannel/verify",
      description: "check flanneld's subnet and devices",
      files: [],
      commands: [
        {
          name: "verify flannel",
          create: `# after: ${reads}\n${verifySnippet({
            subnetFile: s.subnetFile,
            ...(sp.networks.ipv4 !== undefined ? { network: sp.networks.ipv4 } : {}),
            ...(sp.networks.ipv6 !== undefined ? { ipv6Network: sp.networks.ipv6 } : {}),
            ...(n.expected.subnet !== undefined ? { subnet: n.expected.subnet } : {}),
            ...(n.expected.ipv6Subnet !== undefined ? { ipv6Subnet: n.expected.ipv6Subnet } : {}),
            ...(sp.networks.ipv4 !== undefined && n.expected.subnet === undefined ? { subnetLen: sp.subnetLen.ipv4 as number } : {}),
            devices: sp.devices,
            ...(docker ? { dockerOptionsFile: s.docker.optionsFile } : {}),
            hint,
          })}`,
        },
      ],
    });
    return { node: n.node, units };
  });
  return p.errors.length > before ? [] : states;
}

export interface FlannelSystemdClusterInput {
  /** Where the spec's relative local paths start (the CLI passes the spec file's folder). */
  readonly baseDir?: string;
}

/** Cluster-level files of a render bundle: `etcd/write-config.sh`, `flannel/push-secrets.sh`, `etcd/config.json`. */
export function flannelSystemdClusterFiles(
  sp: FlannelSystemdPlan,
  material: FlannelSystemdMaterial,
  input: FlannelSystemdClusterInput = {},
): Record<string, { content: string; mode: string }> {
  const out: Record<string, { content: string; mode: string }> = {};
  if (sp.etcd) {
    out["etcd/write-config.sh"] = { content: renderFlannelEtcdWriteConfig(sp.etcd, { caFile: sp.certPaths.ca, certFile: sp.certPaths.cert, keyFile: sp.certPaths.key }), mode: "0755" };
    out["etcd/config.json"] = { content: `${sp.etcd.configJson}\n`, mode: "0644" };
  }
  const push = renderFlannelPushSecrets(sp, material, input.baseDir);
  if (push !== undefined) out["flannel/push-secrets.sh"] = { content: push, mode: "0755" };
  return out;
}

/** Cluster objects (kube subnet manager: ServiceAccount, ClusterRole, binding, token Secret). */
export function flannelSystemdObjects(sp: FlannelSystemdPlan): K8sObject[] {
  return sp.kube ? flannelKubeSubnetMgrObjects(sp.kube.namespace, sp.flannel.labels) : [];
}

/** Non-secret facts for plan.json. */
export function flannelSystemdSummary(sp: FlannelSystemdPlan): Record<string, unknown> {
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
    release: Object.fromEntries(Object.entries(sp.releaseUrls).map(([arch, url]) => [arch, { url, sha256: s.release.sha256[arch as NodeArch] }])),
    ...(s.cniPlugin && s.containerRuntime === "containerd"
      ? { cniPlugin: Object.fromEntries(Object.entries(sp.cniPluginUrls).map(([arch, url]) => [arch, { url, sha256: s.cniPlugin?.sha256[arch as NodeArch] }])) }
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
              ? { note: "flannel < v0.18.0 speaks only the etcd v2 API: etcd must run with --enable-v2=true, and etcd >= 3.6 has no v2 API" }
              : {}),
          },
        }
      : {}),
    ...(sp.kube ? { kubeSubnetMgr: { apiServer: sp.kube.apiServer, namespace: sp.kube.namespace, kubeconfigPath: sp.kube.kubeconfigPath } } : {}),
    ...(sp.etcd?.allowNetworkChange ? { cleanupOnNetworkChange: sp.cleanupOnChange } : {}),
    nodes: Object.fromEntries(
      sp.nodes.map((n) => [n.node, { interface: n.interface, addresses: n.addresses, ...(n.reservationKey ? { reservation: n.reservationKey } : {}), ...n.expected }]),
    ),
  };
}

export interface FlannelSystemdComponentInput extends FlannelSystemdInput {
  readonly material: FlannelSystemdMaterial;
  readonly baseDir?: string;
}

/** The bundle part of mode systemd for `podnet render`. */
export function flannelSystemdComponent(input: FlannelSystemdComponentInput, p: Problems): ComponentArtifacts | undefined {
  const sp = planFlannelSystemd(input, p);
  if (!sp) return undefined;
  const states = flannelSystemdNodeStates(sp, input.material, p, input.base);
  const files = flannelSystemdClusterFiles(sp, input.material, input.baseDir !== undefined ? { baseDir: input.baseDir } : {});
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
