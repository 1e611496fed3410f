#!/usr/bin/env bash
# Builds build/floor.img: the boot benchmark's floor, the least initramfs this kernel can run. It holds the image's
# own static busybox and an /init that prints the uptime it starts at and powers off, packed like build/spine.img
# (sorted cpio, mtime 0, owner 0:0, zstd -19), so kernel -> `bay0: starting` compares with kernel -> a shell's first
# line on the same kernel (docs/BENCHMARKS.md). Needs root (the console device node) and a built image.
#   scripts/mkfloor.sh          then: scripts/boot-qemu.sh --persist none --initrd build/floor.img
#   scripts/mkfloor.sh --java   writes build/floor-java.img: build/spine.img with its /init replaced (a second cpio
# archive appended, which the kernel unpacks over the first) by one that runs `spine version` with the image's own
# java command line (runtime, CDS archive, flags, jar: taken from its /sbin/init) and prints when java has exited,
# so kernel -> bay0's lines compares with kernel -> a hello-world Java /init on the same kernel, runtime and
# initramfs to unpack.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = --java ]; then
  sbin_init="$here/build/rootfs/sbin/init"
  [ -f "$here/build/spine.img" ] && [ -f "$sbin_init" ] || { echo "mkfloor: run scripts/mkspine.sh first" >&2; exit 3; }
  root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
  {
    echo '#!/bin/sh'
    echo '/bin/busybox mount -t proc proc /proc'
    echo 'echo "java-floor: init at $(/bin/busybox cut -d" " -f1 /proc/uptime)"'
    grep '^export LD_LIBRARY_PATH=' "$sbin_init"
    # the image's java command line, its continuation lines included, with `version` where bay0 runs
    awk '/^exec \/usr\/lib\/spine\/jre\/bin\/java /,/ bay0 "\$@"$/' "$sbin_init" | sed 's/^exec //; s/ \$record / /; s/ bay0 "\$@"$/ version/'
    echo 'echo "java-floor: java exited at $(/bin/busybox cut -d" " -f1 /proc/uptime)"'
    echo '/bin/busybox poweroff -f'
  } > "$root/init"
  grep -q ' version$' "$root/init" || { echo "mkfloor: the image's /sbin/init has no java command line to copy" >&2; exit 3; }
  chmod 755 "$root/init"
  touch -h -d @0 "$root/init"
  { cat "$here/build/spine.img"; (cd "$root" && echo init | cpio -o -H newc --reproducible -R 0:0 --quiet) | zstd -19 -q --no-progress; } \
    > "$here/build/floor-java.img"
  echo "mkfloor: wrote build/floor-java.img ($(stat -c %s "$here/build/floor-java.img") bytes)" >&2
  exit 0
fi
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
