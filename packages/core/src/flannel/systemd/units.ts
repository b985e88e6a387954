/**
 * The node units of mode systemd, in apply order: credentials (flannel/secrets,
 * flannel/certs), flannel/binaries, flannel/config, flannel/service, flannel/verify.
 */

import { downloadArchiveCommand } from "../../host/downloads.js";
import type { NodeCommand, NodeFile, NodeUnit } from "../../host/node-state.js";
import { sha256Hex } from "../../shared/hash.js";
import type { Problems } from "../../shared/problems.js";
import { flanneldArgs } from "../args.js";
import { FLANNEL_CONFLIST_NAME, flannelCniConfJson } from "../cni-conf.js";
import { flannelKubeconfig } from "./kube-subnet-mgr.js";
import type { FlannelSystemdMaterial, FlannelSystemdNode, FlannelSystemdPlan } from "./plan.js";
import {
  cniConflictSnippet,
  cniPluginSnippet,
  cniRestoreSnippet,
  FLANNELD_RESTART_MARKER,
  isFlannelLink,
  leaseDeleteSnippet,
  restartPendingCondition,
  startFlanneldSnippet,
  stopFlanneldSnippet,
  verifySnippet,
} from "./scripts.js";
import { type StagedSecret, stagedSecretCondition, stagedSecretSnippet } from "./secrets.js";
import { DOCKER_FLANNEL_DROP_IN, dockerDropIn, FLANNELD_UNIT_PATH, flanneldUnit } from "./unit.js";

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

/** All units of one node; problems (a node that needs pushed secrets but has no ssh) go into `p`. */
export function flannelSystemdNodeUnits(
  sp: FlannelSystemdPlan,
  n: FlannelSystemdNode,
  material: FlannelSystemdMaterial,
  sbase: string,
  p: Problems,
): NodeUnit[] {
  const credentials = credentialUnits(sp, n, material, sbase, p);
  const config = configUnit(sp, n);
  // The service's definition carries a digest of everything flanneld reads, so a change restarts it.
  const reads = sha256Hex(
    JSON.stringify([
      credentials.certFiles.map((f) => [f.path, sha256Hex(f.content)]),
      config.configFiles.map((f) => [f.path, sha256Hex(f.content)]),
      credentials.staged.map((x) => x.dest),
    ]),
  );
  return [
    ...credentials.units,
    binaryUnit(sp, n),
    config.unit,
    serviceUnit(sp, n, reads, credentials.staged.length > 0),
    verifyUnit(sp, n, reads),
  ];
}

/** The node's credentials: files embedded (certificates, kubeconfig) and secrets push-secrets.sh stages. */
function credentialUnits(
  sp: FlannelSystemdPlan,
  n: FlannelSystemdNode,
  material: FlannelSystemdMaterial,
  sbase: string,
  p: Problems,
): { readonly units: NodeUnit[]; readonly certFiles: NodeFile[]; readonly staged: StagedSecret[] } {
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
  const units: NodeUnit[] = [];
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
  return { units, certFiles, staged };
}

/** flanneld (+ mk-docker-opts.sh with Docker, + the CNI plugin with containerd), sha256-pinned. */
function binaryUnit(sp: FlannelSystemdPlan, n: FlannelSystemdNode): NodeUnit {
  const s = sp.systemd;
  const docker = s.containerRuntime === "docker";
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
  return {
    id: "flannel/binaries",
    description: `flanneld ${sp.version} release binaries, sha256-verified`,
    files: [],
    commands: binCommands,
  };
}

/** flanneld.service, the Docker drop-in or the CNI config list, and net-conf.json (kube subnet manager). */
function configUnit(sp: FlannelSystemdPlan, n: FlannelSystemdNode): { readonly unit: NodeUnit; readonly configFiles: NodeFile[] } {
  const s = sp.systemd;
  const docker = s.containerRuntime === "docker";
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
  const unit: NodeUnit = {
    id: "flannel/config",
    description: "flanneld.service and the container runtime integration",
    files: configFiles,
    commands: configCommands,
  };
  return { unit, configFiles };
}

/** Enable and (re)start flanneld; uninstall stops it and removes its links, chains, files and etcd key. */
function serviceUnit(sp: FlannelSystemdPlan, n: FlannelSystemdNode, reads: string, restartOnStaged: boolean): NodeUnit {
  const s = sp.systemd;
  const docker = s.containerRuntime === "docker";
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
  const marker = restartOnStaged ? FLANNELD_RESTART_MARKER : undefined;
  const start = `# flanneld reads: ${reads}\n${startFlanneldSnippet({
    runtime: s.containerRuntime,
    restartDocker: s.docker.restart,
    ...(marker !== undefined ? { restartMarker: marker } : {}),
  })}`;
  return {
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
  };
}

/** Checks the unit is active, subnet.env lies in the node's subnet and the devices exist. */
function verifyUnit(sp: FlannelSystemdPlan, n: FlannelSystemdNode, reads: string): NodeUnit {
  const s = sp.systemd;
  const docker = s.containerRuntime === "docker";
  const hint = sp.etcd
    ? "a stale lease? run etcd/write-config.sh (it removes stale leases and reserves the subnet), then restart flanneld"
    : "";
  return {
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
  };
}
