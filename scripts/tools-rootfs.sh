#!/usr/bin/env bash
# Assembles the rootfs of the example tools and AI images from unpacked pinned packages: busybox, perl-base and the
# three libraries perl needs (libc, libm, libcrypt), plus the reference AI server and the umbilical client from
# images/ai/. Used by scripts/example-images.sh (host podman) and scripts/mkspine.sh (OCI archives in the image).
#   scripts/tools-rootfs.sh DEBS OUT     DEBS holds one unpacked tree per package: DEBS/busybox-static, DEBS/libc6, ...
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
debs=$1 out=$2
rm -rf "$out"; mkdir -p "$out/bin" "$out/etc" "$out/tmp" "$out/proc" "$out/sys" "$out/dev" "$out/run/spine" \
  "$out/lib64" "$out/lib/x86_64-linux-gnu" "$out/usr/bin" "$out/usr/lib/x86_64-linux-gnu"
install -m 0755 "$debs/busybox-static/bin/busybox" "$out/bin/busybox"
for applet in $("$out/bin/busybox" --list); do [ "$applet" = busybox ] || ln -s busybox "$out/bin/$applet"; done
for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6; do
  cp -L "$debs/libc6/lib/x86_64-linux-gnu/$lib" "$out/lib/x86_64-linux-gnu/$lib"
done
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$out/lib64/ld-linux-x86-64.so.2"
cp -L "$debs/libcrypt1/lib/x86_64-linux-gnu/libcrypt.so.1" "$out/lib/x86_64-linux-gnu/libcrypt.so.1"
install -m 0755 "$debs/perl-base/usr/bin/perl" "$out/usr/bin/perl"
cp -a "$debs/perl-base/usr/lib/x86_64-linux-gnu/perl-base" "$out/usr/lib/x86_64-linux-gnu/perl-base"
install -m 0755 "$here/images/ai/spine-ai" "$out/bin/spine-ai"
install -m 0755 "$here/images/ai/umbilical" "$out/bin/umbilical"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$out/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$out/etc/group"
chmod 1777 "$out/tmp"
