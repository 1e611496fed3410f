#!/usr/bin/env bash
# Makes the JDK's AOT cache (JEP 483/514) for a spine jar, with the sqlite-jdbc and junixsocket native libraries unpacked
# beside it, so a command neither parses and links ~3,700 classes again nor unpacks them into /tmp on every start.
#   scripts/aot-train.sh JAR OUT_DIR JAVA_FLAG...
# writes OUT_DIR/spine.aot, OUT_DIR/native/libsqlitejdbc.so and OUT_DIR/native/libjunixsocket.so.
#   scripts/aot-train.sh --classlist JAR OUT_FILE JAVA_FLAG...
# writes the classes the same training run loads, sorted, for the image's static CDS archive (images/spine.classlist:
# pinned in the repo, since the set a run loads varies a little with thread timing, and the image must rebuild
# byte for byte; rerun this after changing code the boot path loads, and review the diff; the class list also records
# a short `spine run` after the apply, see below). The training run is one `spine apply` into an empty
# root of an envelope and 20 stopped personas (the open, migrate, parse, store, plan and report path of every
# command), against a podman stub that lists no containers and runs nothing: it touches no container and no state
# outside its temporary directory. A cache that does not match the jar or the flags is ignored by the JVM, silently.
#   scripts/aot-train.sh --boot-classlist OUT_FILE
# records what only PID 1 loads (images/spine-boot.classlist, pinned as images/spine.classlist is; mkspine.sh dumps the
# union of the two): boots build/spine.img in QEMU on a fresh persist disk with SPINE_CLASSLIST=1 (/sbin/init then
# records the JVM's class loads), applies specs/examples through the serial shell as demo.sh does, copies the list to
# the persist disk, powers off, and reads it back with debugfs. Takes about 2 minutes under TCG; no other VM at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# A class list as the image pins it: plain class names sorted (no ids: they number one run's loads), then the lambda
# lines; no @cp lines, which record which constant pool entries one run happened to resolve.
pinned_list() {
  grep -hv '^[#@]' "$@" | sed 's/ id: [0-9]*$//' | LC_ALL=C sort -u
  grep -h '^@lambda' "$@" | LC_ALL=C sort -u
}
if [ "${1:-}" = --boot-classlist ]; then
  [ -n "${2:-}" ] || { echo "usage: scripts/aot-train.sh --boot-classlist OUT_FILE" >&2; exit 2; }
  [ -f "$here/build/spine.img" ] || { echo "aot-train: no build/spine.img to boot; run scripts/mkspine.sh first" >&2; exit 3; }
  out=$2 work=$(mktemp -d /var/tmp/spine-boot-classlist.XXXX); trap 'rm -rf "$work"' EXIT
  "$here/scripts/mkpersist.sh" --size 2G "$work/persist.img"
  serial="$work/serial.log"; : > "$serial"
  until_seen() { for _ in $(seq "$2"); do grep -qaE "$1" "$serial" 2>/dev/null && return 0; sleep 1; done
                 { echo "aot-train: no '$1' on the serial console after $2 s; its end:"; tail -20 "$serial"; } >&2; return 1; }
  {
    until_seen "bay0: converged after boot" 300; sleep 2; echo "mkdir -p /tmp/specs"
    for f in "$here"/specs/examples/*.yaml; do
      echo "cat > /tmp/specs/$(basename "$f") <<'SPEC'"; cat "$f"; echo "SPEC"; sleep 1
    done
    echo "spine apply -f /tmp/specs; spine get boot; sleep 5; cp /spine-boot.classlist /persist/ && sync && echo TRAIN""-DONE"
    until_seen "^TRAIN-DONE" 300
    echo "kill -TERM 1"
  } | "$here/scripts/boot-qemu.sh" --persist "$work/persist.img" --timeout 700 --serial-log "$serial" --append SPINE_CLASSLIST=1 >/dev/null
  debugfs -R "cat /spine-boot.classlist" "$work/persist.img" > "$work/classes" 2>/dev/null
  [ -s "$work/classes" ] || { echo "aot-train: the VM wrote no class list; the serial console's end:" >&2; tail -20 "$serial" >&2; exit 1; }
  { echo "# what bay0 loads as PID 1 (a boot and an apply of specs/examples in the VM): scripts/aot-train.sh --boot-classlist"
    pinned_list "$work/classes"; } > "$out"
  exit 0
fi
classlist=""; [ "${1:-}" = --classlist ] && { classlist=1; shift; }
jar=$1 out=$2; shift 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/podman" <<'SH'
#!/bin/sh
case "$1" in ps) echo '[]' ;; *) echo "aot training: podman $* is not run" >&2; exit 1 ;; esac
SH
chmod +x "$work/podman"
{
  printf 'apiVersion: spine/v1\nkind: Envelope\nmetadata: {name: small}\nspec: {cpu: {max: 0.5}, memory: {max: 64Mi}, pidsMax: 64}\n'
  for i in $(seq 1 20); do
    printf -- '---\napiVersion: spine/v1\nkind: Persona\nmetadata: {name: "p://train%s"}\n' "$i"
    printf 'spec: {image: localhost/spine/busybox:1, command: [sleep, "1"], state: stopped, envelope: small}\n'
  done
} > "$work/train.yaml"
if [ -n "$classlist" ]; then
  SPINE_PODMAN="$work/podman" "$JAVA_HOME/bin/java" "$@" -XX:DumpLoadedClassList="$work/classes" -jar "$jar" \
    apply -f "$work/train.yaml" --root "$work/root" > "$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
  # Then the loop, as bay0 starts it at every boot: its system calls (java.lang.foreign, whose classes cost bay0
  # 0.2-0.3 s of /init -> starting under emulation when they came from the runtime's modules), a pass, the governor
  # and the control socket. `spine run` on the same root and stub, stopped with SIGTERM once its first pass is
  # planned and its socket bound; the JVM writes the list as it loads classes, and exits through its shutdown hooks.
  SPINE_PODMAN="$work/podman" "$JAVA_HOME/bin/java" "$@" -XX:DumpLoadedClassList="$work/classes-run" -jar "$jar" \
    run --root "$work/root" > "$work/run.log" 2>&1 &
  local_pid=$!
  for _ in $(seq 600); do
    [ -S "$work/root/spine/control.sock" ] && grep -q 'pass planned' "$work/root/spine/spine.log" 2>/dev/null && break
    kill -0 "$local_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1 # the pass's steps and status writes
  kill -TERM "$local_pid" 2>/dev/null || true
  wait "$local_pid" || [ $? = 143 ] || { cat "$work/run.log" >&2; exit 1; }
  grep -q 'pass planned' "$work/root/spine/spine.log" || { echo "aot-train: spine run planned no pass" >&2; cat "$work/run.log" >&2; exit 1; }
  { echo "# spine.jar's classlist for the image's CDS archive: scripts/aot-train.sh --classlist (see there)"
    pinned_list "$work/classes" "$work/classes-run"; } > "$out"
  exit 0
fi
mkdir -p "$out/native"
(cd "$work" && "$JAVA_HOME/bin/jar" xf "$jar" org/sqlite/native/Linux/x86_64/libsqlitejdbc.so)
mv "$work/org/sqlite/native/Linux/x86_64/libsqlitejdbc.so" "$out/native/libsqlitejdbc.so.$$"
mv "$out/native/libsqlitejdbc.so.$$" "$out/native/libsqlitejdbc.so"
(cd "$work" && "$JAVA_HOME/bin/jar" xf "$jar" lib/amd64-Linux-clang/jni/)
mv "$work"/lib/amd64-Linux-clang/jni/libjunixsocket-native-*[0-9].so "$out/native/libjunixsocket.so.$$"
mv "$out/native/libjunixsocket.so.$$" "$out/native/libjunixsocket.so"
SPINE_PODMAN="$work/podman" "$JAVA_HOME/bin/java" "$@" -Dorg.sqlite.lib.path="$out/native" -Dorg.sqlite.lib.name=libsqlitejdbc.so \
  -Dorg.newsclub.net.unix.library.override="$out/native/libjunixsocket.so" -XX:AOTCacheOutput="$work/spine.aot" -jar "$jar" apply -f "$work/train.yaml" --root "$work/root" > "$work/train.log" 2>&1 \
  || { cat "$work/train.log" >&2; exit 1; }
mv "$work/spine.aot" "$out/spine.aot.$$" && mv "$out/spine.aot.$$" "$out/spine.aot"
