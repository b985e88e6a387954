/**
 * The host parts of the self-checking script (doctor/check-script.ts):
 * sysctls, kernel modules, NetworkManager, firewalld openings and the CNI
 * config order, one bash block each. Values are checked by the caller.
 */

import { shQuote } from "../shared/shell.js";
import type { ExpectedNodeState } from "./model.js";

const q = shQuote;

/** The script block that checks every expected sysctl value. */
export function sysctlLines(e: ExpectedNodeState): string[] {
  return e.sysctls.flatMap((s) => {
    const path = `/proc/sys/${s.key.replaceAll(".", "/")}`;
    return [
      `if [[ -r ${q(path)} ]]; then`,
      `  podnet_value=$(tr -s ' \\t' ' ' <${q(path)})`,
      `  if [[ $podnet_value == ${q(s.value)} ]]; then podnet_ok; else podnet_fail sysctl.value ${q(`${s.key} should be ${s.value}, is `)}"$podnet_value"; fi`,
      ...(s.key.startsWith("net.bridge.") ? [] : ["else", `  podnet_fail sysctl.missing ${q(`${s.key} does not exist`)}`]),
      "fi",
    ];
  });
}

/** The script block that checks every expected kernel module is loaded. */
export function moduleLines(e: ExpectedNodeState): string[] {
  return e.kernelModules.flatMap((m) => [
    `podnet_module_present ${q(m.name)}`,
    "case $? in",
    "  0) podnet_ok ;;",
    `  1) podnet_fail module.missing ${q(`kernel module ${m.name} is not loaded`)} ;;`,
    "esac",
  ]);
}

/** The script block that checks NetworkManager leaves the network's devices alone. */
export function networkManagerLines(e: ExpectedNodeState): string[] {
  if (e.networkManagerUnmanaged.length === 0) return [];
  return [
    "if command -v NetworkManager >/dev/null 2>&1; then",
    `  podnet_nm=$(NetworkManager --print-config 2>/dev/null | awk -F= '/^\\[/ { s = $0 } s == "[keyfile]" && $1 == "unmanaged-devices" { sub(/^[^=]*=/, ""); print }')`,
    "  podnet_managed=''",
    `  podnet_devs=(${e.networkManagerUnmanaged.map(q).join(" ")})`,
    `  for podnet_dev in "\${podnet_devs[@]}"; do`,
    '    podnet_nm_unmanaged "$podnet_nm" "$podnet_dev" || podnet_managed+=" $podnet_dev"',
    "  done",
    `  if [[ -z $podnet_managed ]]; then podnet_ok; else podnet_fail network-manager.manages "NetworkManager manages$podnet_managed (unmanaged-devices=\${podnet_nm:-not set})"; fi`,
    "fi",
  ];
}

/** The script block that checks the firewalld openings NodeNetworkPrep made. */
export function firewalldLines(e: ExpectedNodeState): string[] {
  const fw = e.firewalld;
  if (!fw) return [];
  // A zone with target ACCEPT lets every port in; zone membership (sources, interfaces) must be listed.
  const member = (zoneVar: string, field: string, value: string, code: string, what: string) =>
    `  if [[ ${field === "ports" || field === "protocols" ? `$${zoneVar}_target == " ACCEPT " || ` : ""}$(podnet_field "$${zoneVar}" ${field}) == *${q(` ${value} `)}* ]]; then podnet_ok; else podnet_fail ${code} ${q(what)}; fi`;
  return [
    "# podnet_zone_listing ZONE: that zone's block of --list-all-zones",
    "podnet_zone_listing() {",
    `  awk -v z="$1" '/^[^ ]/ { on = ($1 == z) } on' <<<"$podnet_zones"`,
    "}",
    '# podnet_field LISTING KEY: a --list-all field as " a b c "',
    "podnet_field() {",
    `  awk -v k="$2:" '$1 == k { $1 = ""; print $0 " "; exit }' <<<"$1"`,
    "}",
    "if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then",
    "  podnet_fw=(firewall-cmd)",
    "elif command -v firewall-offline-cmd >/dev/null 2>&1; then",
    "  podnet_fw=(firewall-offline-cmd)",
    "else",
    "  podnet_fw=()",
    "  podnet_fail firewalld.missing 'prep.firewall is firewalld but firewalld is not installed'",
    "fi",
    `if ((\${#podnet_fw[@]} > 0)); then`,
    `  podnet_zones=$("\${podnet_fw[@]}" --list-all-zones 2>/dev/null)`,
    `  podnet_zone=$(podnet_zone_listing ${q(fw.zone)})`,
    '  podnet_zone_target=$(podnet_field "$podnet_zone" target)',
    `  podnet_trusted=$(podnet_zone_listing ${q(fw.trustedZone)})`,
    ...fw.ports.map((x) => member("podnet_zone", "ports", x, "firewalld.port-closed", `${x} is not open in zone ${fw.zone}`)),
    ...fw.protocols.map((x) =>
      member("podnet_zone", "protocols", x, "firewalld.protocol-closed", `IP protocol ${x} is not allowed in zone ${fw.zone}`),
    ),
    ...fw.sources.map((x) => member("podnet_trusted", "sources", x, "firewalld.source-untrusted", `${x} is not in zone ${fw.trustedZone}`)),
    ...fw.interfaces.map((x) =>
      member("podnet_trusted", "interfaces", x, "firewalld.interface-untrusted", `${x} is not in zone ${fw.trustedZone}`),
    ),
    "fi",
  ];
}

/** The script block that checks the network's CNI config sorts first. */
export function cniLines(e: ExpectedNodeState): string[] {
  const c = e.cni;
  if (!c) return [];
  return [
    "podnet_first=''",
    `for podnet_file in ${q(c.confDir)}/*.conf ${q(c.confDir)}/*.conflist ${q(c.confDir)}/*.json; do`,
    "  [[ -e $podnet_file ]] || continue",
    `  podnet_file=\${podnet_file##*/}`,
    '  if [[ -z $podnet_first || $podnet_file < "$podnet_first" ]]; then podnet_first=$podnet_file; fi',
    "done",
    `if [[ ! -e ${q(`${c.confDir}/${c.file}`)} ]]; then`,
    `  podnet_fail cni.missing ${q(`${c.confDir}/${c.file} does not exist`)}`,
    `elif [[ $podnet_first != ${q(c.file)} ]]; then`,
    `  podnet_fail cni.shadowed "$podnet_first sorts before ${c.file} in ${c.confDir}: the container runtime uses it"`,
    "else",
    "  podnet_ok",
    "fi",
  ];
}
