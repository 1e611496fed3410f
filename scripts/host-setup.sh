#!/usr/bin/env bash
# Installs what Spine's scripts need from Debian if it is missing: podman, runc, catatonit (kube play), maven,
# and for the image: qemu, kmod (depmod), cpio, lz4 and zstd (the initramfs), e2fsprogs, binutils (readelf, strip); sway and grim
# (its screenshots) for the compositor tests.
# and checks for a JDK >= 25. Idempotent; needs root for apt-get.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
need=()
for pair in podman:podman runc:runc catatonit:catatonit mvn:maven curl:curl qemu-system-x86_64:qemu-system-x86 \
    depmod:kmod cpio:cpio lz4:lz4 zstd:zstd mkfs.ext4:e2fsprogs readelf:binutils unshare:util-linux sway:sway grim:grim; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "host-setup: installing ${need[*]} from Debian" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "host-setup: need root to apt-get install ${need[*]}" >&2; exit 3; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
. "$here/scripts/jdk.sh"
spine_find_jdk
echo "host-setup: podman $(podman --version | awk '{print $3}'), java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)" >&2
