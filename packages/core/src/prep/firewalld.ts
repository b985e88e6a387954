/**
 * firewalld part of NodeNetworkPrep: which openings a node needs (by role and
 * network), as data, as `firewall-offline-cmd`/`firewall-cmd` arguments, and as
 * the node-layer command that applies them and takes exactly them back.
 */

import type { NodeCommand } from "../host/node-state.js";
import { type FirewallNeed, firewallNeedText, type NodeScope } from "../host/requirements.js";
import { shQuote } from "../shared/shell.js";

/** Openings every Kubernetes node needs, by role. @see https://kubernetes.io/docs/reference/networking/ports-and-protocols/ */
export const KUBERNETES_FIREWALL_NEEDS: readonly FirewallNeed[] = [
  { protocol: "tcp", port: 6443, purpose: "Kubernetes API server", nodes: "control-plane" },
  { protocol: "tcp", port: 2379, portEnd: 2380, purpose: "etcd client and peer API", nodes: "etcd" },
  { protocol: "tcp", port: 10250, purpose: "kubelet API", nodes: "all" },
];

/**
 * IP protocol numbers firewalld gets for non-port openings. Numbers, not names:
 * /etc/protocols calls protocol 4 `ipencap`, and its `ipip` is protocol 94.
 * @see https://www.iana.org/assignments/protocol-numbers/
 */
export const IP_PROTOCOL_NUMBER: Readonly<Record<"ipip" | "esp", string>> = { ipip: "4", esp: "50" };

/** What one node's firewalld should hold. */
export interface FirewalldPlan {
  /** Zone of the node's own interfaces. */
  readonly zone: string;
  /** `port/proto` or `first-last/proto`, sorted. */
  readonly ports: readonly string[];
  /** IP protocol numbers (`4` for IPIP, `50` for ESP). */
  readonly protocols: readonly string[];
  readonly masquerade: boolean;
  /** Zone that trusts pod traffic. */
  readonly trustedZone: string;
  /** Pod and service CIDRs. */
  readonly sources: readonly string[];
  /** Overlay and bridge interfaces (`cni0`, `flannel.+`). */
  readonly interfaces: readonly string[];
  /** Every opening with its purpose, for plan.json and warnings. */
  readonly openings: readonly { readonly what: string; readonly purpose: string }[];
}

/** True when a need applies to a node with these roles. */
export function needApplies(scope: NodeScope | undefined, roles: readonly string[]): boolean {
  return scope === undefined || scope === "all" || roles.includes(scope);
}

/** Sort key of an opening: protocol, then first port; IP protocols (`ipip`, `esp`) after the ports. */
function portKey(text: string): [string, number] {
  if (!text.includes("/")) return [`~${text}`, 0];
  const [range = "", proto = ""] = text.split("/");
  return [proto, Number.parseInt(range, 10)];
}

/** Builds one node's firewalld plan from the needs that apply to it. */
export function firewalldPlan(o: {
  readonly zone: string;
  readonly trustedZone: string;
  readonly masquerade: boolean;
  readonly needs: readonly FirewallNeed[];
  readonly roles: readonly string[];
  readonly sources: readonly string[];
  readonly interfaces: readonly string[];
}): FirewalldPlan {
  const ports = new Set<string>();
  const protocols = new Set<string>();
  const openings = new Map<string, string[]>();
  for (const need of o.needs) {
    if (!needApplies(need.nodes, o.roles)) continue;
    const text = firewallNeedText(need);
    openings.set(text, [...(openings.get(text) ?? []), need.purpose]);
    if (need.protocol === "ipip" || need.protocol === "esp") protocols.add(IP_PROTOCOL_NUMBER[need.protocol]);
    else ports.add(text);
  }
  const byPort = (a: string, b: string) => {
    const [pa, na] = portKey(a);
    const [pb, nb] = portKey(b);
    return pa === pb ? na - nb : pa < pb ? -1 : 1;
  };
  const sortedPorts = [...ports].sort(byPort);
  return {
    zone: o.zone,
    ports: sortedPorts,
    protocols: [...protocols].sort((a, b) => Number(a) - Number(b)),
    masquerade: o.masquerade,
    trustedZone: o.trustedZone,
    sources: [...new Set(o.sources)],
    interfaces: [...new Set(o.interfaces)].sort(),
    openings: [...openings]
      .sort(([a], [b]) => byPort(a, b))
      .map(([what, purposes]) => ({ what, purpose: [...new Set(purposes)].join("; ") })),
  };
}

/**
 * The plan as firewalld command-line arguments, one invocation each (firewalld
 * does not combine different option kinds in one call): run each with
 * `firewall-offline-cmd` (daemon stopped) or `firewall-cmd --permanent`.
 */
export function firewalldCommands(plan: FirewalldPlan): string[][] {
  const out: string[][] = [];
  if (plan.ports.length > 0) out.push([`--zone=${plan.zone}`, ...plan.ports.map((x) => `--add-port=${x}`)]);
  if (plan.protocols.length > 0) out.push([`--zone=${plan.zone}`, ...plan.protocols.map((x) => `--add-protocol=${x}`)]);
  if (plan.masquerade) out.push([`--zone=${plan.zone}`, "--add-masquerade"]);
  if (plan.sources.length > 0) out.push([`--zone=${plan.trustedZone}`, ...plan.sources.map((x) => `--add-source=${x}`)]);
  if (plan.interfaces.length > 0) out.push([`--zone=${plan.trustedZone}`, ...plan.interfaces.map((x) => `--add-interface=${x}`)]);
  return out;
}

/**
 * Shell helpers of the firewalld unit (defined inside its commands, so the
 * stored delete commands carry them too). What podnet added is recorded in
 * `$PODNET_UNIT_DIR/firewalld.added` (`zone kind value` lines); openings that
 * were already there are never recorded, so uninstall removes only podnet's.
 * A zone whose file under /etc/firewalld/zones did not exist before is listed
 * (`--list-all`) first; uninstall removes the file again when the zone lists
 * the same after podnet's openings are gone.
 */
const FIREWALLD_HELPERS = `podnet_fw_tool() {
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
    PODNET_FW=(firewall-cmd --permanent)
    PODNET_FW_RUNNING=1
  elif command -v firewall-offline-cmd >/dev/null 2>&1; then
    PODNET_FW=(firewall-offline-cmd)
    PODNET_FW_RUNNING=0
  else
    return 1
  fi
}
podnet_fw_remove() {
  local zone=$1 kind=$2 args=() item
  shift 2
  if [[ "$kind" == masquerade ]]; then
    args=(--remove-masquerade)
  else
    for item in "$@"; do args+=("--remove-$kind=$item"); done
  fi
  "\${PODNET_FW[@]}" --zone="$zone" "\${args[@]}" >/dev/null </dev/null
  podnet_log "$PODNET_UNIT: firewalld zone $zone: \${args[*]}"
}
# Removes the \`zone kind value\` lines read from stdin, one firewalld call per zone and kind.
podnet_fw_remove_lines() {
  local zone kind item at='' items=()
  while read -r zone kind item; do
    if [[ "$zone $kind" != "$at" ]]; then
      if ((\${#items[@]} > 0)); then podnet_fw_remove "\${at% *}" "\${at#* }" "\${items[@]}"; fi
      at="$zone $kind"
      items=()
    fi
    items+=("$item")
  done
  if ((\${#items[@]} > 0)); then podnet_fw_remove "\${at% *}" "\${at#* }" "\${items[@]}"; fi
}
podnet_fw_reload() {
  if ((PODNET_FW_RUNNING)); then
    firewall-cmd --reload >/dev/null
    podnet_log "$PODNET_UNIT: reloaded firewalld"
  fi
}`;

/** Helpers only the create/update commands use. */
const FIREWALLD_WANT_HELPERS = `podnet_fw_remember_zone() {
  local zone=$1
  if [[ -e "$PODNET_UNIT_DIR/firewalld.before.$zone" || -e "$PODNET_UNIT_DIR/firewalld.kept.$zone" ]]; then return 0; fi
  if [[ -e "/etc/firewalld/zones/$zone.xml" ]]; then
    : >"$PODNET_UNIT_DIR/firewalld.kept.$zone"
  else
    "\${PODNET_FW[@]}" --zone="$zone" --list-all >"$PODNET_UNIT_DIR/firewalld.before.$zone"
  fi
}
podnet_fw_want() {
  local zone=$1 kind=$2 current item missing=()
  shift 2
  podnet_fw_remember_zone "$zone"
  if [[ "$kind" == masquerade ]]; then
    printf '%s masquerade yes\\n' "$zone" >>"$PODNET_UNIT_DIR/firewalld.want"
    if ! "\${PODNET_FW[@]}" --zone="$zone" --query-masquerade >/dev/null; then
      "\${PODNET_FW[@]}" --zone="$zone" --add-masquerade >/dev/null
      printf '%s masquerade yes\\n' "$zone" >>"$PODNET_UNIT_DIR/firewalld.added"
      podnet_log "$PODNET_UNIT: firewalld zone $zone: added masquerade"
    fi
    return 0
  fi
  current=" $("\${PODNET_FW[@]}" --zone="$zone" "--list-\${kind}s") "
  for item in "$@"; do
    printf '%s %s %s\\n' "$zone" "$kind" "$item" >>"$PODNET_UNIT_DIR/firewalld.want"
    if [[ "$current" != *" $item "* ]]; then
      missing+=("--add-$kind=$item")
      printf '%s %s %s\\n' "$zone" "$kind" "$item" >>"$PODNET_UNIT_DIR/firewalld.added"
    fi
  done
  if ((\${#missing[@]} > 0)); then
    "\${PODNET_FW[@]}" --zone="$zone" "\${missing[@]}" >/dev/null
    podnet_log "$PODNET_UNIT: firewalld zone $zone: \${missing[*]}"
  fi
}`;

/** The firewalld unit's command: create/update converge to the plan, delete removes what podnet added. */
export function firewalldCommand(plan: FirewalldPlan): NodeCommand {
  const wants: string[] = [];
  const q = shQuote;
  if (plan.ports.length > 0) wants.push(`podnet_fw_want ${q(plan.zone)} port ${plan.ports.map(q).join(" ")}`);
  if (plan.protocols.length > 0) wants.push(`podnet_fw_want ${q(plan.zone)} protocol ${plan.protocols.map(q).join(" ")}`);
  if (plan.masquerade) wants.push(`podnet_fw_want ${q(plan.zone)} masquerade`);
  if (plan.sources.length > 0) wants.push(`podnet_fw_want ${q(plan.trustedZone)} source ${plan.sources.map(q).join(" ")}`);
  if (plan.interfaces.length > 0) wants.push(`podnet_fw_want ${q(plan.trustedZone)} interface ${plan.interfaces.map(q).join(" ")}`);
  const create = `${FIREWALLD_HELPERS}
${FIREWALLD_WANT_HELPERS}
podnet_fw_tool || podnet_die "firewalld is not installed (no firewall-cmd or firewall-offline-cmd); install it or set prep.firewall to none"
touch "$PODNET_UNIT_DIR/firewalld.added"
: >"$PODNET_UNIT_DIR/firewalld.want"
${wants.join("\n")}
{ grep -vxF -f "$PODNET_UNIT_DIR/firewalld.want" "$PODNET_UNIT_DIR/firewalld.added" || true; } | awk '!seen[$0]++' | sort -s -k1,2 | podnet_fw_remove_lines
{ grep -xF -f "$PODNET_UNIT_DIR/firewalld.want" "$PODNET_UNIT_DIR/firewalld.added" || true; } | awk '!seen[$0]++' >"$PODNET_UNIT_DIR/firewalld.added.new"
mv -f -- "$PODNET_UNIT_DIR/firewalld.added.new" "$PODNET_UNIT_DIR/firewalld.added"
rm -f -- "$PODNET_UNIT_DIR/firewalld.want"
podnet_fw_reload`;
  const del = `${FIREWALLD_HELPERS}
if ! podnet_fw_tool; then
  podnet_log "$PODNET_UNIT: firewalld is no longer installed; nothing to remove"
  return 0
fi
if [[ -f "$PODNET_UNIT_DIR/firewalld.added" ]]; then
  awk '!seen[$0]++' "$PODNET_UNIT_DIR/firewalld.added" | sort -s -k1,2 | podnet_fw_remove_lines
fi
for podnet_before in "$PODNET_UNIT_DIR"/firewalld.before.*; do
  if [[ ! -e "$podnet_before" ]]; then continue; fi
  podnet_zone=\${podnet_before##*/firewalld.before.}
  if [[ "$("\${PODNET_FW[@]}" --zone="$podnet_zone" --list-all)" == "$(<"$podnet_before")" ]]; then
    rm -f -- "/etc/firewalld/zones/$podnet_zone.xml" "/etc/firewalld/zones/$podnet_zone.xml.old"
    podnet_log "$PODNET_UNIT: firewalld zone $podnet_zone is as before; removed its file under /etc/firewalld/zones"
  else
    podnet_log "$PODNET_UNIT: firewalld zone $podnet_zone changed since install; kept /etc/firewalld/zones/$podnet_zone.xml"
  fi
done
podnet_fw_reload`;
  return { name: "open firewalld ports and trust pod traffic", create, delete: del };
}

/** One line per opening for messages: `10250/tcp (kubelet API)`. */
export function openingsText(plan: Pick<FirewalldPlan, "openings">): string {
  return plan.openings.map((o) => `${o.what} (${o.purpose})`).join(", ");
}
