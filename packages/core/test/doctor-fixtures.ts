/**
 * A synthetic healthy node for doctor's unit tests: the collection output a
 * node would print when it has exactly what its ExpectedNodeState asks for
 * (links, addresses, routes, subnet.env, flannel's NAT rules, sysctls,
 * modules, NetworkManager, firewalld, the CNI config). Tests break one piece
 * through `tweak` and check the finding. The real thing runs in test/doctor.test.ts.
 */
import type { DoctorPlan, ExpectedNodeState } from "@podnet/core";
import {
  applyClusterFacts,
  DOCTOR_SECTIONS,
  dirSection,
  encodeDoctorSection,
  fileSection,
  nthAddress,
  parseCidr,
  parseClusterFacts,
  sysctlSection,
} from "@podnet/core/internal";

export interface FakeLink {
  ifname: string;
  mtu: number;
  flags: string[];
  linkinfo?: { info_kind: string; info_data?: Record<string, unknown> };
}
export interface FakeAddr {
  ifname: string;
  local: string;
  prefixlen: number;
}
export interface FakeRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  flags: string[];
  type?: string;
}

/** Everything the fake node prints, editable before encoding. */
export interface FakeNode {
  links: FakeLink[];
  addrs: FakeAddr[];
  routes: { ipv4: FakeRoute[]; ipv6: FakeRoute[] };
  /** File path -> content (undefined = absent). */
  files: Record<string, string | undefined>;
  /** Directory -> names (undefined = absent). */
  dirs: Record<string, string[] | undefined>;
  sysctls: Record<string, string | undefined>;
  procModules?: string;
  sysModule: string[];
  builtin?: string;
  iptables?: string;
  ip6tables?: string;
  /** undefined = NetworkManager not installed. */
  nm?: string;
  firewalldState: "running" | "offline" | "missing";
  zones: string;
  /** Sections to drop or replace verbatim (name -> line or undefined). */
  raw: Record<string, string | undefined>;
}

const bits = (a: string) => (a.includes(":") ? 128 : 32);

function flannelNat(cluster: string, own: string, v6: boolean): string {
  const mc = v6 ? "ff00::/8" : "224.0.0.0/4";
  return [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ":FLANNEL-POSTRTG - [0:0]",
    ":KUBE-POSTROUTING - [0:0]",
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
    `-A FLANNEL-POSTRTG -s ${own} -d ${cluster} -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${cluster} -d ${own} -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s ${cluster} -d ${own} -m comment --comment "flanneld masq" -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${cluster} ! -d ${mc} -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s ${cluster} -d ${cluster} -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    "COMMIT",
    "",
  ].join("\n");
}

/** The node as it should be. */
export function healthyNode(e: ExpectedNodeState): FakeNode {
  const n: FakeNode = {
    links: [{ ifname: "lo", mtu: 65536, flags: ["LOOPBACK", "UP", "LOWER_UP"] }],
    addrs: [{ ifname: "lo", local: "127.0.0.1", prefixlen: 8 }],
    routes: { ipv4: [], ipv6: [] },
    files: {},
    dirs: {},
    sysctls: {},
    procModules: "",
    sysModule: [],
    builtin: "",
    firewalldState: "offline",
    zones: "",
    raw: {},
  };
  for (const a of e.publicAddresses ?? []) {
    if (!n.links.some((l) => l.ifname === a.interface))
      n.links.push({ ifname: a.interface, mtu: a.mtu ?? 1500, flags: ["BROADCAST", "UP", "LOWER_UP"], linkinfo: { info_kind: "veth" } });
    n.addrs.push({ ifname: a.interface, local: a.address, prefixlen: a.family === "ipv4" ? 24 : 64 });
  }
  for (const d of e.devices) {
    const data: Record<string, unknown> = {};
    if (d.vni !== undefined) data.id = d.vni;
    if (d.port !== undefined) data.port = d.port;
    if (d.underlay) {
      data.link = d.underlay.interface;
      if (d.underlay.address) data[d.underlay.address.includes(":") ? "local6" : "local"] = d.underlay.address;
    }
    n.links.push({
      ifname: d.name,
      mtu: d.mtu ?? d.maxMtu ?? 1450,
      flags: ["BROADCAST", "UP", "LOWER_UP"],
      linkinfo: { info_kind: d.kind, info_data: data },
    });
    const sub = d.family ? e.subnet?.planned[d.family] : undefined;
    const c = sub ? parseCidr(sub) : undefined;
    if (d.holdsSubnetAddress && c?.ok) n.addrs.push({ ifname: d.name, local: nthAddress(c.value, 0n), prefixlen: bits(sub as string) });
  }
  for (const r of e.routes) {
    const c = parseCidr(r.subnet);
    if (!c.ok) continue;
    const gateway = r.gateway === "subnet" ? nthAddress(c.value, 0n) : r.gateway === "peer" ? r.peerAddress : undefined;
    n.routes[r.family].push({
      dst: r.subnet,
      ...(gateway ? { gateway } : {}),
      dev: r.device,
      flags: r.gateway === "none" ? [] : ["onlink"],
    });
  }
  if (e.flannel && e.subnet) {
    const lines: string[] = [];
    const v4 = e.subnet.planned.ipv4 ? parseCidr(e.subnet.planned.ipv4) : undefined;
    const v6 = e.subnet.planned.ipv6 ? parseCidr(e.subnet.planned.ipv6) : undefined;
    if (e.clusterCidrs.ipv4) lines.push(`FLANNEL_NETWORK=${e.clusterCidrs.ipv4}`);
    if (v4?.ok) lines.push(`FLANNEL_SUBNET=${nthAddress(v4.value, 1n)}/${v4.value.prefix}`);
    if (e.clusterCidrs.ipv6) lines.push(`FLANNEL_IPV6_NETWORK=${e.clusterCidrs.ipv6}`);
    if (v6?.ok) lines.push(`FLANNEL_IPV6_SUBNET=${nthAddress(v6.value, 1n)}/${v6.value.prefix}`);
    lines.push(`FLANNEL_MTU=${e.flannel.mtu ?? 1450}`, `FLANNEL_IPMASQ=${e.flannel.ipMasq}`);
    n.files[e.flannel.subnetFile] = `${lines.join("\n")}\n`;
    if (e.clusterCidrs.ipv4 && e.subnet.planned.ipv4) n.iptables = flannelNat(e.clusterCidrs.ipv4, e.subnet.planned.ipv4, false);
    if (e.clusterCidrs.ipv6 && e.subnet.planned.ipv6) n.ip6tables = flannelNat(e.clusterCidrs.ipv6, e.subnet.planned.ipv6, true);
  }
  n.iptables ??= "";
  n.ip6tables ??= "";
  for (const s of e.sysctls) n.sysctls[s.key] = `${s.value}\n`;
  n.procModules = e.kernelModules.map((m) => `${m.name} 40960 0 - Live 0x0000000000000000`).join("\n");
  if (e.networkManagerPatterns.length > 0) {
    n.nm = `# NetworkManager configuration: /etc/NetworkManager/NetworkManager.conf (etc: podnet.conf)\n\n[main]\nplugins=ifupdown,keyfile\n\n[keyfile]\nunmanaged-devices=${e.networkManagerPatterns.map((p) => `interface-name:${p}`).join(",")}\n`;
  }
  if (e.firewalld) {
    const fw = e.firewalld;
    n.zones = [
      `${fw.zone} (default)`,
      "  target: default",
      "  interfaces: ",
      "  sources: ",
      "  services: ssh dhcpv6-client",
      `  ports: ${fw.ports.join(" ")}`,
      `  protocols: ${fw.protocols.join(" ")}`,
      "  masquerade: no",
      "",
      fw.trustedZone,
      "  target: ACCEPT",
      `  interfaces: ${fw.interfaces.join(" ")}`,
      `  sources: ${fw.sources.join(" ")}`,
      "  services: ",
      "  ports: ",
      "  protocols: ",
      "  masquerade: no",
      "",
    ].join("\n");
  }
  if (e.cni) {
    n.dirs[e.cni.confDir] = [e.cni.file];
    n.files[`${e.cni.confDir}/${e.cni.file}`] = JSON.stringify({
      cniVersion: "0.3.1",
      name: "cbr0",
      plugins: [{ type: e.cni.pluginType }, { type: "portmap" }],
    });
  }
  return n;
}

/** The collection output of a fake node. */
export function render(n: FakeNode): string {
  const S = DOCTOR_SECTIONS;
  const out = new Map<string, string>();
  const set = (name: string, status: string, rc: number, text: string) => out.set(name, encodeDoctorSection(name, status, rc, text));
  const json = (v: unknown) => JSON.stringify(v);
  set(S.host, "ran", 0, "node\n");
  set(
    S.addresses,
    "ran",
    0,
    json(
      n.links.map((l) => ({
        ifname: l.ifname,
        addr_info: n.addrs
          .filter((a) => a.ifname === l.ifname)
          .map((a) => ({ family: a.local.includes(":") ? "inet6" : "inet", local: a.local, prefixlen: a.prefixlen })),
      })),
    ),
  );
  set(S.links, "ran", 0, json(n.links));
  set(S.routes4, "ran", 0, json(n.routes.ipv4));
  set(S.routes6, "ran", 0, json(n.routes.ipv6));
  set(S.iptables, "ran", 0, n.iptables ?? "");
  set(S.ip6tables, "ran", 0, n.ip6tables ?? "");
  set(S.nft, "missing", 127, "");
  if (n.procModules === undefined) set(S.modules, "absent", 0, "");
  else set(S.modules, "file", 0, n.procModules);
  set(S.sysModule, "dir", 0, n.sysModule.join("\n"));
  set(S.filesystems, "file", 0, "nodev\tproc\n\text4\nnodev\toverlay\n");
  if (n.builtin === undefined) set(S.builtin, "absent", 0, "");
  else set(S.builtin, "file", 0, n.builtin);
  for (const [k, v] of Object.entries(n.sysctls)) set(sysctlSection(k), v === undefined ? "absent" : "file", 0, v ?? "");
  for (const [p, v] of Object.entries(n.files)) set(fileSection(p), v === undefined ? "absent" : "file", 0, v ?? "");
  for (const [d, v] of Object.entries(n.dirs)) set(dirSection(d), v === undefined ? "absent" : "dir", 0, (v ?? []).join("\n"));
  if (n.nm === undefined) set(S.networkManager, "missing", 127, "");
  else set(S.networkManager, "ran", 0, n.nm);
  set(S.firewalldState, n.firewalldState, n.firewalldState === "missing" ? 127 : 0, "");
  if (n.firewalldState !== "missing") set(S.firewalldZones, "ran", 0, n.zones);
  for (const [name, line] of Object.entries(n.raw)) {
    if (line === undefined) out.delete(name);
    else out.set(name, line);
  }
  return `${[...out.values()].join("\n")}\n`;
}

/** A node as `kubectl get nodes -o json` prints it (core/v1 Node, trimmed to typical fields). */
export interface FakeClusterNode {
  name: string;
  podCidrs: string[];
  internalIps: string[];
}

/** `kubectl get nodes -o json`: a v1 List of core/v1 Node objects (metadata, spec, status). */
export function nodeListJson(nodes: readonly FakeClusterNode[]): unknown {
  return {
    apiVersion: "v1",
    kind: "List",
    items: nodes.map((n) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: n.name,
        labels: { "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux" },
        annotations: { "node.alpha.kubernetes.io/ttl": "0" },
        creationTimestamp: "2026-01-01T00:00:00Z",
        resourceVersion: "1000",
        uid: "00000000-0000-4000-8000-000000000000",
      },
      spec: { ...(n.podCidrs[0] ? { podCIDR: n.podCidrs[0] } : {}), ...(n.podCidrs.length > 0 ? { podCIDRs: n.podCidrs } : {}) },
      status: {
        addresses: [...n.internalIps.map((address) => ({ type: "InternalIP", address })), { type: "Hostname", address: n.name }],
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }],
        nodeInfo: { kubeletVersion: "v1.31.0", architecture: "amd64", operatingSystem: "linux" },
      },
    })),
    metadata: { resourceVersion: "" },
  };
}

/** The cluster as registered in spec order: every Node holds the subnet the plan predicted. */
export function registeredAsPlanned(doctor: DoctorPlan): unknown {
  return nodeListJson(
    doctor.plan.nodes.map((n) => ({
      name: n.name,
      podCidrs: doctor.plan.families.flatMap((f) => (n.podCidrs[f] ? [n.podCidrs[f] as string] : [])),
      internalIps: n.interfaces.flatMap((i) => i.addresses.map((a) => a.address)),
    })),
  );
}

/** The plan with the cluster's assignment applied (what `podnet doctor --nodes-json` checks against). */
export function withCluster(doctor: DoctorPlan, nodeList: unknown = registeredAsPlanned(doctor)): DoctorPlan {
  const r = parseClusterFacts(nodeList, "nodes.json");
  if (!r.facts) throw new Error(r.problems.join("; "));
  return applyClusterFacts(doctor, r.facts).doctor;
}
