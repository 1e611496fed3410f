#!/usr/bin/env bash
# Builds the example app of docs/OPERATIONS.md ("Apps"), which is not a built-in image: localhost/notes:1, GNU ed
# on busybox and the C library, from the packages pinned in images/examples.lock, saved as an OCI archive for an
# Image spec, then taken out of podman's storage again (an Image loads it). Prints the archive's path and sha256.
#   scripts/app-archive.sh [OUT]          OUT defaults to build/notes.oci.tar
# The same lock gives the same archive bytes: fixed order, owners and times, and podman save of one image.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/debs.sh"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/images/host/containers.conf}"
out=$(realpath -m "${1:-$here/build/notes.oci.tar}")
ref=localhost/notes:1
cache="${SPINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spine}/debs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spine_unpack_debs "$here/images/examples.lock" "$cache" "$work/debs"

root="$work/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/lib64" "$root/lib/x86_64-linux-gnu" "$root/notes"
install -m 0755 "$work/debs/busybox-static/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do case $applet in busybox|ed) ;; *) ln -s busybox "$root/bin/$applet" ;; esac; done
install -m 0755 "$work/debs/ed/bin/ed" "$root/bin/ed"
cp -L "$work/debs/libc6/lib/x86_64-linux-gnu/libc.so.6" "$work/debs/libc6/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
  "$root/lib/x86_64-linux-gnu/"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
chmod 1777 "$root/tmp"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
podman rmi -f "$ref" >/dev/null 2>&1 || true
podman import -q --change 'ENV=PATH=/bin' --change 'WORKDIR=/notes' --change 'CMD=["/bin/sh"]' "$work/rootfs.tar" "$ref" >/dev/null
mkdir -p "$(dirname "$out")"
rm -f "$out"
podman save -q --format oci-archive -o "$out" "$ref"
podman rmi "$ref" >/dev/null
echo "$out $(sha256sum "$out" | cut -d' ' -f1)"
