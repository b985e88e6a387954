// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are bash; ${...} is parameter expansion.
/**
 * Command snippets of the flannel binary path, run by the node layer's
 * install.sh / uninstall.sh (under `set -euo pipefail`, with podnet_log and
 * podnet_die). Every value is validated before and quoted here.
 */

import { shQuote } from "../../shared/shell.js";
import { FLANNELD_UNIT } from "./unit.js";

const q = shQuote;

export interface ServiceSnippetInput {
  readonly runtime: "docker" | "containerd";
  /** Restart a running Docker after flanneld (re)starts. */
  readonly restartDocker: boolean;
  /** Removed once flanneld has restarted (see `FLANNELD_RESTART_MARKER`). */
  readonly restartMarker?: string;
}

/**
 * Left by the flannel/secrets unit when it replaced a key or token; the flannel/service unit
 * restarts flanneld while it exists (`rerunWhen`) and removes it. On tmpfs: a reboot starts
 * flanneld with the new secret anyway.
 */
export const FLANNELD_RESTART_MARKER = "/run/podnet-flanneld.restart";

/** The `rerunWhen` condition of the flannel/service unit in the CLI path. */
export function restartPendingCondition(marker: string): string {
  return `[[ -e ${q(marker)} ]]`;
}

/** Reload units, enable and (re)start flanneld; the Docker note or restart. */
export function startFlanneldSnippet(s: ServiceSnippetInput): string {
  const lines = [
    "systemctl daemon-reload",
    `systemctl enable ${FLANNELD_UNIT}`,
    // Type=notify: this returns once flanneld has written subnet.env (or fails).
    `systemctl restart ${FLANNELD_UNIT}`,
    ...(s.restartMarker !== undefined ? [`rm -f -- ${q(s.restartMarker)}`] : []),
    `podnet_log "${FLANNELD_UNIT} is running"`,
  ];
  if (s.runtime === "docker") {
    lines.push(
      "if systemctl is-active --quiet docker.service; then",
      ...(s.restartDocker
        ? [
            "  systemctl restart docker.service",
            '  podnet_log "restarted docker.service so docker0 takes the subnet, MTU and --ip-masq from flannel"',
          ]
        : [
            '  podnet_log "NOTE: docker.service still runs with its old bridge settings; restart it (systemctl restart docker) so docker0 takes flannel\'s subnet, MTU and --ip-masq=false; its containers restart too"',
          ]),
      "fi",
    );
  }
  return lines.join("\n");
}

/**
 * Link names flanneld creates, as shell patterns: vxlan `flannel.<VNI>` / `flannel-v6.<VNI>`,
 * wireguard `flannel-wg` / `flannel-wg-v6`, ipip `flannel.ipip` (matched by `flannel.*`).
 * Uninstall removes every link that matches, also those of an earlier config (another VNI or
 * backend).
 * @see flannel pkg/backend (vxlan, wireguard, ipip device names)
 */
export const FLANNEL_LINK_PATTERNS = ["flannel.*", "flannel-v6.*", "flannel-wg*"] as const;

/** True when `name` matches one of FLANNEL_LINK_PATTERNS. */
export function isFlannelLink(name: string): boolean {
  return /^(flannel\..+|flannel-v6\..+|flannel-wg.*)$/.test(name);
}

/** Linux interface names the uninstall deletes: 1-15 characters (IFNAMSIZ 16 with the NUL). */
const LINK_NAME = "^[A-Za-z0-9._-]{1,15}$";

export interface StopSnippetInput {
  /** Devices to delete besides every link of FLANNEL_LINK_PATTERNS: `cni0` with CNI, `flannel0` (udp). */
  readonly devices: readonly string[];
  readonly nftables: boolean;
  /** Files flanneld and mk-docker-opts.sh wrote (subnet.env, the Docker options). */
  readonly runtimeFiles: readonly string[];
  /** Shell that deletes this node's etcd lease (runs while the certificate is still on the node). */
  readonly leaseDelete?: string;
  /** FLANNELD_RESTART_MARKER, removed too. */
  readonly restartMarker?: string;
}

/**
 * Stop and disable flanneld, then remove what it made: its devices, its iptables chains
 * (and the jumps to them), its nftables tables, subnet.env, and its etcd lease.
 */
export function stopFlanneldSnippet(s: StopSnippetInput): string {
  const lines = [
    `if systemctl cat ${FLANNELD_UNIT} >/dev/null 2>&1; then`,
    `  systemctl disable --now ${FLANNELD_UNIT}`,
    `  podnet_log "stopped and disabled ${FLANNELD_UNIT}"`,
    "fi",
  ];
  if (s.leaseDelete) lines.push(s.leaseDelete);
  lines.push(
    // Every flannel link, not only the current config's: a flannel.<VNI> of an earlier VNI stays otherwise.
    "mapfile -t links < <(ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: \\([^:@ ]*\\)[:@].*/\\1/p')",
    'for dev in "${links[@]}"; do',
    '  case "$dev" in',
    `    ${FLANNEL_LINK_PATTERNS.join(" | ")}) ;;`,
    "    *) continue ;;",
    "  esac",
    `  [[ "$dev" =~ ${LINK_NAME} ]] || continue`,
    '  if ip link show dev "$dev" >/dev/null 2>&1; then ip link delete dev "$dev"; podnet_log "deleted link $dev"; fi',
    "done",
  );
  for (const d of s.devices) {
    lines.push(`if ip link show dev ${q(d)} >/dev/null 2>&1; then ip link delete ${q(d)}; podnet_log ${q(`deleted link ${d}`)}; fi`);
  }
  // flannel jumps from POSTROUTING (nat) and FORWARD (filter) into its chains; older releases put
  // rules marked "flanneld masq" straight into POSTROUTING. Rules are deleted by number, last first.
  lines.push(
    // ip6tables too: flannel makes the same chains there when IPv6 is on, and an absent chain is skipped.
    "for ipt in iptables ip6tables; do",
    '  command -v "$ipt" >/dev/null 2>&1 || continue',
    "  for spec in nat:POSTROUTING:FLANNEL-POSTRTG filter:FORWARD:FLANNEL-FWD; do",
    "    table=${spec%%:*}",
    "    rest=${spec#*:}",
    "    parent=${rest%%:*}",
    "    chain=${rest#*:}",
    '    mapfile -t rules < <("$ipt" -t "$table" -S "$parent" 2>/dev/null || true)',
    "    for ((i = ${#rules[@]} - 1; i >= 1; i--)); do",
    '      case "${rules[i]}" in',
    '        *"-j $chain"* | *"flanneld masq"* | *"flanneld forward"*)',
    '          "$ipt" -t "$table" -D "$parent" "$i"',
    '          podnet_log "deleted $ipt $table $parent rule $i (${rules[i]})"',
    "          ;;",
    "      esac",
    "    done",
    '    if "$ipt" -t "$table" -S "$chain" >/dev/null 2>&1; then',
    '      "$ipt" -t "$table" -F "$chain"',
    '      "$ipt" -t "$table" -X "$chain"',
    '      podnet_log "deleted $ipt chain $table/$chain"',
    "    fi",
    "  done",
    "done",
  );
  if (s.nftables) {
    lines.push(
      "if command -v nft >/dev/null 2>&1; then",
      "  for t in 'ip flannel-ipv4' 'ip6 flannel-ipv6'; do",
      "    # shellcheck disable=SC2086",
      '    if nft list table $t >/dev/null 2>&1; then nft delete table $t; podnet_log "deleted nftables table $t"; fi',
      "  done",
      "fi",
    );
  }
  if (s.restartMarker !== undefined) lines.push(`rm -f -- ${q(s.restartMarker)}`);
  for (const f of s.runtimeFiles) lines.push(`rm -f -- ${q(f)}`);
  const dirs = [...new Set(s.runtimeFiles.map((f) => f.slice(0, f.lastIndexOf("/"))))];
  for (const d of dirs) lines.push(`if [[ -d ${q(d)} && -z "$(ls -A -- ${q(d)})" ]]; then rmdir -- ${q(d)}; fi`);
  return lines.join("\n");
}

export interface LeaseDeleteInput {
  readonly api: "v2" | "v3";
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** The node's reserved key; undefined: derived from subnet.env at run time. */
  readonly key?: string;
  readonly subnetFile: string;
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
}

/**
 * Deletes this node's subnet key in etcd: with etcdctl when the node has it, else with curl
 * (the v3 JSON gateway `/v3/kv/deleterange` of etcd >= 3.4, or the v2 keys API). A failure
 * is a warning, not an error: a lease expires by itself after 24 h; a reservation would stay.
 */
export function leaseDeleteSnippet(l: LeaseDeleteInput): string {
  const tls = l.tls ? ` --cacert ${q(l.tls.ca)} --cert ${q(l.tls.cert)} --key ${q(l.tls.key)}` : "";
  const ctlTls = l.tls
    ? l.api === "v3"
      ? ` --cacert=${q(l.tls.ca)} --cert=${q(l.tls.cert)} --key=${q(l.tls.key)}`
      : ` --ca-file=${q(l.tls.ca)} --cert-file=${q(l.tls.cert)} --key-file=${q(l.tls.key)}`
    : "";
  const lines = [`lease_key=${l.key !== undefined ? q(l.key) : "''"}`];
  if (l.key === undefined) {
    // FLANNEL_SUBNET is the subnet's first address plus one (e.g. 172.30.72.1/21): the key is 172.30.72.0-21.
    lines.push(
      `if [[ -f ${q(l.subnetFile)} ]]; then`,
      `  sub=$(sed -n 's/^FLANNEL_SUBNET=//p' ${q(l.subnetFile)})`,
      '  if [[ "$sub" =~ ^([0-9]+\\.[0-9]+\\.[0-9]+)\\.([0-9]+)/([0-9]+)$ ]]; then',
      `    lease_key=${q(`${l.prefix}/subnets/`)}"\${BASH_REMATCH[1]}.$((BASH_REMATCH[2] - 1))-\${BASH_REMATCH[3]}"`,
      "  fi",
      "fi",
    );
  }
  lines.push(
    "deleted=0",
    'if [[ -z "$lease_key" ]]; then',
    '  podnet_log "no flannel subnet recorded on this node; no etcd key to delete"',
    "  deleted=1",
    "elif command -v etcdctl >/dev/null 2>&1 && " +
      (l.api === "v3"
        ? `ETCDCTL_API=3 etcdctl --endpoints=${q(l.endpoints.join(","))}${ctlTls} --command-timeout=10s del -- "$lease_key" >/dev/null; then`
        : `ETCDCTL_API=2 etcdctl --endpoints=${q(l.endpoints.join(","))}${ctlTls} rm "$lease_key" >/dev/null; then`),
    "  deleted=1",
    "elif command -v curl >/dev/null 2>&1; then",
    // An array, not a literal word list: one endpoint in `for ep in 'x'` is shellcheck SC2041.
    `  etcd_endpoints=(${l.endpoints.map(q).join(" ")})`,
    '  for ep in "${etcd_endpoints[@]}"; do',
  );
  if (l.api === "v3") {
    lines.push(
      '    body=$(printf \'{"key":"%s"}\' "$(printf \'%s\' "$lease_key" | base64 | tr -d \'\\n\')")',
      `    if curl -fsS --max-time 10${tls} -X POST -d "$body" "$ep/v3/kv/deleterange" >/dev/null; then deleted=1; break; fi`,
    );
  } else {
    lines.push(`    if curl -fsS --max-time 10${tls} -X DELETE "$ep/v2/keys\${lease_key//&/%26}" >/dev/null; then deleted=1; break; fi`);
  }
  lines.push(
    "  done",
    "fi",
    'if [[ "$deleted" == 1 && -n "$lease_key" ]]; then',
    '  podnet_log "deleted etcd key $lease_key"',
    'elif [[ "$deleted" == 0 ]]; then',
    '  podnet_log "WARNING: could not delete etcd key $lease_key (etcd unreachable, or no etcdctl and etcd\'s JSON gateway refused: it needs a server certificate with clientAuth as well); a lease expires after 24 h, a reservation stays: delete it with etcdctl del"',
    "fi",
  );
  return lines.join("\n");
}

export interface VerifyInput {
  readonly subnetFile: string;
  /** Expected FLANNEL_NETWORK / FLANNEL_IPV6_NETWORK. */
  readonly network?: string;
  readonly ipv6Network?: string;
  /** Exact FLANNEL_SUBNET (first address + 1 / len) when the node has a reservation. */
  readonly subnet?: string;
  readonly ipv6Subnet?: string;
  /** Prefix length FLANNEL_SUBNET must have otherwise. */
  readonly subnetLen?: number;
  readonly devices: readonly string[];
  /** Docker: mk-docker-opts.sh output to check. */
  readonly dockerOptionsFile?: string;
  /** Hint printed when the subnet is not the expected one. */
  readonly hint: string;
}

/** Checks the running result: unit active, subnet.env inside the expected subnet, devices present. */
export function verifySnippet(v: VerifyInput): string {
  const f = q(v.subnetFile);
  const lines = [
    `systemctl is-active --quiet ${FLANNELD_UNIT} || podnet_die ${q(`${FLANNELD_UNIT} is not active; see journalctl -u flanneld`)}`,
    `[[ -s ${f} ]] || podnet_die ${q(`${v.subnetFile} is missing or empty: flanneld has not written its subnet`)}`,
  ];
  const check = (key: string, want: string, what: string) => {
    lines.push(`got=$(sed -n 's/^${key}=//p' ${f})`);
    lines.push(`[[ "$got" == ${q(want)} ]] || podnet_die "${key} is $got in ${v.subnetFile} but ${what}"`);
  };
  if (v.network !== undefined) check("FLANNEL_NETWORK", v.network, `the plan's Network is ${v.network}`);
  if (v.ipv6Network !== undefined) check("FLANNEL_IPV6_NETWORK", v.ipv6Network, `the plan's IPv6Network is ${v.ipv6Network}`);
  if (v.subnet !== undefined) check("FLANNEL_SUBNET", v.subnet, `this node's subnet is ${v.subnet}; ${v.hint}`);
  else if (v.subnetLen !== undefined) {
    lines.push(`got=$(sed -n 's/^FLANNEL_SUBNET=//p' ${f})`);
    lines.push(`[[ "\${got#*/}" == ${v.subnetLen} ]] || podnet_die "FLANNEL_SUBNET is $got in ${v.subnetFile}, not a /${v.subnetLen}"`);
  }
  if (v.ipv6Subnet !== undefined) check("FLANNEL_IPV6_SUBNET", v.ipv6Subnet, `this node's IPv6 subnet is ${v.ipv6Subnet}; ${v.hint}`);
  for (const d of v.devices) {
    lines.push(
      `ip link show dev ${q(d)} >/dev/null 2>&1 || podnet_die ${q(`device ${d} is missing: flanneld did not set up its backend`)}`,
    );
  }
  if (v.dockerOptionsFile !== undefined) {
    lines.push(
      `[[ -s ${q(v.dockerOptionsFile)} ]] || podnet_die ${q(`${v.dockerOptionsFile} is missing: mk-docker-opts.sh did not run`)}`,
      `grep -q -- '--ip-masq=false' ${q(v.dockerOptionsFile)} || podnet_log ${q(`WARNING: ${v.dockerOptionsFile} leaves Docker's own --ip-masq on (flanneld runs without --ip-masq)`)}`,
    );
  }
  lines.push(`podnet_log "flannel is up: $(sed -n 's/^FLANNEL_SUBNET=//p' ${f}) on ${v.devices.join(", ") || "host routes"}"`);
  return lines.join("\n");
}

export interface CniConflictInput {
  readonly confDir: string;
  readonly ours: string;
  /** Move configs that sort first aside (restored by uninstall) instead of failing. */
  readonly move: boolean;
}

/** Reports other CNI configs: one that sorts before ours would win (containerd uses the first). */
export function cniConflictSnippet(c: CniConflictInput): string {
  const dir = q(c.confDir);
  return [
    "while IFS= read -r conf; do",
    `  [[ -n "$conf" && "\${conf##*/}" != ${q(c.ours)} ]] || continue`,
    `  if [[ "\${conf##*/}" < ${q(c.ours)} ]]; then`,
    ...(c.move
      ? [
          '    mkdir -p -- "$PODNET_UNIT_DIR/displaced"',
          '    mv -f -- "$conf" "$PODNET_UNIT_DIR/displaced/"',
          `    podnet_log "moved $conf aside: it sorts before ${c.ours}, so the container runtime would use it (uninstall puts it back)"`,
        ]
      : [
          `    podnet_die "$conf sorts before ${c.ours}, so the container runtime would use it instead of flannel; remove it (containerd's default is 10-containerd-net.conflist) or set moveConflictingCniConfigs"`,
        ]),
    "  else",
    `    podnet_log "WARNING: $conf is another CNI config; the runtime uses ${c.ours}, which sorts first"`,
    "  fi",
    `done < <(find ${dir} -maxdepth 1 -type f \\( -name '*.conf' -o -name '*.conflist' -o -name '*.json' \\) | LC_ALL=C sort)`,
  ].join("\n");
}

/** Puts back the configs cniConflictSnippet moved aside. */
export function cniRestoreSnippet(confDir: string): string {
  return [
    'if [[ -d "$PODNET_UNIT_DIR/displaced" ]]; then',
    '  for conf in "$PODNET_UNIT_DIR"/displaced/*; do',
    '    [[ -e "$conf" ]] || continue',
    `    mv -f -- "$conf" ${q(confDir)}/`,
    `    podnet_log "put back ${confDir}/\${conf##*/}"`,
    "  done",
    "fi",
  ].join("\n");
}

export interface CniPluginInput {
  readonly url: string;
  readonly sha256: string;
  /** Member of the archive: `flannel-<arch>`. */
  readonly member: string;
  readonly dest: string;
}

/** The CNI plugin archive holds `flannel-<arch>`; it is installed as `flannel` (verified first). */
export function cniPluginSnippet(c: CniPluginInput): string {
  return [
    `podnet_fetch ${q(c.url)} ${q(c.sha256)}`,
    'cni_dir=$(mktemp -d "$PODNET_TMP/cni.XXXXXX")',
    'tar -xzf "$PODNET_FETCHED" -C "$cni_dir" --no-same-owner',
    `[[ -f "$cni_dir"/${q(c.member)} && ! -L "$cni_dir"/${q(c.member)} ]] || podnet_die ${q(`${c.url} holds no file named ${c.member}; nothing was replaced`)}`,
    `podnet_install_binary "$cni_dir"/${q(c.member)} ${q(c.dest)} 0755`,
  ].join("\n");
}
