/**
 * FlannelNetwork mode `systemd`, validation: the shared flannel checks plus the
 * systemd-only ones (release pins, paths, runtime integration, datastore), and
 * the resulting plan every unit, script and front end is built from. No key
 * material ever enters the plan.
 */

import type { HostRequirements } from "../../host/requirements.js";
import type { CidrPlan, PerFamily } from "../../plan/index.js";
import type { NodeArch } from "../../plan/options.js";
import { nthAddress, parseCidr } from "../../shared/cidr.js";
import { type Problems, show } from "../../shared/problems.js";
import { backendDevices } from "../backend.js";
import { FLANNEL_RELEASE_TAG, type FlannelEtcdPlan } from "../etcd.js";
import { flannelHostRequirements } from "../host-requirements.js";
import { checkFlannelSelectors, type FlannelNodeInterface, selectFlannelInterfaces } from "../interfaces.js";
import { checkFlannelNodes } from "../node-checks.js";
import type { FlannelNetworkConfig } from "../options.js";
import type { FlannelKubeSubnetMgrConfig, FlannelSystemdConfig } from "../systemd-options.js";
import { checkFlannelConfig } from "../validation.js";
import { planSystemdDatastore } from "./datastore.js";
import { checkSystemdSettings, checkSystemdUnitValues, flannelCniPluginUrls, flannelReleaseUrls } from "./settings-checks.js";
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

export interface FlannelSystemdInput {
  readonly config: FlannelNetworkConfig;
  readonly plan: CidrPlan;
  /** Problem path of the flannel section. */
  readonly base: string;
}

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
  checkSystemdSettings(c, s, plan, base, p);
  const releaseUrls = flannelReleaseUrls(c, s, plan, sbase, p);
  const cniPluginUrls = flannelCniPluginUrls(c, s, plan, base, p);

  const certPaths = { ca: `${s.certDir}/ca.pem`, cert: `${s.certDir}/flanneld.pem`, key: `${s.certDir}/flanneld-key.pem` };
  const networks: PerFamily<string> = {
    ...(plan.podCidr.ipv4 ? { ipv4: plan.podCidr.ipv4 } : {}),
    ...(plan.podCidr.ipv6 ? { ipv6: plan.podCidr.ipv6 } : {}),
  };
  const devices = [...backendDevices(c.backend, { ipv4: networks.ipv4 !== undefined, ipv6: networks.ipv6 !== undefined })];
  const cleanupOnChange = networkChangeCleanup(s, devices);
  const netConfInput = {
    ...(networks.ipv4 !== undefined ? { network: networks.ipv4 } : {}),
    ...(networks.ipv6 !== undefined ? { ipv6Network: networks.ipv6 } : {}),
    enableNFTables: c.enableNFTables,
    backend: c.backend,
  };
  const { etcd, kube, netConfJson } = planSystemdDatastore({ c, s, plan, base, netConfInput, selections, cleanupOnChange }, p);
  checkSystemdUnitValues(c, s, base, p);
  if (p.errors.length > before) return undefined;

  return {
    version: c.version,
    flannel: c,
    systemd: s,
    ...(etcd ? { etcd } : {}),
    ...(kube ? { kube } : {}),
    ...(netConfJson !== undefined ? { netConfJson } : {}),
    certPaths,
    devices,
    nodes: systemdNodes(plan, selections, etcd, networks),
    families: plan.families,
    networks,
    subnetLen: systemdSubnetLen(plan, etcd, networks),
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

/** SubnetLen per family: etcd's range when flannel allocates, else the plan's node mask. */
function systemdSubnetLen(plan: CidrPlan, etcd: FlannelEtcdPlan | undefined, networks: PerFamily<string>): PerFamily<number> {
  return {
    ...(networks.ipv4 !== undefined ? { ipv4: etcd?.ranges.find((r) => r.family === "ipv4")?.subnetLen ?? plan.nodeMaskSize.ipv4 } : {}),
    ...(networks.ipv6 !== undefined ? { ipv6: etcd?.ranges.find((r) => r.family === "ipv6")?.subnetLen ?? plan.nodeMaskSize.ipv6 } : {}),
  };
}

/** The node steps after an allowed network change, in order (also in plan.json). */
function networkChangeCleanup(s: FlannelSystemdConfig, devices: readonly string[]): string[] {
  return [
    `stop flanneld on every node (systemctl stop flanneld) before the new config is written`,
    `on every node run uninstall.sh, then install.sh: it deletes ${[...devices, ...(s.containerRuntime === "containerd" ? ["cni0"] : [])].join(", ") || "flannel's routes"}, flannel's iptables chains and subnet.env, and starts flanneld on the new network`,
    s.containerRuntime === "docker"
      ? "restart Docker on every node (docker0 takes the new subnet; containers restart)"
      : "delete every pod that is not host-network so it gets an address in the new network",
  ];
}

/** Per node: the interface and addresses selected, the reservation key and the subnet flanneld must get with it. */
function systemdNodes(
  plan: CidrPlan,
  selections: readonly FlannelNodeInterface[],
  etcd: FlannelEtcdPlan | undefined,
  networks: PerFamily<string>,
): FlannelSystemdNode[] {
  const byNode = new Map<string, FlannelNodeInterface>(selections.map((x) => [x.node, x]));
  return plan.nodes.map((n) => {
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
}
