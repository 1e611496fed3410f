# Sourced by scripts/example-images.sh and scripts/app-archive.sh: the packages pinned in images/examples.lock,
# downloaded once into a cache, checked against their sha256 (other bytes are refused) and unpacked.
#   spine_unpack_debs LOCK CACHE OUT     one tree per package: OUT/busybox-static, OUT/libc6, ...

spine_unpack_debs() {
  local lock=$1 cache=$2 out=$3 pkg version sha path deb tmp url got
  mkdir -p "$cache" "$out"
  while read -r pkg version sha path; do
    deb="$cache/$(basename "$path")"
    if [ ! -f "$deb" ] || [ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$sha" ]; then
      echo "debs: downloading $pkg=$version" >&2
      tmp=$(mktemp -d)
      # The pool path from the lock needs no apt state; apt-get download (with fresh lists) is the fallback.
      case "$path" in http://*|https://*) url=$path ;; *) url="${DEBIAN_MIRROR:-http://deb.debian.org/debian}/$path" ;; esac
      if ! curl -fsSL --retry 3 -o "$tmp/$(basename "$path")" "$url" \
         && ! (cd "$tmp" && { apt-get download -qq "$pkg=$version" || { apt-get update -qq && apt-get download -qq "$pkg=$version"; }; } >&2); then
        echo "debs: cannot download $pkg=$version from Debian; the pin may have left the archive." >&2
        echo "debs: move it deliberately in $lock (version and sha256 from apt-cache show $pkg)." >&2
        rm -rf "$tmp"; return 3
      fi
      mv "$tmp"/*.deb "$deb"; rm -rf "$tmp"
    fi
    got=$(sha256sum "$deb" | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then
      echo "debs: $deb has sha256 $got but $lock pins $sha for $pkg; refusing it" >&2
      return 3
    fi
    dpkg-deb -x "$deb" "$out/$pkg"
  done < <(grep -v '^#' "$lock" | awk 'NF')
}
