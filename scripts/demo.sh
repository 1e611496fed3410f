#!/usr/bin/env bash
# The main job: install what is missing, build the Spine image from pinned inputs (the first build downloads,
# later ones use the cache), make a persist disk if there is none, and boot it in QEMU on this terminal.
# The serial console is a shell once bay0 prints "init complete"; `kill -TERM 1` there powers the VM off.
# Without a terminal it applies specs/examples inside the VM, prints the boot report (`spine get boot`) and what
# runs (`spine get`), powers the VM off itself, and draws the boot it just did: build/boot-timeline.svg.
#   scripts/demo.sh [boot-qemu.sh options]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/host-setup.sh"
"$here/scripts/mkspine.sh"
"$here/scripts/mkpersist.sh" "$here/persist.img"
if [ -t 0 ]; then
  exec "$here/scripts/boot-qemu.sh" "$@"
fi
# No terminal: once the boot has converged, apply the example specs (typed in through the serial shell: the VM
# has no network and no shared folder), show the boot report and what runs, then power off cleanly through PID 1.
serial="$here/build/serial.log"; rm -f "$serial"
until_seen() { for _ in $(seq "$2"); do grep -qaE "$1" "$serial" 2>/dev/null && return 0; sleep 1; done; return 1; }
{
  until_seen "bay0: (converged after boot|boot report: state db unavailable)" 300 || true
  sleep 2; echo "mkdir -p /tmp/specs"
  for f in "$here"/specs/examples/*.yaml; do
    echo "cat > /tmp/specs/$(basename "$f") <<'SPEC'"; cat "$f"; echo "SPEC"; sleep 1
  done
  echo "spine apply -f /tmp/specs; spine get boot; spine get; echo DEMO""-DONE"
  until_seen "^DEMO-DONE" 300 || true
  echo "kill -TERM 1"
} | "$here/scripts/boot-qemu.sh" --timeout 700 --serial-log "$serial" "$@"
# the boot as stretches between its genesis lines, from the serial log, with its boot-convergence steps from
# spine.log on the persist disk (debugfs reads it without mounting): a table here and a picture in build/
debugfs -R "cat /spine/spine.log" "$here/persist.img" > "$here/build/spine.log" 2>/dev/null || : > "$here/build/spine.log"
"$here/spine" boot timeline "$serial" --spine-log "$here/build/spine.log"
"$here/spine" boot timeline "$serial" --spine-log "$here/build/spine.log" -o svg > "$here/build/boot-timeline.svg"
echo "demo: this boot's timeline is $here/build/boot-timeline.svg"
