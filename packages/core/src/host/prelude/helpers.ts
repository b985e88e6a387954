/** Prelude part: logging, the exit trap that cleans up and reports a failure, and small helpers (sha256, mode and owner match, list membership). */

/** The prelude's logging, exit trap and small helpers (part of NODE_SCRIPT_PRELUDE). */
export const PRELUDE_HELPERS = `podnet_log() {
  printf 'podnet[%s]: %s\\n' "$PODNET_NODE" "$*"
}

podnet_die() {
  printf 'podnet[%s]: error: %s\\n' "$PODNET_NODE" "$*" >&2
  exit 1
}

# For a step that failed but must not stop the script (an uninstall step the user can redo by hand).
podnet_warn() {
  printf 'podnet[%s]: warning: %s\\n' "$PODNET_NODE" "$*" >&2
}

podnet_on_exit() {
  local rc=$?
  if [[ -n "$PODNET_PENDING" ]]; then rm -f -- "$PODNET_PENDING"; fi
  if [[ -n "$PODNET_TMP" ]]; then rm -rf -- "$PODNET_TMP"; fi
  if ((rc != 0)); then
    printf 'podnet[%s]: FAILED (exit %d)%s; fix the cause and run the script again\\n' \\
      "$PODNET_NODE" "$rc" "\${PODNET_UNIT:+ in unit $PODNET_UNIT}" >&2
  fi
}
trap podnet_on_exit EXIT

podnet_sha256() {
  local out
  out=$(sha256sum -- "$1")
  printf '%s\\n' "\${out%% *}"
}

# True when PATH's mode and owner are MODE (octal) and OWNER (user:group).
podnet_attrs_match() {
  local attrs
  attrs=$(stat -c '%a %U:%G' -- "$1")
  (( 8#\${attrs%% *} == 8#$2 )) && [[ "\${attrs#* }" == "$3" ]]
}

podnet_in() {
  local needle=$1 item
  shift
  for item in "$@"; do
    if [[ "$item" == "$needle" ]]; then return 0; fi
  done
  return 1
}`;
