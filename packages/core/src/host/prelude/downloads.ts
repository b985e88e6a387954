/** Prelude part: downloads checked against their sha256 before anything is replaced (single binaries and members of a .tar.gz). */

/** The prelude's verified downloads (part of NODE_SCRIPT_PRELUDE). */
export const PRELUDE_DOWNLOADS = `# Downloads URL into the script's temporary directory and checks its sha256;
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
}`;
