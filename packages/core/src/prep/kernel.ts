/**
 * The kernel side of NodeNetworkPrep: which modules to load (and why) and which sysctls to
 * set, from the plan's families, the components' needs and the prep options.
 */
import type { HostRequirements } from "../host/requirements.js";
import type { IpFamily } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { checkShellValue, KERNEL_MODULE, SYSCTL_KEY, SYSCTL_VALUE } from "../shared/shell.js";
import type { PrepPath } from "./checks.js";
import type { NodeNetworkPrepConfig } from "./options.js";
import type { SysctlSetting } from "./units.js";

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

/** The kernel modules to load, name to reason, in load order (br_netfilter and overlay first). */
export function kernelModules(o: NodeNetworkPrepConfig, reqs: readonly HostRequirements[], at: PrepPath, p: Problems): Map<string, string> {
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
  return modules;
}

/** The sysctls to set: forwarding per family, the bridge-nf-call pair, conntrackMax, then the user's (checked against podnet's). */
export function sysctlSettings(o: NodeNetworkPrepConfig, planFamilies: readonly IpFamily[], at: PrepPath, p: Problems): SysctlSetting[] {
  const families = new Set(planFamilies);
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
  return sysctl;
}
