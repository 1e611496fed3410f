#!/usr/bin/env bash
# Checks firmware in a rootfs: /lib/firmware exists, every file listed in images/firmware.txt is there,
# and every firmware file a carried kernel module asks for (modinfo firmware:) is there.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rootfs=${1:?usage: check-firmware.sh ROOTFS}
fail=0
[ -d "$rootfs/lib/firmware" ] || { echo "check-firmware: $rootfs/lib/firmware is missing" >&2; exit 1; }
while read -r fw; do
  [ -e "$rootfs/lib/firmware/$fw" ] || { echo "check-firmware: listed firmware $fw is missing" >&2; fail=1; }
done < <(grep -v '^\s*#' "$here/images/firmware.txt" | awk 'NF {print $1}')
while IFS= read -r -d '' ko; do
  for fw in $(modinfo -F firmware "$ko" 2>/dev/null); do
    [ -e "$rootfs/lib/firmware/$fw" ] || { echo "check-firmware: ${ko#$rootfs} needs firmware $fw" >&2; fail=1; }
  done
done < <(find "$rootfs/lib/modules" -name '*.ko' -print0 2>/dev/null)
[ $fail = 0 ] && echo "check-firmware: ok" >&2
exit $fail
