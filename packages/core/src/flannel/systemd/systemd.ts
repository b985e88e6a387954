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
import type { NodeArch } from "../../plan/options.js";
import { flanneldArgs } from "../args.js";
import { checkPem } from "../certs.js";
import { FLANNEL_CONFLIST_NAME, flannelCniConfJson } from "../cni-conf.js";
import { renderFlannelEtcdWriteConfig } from "./etcd-script.js";
import { checkFlannelKubeSubnetMgr, flannelKubeconfig, flannelKubeSubnetMgrObjects } from "./kube-subnet-mgr.js";
import { type FlannelSystemdInput, type FlannelSystemdNode, type FlannelSystemdPlan, planFlannelSystemd } from "./plan.js";

// Validation and the plan live in flannel/systemd/plan.ts; re-exported for callers of this module.
export { type FlannelSystemdInput, type FlannelSystemdNode, type FlannelSystemdPlan, planFlannelSystemd } from "./plan.js";

import { downloadArchiveCommand } from "../../host/node-scripts.js";
import type { NodeCommand, NodeFile, NodeState, NodeUnit } from "../../host/node-state.js";
import type { FlannelPlanFacts } from "../../plan/document.js";
import { sha256Hex } from "../../shared/hash.js";
import type { K8sObject } from "../../shared/manifest.js";
import { checkCertificatePem, checkKeyMatchesCertificate, checkPrivateKeyPem } from "../../shared/pem.js";
import type { Problems } from "../../shared/problems.js";
import { renderFlannelPushSecrets } from "./push.js";
import {
  cniConflictSnippet,
  cniPluginSnippet,
  cniRestoreSnippet,
  FLANNELD_RESTART_MARKER,
  isFlannelLink,
  leaseDeleteSnippet,
  restartPendingCondition,
  type StagedSecret,
  stagedSecretCondition,
  stagedSecretSnippet,
  startFlanneldSnippet,
  stopFlanneldSnippet,
  verifySnippet,
} from "./scripts.js";
import { DOCKER_FLANNEL_DROP_IN, dockerDropIn, FLANNELD_UNIT_PATH, flanneldUnit } from "./unit.js";

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

/**
 * flanneld's arguments (the datastore flags, the shared flags, the subnet file). With a node,
 * `--public-ip` pins the address flanneld advertises to the one podnet selected (and reserved
 * the subnet for), as seed 004 does by hand.
 */
export function flanneldSystemdArgs(sp: FlannelSystemdPlan, node?: FlannelSystemdNode): string[] {
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
    ...(node?.addresses.ipv4 !== undefined ? { publicIp: node.addresses.ipv4 } : {}),
    ...(node?.addresses.ipv6 !== undefined ? { publicIpv6: node.addresses.ipv6 } : {}),
  });
  const kube = sp.kube ? [`--kubeconfig-file=${sp.kube.kubeconfigPath}`, `--net-config-path=${sp.kube.netConfPath}`] : [];
  return [...datastore, ...shared, ...kube, `--subnet-file=${s.subnetFile}`, ...c.extraArgs];
}

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
  const s = sp.systemd;
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

  const docker = s.containerRuntime === "docker";
  const states = sp.nodes.map((n) => {
    const units: NodeUnit[] = [];
    // 1. credentials
    const certFiles: NodeFile[] = [];
    const staged: StagedSecret[] = [];
    if (sp.etcd?.tls && material.etcdCa !== undefined && material.etcdCert !== undefined) {
      certFiles.push(
        { path: sp.certPaths.ca, content: material.etcdCa, mode: "0644" },
        { path: sp.certPaths.cert, content: material.etcdCert, mode: "0644" },
      );
      if (material.etcdKey !== undefined) certFiles.push({ path: sp.certPaths.key, content: material.etcdKey, mode: "0600", secret: true });
      else
        staged.push({
          dest: sp.certPaths.key,
          source: `${sbase}.etcd.tls.keyFile`,
          certificate: { pem: material.etcdCert, source: `${sbase}.etcd.tls.certFile` },
        });
    }
    if (sp.kube && material.kubeCa !== undefined) {
      const kubeconfig = flannelKubeconfig({
        server: sp.kube.apiServer,
        caPem: material.kubeCa,
        ...(material.kubeToken !== undefined ? { token: material.kubeToken } : { tokenFile: sp.kube.tokenPath }),
      });
      certFiles.push({
        path: sp.kube.kubeconfigPath,
        content: kubeconfig,
        mode: "0600",
        ...(material.kubeToken !== undefined ? { secret: true } : {}),
      });
      if (material.kubeToken === undefined)
        staged.push({
          dest: sp.kube.tokenPath,
          source: sp.kube.tokenFile !== undefined ? `${sbase}.kubeSubnetMgr.tokenFile` : "the token Secret (kubectl)",
        });
    }
    const pushed = staged.map((x) => x.dest);
    if (pushed.length > 0 && !n.ssh) {
      p.error(
        `nodes[${n.index}].ssh`,
        "flannel.systemd.ssh-missing",
        `nodes[${n.index}].ssh: node "${n.node}" has no ssh settings, so flannel/push-secrets.sh cannot copy ${pushed.join(" and ")} to it; add ssh: { host: ..., user: root }`,
      );
    }
    if (staged.length > 0) {
      // A unit of its own: its files are placed by a command, not embedded. First, so a key that
      // does not belong to the certificate stops the install before the certificate is replaced;
      // it runs again whenever something is staged (the secrets come from outside the bundle).
      units.push({
        id: "flannel/secrets",
        description: "secrets staged by push-secrets.sh (mode 0600)",
        files: [],
        commands: [{ name: "place the secrets copied by push-secrets.sh", create: stagedSecretSnippet(staged, FLANNELD_RESTART_MARKER) }],
        rerunWhen: stagedSecretCondition(staged),
      });
    }
    if (certFiles.length > 0) {
      units.push({
        id: "flannel/certs",
        description: sp.kube ? "flanneld kubeconfig (mode 0600)" : "flanneld etcd client certificate (key 0600)",
        files: certFiles,
        commands: [],
      });
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
        create: cniPluginSnippet({
          url: sp.cniPluginUrls[n.arch] as string,
          sha256: s.cniPlugin.sha256[n.arch] as string,
          member: `flannel-${n.arch}`,
          dest: `${sp.flannel.cniBinDir}/flannel`,
        }),
      });
    }
    units.push({
      id: "flannel/binaries",
      description: `flanneld ${sp.version} release binaries, sha256-verified`,
      files: [],
      commands: binCommands,
    });
    // 3. configuration files
    const unitText = flanneldUnit({
      binDir: s.binDir,
      args: flanneldSystemdArgs(sp, n),
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
      configFiles.push({
        path: `${sp.flannel.cniConfDir}/${FLANNEL_CONFLIST_NAME}`,
        content: flannelCniConfJson({ subnetFile: s.subnetFile }),
        mode: "0644",
      });
      configCommands.push({
        name: "check for conflicting CNI configs",
        create: cniConflictSnippet({ confDir: sp.flannel.cniConfDir, ours: FLANNEL_CONFLIST_NAME, move: s.moveConflictingCniConfigs }),
        delete: cniRestoreSnippet(sp.flannel.cniConfDir),
      });
    }
    if (sp.kube && sp.netConfJson !== undefined) configFiles.push({ path: sp.kube.netConfPath, content: sp.netConfJson, mode: "0644" });
    units.push({
      id: "flannel/config",
      description: "flanneld.service and the container runtime integration",
      files: configFiles,
      commands: configCommands,
    });
    // 4. service; its definition carries a digest of everything flanneld reads, so a change restarts it
    const reads = sha256Hex(
      JSON.stringify([
        certFiles.map((f) => [f.path, sha256Hex(f.content)]),
        configFiles.map((f) => [f.path, sha256Hex(f.content)]),
        pushed,
      ]),
    );
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
    // CLI path: a replaced key or token (flannel/secrets) restarts flanneld through the marker.
    const marker = staged.length > 0 ? FLANNELD_RESTART_MARKER : undefined;
    const start = `# flanneld reads: ${reads}\n${startFlanneldSnippet({
      runtime: s.containerRuntime,
      restartDocker: s.docker.restart,
      ...(marker !== undefined ? { restartMarker: marker } : {}),
    })}`;
    units.push({
      id: "flannel/service",
      description: "enable and start flanneld.service",
      files: [],
      commands: [
        {
          name: "start flanneld",
          create: start,
          delete: stopFlanneldSnippet({
            // Every flannel.* / flannel-v6.* / flannel-wg* link goes anyway (also an earlier VNI's).
            devices: [...sp.devices.filter((d) => !isFlannelLink(d)), ...(docker ? [] : ["cni0"])],
            nftables: sp.flannel.enableNFTables,
            runtimeFiles: [s.subnetFile, ...(docker ? [s.docker.optionsFile] : [])],
            ...(lease !== undefined ? { leaseDelete: lease } : {}),
            ...(marker !== undefined ? { restartMarker: marker } : {}),
          }),
        },
      ],
      ...(marker !== undefined ? { rerunWhen: restartPendingCondition(marker) } : {}),
    });
    // 5. verify
    const hint = sp.etcd
      ? "a stale lease? run etcd/write-config.sh (it removes stale leases and reserves the subnet), then restart flanneld"
      : "";
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
