/**
 * The shell functions shared by every install.sh / uninstall.sh: state
 * bookkeeping under /var/lib/podnet/<scope>, atomic file placement with
 * backups, the unit lifecycle and verified downloads. Values reach these
 * functions only as positional arguments that were validated and quoted by
 * host/node-scripts.ts; nothing here interpolates untrusted text into code.
 *
 * State layout on the node (per scope):
 *   units.list              unit keys in first-install order
 *   dirs                    every directory the scope created, in creation order
 *   backup/<abs path>       what was at a path before podnet placed a file there
 *   units/<key>/id          the unit id (`prep/sysctl`)
 *   units/<key>/digest      the installed unit definition's digest
 *   units/<key>/manifest    `f PATH` (unit file) / `c PATH` (placed by a command)
 *   units/<key>/dirs        directories this unit created
 *   units/<key>/delete.sh   the unit's delete commands as installed
 *   units/<key>/after-delete.sh  its commands run after its files are released
 */

/** Root of podnet's state on a node. */
export const PODNET_STATE_ROOT = "/var/lib/podnet";

/** The prelude, after the `PODNET_NODE` / `PODNET_SCOPE` assignments. */
export const NODE_SCRIPT_PRELUDE = `readonly PODNET_ROOT='${PODNET_STATE_ROOT}'
readonly PODNET_STATE="$PODNET_ROOT/$PODNET_SCOPE"
PODNET_UNIT=''
PODNET_UNIT_DIR=''
PODNET_UNIT_NEW=0
PODNET_UNIT_CHANGED=0
PODNET_MODE=none
PODNET_CHANGED=0
PODNET_TMP=''
PODNET_PENDING=''
PODNET_FETCHED=''

podnet_log() {
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
}

# Creates the missing directories of DIR (mode 0755), recording each for uninstall.
podnet_mkdirs() {
  local dir=$1 missing=() d
  d=$dir
  while [[ -n "$d" && ! -d "$d" ]]; do
    missing=("$d" "\${missing[@]}")
    d=\${d%/*}
  done
  for d in "\${missing[@]}"; do
    # Another installer may create it at the same moment: then it is not ours to remove.
    if mkdir -m 0755 -- "$d" 2>/dev/null; then
      printf '%s\\n' "$d" >>"$PODNET_UNIT_DIR/dirs"
      printf '%s\\n' "$d" >>"$PODNET_STATE/dirs"
      podnet_log "$PODNET_UNIT: created directory $d"
    elif [[ ! -d "$d" ]]; then
      podnet_die "cannot create directory $d"
    fi
  done
}

# True when the current unit's manifest lists PATH.
podnet_owned() {
  awk -v p="$1" '$2 == p { found = 1 } END { exit !found }' "$PODNET_UNIT_DIR/manifest"
}

# Marks PATH as placed by the current unit (KIND f: a unit file, c: placed by a
# command). The first time, whatever was at PATH is saved for uninstall.
podnet_claim() {
  local kind=$1 path=$2 backup="$PODNET_STATE/backup$2"
  if [[ -d "$path" && ! -L "$path" ]]; then podnet_die "$path is a directory; podnet places files only"; fi
  printf '%s %s\\n' "$kind" "$path" >>"$PODNET_UNIT_DIR/seen"
  if podnet_owned "$path"; then return 0; fi
  if [[ -e "$path" || -L "$path" ]] && [[ ! -e "$backup" && ! -L "$backup" ]]; then
    mkdir -p -- "\${backup%/*}"
    cp -a -- "$path" "$backup"
    podnet_log "$PODNET_UNIT: saved the existing $path for uninstall"
  fi
  printf '%s %s\\n' "$kind" "$path" >>"$PODNET_UNIT_DIR/manifest"
}

# Puts back what was at PATH before podnet, or removes PATH when nothing was.
podnet_release() {
  local path=$1 backup="$PODNET_STATE/backup$1" parent=\${1%/*} tmp
  if [[ -e "$backup" || -L "$backup" ]]; then
    # A top-level path (/x) has the empty string as its parent here: that is /.
    mkdir -p -- "\${parent:-/}"
    tmp=$(mktemp "$parent/.podnet-restore.XXXXXX")
    PODNET_PENDING=$tmp
    cp -a --remove-destination -- "$backup" "$tmp"
    mv -f -- "$tmp" "$path"
    PODNET_PENDING=''
    rm -f -- "$backup"
    podnet_log "$PODNET_UNIT: restored the original $path"
  elif [[ -e "$path" || -L "$path" ]]; then
    rm -f -- "$path"
    podnet_log "$PODNET_UNIT: removed $path"
  fi
}

# Places a unit file whose content arrives base64-encoded on stdin: atomically
# (temporary file beside it, then rename) and only when content, mode or owner differ.
podnet_file() {
  local path=$1 mode=$2 owner=$3 sum=$4 dir new
  dir=\${path%/*}
  podnet_claim f "$path"
  podnet_mkdirs "$dir"
  new=$(mktemp "$dir/.podnet.XXXXXX")
  PODNET_PENDING=$new
  base64 -d >"$new"
  if [[ "$(podnet_sha256 "$new")" != "$sum" ]]; then podnet_die "$path: the embedded content is damaged (sha256 mismatch)"; fi
  if [[ -f "$path" && ! -L "$path" ]] && [[ "$(podnet_sha256 "$path")" == "$sum" ]]; then
    rm -f -- "$new"
    PODNET_PENDING=''
    if ! podnet_attrs_match "$path" "$mode" "$owner"; then
      chmod -- "$mode" "$path"
      chown -- "$owner" "$path"
      podnet_log "$PODNET_UNIT: set mode $mode and owner $owner on $path"
      PODNET_UNIT_CHANGED=1
    fi
    return 0
  fi
  chmod -- "$mode" "$new"
  chown -- "$owner" "$new"
  mv -f -- "$new" "$path"
  PODNET_PENDING=''
  podnet_log "$PODNET_UNIT: wrote $path"
  PODNET_UNIT_CHANGED=1
}

# Copies SRC to DEST (mode MODE, root:root) atomically unless DEST already has that content.
podnet_install_binary() {
  local src=$1 dest=$2 mode=$3 new
  podnet_claim c "$dest"
  podnet_mkdirs "\${dest%/*}"
  if [[ -f "$dest" && ! -L "$dest" ]] && [[ "$(podnet_sha256 "$dest")" == "$(podnet_sha256 "$src")" ]] \\
    && podnet_attrs_match "$dest" "$mode" root:root; then
    podnet_log "$PODNET_UNIT: $dest is up to date"
    return 0
  fi
  new=$(mktemp "\${dest%/*}/.podnet.XXXXXX")
  PODNET_PENDING=$new
  cp -- "$src" "$new"
  chmod -- "$mode" "$new"
  chown -- root:root "$new"
  mv -f -- "$new" "$dest"
  PODNET_PENDING=''
  podnet_log "$PODNET_UNIT: installed $dest"
  PODNET_UNIT_CHANGED=1
}

# Downloads URL into the script's temporary directory and checks its sha256;
# on a mismatch the download is discarded and the script stops before anything is replaced.
podnet_fetch() {
  local url=$1 sum=$2 out got
  out=$(mktemp "$PODNET_TMP/download.XXXXXX")
  podnet_log "$PODNET_UNIT: downloading $url"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --connect-timeout 30 -o "$out" "$url" || podnet_die "download of $url failed"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$out" "$url" || podnet_die "download of $url failed"
  else
    podnet_die "neither curl nor wget is installed; cannot download $url"
  fi
  got=$(podnet_sha256 "$out")
  if [[ "$got" != "$sum" ]]; then
    rm -f -- "$out"
    podnet_die "sha256 of $url is $got but $sum was expected; the download was discarded and nothing was replaced"
  fi
  PODNET_FETCHED=$out
}

podnet_download_file() {
  podnet_fetch "$1" "$2"
  podnet_install_binary "$PODNET_FETCHED" "$3" "$4"
}

# Downloads a .tar.gz, checks its sha256, and installs the named members into DESTDIR
# (all members are checked before the first one is installed).
podnet_download_archive() {
  local url=$1 sum=$2 destdir=$3 mode=$4 dir member
  shift 4
  podnet_fetch "$url" "$sum"
  dir=$(mktemp -d "$PODNET_TMP/extract.XXXXXX")
  tar -xzf "$PODNET_FETCHED" -C "$dir" --no-same-owner
  for member in "$@"; do
    if [[ ! -f "$dir/$member" || -L "$dir/$member" ]]; then podnet_die "$url holds no file named $member; nothing was replaced"; fi
  done
  for member in "$@"; do
    podnet_install_binary "$dir/$member" "$destdir/$member" "$mode"
  done
}

# Starts unit ID (state key KEY).
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
}

# Removes unit KEY: runs its delete commands as installed, then restores or
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
}
`;
