/** Prelude part: the unit lifecycle during install (begin, stored delete commands, create/update/none mode, end with stale paths released). */

/** The prelude's unit lifecycle during install (part of NODE_SCRIPT_PRELUDE). */
export const PRELUDE_UNITS = `# Starts unit ID (state key KEY).
podnet_unit_begin() {
  PODNET_UNIT=$1
  PODNET_UNIT_DIR="$PODNET_STATE/units/$2"
  PODNET_UNIT_CHANGED=0
  PODNET_UNIT_NEW=1
  PODNET_MODE=none
  if [[ -f "$PODNET_UNIT_DIR/digest" ]]; then PODNET_UNIT_NEW=0; fi
  if ! grep -qxF -- "$2" "$PODNET_STATE/units.list"; then printf '%s\\n' "$2" >>"$PODNET_STATE/units.list"; fi
  mkdir -p -- "$PODNET_UNIT_DIR"
  touch -- "$PODNET_UNIT_DIR/manifest" "$PODNET_UNIT_DIR/dirs"
  : >"$PODNET_UNIT_DIR/seen"
  printf '%s\\n' "$1" >"$PODNET_UNIT_DIR/id"
}

# Keeps the definition of function FN as the unit's delete.sh and of AFTER (when
# given) as its after-delete.sh; an empty name removes the file.
podnet_unit_store_delete() {
  local fn=$1 after=\${2:-} name file new
  for name in delete after-delete; do
    file="$PODNET_UNIT_DIR/$name.sh"
    if [[ "$name" == after-delete ]]; then fn=$after; fi
    if [[ -z "$fn" ]]; then
      rm -f -- "$file"
      continue
    fi
    new="$file.new"
    { declare -f "$fn"; printf '%s\\n' "$fn"; } >"$new"
    mv -f -- "$new" "$file"
  done
}

# Decides what the unit's commands do: create (first install), update (the unit
# changed) or none.
podnet_unit_mode() {
  local digest=$1 installed=''
  if [[ -f "$PODNET_UNIT_DIR/digest" ]]; then installed=$(<"$PODNET_UNIT_DIR/digest"); fi
  if ((PODNET_UNIT_NEW)); then
    PODNET_MODE=create
  elif ((PODNET_UNIT_CHANGED)) || [[ "$installed" != "$digest" ]]; then
    PODNET_MODE=update
  else
    PODNET_MODE=none
  fi
}

podnet_step() {
  podnet_log "$PODNET_UNIT: $PODNET_MODE: $1"
}

# Finishes the unit: releases paths it no longer places, records the digest, reports.
podnet_unit_end() {
  local digest=$1 ran=$2 kind path
  # Paths placed by commands are only stale when the commands ran this time.
  if [[ "$PODNET_MODE" == none ]]; then ran=0; fi
  : >"$PODNET_UNIT_DIR/manifest.new"
  while read -r kind path; do
    if awk -v p="$path" '$2 == p { found = 1 } END { exit !found }' "$PODNET_UNIT_DIR/seen"; then
      continue
    elif [[ "$kind" == c && "$ran" == 0 ]]; then
      printf '%s %s\\n' "$kind" "$path" >>"$PODNET_UNIT_DIR/manifest.new"
    else
      podnet_release "$path"
      PODNET_UNIT_CHANGED=1
    fi
  done <"$PODNET_UNIT_DIR/manifest"
  awk '!seen[$2]++' "$PODNET_UNIT_DIR/seen" >>"$PODNET_UNIT_DIR/manifest.new"
  mv -f -- "$PODNET_UNIT_DIR/manifest.new" "$PODNET_UNIT_DIR/manifest"
  rm -f -- "$PODNET_UNIT_DIR/seen"
  printf '%s\\n' "$digest" >"$PODNET_UNIT_DIR/digest"
  if ((PODNET_UNIT_NEW)); then
    PODNET_CHANGED=$((PODNET_CHANGED + 1))
    podnet_log "$PODNET_UNIT: installed"
  elif ((PODNET_UNIT_CHANGED)) || [[ "$PODNET_MODE" != none ]]; then
    PODNET_CHANGED=$((PODNET_CHANGED + 1))
    podnet_log "$PODNET_UNIT: updated"
  else
    podnet_log "$PODNET_UNIT: unchanged"
  fi
  PODNET_UNIT=''
}`;
