/**
 * Doctor checks of the host around the pod network: NAT of pod traffic,
 * sysctls, kernel modules, NetworkManager and firewalld.
 */
import { addressText, type Cidr, FAMILY_LABEL, type IpFamily, parseCidr } from "../../shared/cidr.js";
import type { DiagnosisBuilder } from "../builder.js";
import { DOCTOR_SECTIONS } from "../collect.js";
import { commandText, type NodeFacts, parseNmConfig, type RawSection, sysctlFact, zoneFact } from "../facts.js";
import { evaluateNat, type IptablesRule } from "../iptables.js";
import type { ExpectedNodeState } from "../model.js";
import type { RouteState } from "./net.js";
import { lookupRoute } from "./net.js";
import type { SubnetState } from "./subnet.js";

/** Destinations outside every cluster for the egress probe: TEST-NET-1 (RFC 5737) and the documentation prefix (RFC 3849). */
const OUTSIDE: Record<IpFamily, string> = { ipv4: "192.0.2.1", ipv6: "2001:db8::1" };

/** A pod address in a block: the third address (the first is the network, the second the CNI bridge). */
function podIn(block: Cidr): bigint {
  return block.first + 2n <= block.last ? block.first + 2n : block.first;
}

/** The rule with `! -d <cluster>` added after its source match: the seed-004 fix. */
function narrowed(rule: IptablesRule, cluster: string): string {
  const t = [...rule.tokens];
  const at = t.findIndex((x) => x === "-s" || x === "--source");
  const insert = ["!", "-d", cluster];
  if (at >= 0) t.splice(at + 2, 0, ...insert);
  else t.splice(0, 0, ...insert);
  return t.map((x) => (/[\s"]/.test(x) ? JSON.stringify(x) : x)).join(" ");
}

function words(rule: IptablesRule): string {
  return rule.tokens.map((x) => (/[\s"]/.test(x) ? JSON.stringify(x) : x)).join(" ");
}

export function checkMasquerade(
  expected: ExpectedNodeState,
  facts: NodeFacts,
  subnet: SubnetState,
  routes: RouteState,
  d: DiagnosisBuilder,
): void {
  const m = expected.masquerade;
  if (!m) return;
  const check = "masquerade";
  for (const f of expected.families) {
    const clusterText = expected.clusterCidrs[f];
    const cluster = clusterText ? parseCidr(clusterText) : undefined;
    if (!cluster?.ok) continue;
    const tables = facts.nat[f];
    if (!tables.ok) {
      d.cannot(check, `${FAMILY_LABEL[f]}: ${tables.reason}`);
      continue;
    }
    d.ran(check);
    const poolText = m.pools?.[f];
    const pool = poolText ? parseCidr(poolText) : undefined;
    const own = subnet.subnets[f] ?? (pool?.ok ? pool.value : undefined);
    if (!own) continue;
    const src = podIn(own);
    const route = routes[f];
    // Another node's pod: a routed peer subnet, else an address of the cluster CIDR outside the node's own range.
    const dst = route ? podIn(route.peer) : own.last + 3n <= cluster.value.last ? own.last + 3n : cluster.value.first + 2n;
    const overlay = expected.devices.find((x) => x.family === f)?.name;
    const out = route?.device ?? overlay ?? expected.publicAddresses?.find((a) => a.family === f)?.interface;
    const seen = new Set<string>();
    for (const table of tables.value) {
      const v = evaluateNat(table, { family: f, src, dst, ...(out ? { out } : {}) });
      if (!v.nat || !v.rule || seen.has(v.rule.spec)) continue;
      seen.add(v.rule.spec);
      const docker = v.rule.matches.some((x) => x.kind === "out" && x.negated && x.value === "docker0");
      d.find(
        check,
        "masquerade.pod-to-pod",
        `${FAMILY_LABEL[f]} pod traffic between nodes keeps its source address (${addressText(f, src)} -> ${addressText(f, dst)}${out ? ` out ${out}` : ""} is not NATed)`,
        `masqueraded by "-A ${v.rule.chain} ${words(v.rule)}"${docker ? " (Docker's rule for its bridge)" : ""}: remote pods see the node's address, not the pod's`,
        `replace the rule with one that leaves the cluster alone (seed 004): ${f === "ipv4" ? "iptables" : "ip6tables"} -t nat -D ${v.rule.chain} ${words(v.rule)}; ${f === "ipv4" ? "iptables" : "ip6tables"} -t nat -I ${v.rule.chain} ${narrowed(v.rule, cluster.value.text)}; and persist it (iptables-persistent)${docker ? ". Better: run dockerd with --ip-masq=false and let flanneld masquerade (flannel.ipMasq: true), so Docker never adds it again" : ""}`,
      );
    }
    if (m.egress && !expected.flannel?.nftables) {
      const outside = parseCidr(`${OUTSIDE[f]}/${f === "ipv4" ? 32 : 128}`);
      if (!outside.ok) continue;
      const table = facts.routes[f];
      const egressDev = table.ok ? lookupRoute(table.value, outside.value)?.device : undefined;
      const dev = egressDev ?? expected.publicAddresses?.find((a) => a.family === f)?.interface;
      const nat = tables.value.some((t) => evaluateNat(t, { family: f, src, dst: outside.value.first, ...(dev ? { out: dev } : {}) }).nat);
      if (!nat) {
        d.find(
          check,
          "masquerade.egress-missing",
          `${FAMILY_LABEL[f]} pod traffic leaving the cluster is masqueraded (${m.by})`,
          `${addressText(f, src)} -> ${OUTSIDE[f]}${dev ? ` out ${dev}` : ""} leaves with the pod's address: no MASQUERADE for the pod network in nat POSTROUTING`,
          `flanneld adds its FLANNEL-POSTRTG chain with --ip-masq and re-adds it every few seconds: check that flanneld runs with --ip-masq on node "${expected.node}" (its log shows iptables errors otherwise)`,
        );
      }
    }
  }
}

export function checkSysctls(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): void {
  const check = "sysctl";
  for (const s of expected.sysctls) {
    const v = sysctlFact(facts.sections, s.key);
    if (!v.ok) {
      d.cannot(check, v.reason);
      continue;
    }
    d.ran(check);
    if (v.value === undefined) {
      // Without br_netfilter the bridge keys do not exist: the module check reports that once.
      if (s.key.startsWith("net.bridge.")) continue;
      d.find(
        check,
        "sysctl.missing",
        `${s.key} = ${s.value} (${s.reason})`,
        `${s.key} does not exist on the node`,
        `the kernel lacks the feature behind ${s.key}; load its module or remove the setting from the spec`,
      );
    } else if (v.value !== s.value) {
      d.find(
        check,
        "sysctl.value",
        `${s.key} = ${s.value} (${s.reason})`,
        `${s.key} = ${v.value}`,
        `sysctl -w ${s.key}=${s.value} now; NodeNetworkPrep keeps it in /etc/sysctl.d/podnet.conf for boot: check that file is there and that no later sysctl.d file or tool (e.g. a container runtime restart) resets it`,
      );
    }
  }
}

const MODULE_DEVICE_KIND: Readonly<Record<string, string>> = { vxlan: "vxlan", ipip: "ipip", wireguard: "wireguard", tun: "tun" };

function lines(s: RawSection | undefined): string[] | undefined {
  if (!s || (s.status !== "file" && s.status !== "dir" && s.status !== "ran") || s.rc !== 0) return undefined;
  return s.text.split("\n").filter((l) => l !== "");
}

export function checkModules(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): void {
  if (expected.kernelModules.length === 0) return;
  const check = "modules";
  const S = DOCTOR_SECTIONS;
  const norm = (n: string) => n.replaceAll("-", "_");
  const procModules = lines(facts.sections.get(S.modules))?.map((l) => norm(l.split(" ")[0] ?? ""));
  const sysModule = new Set(lines(facts.sections.get(S.sysModule))?.map(norm) ?? []);
  const builtinSection = facts.sections.get(S.builtin);
  const builtin = new Set(lines(builtinSection)?.map((l) => norm((l.split("/").pop() ?? "").replace(/\.ko.*$/, ""))) ?? []);
  const filesystems = lines(facts.sections.get(S.filesystems))?.map((l) => l.trim().split(/\s+/).pop() ?? "") ?? [];
  const kinds = new Set(facts.links.ok ? facts.links.value.map((l) => l.kind).filter((k): k is string => k !== undefined) : []);
  const bridgeKey = sysctlFact(facts.sections, "net.bridge.bridge-nf-call-iptables");
  d.ran(check);
  for (const m of expected.kernelModules) {
    const name = norm(m.name);
    if (name === "br_netfilter" && bridgeKey.ok) {
      // The bridge-nf-call sysctls exist exactly when br_netfilter is loaded (or built in).
      if (bridgeKey.value !== undefined) continue;
      d.find(
        check,
        "module.missing",
        `kernel module br_netfilter loaded (${m.reason})`,
        "/proc/sys/net/bridge/bridge-nf-call-iptables does not exist: br_netfilter is not loaded",
        "modprobe br_netfilter, then sysctl -p /etc/sysctl.d/podnet.conf; NodeNetworkPrep lists it in /etc/modules-load.d/podnet.conf so it loads at boot",
      );
      continue;
    }
    const present =
      procModules?.includes(name) ||
      sysModule.has(name) ||
      builtin.has(name) ||
      (name === "overlay" && filesystems.includes("overlay")) ||
      (MODULE_DEVICE_KIND[name] !== undefined && kinds.has(MODULE_DEVICE_KIND[name] as string));
    if (present) continue;
    if (procModules !== undefined && builtinSection?.status === "file") {
      d.find(
        check,
        "module.missing",
        `kernel module ${m.name} loaded (${m.reason})`,
        `${m.name} is neither loaded (/proc/modules) nor built in (modules.builtin)`,
        `modprobe ${m.name}; NodeNetworkPrep lists it in /etc/modules-load.d/podnet.conf so it loads at boot`,
      );
    } else {
      d.cannot(
        check,
        `kernel module ${m.name}: not in /sys/module, and the node has no ${procModules === undefined ? "/proc/modules" : "modules.builtin"} to tell whether it is built in`,
      );
    }
  }
}

/** NetworkManager glob (`*`, `?`) against a device name. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
  );
  return re.test(name);
}

/** One NetworkManager device spec (`interface-name:flannel*`, `except:...`, `*`) against a device name. */
function specMatches(spec: string, name: string): boolean | undefined {
  if (spec === "*") return true;
  const m = /^interface-name:([=~]?)(.*)$/.exec(spec);
  if (!m) return undefined;
  return m[1] === "=" ? m[2] === name : globMatch(m[2] as string, name);
}

/** Whether a device-spec list (NetworkManager.conf "Device List Format") matches a device name. */
export function nmSpecListMatches(list: string, name: string): boolean {
  const specs = list
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const positive = specs.filter((s) => !s.startsWith("except:"));
  const except = specs.filter((s) => s.startsWith("except:")).map((s) => s.slice("except:".length));
  if (except.some((s) => specMatches(s, name) === true)) return false;
  if (positive.length === 0) return except.length > 0;
  return positive.some((s) => specMatches(s, name) === true);
}

/** True when NetworkManager's configuration leaves the device unmanaged. */
export function nmLeavesAlone(config: ReturnType<typeof parseNmConfig>, name: string): boolean {
  const unmanaged = config.get("keyfile")?.get("unmanaged-devices");
  if (unmanaged && nmSpecListMatches(unmanaged, name)) return true;
  for (const [section, keys] of config) {
    if (!section.startsWith("device")) continue;
    const match = keys.get("match-device");
    const managed = keys.get("managed");
    if (managed === undefined || (match !== undefined && !nmSpecListMatches(match, name))) continue;
    return /^(0|false|no)$/i.test(managed);
  }
  return false;
}

export function checkNetworkManager(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): void {
  if (expected.networkManagerUnmanaged.length === 0) return;
  const check = "network-manager";
  const s = facts.sections.get(DOCTOR_SECTIONS.networkManager);
  if (s?.status === "missing") {
    d.ran(check); // not installed: nothing manages the devices
    return;
  }
  const t = commandText(facts.sections, DOCTOR_SECTIONS.networkManager, "NetworkManager --print-config");
  if (!t.ok) {
    d.cannot(check, t.reason);
    return;
  }
  d.ran(check);
  const config = parseNmConfig(t.value);
  const present = facts.links.ok
    ? facts.links.value.map((l) => l.name).filter((n) => expected.networkManagerPatterns.some((p) => globMatch(p, n)))
    : [];
  const names = [...new Set([...expected.networkManagerUnmanaged, ...present])];
  const managed = names.filter((n) => !nmLeavesAlone(config, n));
  if (managed.length === 0) return;
  const current = config.get("keyfile")?.get("unmanaged-devices");
  const want = expected.networkManagerPatterns.map((p) => `interface-name:${p}`).join(";");
  d.find(
    check,
    "network-manager.manages",
    `NetworkManager leaves ${names.join(", ")} alone ([keyfile] unmanaged-devices covering ${want})`,
    `its configuration manages ${managed.join(", ")} (unmanaged-devices = ${current ? JSON.stringify(current) : "not set"})`,
    `NetworkManager takes addresses and routes from devices it manages. NodeNetworkPrep writes /etc/NetworkManager/conf.d/podnet.conf with "[keyfile]\\nunmanaged-devices+=${want}": restore it (or add it), then nmcli general reload conf`,
  );
}

function portOpen(list: readonly string[], want: string): boolean {
  const [range = "", proto = ""] = want.split("/");
  const [lo = Number.NaN, hi = lo] = range.split("-").map(Number);
  return list.some((p) => {
    const [r = "", pr = ""] = p.split("/");
    if (pr !== proto) return false;
    const [a = Number.NaN, b = a] = r.split("-").map(Number);
    return a <= lo && hi <= b;
  });
}

export function checkFirewalld(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): void {
  const fw = expected.firewalld;
  if (!fw) return;
  const check = "firewalld";
  const state = facts.sections.get(DOCTOR_SECTIONS.firewalldState);
  if (!state) {
    d.cannot(check, "firewalld state: not in the collection output");
    return;
  }
  if (state.status === "missing") {
    d.find(
      check,
      "firewalld.missing",
      `firewalld with ${fw.ports.length + fw.protocols.length} openings in zone ${fw.zone} (prep.firewall: firewalld)`,
      "neither firewall-cmd nor firewall-offline-cmd is installed",
      "install firewalld, or set prep.firewall: none if the node has no host firewall",
    );
    return;
  }
  const purpose = (what: string) => fw.openings.find((o) => o.what === what)?.purpose ?? "podnet";
  const zone = zoneFact(facts.sections, fw.zone);
  const cmd = state.status === "running" ? "firewall-cmd --permanent" : "firewall-offline-cmd";
  const reload = state.status === "running" ? " && firewall-cmd --reload" : "";
  if (!zone.ok) d.cannot(check, zone.reason);
  else if (zone.value.target !== "ACCEPT") {
    d.ran(check);
    for (const port of fw.ports) {
      if (portOpen(zone.value.ports, port)) continue;
      d.find(
        check,
        "firewalld.port-closed",
        `${port} open in firewalld zone ${fw.zone} (${purpose(port)})`,
        `zone ${fw.zone} opens ${zone.value.ports.join(" ") || "no ports"}${zone.value.services.length > 0 ? ` and services ${zone.value.services.join(" ")}` : ""}`,
        `${cmd} --zone=${fw.zone} --add-port=${port}${reload} (NodeNetworkPrep's prep/firewalld unit does this; something removed it since)`,
      );
    }
    for (const proto of fw.protocols) {
      if (zone.value.protocols.includes(proto)) continue;
      const what = proto === "4" ? "ipip" : proto === "50" ? "esp" : proto;
      d.find(
        check,
        "firewalld.protocol-closed",
        `IP protocol ${proto} allowed in firewalld zone ${fw.zone} (${purpose(what)})`,
        `zone ${fw.zone} allows protocols ${zone.value.protocols.join(" ") || "none"}`,
        `${cmd} --zone=${fw.zone} --add-protocol=${proto}${reload}`,
      );
    }
  } else d.ran(check);
  if (fw.sources.length === 0 && fw.interfaces.length === 0) return;
  const trusted = zoneFact(facts.sections, fw.trustedZone);
  if (!trusted.ok) {
    d.cannot(check, trusted.reason);
    return;
  }
  const missingSources = fw.sources.filter((s) => !trusted.value.sources.includes(s));
  if (missingSources.length > 0) {
    d.find(
      check,
      "firewalld.source-untrusted",
      `pod and service CIDRs ${fw.sources.join(", ")} in firewalld zone ${fw.trustedZone}`,
      `zone ${fw.trustedZone} has sources ${trusted.value.sources.join(" ") || "none"}`,
      `${cmd} --zone=${fw.trustedZone} ${missingSources.map((s) => `--add-source=${s}`).join(" ")}${reload}`,
    );
  }
  const missingIfaces = fw.interfaces.filter((i) => !trusted.value.interfaces.includes(i));
  if (missingIfaces.length > 0) {
    d.find(
      check,
      "firewalld.interface-untrusted",
      `${fw.interfaces.join(", ")} in firewalld zone ${fw.trustedZone}`,
      `zone ${fw.trustedZone} has interfaces ${trusted.value.interfaces.join(" ") || "none"}`,
      `${cmd} --zone=${fw.trustedZone} ${missingIfaces.map((i) => `--add-interface=${i}`).join(" ")}${reload}`,
    );
  }
}
