#!/usr/bin/env bash
# Builds the example images offline (there is no registry) from the packages pinned in images/examples.lock:
#   localhost/spine/busybox:1 and :2   a busybox rootfs (:2 is the same bytes, so tests can change an image reference)
#   localhost/spine/tools:1            busybox, perl-base, the umbilical client (images/ai/umbilical)
#   localhost/spine/ai:1               the same rootfs; its tenant runs the reference AI server (images/ai/spine-ai)
#   localhost/spine/foot:1             busybox and the foot terminal with its libraries, a font and C.UTF-8: a real
#                                      Wayland client for personas with `display: true`
# imported with `podman import`. Skips an image whose input label matches the lock and the scripts.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/debs.sh"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/images/host/containers.conf}"
cache="${SPINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spine}/debs"
lock="$here/images/examples.lock"

# What an image was built from: the lock's hashes and, for the tools rootfs, its scripts.
busybox_input=$(grep -v '^#' "$lock" | awk '$1 == "busybox-static" {print $3}')
tools_input=$( (grep -v '^#' "$lock" | awk 'NF {print $3}'; cat "$here/images/ai/spine-ai" "$here/images/ai/umbilical" "$here/scripts/tools-rootfs.sh" "$here/scripts/example-images.sh") | sha256sum | cut -d' ' -f1)
foot_input=$( (grep -v '^#' "$lock" | awk 'NF {print $3}'; cat "$here/scripts/foot-rootfs.sh" "$here/scripts/example-images.sh") | sha256sum | cut -d' ' -f1)
built_from() { podman image inspect --format '{{index .Labels "io.spine.input-sha256"}}' "$1" 2>/dev/null || true; }
if podman image exists localhost/spine/busybox:2 && [ "$(built_from localhost/spine/busybox:1)" = "$busybox_input" ] \
   && [ "$(built_from localhost/spine/tools:1)" = "$tools_input" ] && [ "$(built_from localhost/spine/ai:1)" = "$tools_input" ] \
   && [ "$(built_from localhost/spine/foot:1)" = "$foot_input" ]; then
  echo "example-images: busybox:1, :2, tools:1, ai:1 and foot:1 present (from images/examples.lock)" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spine_unpack_debs "$lock" "$cache" "$work/debs"

# Fixed order, owners and times: the same lock gives the same layer.
import() { # ROOTFS PATH INPUT TAG...
  local root=$1 path=$2 input=$3; shift 3
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
  # PERL_BADLANG=0: a persona's LANG=C.UTF-8 names a locale the image does not carry; perl should not warn about it
  podman import --change "ENV=PATH=$path" --change 'ENV=PERL_BADLANG=0' --change 'CMD=["/bin/sh"]' \
    --change "LABEL=io.spine.input-sha256=$input" "$work/rootfs.tar" "$1" >/dev/null
  local first=$1; shift
  for t in "$@"; do podman tag "$first" "$t"; done
}

root="$work/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/run"
install -m 0755 "$work/debs/busybox-static/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
chmod 1777 "$root/tmp"
import "$root" /bin "$busybox_input" localhost/spine/busybox:1 localhost/spine/busybox:2

"$here/scripts/tools-rootfs.sh" "$work/debs" "$work/tools"
import "$work/tools" /bin:/usr/bin "$tools_input" localhost/spine/tools:1 localhost/spine/ai:1

"$here/scripts/foot-rootfs.sh" "$work/debs" "$work/foot"
import "$work/foot" /bin:/usr/bin "$foot_input" localhost/spine/foot:1
echo "example-images: built busybox:1, :2, tools:1, ai:1 and foot:1 from images/examples.lock" >&2
