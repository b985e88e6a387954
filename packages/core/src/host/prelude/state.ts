/** Prelude part: the scope's state directory, removal of a unit, pruning units the script no longer installs, and uninstall. */

/** The prelude's state init, unit removal, pruning and uninstall (part of NODE_SCRIPT_PRELUDE). */
export const PRELUDE_STATE = `# Removes unit KEY: runs its delete commands as installed, then restores or
# removes its files (last placed first) and the directories it created.
podnet_remove_unit() {
  local key=$1 entries=() dirs=() i d
  PODNET_UNIT_DIR="$PODNET_STATE/units/$key"
  PODNET_UNIT=$key
  PODNET_MODE=delete
  if [[ -f "$PODNET_UNIT_DIR/id" ]]; then PODNET_UNIT=$(<"$PODNET_UNIT_DIR/id"); fi
  # In a subshell: the stored functions must not replace this script's own
  # functions of the same name (podnet_unit_N_delete of a later unit N).
  if [[ -f "$PODNET_UNIT_DIR/delete.sh" ]]; then
    # shellcheck source=/dev/null
    (. "$PODNET_UNIT_DIR/delete.sh")
  fi
  if [[ -f "$PODNET_UNIT_DIR/manifest" ]]; then mapfile -t entries <"$PODNET_UNIT_DIR/manifest"; fi
  for ((i = \${#entries[@]} - 1; i >= 0; i--)); do
    podnet_release "\${entries[i]#* }"
  done
  if [[ -f "$PODNET_UNIT_DIR/dirs" ]]; then mapfile -t dirs <"$PODNET_UNIT_DIR/dirs"; fi
  for ((i = \${#dirs[@]} - 1; i >= 0; i--)); do
    d=\${dirs[i]}
    if [[ -d "$d" && -z "$(ls -A -- "$d")" ]]; then
      rmdir -- "$d"
      podnet_log "$PODNET_UNIT: removed directory $d"
    fi
  done
  # After the files are back as they were before install, e.g. a reload that must read them.
  if [[ -f "$PODNET_UNIT_DIR/after-delete.sh" ]]; then
    # shellcheck source=/dev/null
    (. "$PODNET_UNIT_DIR/after-delete.sh")
  fi
  rm -rf -- "$PODNET_UNIT_DIR"
  grep -vxF -- "$key" "$PODNET_STATE/units.list" >"$PODNET_STATE/units.list.new" || true
  mv -f -- "$PODNET_STATE/units.list.new" "$PODNET_STATE/units.list"
  podnet_log "$PODNET_UNIT: removed"
  PODNET_UNIT=''
}

podnet_state_init() {
  local d
  for d in "$PODNET_ROOT" "$PODNET_STATE"; do
    # Installers of other scopes may create the root at the same moment.
    if ! mkdir -m 0700 -- "$d" 2>/dev/null && [[ ! -d "$d" ]]; then podnet_die "cannot create directory $d"; fi
  done
  mkdir -p -- "$PODNET_STATE/units" "$PODNET_STATE/backup"
  touch -- "$PODNET_STATE/units.list" "$PODNET_STATE/dirs"
  PODNET_TMP=$(mktemp -d "$PODNET_STATE/tmp.XXXXXX")
}

# Removes the units of this scope that the running script no longer installs
# (last installed first). Arguments: -- KEY... (the keys the script installs).
podnet_prune() {
  local keys=() i
  shift
  mapfile -t keys <"$PODNET_STATE/units.list"
  for ((i = \${#keys[@]} - 1; i >= 0; i--)); do
    if [[ -n "\${keys[i]}" ]] && ! podnet_in "\${keys[i]}" "$@"; then
      podnet_log "unit \${keys[i]} is no longer part of this node's state; removing it"
      podnet_remove_unit "\${keys[i]}"
      PODNET_CHANGED=$((PODNET_CHANGED + 1))
    fi
  done
}

podnet_install_finish() {
  rm -rf -- "$PODNET_TMP"
  PODNET_TMP=''
  if ((PODNET_CHANGED == 0)); then
    podnet_log "install: nothing changed ($1 units unchanged)"
  else
    podnet_log "install: done ($PODNET_CHANGED changes, $1 units)"
  fi
}

podnet_uninstall() {
  local keys=() dirs=() i n=0
  if [[ ! -d "$PODNET_STATE" ]]; then
    podnet_log "uninstall: nothing to remove (no state for scope $PODNET_SCOPE in $PODNET_ROOT)"
    return 0
  fi
  if [[ -f "$PODNET_STATE/units.list" ]]; then mapfile -t keys <"$PODNET_STATE/units.list"; fi
  for ((i = \${#keys[@]} - 1; i >= 0; i--)); do
    if [[ -n "\${keys[i]}" ]]; then
      podnet_remove_unit "\${keys[i]}"
      n=$((n + 1))
    fi
  done
  if [[ -f "$PODNET_STATE/dirs" ]]; then mapfile -t dirs <"$PODNET_STATE/dirs"; fi
  for ((i = \${#dirs[@]} - 1; i >= 0; i--)); do
    if [[ -d "\${dirs[i]}" && -z "$(ls -A -- "\${dirs[i]}")" ]]; then rmdir -- "\${dirs[i]}"; fi
  done
  rm -rf -- "$PODNET_STATE"
  if [[ -d "$PODNET_ROOT" ]]; then rmdir --ignore-fail-on-non-empty -- "$PODNET_ROOT"; fi
  podnet_log "uninstall: done ($n units removed)"
}`;
