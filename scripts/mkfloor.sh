#!/usr/bin/env bash
# Builds build/floor.img: the boot benchmark's floor, the least initramfs this kernel can run. It holds the image's
# own static busybox and an /init that prints the uptime it starts at and powers off, packed like build/spine.img
# (sorted cpio, mtime 0, owner 0:0, zstd -19), so kernel -> `bay0: starting` compares with kernel -> a shell's first
# line on the same kernel (docs/BENCHMARKS.md). Needs root (the console device node) and a built image.
#   scripts/mkfloor.sh          then: scripts/boot-qemu.sh --persist none --initrd build/floor.img
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
busybox="$here/build/rootfs/bin/busybox"
[ "$(id -u)" -eq 0 ] || { echo "mkfloor: needs root (mknod)" >&2; exit 3; }
[ -x "$busybox" ] || { echo "mkfloor: run scripts/mkspine.sh first (it unpacks the pinned busybox)" >&2; exit 3; }
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc"
cp "$busybox" "$root/bin/busybox"
mknod -m 600 "$root/dev/console" c 5 1
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "floor: init at $(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox poweroff -f
INIT
chmod 755 "$root/init"
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet) \
  | zstd -19 -q --no-progress > "$here/build/floor.img"
echo "mkfloor: wrote build/floor.img ($(stat -c %s "$here/build/floor.img") bytes)" >&2
