/**
 * A self-checking variant of doctor for one node: a read-only bash script,
 * generated from the node's ExpectedNodeState, that prints one line per
 * fault (`podnet-doctor: <code>: <what>`) and exits 1 when there is any.
 * Deploy tools that can only run a command (the Pulumi verify step's
 * `remote.Command`) fail on exactly the faults `podnet doctor` reports, with
 * the same codes.
 *
 * It covers what a shell can decide alone: subnet.env, the interface and its
 * address and MTU, overlay devices, routes (when the node subnets are fixed by
 * the plan: etcd reservations, or the cluster's Node objects read by the CLI;
 * never a prediction of kube-controller-manager's assignment), sysctls, kernel modules, NetworkManager's unmanaged-devices,
 * firewalld openings and the CNI config order. The NAT probes (Docker's broad
 * MASQUERADE) need the rule walk of doctor/iptables.ts: `podnet doctor` only.
 */

import { type Cidr, type IpFamily, nthAddress, parseAddress, parseCidr } from "../shared/cidr.js";
import { INTERFACE_NAME } from "../shared/names.js";
import { Problems } from "../shared/problems.js";
import {
  checkShellValue,
  FIREWALLD_INTERFACE,
  FIREWALLD_ZONE,
  KERNEL_MODULE,
  SAFE_PATH,
  type ShellRule,
  SYSCTL_KEY,
  SYSCTL_VALUE,
  shQuote,
} from "../shared/shell.js";
import { cniLines, firewalldLines, moduleLines, networkManagerLines, sysctlLines } from "./check-script-host.js";
import type { ExpectedNodeState } from "./model.js";

const q = shQuote;

const IFACE_RULE: ShellRule = {
  code: "doctor.interface",
  pattern: INTERFACE_NAME,
  what: "interface name",
  rule: "1-15 letters, digits, _ . -",
  example: "eth0",
};
const PORT_RULE: ShellRule = {
  code: "doctor.port",
  pattern: /^[0-9]{1,5}(-[0-9]{1,5})?\/(tcp|udp|sctp|dccp)$/,
  what: "firewalld port",
  rule: "port[-port]/protocol",
  example: "8472/udp",
};
const PROTO_RULE: ShellRule = {
  code: "doctor.protocol",
  pattern: /^[0-9]{1,3}$/,
  what: "IP protocol number",
  rule: "a number",
  example: "4",
};
const FILE_RULE: ShellRule = {
  code: "doctor.file",
  pattern: /^[A-Za-z0-9._+@=-]{1,255}$/,
  what: "file name",
  rule: "letters, digits and ._+@=-",
  example: "10-flannel.conflist",
};

const HELPERS = `podnet_failed=0
podnet_checks=0
podnet_fail() {
  printf 'podnet-doctor: %s: %s\\n' "$1" "$2"
  podnet_failed=$((podnet_failed + 1))
}
podnet_ok() {
  podnet_checks=$((podnet_checks + 1))
}
# podnet_env FILE KEY: the last KEY=value of an env file, quotes removed.
podnet_env() {
  sed -n "s/^$2=//p" "$1" | tail -n 1 | tr -d '"'"'"
}
# podnet_expect_env FILE KEY WANT CODE WHAT
podnet_expect_env() {
  local got
  got=$(podnet_env "$1" "$2")
  if [[ "$got" == "$3" ]]; then podnet_ok; else podnet_fail "$4" "$5: expected $2=$3, found \${got:-nothing} in $1"; fi
}
# podnet_route_hop FAMILY ADDRESS: "dev via" of the route the kernel picks (a lookup; nothing is sent).
podnet_route_hop() {
  local words dev='' via='' i
  read -r -a words <<<"$(ip "-$1" -o route get "$2" 2>/dev/null | head -n 1)"
  for ((i = 0; i < \${#words[@]}; i++)); do
    case \${words[i]} in
      dev) dev=\${words[i + 1]:-} ;;
      via) via=\${words[i + 1]:-} ;;
    esac
  done
  printf '%s %s' "$dev" "$via"
}
podnet_module_present() {
  local name=$1 alt=\${1//_/-}
  if [[ -d /sys/module/$name ]]; then return 0; fi
  if [[ -r /proc/modules ]] && grep -qE "^($name|$alt) " /proc/modules; then return 0; fi
  case $name in
    br_netfilter) [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && return 0 ;;
    overlay) grep -qw overlay /proc/filesystems && return 0 ;;
  esac
  grep -qsE "/($name|$alt)\\.ko" "/lib/modules/$(uname -r)/modules.builtin" && return 0
  # Unknown without /proc/modules and modules.builtin: do not fail on what cannot be told.
  [[ ! -r /proc/modules || ! -r "/lib/modules/$(uname -r)/modules.builtin" ]] && return 2
  return 1
}
# podnet_nm_unmanaged SPECS DEVICE: whether NetworkManager's unmanaged-devices specs cover the device.
podnet_nm_unmanaged() {
  local spec pat
  local -a specs
  IFS=',;' read -r -a specs <<<"$1"
  for spec in "\${specs[@]}"; do
    spec=\${spec// /}
    [[ "$spec" == "*" ]] && return 0
    [[ "$spec" == interface-name:* ]] || continue
    pat=\${spec#interface-name:}
    pat=\${pat#[=~]}
    # shellcheck disable=SC2053 # the pattern is a glob on purpose
    [[ "$2" == $pat ]] && return 0
  done
  return 1
}`;

function validate(e: ExpectedNodeState): void {
  const p = new Problems();
  const at = (x: string) => `expected.${x}`;
  for (const a of e.publicAddresses ?? []) {
    checkShellValue(p, at("publicAddresses.interface"), a.interface, IFACE_RULE);
    if (!parseAddress(a.address).ok) p.error(at("publicAddresses.address"), "doctor.address", `${a.address} is not an address`);
  }
  for (const d of e.devices) checkShellValue(p, at("devices.name"), d.name, IFACE_RULE);
  for (const r of e.routes) {
    checkShellValue(p, at("routes.device"), r.device, IFACE_RULE);
    if (!parseCidr(r.subnet).ok) p.error(at("routes.subnet"), "doctor.cidr", `${r.subnet} is not a CIDR`);
    if (r.peerAddress !== undefined && !parseAddress(r.peerAddress).ok)
      p.error(at("routes.peerAddress"), "doctor.address", `${r.peerAddress} is not an address`);
  }
  if (e.flannel) checkShellValue(p, at("flannel.subnetFile"), e.flannel.subnetFile, SAFE_PATH);
  for (const s of e.sysctls) {
    checkShellValue(p, at("sysctls.key"), s.key, SYSCTL_KEY);
    checkShellValue(p, at("sysctls.value"), s.value, SYSCTL_VALUE);
  }
  for (const m of e.kernelModules) checkShellValue(p, at("kernelModules"), m.name, KERNEL_MODULE);
  for (const n of e.networkManagerUnmanaged) checkShellValue(p, at("networkManagerUnmanaged"), n, IFACE_RULE);
  if (e.firewalld) {
    checkShellValue(p, at("firewalld.zone"), e.firewalld.zone, FIREWALLD_ZONE);
    checkShellValue(p, at("firewalld.trustedZone"), e.firewalld.trustedZone, FIREWALLD_ZONE);
    for (const x of e.firewalld.ports) checkShellValue(p, at("firewalld.ports"), x, PORT_RULE);
    for (const x of e.firewalld.protocols) checkShellValue(p, at("firewalld.protocols"), x, PROTO_RULE);
    for (const x of e.firewalld.interfaces) checkShellValue(p, at("firewalld.interfaces"), x, FIREWALLD_INTERFACE);
    for (const x of e.firewalld.sources) if (!parseCidr(x).ok) p.error(at("firewalld.sources"), "doctor.cidr", `${x} is not a CIDR`);
  }
  if (e.cni) {
    checkShellValue(p, at("cni.confDir"), e.cni.confDir, SAFE_PATH);
    checkShellValue(p, at("cni.file"), e.cni.file, FILE_RULE);
  }
  p.throwIfErrors();
}

function firstHost(c: Cidr): string {
  return `${nthAddress(c, 1n)}/${c.prefix}`;
}

function subnetLines(e: ExpectedNodeState): string[] {
  const fl = e.flannel;
  if (!fl || !e.subnet) return [];
  const f = q(fl.subnetFile);
  const body: string[] = [];
  const keys: Record<IpFamily, [string, string]> = {
    ipv4: ["FLANNEL_NETWORK", "FLANNEL_SUBNET"],
    ipv6: ["FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET"],
  };
  for (const fam of e.families) {
    const [nk, sk] = keys[fam];
    const net = e.clusterCidrs[fam];
    if (net) body.push(`  podnet_expect_env ${f} ${nk} ${q(net)} subnet-env.network 'flannel Network'`);
    const planned = e.subnet.planned[fam] ? parseCidr(e.subnet.planned[fam] as string) : undefined;
    // A predicted subnet (kube-controller-manager assigns in registration order) is no fault when it differs.
    if (planned?.ok && e.subnet.authoritative && !e.subnet.predicted)
      body.push(`  podnet_expect_env ${f} ${sk} ${q(firstHost(planned.value))} subnet.stale ${q(`node subnet (${e.subnet.source})`)}`);
  }
  if (fl.mtu !== undefined) body.push(`  podnet_expect_env ${f} FLANNEL_MTU ${q(String(fl.mtu))} subnet-env.mtu 'pod MTU'`);
  body.push(`  podnet_expect_env ${f} FLANNEL_IPMASQ ${q(String(fl.ipMasq))} subnet-env.ipmasq 'flanneld --ip-masq'`);
  return [
    `if [[ -r ${f} ]]; then`,
    ...body,
    "else",
    `  podnet_fail subnet-env.missing ${q(`${fl.subnetFile} does not exist: flanneld has no lease (or does not run)`)}`,
    "fi",
  ];
}

function addressLines(e: ExpectedNodeState): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const a of e.publicAddresses ?? []) {
    const addr = q(` ${a.address}/`);
    out.push(
      `podnet_addrs=$(ip -o addr show dev ${q(a.interface)} 2>/dev/null)`,
      `podnet_all=$(ip -o addr show 2>/dev/null)`,
      `if [[ $podnet_addrs == *${addr}* ]]; then`,
      "  podnet_ok",
      `elif [[ $podnet_all == *${addr}* ]]; then`,
      `  podnet_fail address.wrong-interface ${q(`${a.address} is not on ${a.interface} (${a.path}) but on `)}"$(awk -v a=${addr} 'index($0, a) { print $2; exit }' <<<"$podnet_all")"`,
      `elif [[ ! -e /sys/class/net/${q(a.interface)} ]]; then`,
      `  podnet_fail interface.missing ${q(`no interface ${a.interface} (${a.path})`)}`,
      "else",
      `  podnet_fail address.missing ${q(`${a.address} is not on ${a.interface} (${a.path})`)}`,
      "fi",
    );
    if (a.mtu !== undefined && !seen.has(a.interface)) {
      seen.add(a.interface);
      out.push(
        `podnet_mtu=$(cat /sys/class/net/${q(a.interface)}/mtu 2>/dev/null || true)`,
        `if [[ -z $podnet_mtu || $podnet_mtu == ${a.mtu} ]]; then podnet_ok; else podnet_fail interface.mtu ${q(`${a.interface} MTU is not ${a.mtu} (${a.path}.mtu): `)}"$podnet_mtu"; fi`,
      );
    }
  }
  return out;
}

function deviceLines(e: ExpectedNodeState): string[] {
  const out: string[] = [];
  for (const d of e.devices) {
    const body = [`  podnet_mtu=$(cat /sys/class/net/${q(d.name)}/mtu)`];
    if (d.mtu !== undefined)
      body.push(
        `  if [[ $podnet_mtu == ${d.mtu} ]]; then podnet_ok; else podnet_fail overlay.mtu ${q(`${d.name} MTU is not ${d.mtu}: `)}"$podnet_mtu"; fi`,
      );
    else if (d.maxMtu !== undefined)
      body.push(
        `  if ((podnet_mtu <= ${d.maxMtu})); then podnet_ok; else podnet_fail overlay.mtu ${q(`${d.name} MTU is above ${d.maxMtu}: `)}"$podnet_mtu"; fi`,
      );
    if (d.kind === "vxlan" && (d.vni !== undefined || d.port !== undefined)) {
      body.push(`  podnet_link=$(ip -d link show dev ${q(d.name)} 2>/dev/null)`);
      if (d.vni !== undefined)
        body.push(
          `  if [[ $podnet_link == *"vxlan id ${d.vni} "* ]]; then podnet_ok; else podnet_fail overlay.vni ${q(`${d.name} does not have VNI ${d.vni}`)}; fi`,
        );
      if (d.port !== undefined)
        body.push(
          `  if [[ $podnet_link == *"dstport ${d.port} "* ]]; then podnet_ok; else podnet_fail overlay.port ${q(`${d.name} does not use UDP port ${d.port}`)}; fi`,
        );
    }
    out.push(
      `if [[ -e /sys/class/net/${q(d.name)} ]]; then`,
      ...body,
      "else",
      `  podnet_fail overlay.missing ${q(`no ${d.kind} device ${d.name} (${d.purpose})`)}`,
      "fi",
    );
  }
  return out;
}

/**
 * Routes to peers whose subnets are only predicted: per device, at least one
 * route of the node mask length per peer (via the subnet's network address for
 * vxlan, via the peer's address for host-gw and ipip), whatever subnets
 * kube-controller-manager assigned.
 */
function predictedRouteLines(e: ExpectedNodeState): string[] {
  const out: string[] = [];
  const groups = new Map<string, ExpectedNodeState["routes"][number][]>();
  for (const r of e.routes) {
    if (!r.predicted) continue;
    const key = `${r.family} ${r.device} ${r.gateway}${r.gateway === "peer" ? ` ${r.peerAddress ?? ""}` : ""}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const rs of groups.values()) {
    const r = rs[0] as ExpectedNodeState["routes"][number];
    const len = e.subnet?.length[r.family];
    if (len === undefined) continue;
    const fam = r.family === "ipv4" ? 4 : 6;
    const match = r.gateway === "subnet" ? '$2 == "via" && $3 == a[1]' : r.gateway === "peer" ? '$2 == "via" && $3 == gw' : "1";
    const peers = rs.map((x) => `"${x.peer}"`).join(", ");
    out.push(
      `podnet_n=$(ip -${fam} -o route show dev ${q(r.device)} 2>/dev/null | awk -v len=${len} -v gw=${q(r.peerAddress ?? "")} '{ split($1, a, "/"); if (a[2] == len && ${match}) n++ } END { print n + 0 }')`,
      `if ((podnet_n >= ${rs.length})); then podnet_ok; else podnet_fail route.missing ${q(`${rs.length} route(s) of /${len} subnets dev ${r.device}${r.gateway === "peer" ? ` via ${r.peerAddress}` : ""} (node ${peers}); found `)}"$podnet_n"; fi`,
    );
  }
  return out;
}

function routeLines(e: ExpectedNodeState): string[] {
  // Other nodes' subnets are only known here when the plan fixes them.
  if (!e.subnet?.authoritative) return [];
  const out: string[] = predictedRouteLines(e);
  for (const r of e.routes) {
    if (r.predicted) continue;
    const c = parseCidr(r.subnet);
    if (!c.ok) continue;
    const probe = nthAddress(c.value, c.value.last > c.value.first + 1n ? 2n : 0n);
    const gw = r.gateway === "subnet" ? nthAddress(c.value, 0n) : r.gateway === "peer" ? (r.peerAddress ?? "") : "";
    const want = `${r.device} ${gw}`;
    out.push(
      `podnet_hop=$(podnet_route_hop ${r.family === "ipv4" ? 4 : 6} ${q(probe)})`,
      `if [[ "$podnet_hop" == ${q(gw ? want : r.device)}${gw ? "" : "*"} ]]; then podnet_ok; else podnet_fail route.missing ${q(`${r.subnet} (node "${r.peer}") should go via ${gw || "-"} dev ${r.device}; the kernel picks: `)}"$podnet_hop"; fi`,
    );
  }
  return out;
}

/** Renders the self-checking script of one node (throws a NetworkPlanError on a value unfit for a script). */
export function renderDoctorCheckScript(expected: ExpectedNodeState): string {
  validate(expected);
  const lines = [
    "#!/usr/bin/env bash",
    `# podnet verify for node ${expected.node}: checks the pod network against the plan.`,
    "# Generated by podnet; read-only. Prints one line per fault and exits 1 when there is any.",
    "set -u -o pipefail",
    "export LC_ALL=C",
    `export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:\${PATH:-}"`,
    HELPERS,
    ...subnetLines(expected),
    ...addressLines(expected),
    ...deviceLines(expected),
    ...routeLines(expected),
    ...sysctlLines(expected),
    ...moduleLines(expected),
    ...networkManagerLines(expected),
    ...firewalldLines(expected),
    ...cniLines(expected),
    "if ((podnet_failed > 0)); then",
    `  printf 'podnet-doctor: node %s: %d fault(s), %d check(s) passed; run podnet doctor for the fixes\\n' ${q(expected.node)} "$podnet_failed" "$podnet_checks"`,
    "  exit 1",
    "fi",
    `printf 'podnet-doctor: node %s: healthy (%d checks)\\n' ${q(expected.node)} "$podnet_checks"`,
  ];
  return `${lines.join("\n")}\n`;
}
