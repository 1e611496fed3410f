#!/usr/bin/env bash
# The main job: install what is missing, build the Spine image from pinned inputs (the first build downloads,
# later ones use the cache), make a persist disk if there is none, and boot it in QEMU on this terminal.
# The serial console is a shell once bay0 prints "init complete"; `kill -TERM 1` there powers the VM off.
# Without a terminal it prints the boot record (`spine get boot`) and powers the VM off itself.
#   scripts/demo.sh [boot-qemu.sh options]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/host-setup.sh"
"$here/scripts/mkspine.sh"
"$here/scripts/mkpersist.sh" "$here/persist.img"
if [ -t 0 ]; then
  exec "$here/scripts/boot-qemu.sh" "$@"
fi
# No terminal: show the boot record once bay0 is up, then power off cleanly through PID 1.
serial="$here/build/serial.log"; rm -f "$serial"
{
  for _ in $(seq 300); do grep -q "bay0: init complete" "$serial" 2>/dev/null && break; sleep 1; done
  sleep 2; echo "spine get boot"; sleep 15; echo "kill -TERM 1"
} | "$here/scripts/boot-qemu.sh" --timeout 400 --serial-log "$serial" "$@"
