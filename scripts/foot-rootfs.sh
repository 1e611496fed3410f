#!/usr/bin/env bash
# Assembles the rootfs of the display example image (localhost/spine/foot:1) from unpacked pinned packages: busybox
# (a shell for the persona's command), the foot terminal and the shared libraries it needs (DT_NEEDED, resolved
# from the unpacked packages, so a missing one fails here, not in a container), DejaVu Sans Mono, fontconfig's
# configuration and the C.UTF-8 locale. A persona with `display: true` runs foot on the compositor's Wayland socket.
#   scripts/foot-rootfs.sh DEBS OUT     DEBS holds one unpacked tree per package: DEBS/foot, DEBS/libc6, ...
set -euo pipefail
debs=$1 out=$2
rm -rf "$out"; mkdir -p "$out/bin" "$out/etc" "$out/tmp" "$out/proc" "$out/sys" "$out/dev" "$out/run/wayland" \
  "$out/lib64" "$out/lib/x86_64-linux-gnu" "$out/usr/bin" "$out/usr/lib/locale" "$out/usr/share/fonts/truetype/dejavu" "$out/root"
install -m 0755 "$debs/busybox-static/bin/busybox" "$out/bin/busybox"
for applet in $("$out/bin/busybox" --list); do [ "$applet" = busybox ] || ln -s busybox "$out/bin/$applet"; done
install -m 0755 "$debs/foot/usr/bin/foot" "$out/usr/bin/foot"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$out/lib64/ld-linux-x86-64.so.2"
cp -L "$debs/libc6/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$out/lib/x86_64-linux-gnu/"
# the DT_NEEDED closure of foot, each library from whichever unpacked package has it
todo=("$out/usr/bin/foot")
while [ ${#todo[@]} -gt 0 ]; do
  f=${todo[0]}; todo=("${todo[@]:1}")
  for lib in $(readelf -d "$f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    [ -e "$out/lib/x86_64-linux-gnu/$lib" ] && continue
    src=$(ls "$debs"/*/lib/x86_64-linux-gnu/"$lib" "$debs"/*/usr/lib/x86_64-linux-gnu/"$lib" 2>/dev/null | head -1 || true)
    [ -n "$src" ] || { echo "foot-rootfs: no pinned package provides $lib (needed by ${f#$out}); add it to images/examples.lock" >&2; exit 3; }
    cp -L "$src" "$out/lib/x86_64-linux-gnu/$lib"
    todo+=("$out/lib/x86_64-linux-gnu/$lib")
  done
done
install -m 0644 "$debs/fonts-dejavu-core/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf" "$out/usr/share/fonts/truetype/dejavu/"
cp -a "$debs/fontconfig-config/etc/fonts" "$out/etc/fonts"
cp -a "$debs/libc-bin/usr/lib/locale/C.utf8" "$out/usr/lib/locale/C.utf8"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$out/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$out/etc/group"
chmod 1777 "$out/tmp"
