#!/usr/bin/env bash
# Boots ./vmlinuz with build/spine.img as initramfs, with the persist disk as virtio-blk (/dev/vda).
#   scripts/boot-qemu.sh [--persist FILE|none] [--timeout SECONDS] [--serial-log FILE] [--append 'ARGS']
#                        [--throttle-bps N] [--memory 2G] [--monitor SOCKET] [--initrd FILE] [--prealloc]
# The serial console (console=ttyS0,115200, always set) is this terminal, and is teed to build/serial.log.
# --initrd boots another initramfs on the same kernel (the boot benchmark's busybox floor).
# --prealloc has QEMU touch all of the guest's RAM before the guest starts (-mem-prealloc). The host backs guest RAM
# lazily, and on a build machine that is itself a virtual machine the first touch of fresh host memory is slow and
# uneven (0 to 2.5 s per GB here), so a guest's boot clock otherwise counts host page faults in proportion to the
# memory it touches: the 186 MB the kernel unpacks, but not the busybox floor. The boot benchmark uses it for every
# boot it compares (docs/BENCHMARKS.md, "Boot speed, eighth part"); it costs wall time before the guest starts.
# KVM is used when /dev/kvm works, TCG otherwise. -no-reboot: a reboot or power-off ends QEMU.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
persist="$here/persist.img"; timeout=0; serial="$here/build/serial.log"; append=""; throttle=""; mem=2G; monitor=""; prealloc=""
initrd="$here/build/spine.img"
while [ $# -gt 0 ]; do
  case "$1" in
    --persist) persist=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --serial-log) serial=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --throttle-bps) throttle=$2; shift 2 ;;
    --memory) mem=$2; shift 2 ;;
    --monitor) monitor=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --prealloc) prealloc=1; shift ;;
    *) echo "boot-qemu: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$here/vmlinuz" ] && [ -f "$initrd" ] || { echo "boot-qemu: run scripts/mkspine.sh first" >&2; exit 3; }
# KVM only when it really runs a guest: /dev/kvm can exist and still hang (as on our build machines). The probe
# boots the kernel with no root, which panics and exits at once under working KVM; its verdict is cached.
accel=${SPINE_ACCEL:-auto}
if [ "$accel" = auto ]; then
  probe="$here/build/accel.probe"
  if [ ! -f "$probe" ]; then
    accel=tcg
    if [ -w /dev/kvm ] && timeout -s KILL 15 qemu-system-x86_64 -accel kvm -m 256M -nographic -no-reboot -no-user-config \
         -nodefaults -serial none -kernel "$here/vmlinuz" -append "panic=-1" </dev/null >/dev/null 2>&1; then
      accel=kvm
    fi
    echo "$accel" > "$probe"
  fi
  accel=$(cat "$probe")
fi
# i6300esb: a hardware watchdog, armed by bay0 only around an upgrade's trial boot; when it fires, QEMU resets the
# guest, which -no-reboot turns into QEMU's exit, as for any reboot. virtio-rng: the hardware random number generator
# real machines have (RDRAND, a TPM); without one a first boot's kernel gathers jitter entropy for about a second
# in the first reader of /dev/urandom (SQLite opening the state db).
# The kernel unpacks the initramfs on one CPU while its other initcalls go on, but a request_module() waits for the
# unpacking to end (its modprobe lives in the initramfs), and three initcalls ask for crypto modules: the SP800-108 KDF
# self-test, the encrypted key type, and IPv6's segment routing HMAC. Skipped, /init runs as soon as the unpacking
# ends, about 0.4 s earlier under TCG (docs/OPERATIONS.md, "The kernel command line"; BENCHMARKS, sixth part).
spine_cmdline="console=ttyS0,115200 panic=-1 psi=1 edd=off quiet loglevel=4 ipv6.disable=1"
spine_cmdline="$spine_cmdline initcall_blacklist=crypto_kdf108_init,init_encrypted"
args=(-accel "$accel" -m "$mem" -smp 2 -nographic -no-reboot -no-user-config -nodefaults -serial stdio
      -device i6300esb -device virtio-rng-pci -kernel "$here/vmlinuz" -initrd "$initrd"
      -append "$spine_cmdline $append")
if [ "$persist" != none ]; then
  drive="file=$persist,format=raw,if=virtio,cache=none,aio=threads"
  [ -n "$throttle" ] && drive="$drive,throttling.bps-total=$throttle,throttling.iops-total=1"
  args+=(-drive "$drive")
fi
[ -n "$prealloc" ] && args+=(-mem-prealloc)
[ -n "$monitor" ] && args+=(-monitor "unix:$monitor,server,nowait")
mkdir -p "$(dirname "$serial")"
echo "boot-qemu: accel=$accel persist=$persist timeout=${timeout}s serial-log=$serial" >&2
if [ "$timeout" -gt 0 ]; then
  timeout --foreground -s KILL "$timeout" qemu-system-x86_64 "${args[@]}" | tee "$serial"
else
  qemu-system-x86_64 "${args[@]}" | tee "$serial"
fi
