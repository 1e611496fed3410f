#!/usr/bin/env bash
# Builds the example images offline (there is no registry): a busybox rootfs from the pinned Debian
# busybox-static package, imported with `podman import`. Tags localhost/spine/busybox:1 and :2 (the same
# bytes; :2 exists so tests can change an image reference). Skips the work when the image is present.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/images/host/containers.conf}"
cache="${SPINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spine}/debs"
image=localhost/spine/busybox
read -r pkg version sha path < <(grep -v '^#' "$here/images/examples.lock" | grep busybox-static)

if podman image exists "$image:1" && podman image exists "$image:2" \
   && [ "$(podman image inspect --format '{{index .Labels "io.spine.input-sha256"}}' "$image:1" 2>/dev/null)" = "$sha" ]; then
  echo "example-images: $image:1 and :2 present (from $pkg $version)" >&2
  exit 0
fi

mkdir -p "$cache"
deb="$cache/$(basename "$path")"
if [ ! -f "$deb" ] || [ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$sha" ]; then
  echo "example-images: downloading $pkg=$version" >&2
  tmp=$(mktemp -d)
  # The pool path from the lock needs no apt state; apt-get download (with fresh lists) is the fallback.
  if ! curl -fsSL --retry 3 -o "$tmp/$(basename "$path")" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}/$path" \
     && ! (cd "$tmp" && { apt-get download -qq "$pkg=$version" || { apt-get update -qq && apt-get download -qq "$pkg=$version"; }; } >&2); then
    echo "example-images: cannot download $pkg=$version from Debian; the pin may have left the archive." >&2
    echo "example-images: move it deliberately in images/examples.lock (version and sha256 from apt-cache show $pkg)." >&2
    rm -rf "$tmp"; exit 3
  fi
  mv "$tmp"/*.deb "$deb"; rm -rf "$tmp"
fi
got=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "example-images: $deb has sha256 $got but images/examples.lock pins $sha; refusing it" >&2
  exit 3
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/deb"
root="$work/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/run"
install -m 0755 "$work/deb/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
chmod 1777 "$root/tmp"
# Fixed order, owners and times: the same lock gives the same layer.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
podman import --change 'ENV=PATH=/bin' --change 'CMD=["/bin/sh"]' \
  --change "LABEL=io.spine.input-sha256=$sha" "$work/rootfs.tar" "$image:1" >/dev/null
podman tag "$image:1" "$image:2"
echo "example-images: built $image:1 and :2 from $pkg $version" >&2
