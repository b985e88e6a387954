/**
 * The staged secrets of the CLI path: flannel/push-secrets.sh copies a key or
 * token to a root-only tmpfs folder on the node, and install.sh checks it
 * against its certificate and moves it into place (mode 0600).
 */
import { sha256Hex } from "../../shared/hash.js";
import { shQuote } from "../../shared/shell.js";

const q = shQuote;

/**
 * Where flannel/push-secrets.sh leaves secrets for install.sh (CLI path): root-only, on tmpfs,
 * so a key never outlives a reboot there; install.sh moves it into place.
 */
export const SECRET_STAGING_DIR = "/run/podnet-secrets";

/** The staging path of a secret whose destination is `dest`. */
export function stagedSecretPath(dest: string): string {
  return `${SECRET_STAGING_DIR}/${dest.slice(dest.lastIndexOf("/") + 1)}`;
}

/** A secret flannel/push-secrets.sh stages for install.sh (CLI path). */
export interface StagedSecret {
  /** Where it goes on the node (mode 0600). */
  readonly dest: string;
  /** The spec path of its local file, for messages (e.g. `flannel.systemd.etcd.tls.keyFile`). */
  readonly source: string;
  /** etcd client key: the certificate it must belong to (PEM, public), and that certificate's spec path. */
  readonly certificate?: { readonly pem: string; readonly source: string };
}

/** The `rerunWhen` condition of the flannel/secrets unit: a secret is staged. */
export function stagedSecretCondition(secrets: readonly StagedSecret[]): string {
  return secrets.map((x) => `[[ -e ${q(stagedSecretPath(x.dest))} ]]`).join(" || ");
}

/**
 * CLI path: secrets arrive through flannel/push-secrets.sh, never in the bundle. This runs on
 * the first install, whenever a secret is staged (the unit's `rerunWhen`), and when the
 * certificate changes (its digest is part of the snippet). A staged secret is installed (mode
 * 0600, root, recorded so uninstall removes it) and removed from the staging folder; when it
 * replaced a different one, FLANNELD_RESTART_MARKER makes the service unit restart flanneld.
 * With no staged secret the one in place is kept, unless the certificate changed and the key
 * in place does not belong to it: then the install stops before anything is replaced (this
 * unit runs first). Keys are matched to certificates with openssl when the node has it,
 * else by the certificate the key was installed with.
 */
export function stagedSecretSnippet(secrets: readonly StagedSecret[], restartMarker: string): string {
  const lines: string[] = [];
  if (secrets.some((x) => x.certificate !== undefined)) {
    lines.push(
      "# 0: key $1 belongs to certificate $2; 1: it does not; 2: cannot tell (no openssl, or an unreadable certificate).",
      "podnet_flannel_key_fits() {",
      "  local cert_pub key_pub",
      "  command -v openssl >/dev/null 2>&1 || return 2",
      '  cert_pub=$(openssl x509 -noout -pubkey -in "$2" 2>/dev/null) || return 2',
      '  key_pub=$(openssl pkey -pubout -in "$1" 2>/dev/null) || return 1',
      '  [[ -n "$cert_pub" && "$cert_pub" == "$key_pub" ]]',
      "}",
    );
  }
  for (const x of secrets) {
    const staged = q(stagedSecretPath(x.dest));
    const dest = q(x.dest);
    const replaced = [
      `  if [[ "$old" != "$(podnet_sha256 ${dest})" ]]; then`,
      `    touch -- ${q(restartMarker)}`,
      `    podnet_log ${q(`installed the new ${x.dest} (from ${x.source}); flanneld restarts`)}`,
      "  fi",
    ];
    const install = [
      "  old=''",
      `  if [[ -f ${dest} ]]; then old=$(podnet_sha256 ${dest}); fi`,
      `  podnet_install_binary ${staged} ${dest} 0600`,
      `  rm -f -- ${staged}`,
      ...replaced,
    ];
    const missing = [
      "else",
      `  podnet_die ${q(`${x.dest} is missing: run flannel/push-secrets.sh from the machine that holds ${x.source}, then install.sh again`)}`,
      "fi",
    ];
    if (x.certificate === undefined) {
      lines.push(`if [[ -f ${staged} ]]; then`, ...install, `elif [[ -s ${dest} ]]; then`, `  podnet_claim c ${dest}`, ...missing);
      continue;
    }
    const want = sha256Hex(x.certificate.pem);
    const record = `"$PODNET_UNIT_DIR"/${q(`${x.dest.slice(x.dest.lastIndexOf("/") + 1)}.certificate`)}`;
    const b64 = Buffer.from(x.certificate.pem, "utf8").toString("base64");
    lines.push(
      `# The certificate of ${x.certificate.source} (sha256 ${want}); flannel/certs places it after this unit.`,
      'cert_new=$(mktemp "$PODNET_TMP/certificate.XXXXXX")',
      `printf '%s' ${q(b64)} | base64 -d >"$cert_new"`,
      `if [[ -f ${staged} ]]; then`,
      "  fits=0",
      `  podnet_flannel_key_fits ${staged} "$cert_new" || fits=$?`,
      "  if ((fits == 1)); then",
      `    podnet_die ${q(`the key staged by push-secrets.sh (${stagedSecretPath(x.dest)}) does not belong to the certificate of ${x.certificate.source} (another public key); stage the key issued with that certificate (${x.source}), then run install.sh again; nothing was replaced`)}`,
      "  fi",
      ...install,
      `elif [[ -s ${dest} ]]; then`,
      "  fits=0",
      `  podnet_flannel_key_fits ${dest} "$cert_new" || fits=$?`,
      "  had=''",
      `  if [[ -f ${record} ]]; then had=$(<${record}); fi`,
      `  if ((fits == 1)) || { ((fits == 2)) && [[ -n "$had" && "$had" != ${q(want)} ]]; }; then`,
      `    podnet_die ${q(`${x.dest} on this node does not belong to the certificate of ${x.certificate.source} (a renewed certificate needs its new key), and no new key was staged: run flannel/push-secrets.sh (it copies ${x.source}), then install.sh again; nothing was replaced`)}`,
      "  fi",
      `  podnet_claim c ${dest}`,
      ...missing,
      `printf '%s\\n' ${q(want)} >${record}`,
      'rm -f -- "$cert_new"',
    );
  }
  lines.push(
    `if [[ -d ${q(SECRET_STAGING_DIR)} && -z "$(ls -A -- ${q(SECRET_STAGING_DIR)})" ]]; then rmdir -- ${q(SECRET_STAGING_DIR)}; fi`,
  );
  return lines.join("\n");
}
