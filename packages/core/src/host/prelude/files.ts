/** Prelude part: directories created and recorded, paths claimed (with the first backup) and released, and files and binaries placed atomically. */

/** The prelude's file placement: directories, claims with backups, releases, atomic writes (part of NODE_SCRIPT_PRELUDE). */
export const PRELUDE_FILES = `# Creates the missing directories of DIR (mode 0755), recording each for uninstall.
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
}`;
