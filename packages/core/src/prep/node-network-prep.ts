/**
 * NodeNetworkPrep: the host preparation that follows from the network chosen.
 * From the PodCidrPlan (nodes, roles, families, CIDRs) and the network
 * components' HostRequirements it derives, per node, the node-layer units for
 * kernel modules, sysctls, NetworkManager, firewalld, the CNI reference
 * plugins and (optionally) swap; the node layer renders them as idempotent
 * install/uninstall scripts.
 */

import { ARCHIVE_MEMBER, downloadArchiveCommand } from "../host/node-scripts.js";
import type { NodeState, NodeUnit } from "../host/node-state.js";
import type { FirewallNeed, HostRequirements } from "../host/requirements.js";
import { firewallNeedText } from "../host/requirements.js";
import type { CidrPlan } from "../plan/pod-cidr-plan.js";
import { joinPath, NetworkPlanError, type Problem, Problems, show } from "../shared/problems.js";
import {
  checkShellValue,
  DOWNLOAD_URL,
  FIREWALLD_INTERFACE,
  FIREWALLD_ZONE,
  KERNEL_MODULE,
  NM_INTERFACE,
  SAFE_PATH,
  SHA256,
  SYSCTL_KEY,
  SYSCTL_VALUE,
} from "../shared/shell.js";
import { PARSE_OPTIONS, zodProblems } from "../shared/zod-problems.js";
import type { ComponentArtifacts } from "../spec/bundle.js";
import { type FirewalldPlan, firewalldCommand, firewalldPlan, KUBERNETES_FIREWALL_NEEDS, openingsText } from "./firewalld.js";
import { CNI_PLUGINS_SHA256, type NodeNetworkPrepConfig, type NodeNetworkPrepOptions, nodeNetworkPrepSchema } from "./options.js";
import { type KernelModuleNeed, modulesUnit, networkManagerUnit, type SysctlSetting, swapUnit, sysctlUnit } from "./units.js";

/** What one node gets: its units in apply order and its firewall plan. */
export interface NodePrep {
  readonly node: string;
  readonly roles: readonly string[];
  readonly arch: string;
  /** The node's units, in apply order. */
  readonly state: NodeState;
  /** What firewalld should hold (when `firewall: firewalld`). */
  readonly firewall?: FirewalldPlan;
}

/** The node preparation: the parsed options, per-node units, kernel modules, sysctls, unmanaged devices, the units common to all nodes, and a summary. */
export interface NodeNetworkPrepResult {
  /** Options with defaults applied. */
  readonly options: NodeNetworkPrepConfig;
  readonly nodes: readonly NodePrep[];
  readonly kernelModules: readonly KernelModuleNeed[];
  readonly sysctl: readonly SysctlSetting[];
  /** NetworkManager `interface-name:` patterns left unmanaged (empty when not written). */
  readonly unmanagedDevices: readonly string[];
  /** The units that are the same on every node (modules, sysctl, NetworkManager): what the cdk8s DaemonSet applies. */
  readonly commonUnits: readonly NodeUnit[];
  /** Non-secret facts for plan.json. */
  readonly summary: Readonly<Record<string, unknown>>;
}

/** What `planNodeNetworkPrep` takes: the plan, the options, and the host requirements of the network components. */
export interface NodeNetworkPrepInput {
  readonly plan: CidrPlan;
  /** @default {} (all defaults) */
  readonly options?: NodeNetworkPrepOptions;
  /** What the network components need from the hosts. @default [] (base Kubernetes needs only) */
  readonly hostRequirements?: readonly HostRequirements[];
  /** Scope of the node states (see NodeState.scope). @default "default" */
  readonly scope?: string;
  /** Prefix of problem paths. @default "prep" */
  readonly basePath?: string;
}

/** Why each well-known module is loaded. */
const MODULE_REASONS: Readonly<Record<string, string>> = {
  br_netfilter:
    "bridged pod traffic (cni0) must pass iptables so Service rules apply; the bridge-nf-call sysctls exist only with it, and flanneld exits without them (flannel issue 2166)",
  overlay: "overlayfs, used by the container runtime for image layers (Kubernetes container runtime prerequisites)",
  vxlan: "VXLAN overlay devices (flannel.<VNI>, vxlan.calico)",
  ipip: "IP-in-IP tunnel device tunl0 (Calico IPIP, flannel ipip)",
  wireguard: "WireGuard devices for encrypted pod traffic (a module on kernels before 5.6)",
  ip_set: "ipsets, used by Calico Felix policy rules",
  nf_conntrack: "connection tracking; net.netfilter.nf_conntrack_max (prep.conntrackMax) exists only while this module is loaded",
};

const CNI_VERSION = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;

/** Validates and plans; returns the problems instead of throwing. */
export function checkNodeNetworkPrep(input: NodeNetworkPrepInput): {
  readonly result?: NodeNetworkPrepResult;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
} {
  const base = input.basePath ?? "prep";
  const raw = input.options ?? {};
  const parsed = nodeNetworkPrepSchema.safeParse(raw, PARSE_OPTIONS);
  if (!parsed.success) return { errors: zodProblems(parsed.error.issues, raw, nodeNetworkPrepSchema, [base]), warnings: [] };
  const p = new Problems();
  const result = build(input, parsed.data, base, p);
  return p.ok ? { result, errors: [], warnings: p.warnings } : { errors: p.errors, warnings: p.warnings };
}

/** Validates and plans; throws one NetworkPlanError with every problem. */
export function planNodeNetworkPrep(input: NodeNetworkPrepInput): {
  readonly result: NodeNetworkPrepResult;
  readonly warnings: readonly Problem[];
} {
  const r = checkNodeNetworkPrep(input);
  if (!r.result) throw new NetworkPlanError(r.errors, r.warnings);
  return { result: r.result, warnings: r.warnings };
}

function checkRequirements(reqs: readonly HostRequirements[], p: Problems): void {
  reqs.forEach((r, i) => {
    const rp = `hostRequirements[${i}]`;
    r.firewall.forEach((n, j) => {
      checkNeed(p, `${rp}.firewall[${j}]`, n, r.component);
    });
    r.unmanagedDevices.forEach((d, j) => {
      checkShellValue(p, `${rp}.unmanagedDevices[${j}]`, d, NM_INTERFACE);
    });
    r.trustedInterfaces.forEach((d, j) => {
      checkShellValue(p, `${rp}.trustedInterfaces[${j}]`, d, FIREWALLD_INTERFACE);
    });
    r.kernelModules.forEach((m, j) => {
      checkShellValue(p, `${rp}.kernelModules[${j}]`, m, KERNEL_MODULE);
    });
  });
}

function checkNeed(p: Problems, path: string, n: FirewallNeed, component: string): void {
  if (n.protocol === "tcp" || n.protocol === "udp") {
    const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
    if (!ok(n.port) || (n.portEnd !== undefined && (!ok(n.portEnd) || (n.portEnd as number) < (n.port as number)))) {
      p.error(
        path,
        "prep.firewall-need",
        `${path}: ${component} asks for ${show(n)}; a tcp/udp opening needs port 1-65535 and portEnd >= port`,
      );
    }
  } else if (n.protocol !== "ipip" && n.protocol !== "esp") {
    p.error(path, "prep.firewall-need", `${path}: ${component} asks for protocol ${show(n.protocol)}; podnet knows tcp, udp, ipip and esp`);
  }
}

function build(input: NodeNetworkPrepInput, o: NodeNetworkPrepConfig, base: string, p: Problems): NodeNetworkPrepResult | undefined {
  const plan = input.plan;
  const reqs = input.hostRequirements ?? [];
  const at = (...segs: Array<string | number>) => joinPath([base, ...segs]);
  checkRequirements(reqs, p);

  // firewalld
  if (o.firewall === "firewalld") {
    checkShellValue(p, at("zone"), o.zone, FIREWALLD_ZONE);
    checkShellValue(p, at("trustedZone"), o.trustedZone, FIREWALLD_ZONE);
    if (o.zone === o.trustedZone) {
      p.error(
        at("trustedZone"),
        "prep.zone-conflict",
        `${at("trustedZone")}: ${show(o.trustedZone)} is also ${at("zone")}; the node's zone opens ports while the trusted zone accepts everything from pods, so they must differ (the defaults are "public" and "trusted")`,
      );
    }
  }
  o.extraPorts.forEach((e, i) => {
    if (e.portEnd !== undefined && e.portEnd < e.port) {
      p.error(
        at("extraPorts", i, "portEnd"),
        "prep.port-range",
        `${at("extraPorts", i, "portEnd")}: ${e.portEnd} is below port ${e.port}; a range runs from port to portEnd`,
      );
    }
  });

  // kernel modules
  const modules = new Map<string, string>();
  const addModule = (name: string, reason: string) => {
    if (!modules.has(name)) modules.set(name, MODULE_REASONS[name] ?? reason);
  };
  addModule("br_netfilter", "");
  addModule("overlay", "");
  for (const r of reqs) for (const m of r.kernelModules) addModule(m, `needed by ${r.component}`);
  if (o.conntrackMax !== undefined) addModule("nf_conntrack", "");
  o.kernelModules.forEach((m, i) => {
    if (checkShellValue(p, at("kernelModules", i), m, KERNEL_MODULE)) addModule(m, `requested in ${at("kernelModules")}`);
  });

  // sysctl
  const families = new Set(plan.families);
  const sysctl: SysctlSetting[] = [];
  if (families.has("ipv4")) {
    sysctl.push({
      key: "net.ipv4.ip_forward",
      value: "1",
      reason: "pods and Services are routed through the host; Kubernetes requires IPv4 forwarding (container runtime prerequisites)",
    });
  }
  if (families.has("ipv6")) {
    sysctl.push({ key: "net.ipv6.conf.all.forwarding", value: "1", reason: "the same for the cluster's IPv6 pod and Service traffic" });
  }
  sysctl.push(
    {
      key: "net.bridge.bridge-nf-call-iptables",
      value: "1",
      reason: "IPv4 traffic between pods on the bridge passes iptables, so kube-proxy's Service rules and network policy see it",
    },
    { key: "net.bridge.bridge-nf-call-ip6tables", value: "1", reason: "the same for IPv6; flanneld checks it when IPv6 is on" },
  );
  if (o.conntrackMax !== undefined) {
    sysctl.push({
      key: "net.netfilter.nf_conntrack_max",
      value: String(o.conntrackMax),
      reason: `set by ${at("conntrackMax")} (Calico suggests 1000000 for busy nodes)`,
    });
  }
  for (const [key, rawValue] of Object.entries(o.sysctl).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const value = String(rawValue);
    const path = `${at("sysctl")}[${JSON.stringify(key)}]`;
    if (!checkShellValue(p, path, key, SYSCTL_KEY) || !checkShellValue(p, path, value, SYSCTL_VALUE)) continue;
    const existing = sysctl.find((s) => s.key === key);
    if (existing && existing.value !== value) {
      p.error(
        path,
        "prep.sysctl-conflict",
        `${path}: ${show(value)} conflicts with ${key} = ${existing.value}, which podnet sets because ${existing.reason}; remove it from ${at("sysctl")}`,
      );
    } else if (!existing) sysctl.push({ key, value, reason: `set by ${at("sysctl")}` });
  }

  // NetworkManager
  const nmDevices = o.networkManager === false ? [] : [...new Set(reqs.flatMap((r) => r.unmanagedDevices))];

  // CNI plugins
  let cni:
    | { version: string; plugins: readonly string[]; url: (arch: string) => string; sha: (arch: string) => string | undefined }
    | undefined;
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
      const missing = [...new Set(plan.nodes.map((n) => n.arch))].filter((a) => cni?.sha(a) === undefined);
      for (const arch of missing) {
        const nodes = plan.nodes.filter((n) => n.arch === arch).map((n) => n.name);
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

  // firewall needs
  const needs: FirewallNeed[] = [
    ...KUBERNETES_FIREWALL_NEEDS,
    ...reqs.flatMap((r) => r.firewall.map((n) => ({ ...n, purpose: `${r.component}: ${n.purpose}` }))),
    ...o.extraPorts.map((e) => ({
      protocol: e.protocol,
      port: e.port,
      ...(e.portEnd !== undefined ? { portEnd: e.portEnd } : {}),
      purpose: e.purpose,
      nodes: e.nodes,
    })),
  ];
  const trustedInterfaces = [...new Set(reqs.flatMap((r) => r.trustedInterfaces))];
  // An explicit prep.masquerade wins; otherwise on where the network NATs pod egress.
  const masqueradeBy = reqs.filter((r) => r.masquerade === true).map((r) => r.component);
  const masquerade = o.masquerade ?? masqueradeBy.length > 0;
  const sources = [...plan.podCidrs, ...plan.serviceCidrs];

  if (!p.ok) return undefined;

  if (reqs.length === 0) {
    p.warn(
      base,
      "prep.no-network",
      `${base}: no network component (flannel, calico) in the spec; host preparation covers the Kubernetes base needs only`,
    );
  }
  if (o.firewall === "none") {
    const perRole = (["all", "control-plane", "etcd"] as const)
      .map((scope) => {
        const list = needs.filter((n) => (n.nodes ?? "all") === scope).map((n) => `${firewallNeedText(n)} (${n.purpose})`);
        return list.length > 0 ? `${scope === "all" ? "all nodes" : `${scope} nodes`}: ${list.join(", ")}` : "";
      })
      .filter(Boolean);
    p.warn(
      at("firewall"),
      "prep.firewall-none",
      `${at("firewall")}: "none", so podnet leaves the host firewall alone; make sure these are open: ${perRole.join("; ")}; and that traffic from ${sources.join(", ")} is accepted`,
    );
  }

  const commonUnits: NodeUnit[] = [modulesUnit([...modules].map(([name, reason]) => ({ name, reason }))), sysctlUnit(sysctl)];
  if (nmDevices.length > 0) commonUnits.push(networkManagerUnit(nmDevices, o.networkManager === true));

  const nodes: NodePrep[] = plan.nodes.map((n) => {
    const units: NodeUnit[] = [...commonUnits];
    let fw: FirewalldPlan | undefined;
    if (o.firewall === "firewalld") {
      fw = firewalldPlan({
        zone: o.zone,
        trustedZone: o.trustedZone,
        masquerade,
        needs,
        roles: n.roles,
        sources,
        interfaces: trustedInterfaces,
      });
      units.push({
        id: "prep/firewalld",
        description: `firewalld: ${fw.ports.length + fw.protocols.length} openings in zone ${fw.zone}, pod traffic trusted in ${fw.trustedZone}`,
        files: [],
        commands: [firewalldCommand(fw)],
      });
    }
    if (cni) {
      const sha = cni.sha(n.arch) as string;
      units.push({
        id: "prep/cni-plugins",
        description: `CNI reference plugins v${cni.version} (${n.arch}) in ${o.cniBinDir}`,
        files: [],
        commands: [
          downloadArchiveCommand({
            name: `install CNI plugins v${cni.version}`,
            url: cni.url(n.arch),
            sha256: sha,
            destDir: o.cniBinDir,
            members: cni.plugins,
          }),
        ],
      });
    }
    if (o.swapOff) units.push(swapUnit());
    return {
      node: n.name,
      roles: n.roles,
      arch: n.arch,
      state: { node: n.name, units, ...(input.scope !== undefined ? { scope: input.scope } : {}) },
      ...(fw ? { firewall: fw } : {}),
    };
  });

  const summary = {
    firewall: o.firewall,
    ...(o.firewall === "firewalld"
      ? {
          masquerade: {
            zone: o.zone,
            enabled: masquerade,
            by:
              o.masquerade !== undefined
                ? `${at("masquerade")}: ${o.masquerade}`
                : masqueradeBy.length > 0
                  ? `${masqueradeBy.join(", ")} masquerades pod egress`
                  : "no network masquerades pod egress",
          },
        }
      : {}),
    kernelModules: [...modules.keys()],
    sysctl: Object.fromEntries(sysctl.map((s) => [s.key, s.value])),
    networkManagerUnmanaged: nmDevices,
    cniPlugins: cni ? { version: cni.version, plugins: cni.plugins, binDir: o.cniBinDir } : false,
    swapOff: o.swapOff,
    nodes: Object.fromEntries(
      nodes.map((n) => [
        n.node,
        {
          units: n.state.units.map((u) => u.id),
          ...(n.firewall ? { firewall: { zone: n.firewall.zone, openings: openingsText(n.firewall) } } : {}),
        },
      ]),
    ),
  };
  return {
    options: o,
    nodes,
    kernelModules: [...modules].map(([name, reason]) => ({ name, reason })),
    sysctl,
    unmanagedDevices: nmDevices,
    commonUnits,
    summary,
  };
}

/**
 * The spec's `prep:` section as a bundle component: runs after the network
 * components and consumes their host requirements (spec/bundle.ts).
 */
export function prepComponent(
  options: NodeNetworkPrepOptions,
  plan: CidrPlan,
  p: Problems,
  hostRequirements: readonly HostRequirements[],
): ComponentArtifacts | undefined {
  const r = checkNodeNetworkPrep({ plan, options, hostRequirements });
  p.merge(r);
  if (!r.result) return undefined;
  return {
    nodeUnits: Object.fromEntries(r.result.nodes.map((n) => [n.node, n.state.units])),
    summary: { prep: r.result.summary },
  };
}
