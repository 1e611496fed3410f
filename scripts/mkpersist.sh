#!/usr/bin/env bash
# Makes the persist disk: a sparse ext4 image labelled SPINE_PERSIST (default 10G, ./persist.img).
#   scripts/mkpersist.sh [--size 10G] [--force] [--copy FILE:DEST]... [PATH]
# --copy puts a host file on the new disk at DEST, relative to its root (/persist in the VM): how an app's archive
# reaches a machine without a network, e.g. --copy build/notes.oci.tar:images/notes.oci.tar (docs/OPERATIONS.md, "Apps").
set -euo pipefail
size=10G; force=0; out=persist.img; copies=()
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --copy) copies+=("$2"); shift 2 ;;
    --force) force=1; shift ;;
    -*) echo "mkpersist: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
if [ -e "$out" ] && [ $force = 0 ]; then
  echo "mkpersist: $out exists; keeping it (pass --force to recreate it empty)" >&2
  exit 0
fi
command -v mkfs.ext4 >/dev/null || { echo "mkpersist: mkfs.ext4 missing; apt-get install e2fsprogs" >&2; exit 3; }
populate=()
if [ ${#copies[@]} -gt 0 ]; then
  stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
  for c in "${copies[@]}"; do
    src=${c%%:*} dest=${c#*:}
    [ -f "$src" ] || { echo "mkpersist: --copy $c: $src is not a file" >&2; exit 2; }
    case "$dest" in ""|/*|*..*) echo "mkpersist: --copy $c: DEST must be a relative path inside the disk, without .." >&2; exit 2 ;; esac
    install -D -m 0644 "$src" "$stage/$dest"
  done
  populate=(-d "$stage")
fi
rm -f "$out"
truncate -s "$size" "$out"
# The reserve: ext4's reserved blocks, which no container may fill (bay0 mounts with resuid= of a uid nothing runs as;
# a container lacks CAP_SYS_RESOURCE, and overlayfs drops it from layer writes). 5% of the disk, at least 256 MiB (an
# upgrade stages about 80 MB per slot), at most half of it. docs/ARCHITECTURE.md "Disk".
bytes=$(stat -c %s "$out")
reserve=$(( bytes / 20 )); [ $reserve -lt $((256 << 20)) ] && reserve=$((256 << 20)); [ $reserve -gt $((bytes / 2)) ] && reserve=$((bytes / 2))
percent=$(awk -v r=$reserve -v b="$bytes" 'BEGIN { printf "%.2f", 100 * r / b }')
# No lazy init: the kernel would otherwise zero inode tables in the background after the first mount.
# quota,project: project quotas, which bound each volume's size and each container's writable layer.
mkfs.ext4 -q -F -L SPINE_PERSIST -O quota,project -E lazy_itable_init=0,lazy_journal_init=0,quotatype=prjquota \
  -m "$percent" "${populate[@]}" "$out"
echo "mkpersist: wrote $out ($size sparse, $(du -h "$out" | cut -f1) used, label SPINE_PERSIST, project quotas, $((reserve >> 20)) MiB reserved for bay0)" >&2
