#!/usr/bin/env bash
# Benchmarks for docs/BENCHMARKS.md (not run by CI). Each prints the figures it measured side by side.
#   scripts/bench.sh planner    Planner on 1,000 and 10,000 personas
#   scripts/bench.sh apply      cold apply of 20 personas: spine apply vs a podman run -d loop vs podman kube play
#   scripts/bench.sh noop [OTHER]  no-op apply of 20 converged personas: wall time and podman call count, against its
#                               floor (./spine help + one podman ps) and without the AOT cache; with OTHER (another
#                               checkout, built), its ./spine alternating in the same rounds
#   scripts/bench.sh volumes    issue 28: apply of a persona with two volumes vs the same mkdir + podman run -d by hand
#   scripts/bench.sh images     issue 28: apply of an Image of a 50 MB archive (hash while podman reads it, load, tag)
#                               vs podman load -i by hand, and vs sha256sum then podman load -i (a careful hand)
#   scripts/bench.sh boot-stretch [R] [OTHER]  in the VM (TCG): kernel -> starting -> init complete against the busybox
#                               floor and a Java /init on the same image (scripts/mkfloor.sh --java), R (3) rounds; with
#                               OTHER, that checkout's build/spine.img too, on a persist disk of its own
#   scripts/bench.sh idle       spine run while idle: CPU share and RSS over 60 s
#   scripts/bench.sh vm [R]     in the VM (TCG): kernel -> bay0 starting vs kernel -> a busybox /init on the same kernel
#                               (scripts/mkfloor.sh); init complete -> 5 autostart personas running vs 5 x podman
#                               start; validate wall time; podman pause/unpause vs a direct cgroup.freeze (R rounds, 3).
#                               Its boots preallocate the guest's RAM (boot-qemu.sh --prealloc); each round also boots
#                               the floor and the image to their first line without it, for the same ratio so
#   scripts/bench.sh soak [N] [SEED]  power-cut soak: N (50) hard kills of the VM during applies of 5 personas
#   scripts/bench.sh placement-soak [N] [SEED]  N (30) hard kills while an apply makes a first boot place the built-in
#                               images (issue 32); then every built-in image must run `true` and the apply converge
#   scripts/bench.sh carry      spine persona export/import of 500 MB of volume data vs tar -cf/-xf of the same directory
#   scripts/bench.sh fuzz [N]   spec parser mutation fuzz: N (500,000) cases; CI runs 20,000 (SpecParserFuzzTest)
#   scripts/bench.sh reaper [HOGS] [REPO]  in the VM: CPU ticks of bay0's reaper thread and of all of PID 1, 30 s idle
#                               and during an apply of 5 personas, with HOGS (0) busy loops on the host meanwhile;
#                               REPO (this checkout) may be another checkout with its own build/spine.img, to compare
#   scripts/bench.sh umbilical [N]  host: N (500) pings, 60 ms apart (under the 20/s budget), on one connection through
#                               the broker (p://work) vs direct to the AI tenant's socket (from inside sys__ai), p50/p99 in µs
#   scripts/bench.sh gate-d     in the VM (TCG): GateDVmIT's figures: umbilical round trips (broker vs direct), drift
#                               repair latency, the governor's reaction to load and release after it
#   scripts/bench.sh focus [N]  host: N (200) focus switches between two foot personas under spine run (returned ->
#                               frozen/thawed/focused) vs podman pause + unpause + IPC focus of the same switch (20)
#   scripts/bench.sh upgrade-vm     issue 12 in the VM (UpgradeVmIT): spine upgrade -> promoted, and a RED candidate's
#                               trial -> back on the known-good image, each against a cold boot of the same run
#   scripts/bench.sh upgrade-soak [N]  N (5) power cuts at random moments of an upgrade (check, staging, kexec, trial,
#                               after the promotion), each followed by a boot that must come up and converge
#   scripts/bench.sh focus-vm [N]  the same in the VM (TCG), on the image's JRE: N (200) switches through the control
#                               socket request spine focus sends vs the podman way (20); the image's size
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/jdk.sh"; spine_find_jdk
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
export CONTAINERS_CONF="$here/images/host/containers.conf"
work=/var/tmp/spine-bench
mkdir -p "$work"
# Benchmarks use their own podman storage, so they never touch the host's containers.
cat > "$work/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$work/graph"
runroot = "$work/run"
CONF
export CONTAINERS_STORAGE_CONF="$work/storage.conf"
N=20
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
reset() { podman rm -a -f -t 0 >/dev/null; podman pod rm -a -f >/dev/null 2>&1 || true; }
specs() {
  local dir=$1; rm -rf "$dir"; mkdir -p "$dir"
  for i in $(seq 1 $N); do cat > "$dir/p$i.yaml" <<YAML
apiVersion: spine/v1
kind: Persona
metadata: {name: "p://bench$i"}
spec:
  image: localhost/spine/busybox:1
  command: ["sleep", "3600"]
  state: running
YAML
  done
}

case "${1:-}" in
planner)
  "$here/scripts/mvn.sh" -q -pl model test-compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
  "$JAVA_HOME/bin/java" -cp "$here/model/target/classes:$here/model/target/test-classes:$(cat "$work/cp.txt")" spine.model.PlannerBench
  ;;
apply)
  "$here/scripts/example-images.sh"
  "$here/spine" version >/dev/null
  specs "$work/specs"
  kube="$work/kube.yaml"; : > "$kube"
  for i in $(seq 1 $N); do cat >> "$kube" <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: kbench$i}
spec:
  containers:
  - name: main
    image: localhost/spine/busybox:1
    command: ["sleep", "3600"]
YAML
  done
  for round in 1 2 3; do
    reset; rm -rf "$work/root"; t=$(date +%s%N)
    "$here/spine" apply -f "$work/specs" --root "$work/root" >/dev/null
    echo "spine $(ms $t)" >> "$work/apply.$$"
    reset; t=$(date +%s%N)
    for i in $(seq 1 $N); do
      podman run -d --name "loop$i" --network none --security-opt no-new-privileges localhost/spine/busybox:1 sleep 3600 >/dev/null
    done
    echo "loop $(ms $t)" >> "$work/apply.$$"
    reset; t=$(date +%s%N)
    podman kube play --network none "$kube" >/dev/null
    echo "kube $(ms $t)" >> "$work/apply.$$"
  done
  reset
  for k in spine loop kube; do
    echo "cold-apply personas=$N $k median_ms=$(grep "^$k " "$work/apply.$$" | cut -d' ' -f2 | median) runs=$(grep -c "^$k " "$work/apply.$$")"
  done
  rm -f "$work/apply.$$"
  ;;
volumes)
  # issue 28: spine apply of one persona with two volumes (directories made, bound, converged) against the same
  # container by hand: mkdir of the two directories and podman run -d with the same mounts and flags; 5 rounds each
  "$here/scripts/example-images.sh"
  "$here/spine" version >/dev/null
  rm -rf "$work/vol"; mkdir -p "$work/vol"
  cat > "$work/vol/v.yaml" <<YAML
apiVersion: spine/v1
kind: Persona
metadata: {name: "p://vbench"}
spec:
  image: localhost/spine/busybox:1
  command: ["sleep", "3600"]
  state: running
  volumes:
    - {name: home, path: /home/user}
    - {name: data, path: /srv/data}
YAML
  for round in 1 2 3 4 5; do
    reset; rm -rf "$work/vol/root"; t=$(date +%s%N)
    "$here/spine" apply -f "$work/vol/v.yaml" --root "$work/vol/root" >/dev/null
    echo "spine $(ms $t)" >> "$work/vol.$$"
    reset; rm -rf "$work/vol/hand"; t=$(date +%s%N)
    mkdir -p "$work/vol/hand/home" "$work/vol/hand/data" /tmp/spine-bench-lock && chmod 0777 "$work/vol/hand/home" "$work/vol/hand/data"
    podman run -d --pull never --name p__vbench --network none --pids-limit -1 --security-opt no-new-privileges \
      --volume /tmp/spine-bench-lock:/run/spine-lock:rw --volume "$work/vol/hand/home:/home/user:rw" \
      --volume "$work/vol/hand/data:/srv/data:rw" localhost/spine/busybox:1 sleep 3600 >/dev/null
    echo "hand $(ms $t)" >> "$work/vol.$$"
  done
  reset
  spine=$(grep '^spine ' "$work/vol.$$" | cut -d' ' -f2 | median); hand=$(grep '^hand ' "$work/vol.$$" | cut -d' ' -f2 | median)
  echo "apply of a persona with two volumes median_ms=$spine; by hand (mkdir, podman run -d -v -v) median_ms=$hand; ratio $(awk -v a="$spine" -v b="$hand" 'BEGIN{printf "%.2f", a/b}') runs=5"
  rm -f "$work/vol.$$"; rm -rf /tmp/spine-bench-lock
  ;;
carry)
  # issue 28, section 4: spine persona export and import of a stopped persona whose volume holds 500 MB (random bytes
  # in 50 files), against tar -cf of the same directory and tar -xf of that tar into an empty one; 3 rounds each
  "$here/scripts/example-images.sh"
  "$here/spine" version >/dev/null
  rm -rf "$work/carry"; mkdir -p "$work/carry"
  cat > "$work/carry/c.yaml" <<YAML
apiVersion: spine/v1
kind: Persona
metadata: {name: "p://carry"}
spec:
  image: localhost/spine/busybox:1
  command: ["sleep", "3600"]
  state: stopped
  volumes: [{name: home, path: /home/user}]
YAML
  reset
  "$here/spine" apply -f "$work/carry/c.yaml" --root "$work/carry/a" >/dev/null
  mkdir -p "$work/carry/a/volumes/p__carry/home"  # a stopped persona has not made it yet
  for i in $(seq 1 50); do head -c 10000000 /dev/urandom > "$work/carry/a/volumes/p__carry/home/f$i"; done
  sync
  for round in 1 2 3; do
    rm -f "$work/carry/c.spine"; t=$(date +%s%N)
    "$here/spine" persona export p://carry -o "$work/carry/c.spine" --root "$work/carry/a" >/dev/null
    echo "export $(ms $t)" >> "$work/carry.$$"
    rm -f "$work/carry/h.tar"; t=$(date +%s%N)
    tar -cf "$work/carry/h.tar" -C "$work/carry/a/volumes/p__carry" home
    echo "tarc $(ms $t)" >> "$work/carry.$$"
    reset; rm -rf "$work/carry/b"; t=$(date +%s%N)
    "$here/spine" persona import "$work/carry/c.spine" --root "$work/carry/b" >/dev/null
    echo "import $(ms $t)" >> "$work/carry.$$"
    rm -rf "$work/carry/x"; mkdir -p "$work/carry/x"; t=$(date +%s%N)
    tar -xf "$work/carry/h.tar" -C "$work/carry/x"
    echo "tarx $(ms $t)" >> "$work/carry.$$"
  done
  reset
  pick() { grep "^$1 " "$work/carry.$$" | cut -d' ' -f2 | median; }
  ex=$(pick export); tc=$(pick tarc); im=$(pick import); tx=$(pick tarx)
  echo "persona export (500 MB of volume) median_ms=$ex; tar -cf of the same directory median_ms=$tc; ratio $(awk -v a="$ex" -v b="$tc" 'BEGIN{printf "%.2f", a/b}') runs=3"
  echo "persona import median_ms=$im; tar -xf of that tar median_ms=$tx; ratio $(awk -v a="$im" -v b="$tx" 'BEGIN{printf "%.2f", a/b}') runs=3"
  rm -f "$work/carry.$$"; rm -rf "$work/carry"
  ;;
images)
  # issue 28: one Image of a 50 MB OCI archive (48 MiB of random bytes in a layer: nothing compresses), loaded through
  # spine apply on a fresh root against podman load -i by hand, and against sha256sum + podman load -i; the image is
  # removed before every load, 5 rounds each, alternating
  "$here/scripts/example-images.sh"
  "$here/spine" version >/dev/null
  rm -rf "$work/img"; mkdir -p "$work/img"
  podman rm -f bench-app-build >/dev/null 2>&1 || true
  podman rmi -f localhost/bench-app:1 >/dev/null 2>&1 || true
  podman run --name bench-app-build --network none localhost/spine/busybox:1 dd if=/dev/urandom of=/payload bs=1M count=48 2>/dev/null
  podman commit -q bench-app-build localhost/bench-app:1 >/dev/null
  podman rm -f bench-app-build >/dev/null
  podman save -q --format oci-archive -o "$work/img/app.oci.tar" localhost/bench-app:1
  sha=$(sha256sum "$work/img/app.oci.tar" | cut -d' ' -f1)
  cat > "$work/img/app.yaml" <<YAML
apiVersion: spine/v1
kind: Image
metadata: {name: bench-app}
spec: {archive: $work/img/app.oci.tar, sha256: "$sha", ref: "localhost/bench-app:1"}
YAML
  gone() { podman rmi -f localhost/bench-app:1 >/dev/null 2>&1 || true; }
  for round in 1 2 3 4 5; do
    gone; rm -rf "$work/img/root"; t=$(date +%s%N)
    "$here/spine" apply -f "$work/img/app.yaml" --root "$work/img/root" >/dev/null
    echo "spine $(ms $t)" >> "$work/img.$$"
    echo "step $(grep -o 'step done pass=[^ ]* target=bench-app step=load ms=[0-9]*' "$work/img/root/spine/spine.log" | sed 's/.*ms=//')" >> "$work/img.$$"
    gone; t=$(date +%s%N)
    podman load -q -i "$work/img/app.oci.tar" >/dev/null
    echo "hand $(ms $t)" >> "$work/img.$$"
    gone; t=$(date +%s%N)
    sha256sum "$work/img/app.oci.tar" >/dev/null && podman load -q -i "$work/img/app.oci.tar" >/dev/null
    echo "careful $(ms $t)" >> "$work/img.$$"
  done
  gone
  spine=$(grep '^spine ' "$work/img.$$" | cut -d' ' -f2 | median); hand=$(grep '^hand ' "$work/img.$$" | cut -d' ' -f2 | median)
  careful=$(grep '^careful ' "$work/img.$$" | cut -d' ' -f2 | median); step=$(grep '^step ' "$work/img.$$" | cut -d' ' -f2 | median)
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
  echo "Image of a $(du -m "$work/img/app.oci.tar" | cut -f1) MB archive: spine apply median_ms=$spine, of which the load step (hash, names, podman load, inspect) median_ms=$step; podman load -i median_ms=$hand; sha256sum + podman load -i median_ms=$careful"
  echo "ratios: apply/load $(ratio "$spine" "$hand"), step/load $(ratio "$step" "$hand"), apply/careful $(ratio "$spine" "$careful"), step/careful $(ratio "$step" "$careful") runs=5"
  rm -f "$work/img.$$"; rm -rf "$work/img"
  ;;
noop)
  # with OTHER (another checkout with its own build, e.g. the commit before a change), its ./spine alternates with
  # this one's in every round, on the same root and containers
  other=${2:-}
  "$here/scripts/example-images.sh"
  "$here/spine" version >/dev/null
  [ -n "$other" ] && "$other/spine" version >/dev/null
  specs "$work/specs"; reset; rm -rf "$work/root"
  "$here/spine" apply -f "$work/specs" --root "$work/root" >/dev/null
  cat > "$work/counting-podman" <<SH
#!/bin/sh
echo "\$*" >> "$work/podman-calls"
exec podman "\$@"
SH
  chmod +x "$work/counting-podman"
  rm -f "$work"/noop*.$$
  for round in 1 2 3 4 5; do
    : > "$work/podman-calls"; t=$(date +%s%N)
    SPINE_PODMAN="$work/counting-podman" "$here/spine" apply -f "$work/specs" --root "$work/root" >/dev/null
    echo "$(ms $t) $(wc -l < "$work/podman-calls")" >> "$work/noop.$$"
    t=$(date +%s%N)
    SPINE_AOT=off "$here/spine" apply -f "$work/specs" --root "$work/root" >/dev/null
    echo "$(ms $t)" >> "$work/noop-off.$$"
    if [ -n "$other" ]; then
      t=$(date +%s%N); "$other/spine" apply -f "$work/specs" --root "$work/root" >/dev/null; echo "$(ms $t)" >> "$work/noop-other.$$"
    fi
    # the floor: a JVM start through ./spine (its AOT cache too) plus the one podman call a no-op apply makes
    t=$(date +%s%N); "$here/spine" help >/dev/null; echo "$(ms $t)" >> "$work/noop-help.$$"
    t=$(date +%s%N); podman ps -a --format json >/dev/null; echo "$(ms $t)" >> "$work/noop-ps.$$"
  done
  noop=$(cut -d' ' -f1 "$work/noop.$$" | median); help=$(median < "$work/noop-help.$$"); ps=$(median < "$work/noop-ps.$$")
  echo "noop-apply personas=$N median_ms=$noop podman_calls=$(cut -d' ' -f2 "$work/noop.$$" | sort -u | tr '\n' ' ')runs=5"
  echo "for comparison: the same without the AOT cache (SPINE_AOT=off) median_ms=$(median < "$work/noop-off.$$") runs=5"
  [ -n "$other" ] && echo "for comparison: $other/spine, alternating, median_ms=$(median < "$work/noop-other.$$") runs=5"
  echo "floor: ./spine help median_ms=$help + one podman ps -a --format json median_ms=$ps = $((help + ps)) ms; no-op apply / floor = $(awk -v a="$noop" -v b="$((help + ps))" 'BEGIN{printf "%.2f", a/b}')"
  t=$(date +%s%N); "$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -version 2>/dev/null; echo "for comparison: java -version (JVM start and exit) ms=$(ms $t)"
  rm -f "$work"/noop*.$$; reset
  ;;
idle)
  "$here/scripts/example-images.sh"
  "$here/spine" version >/dev/null
  specs "$work/specs"; reset; rm -rf "$work/root"
  "$here/spine" apply -f "$work/specs" --root "$work/root" >/dev/null
  "$here/spine" run --root "$work/root" 2>"$work/run.log" &
  pid=$!
  sleep 10
  jpid=$(pgrep -f "spine.jar run --root $work/root" | head -1)
  hz=$(getconf CLK_TCK)
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$jpid/stat")
  sleep 60
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$jpid/stat")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$jpid/status")
  awk -v d=$(( (u1 + s1) - (u0 + s0) )) -v hz="$hz" -v rss="$rss" \
    'BEGIN { printf "idle spine run window_s=60 cpu_percent_of_one_core=%.2f rss_mb=%.1f\n", 100 * d / hz / 60, rss / 1024 }'
  kill "$pid"; wait "$pid" 2>/dev/null || true
  reset
  ;;
vm)
  # a JUnit class run by name only (not *IT, so CI never runs it); it builds the image and boots QEMU
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=BootBench -Dfailsafe.failIfNoSpecifiedTests=false -Dspine.bench.rounds="${2:-3}" | grep --line-buffered -E '^BootBench|Tests run:|FAIL'
  ;;
boot-stretch)
  # BootStretchBench: kernel -> starting -> init complete against the busybox floor and a Java /init (spine version on
  # the image's runtime, CDS archive and flags) in the same run; with OTHER, that checkout's build/spine.img too
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=BootStretchBench -Dfailsafe.failIfNoSpecifiedTests=false -Dspine.bench.rounds="${2:-3}" \
    ${3:+-Dspine.bench.other=$3} | grep --line-buffered -E '^BootStretchBench|Tests run:|FAIL'
  ;;
soak)
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test='GateBVmIT#randomKills*' -Dspine.gateb.iterations="${2:-50}" ${3:+-Dspine.gateb.seed=$3} | grep --line-buffered -E '^Gate B|Tests run:|FAIL'
  ;;
placement-soak)
  # -Dfailsafe.failIfNoSpecifiedTests: the method filter names one test of the class
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test='GateBVmIT#powerCutsWhileTheFirstBootPlacesTheImages' -Dspine.gateb.placement_cuts="${2:-30}" \
    ${3:+-Dspine.gateb.seed=$3} | grep --line-buffered -E '^Gate B|Tests run:|FAIL'
  ;;
fuzz)
  "$here/scripts/mvn.sh" test -pl model -Dtest=SpecParserFuzzTest -Dfuzz.cases="${2:-500000}" \
    -Dfuzz.seed="${3:-$(date +%s)}" | grep --line-buffered -E '^SpecParserFuzz|Tests run:|FAIL'
  ;;
reaper)
  hogs=${2:-0}; repo=${3:-$here}; w=$work/reaper; rm -rf "$w"; mkdir -p "$w"
  [ -f "$repo/build/spine.img" ] || "$repo/scripts/mkspine.sh" >/dev/null
  "$here/scripts/mkpersist.sh" --size 1G --force "$w/persist.img" 2>/dev/null
  mkfifo "$w/in"
  ( cd "$repo" && scripts/boot-qemu.sh --persist "$w/persist.img" --serial-log "$w/serial.log" --timeout 1200 <"$w/in" >/dev/null 2>&1 ) &
  qemu=$!
  exec 3>"$w/in"
  wait_for() { for _ in $(seq "$2"); do grep -q "$1" "$w/serial.log" 2>/dev/null && return 0; sleep 1; done; echo "timed out waiting for $1" >&2; }
  # utime+stime of the reaper thread and of every thread of PID 1, in ticks (100 per second)
  ticks='r=0; a=0; for t in /proc/1/task/*; do set -- $(cut -d" " -f14,15 $t/stat); a=$((a+$1+$2)); [ "$(cat $t/comm)" = reaper ] && r=$(($1+$2)); done'
  wait_for "converged after boot" 600; sleep 5
  echo "$ticks; echo TICKS-A \$r \$a" >&3; sleep 30
  echo "$ticks; echo TICKS-B \$r \$a \$(ls -d /proc/[0-9]* | wc -l)" >&3; sleep 3
  pids=""; for _ in $(seq "$hogs"); do (while :; do :; done) & pids="$pids $!"; done
  echo 'mkdir -p /tmp/s; for i in 1 2 3 4 5; do printf "apiVersion: spine/v1\nkind: Persona\nmetadata: {name: \"p://b$i\"}\nspec: {image: localhost/spine/busybox:1, command: [\"sleep\", \"3600\"], state: running}\n" > /tmp/s/b$i.yaml; done; s0=$(cut -d" " -f1 /proc/uptime); spine apply -f /tmp/s >/dev/null; echo APPLY-SECONDS $s0 $(cut -d" " -f1 /proc/uptime)' >&3
  wait_for "APPLY-SECONDS [0-9]" 900
  echo "$ticks; echo TICKS-C \$r \$a" >&3; sleep 3
  [ -n "$pids" ] && kill $pids
  echo 'kill -TERM 1' >&3; exec 3>&-; sleep 20; kill "$qemu" 2>/dev/null || true
  awk -v hogs="$hogs" '/^TICKS-A/ {ra=$2; aa=$3} /^TICKS-B/ {rb=$2; ab=$3; n=$4} /^APPLY-SECONDS [0-9]/ {sec=$3-$2}
       /^TICKS-C/ {rc=$2; ac=$3}
       END { printf "reaper idle_30s: reaper=%d ticks, pid1=%d ticks, processes=%d; apply of 5 with %d host hogs: %.1f s, reaper=%d ticks, pid1=%d ticks\n", rb-ra, ab-aa, n, hogs, sec, rc-rb, ac-ab }' \
      <(tr -d '\r' <"$w/serial.log" | grep -E '^(TICKS-[ABC]|APPLY-SECONDS) ')
  echo "soft lockups in the serial log: $(grep -c 'soft lockup' "$w/serial.log")"
  ;;
umbilical)
  n=${2:-500}; root=$work/umbilical; run=$(mktemp -d /tmp/sb.XXXX)
  "$here/scripts/example-images.sh"
  reset; rm -rf "$root"; mkdir -p "$root"
  export SPINE_RUN=$run
  "$here/spine" apply -f "$here/specs/examples" --root "$root" >/dev/null
  "$here/spine" run --root "$root" >"$work/umbilical-run.out" 2>&1 &
  daemon=$!
  for _ in $(seq 100); do [ -S "$run/umbilical/p__work/umbilical.sock" ] && break; sleep 0.2; done
  podman exec p__work umbilical --bench 30 >/dev/null   # warm the caches
  echo "broker (p://work -> bay0 -> sys://ai): $(podman exec p__work umbilical --bench "$n")"
  echo "direct (inside sys__ai -> its socket):  $(podman exec -e UMBILICAL=/run/spine/ai.sock sys__ai umbilical --bench "$n")"
  kill "$daemon"; wait "$daemon" 2>/dev/null || true
  reset; rm -rf "$run"
  ;;
gate-d)
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=GateDVmIT -Dfailsafe.failIfNoSpecifiedTests=false | grep --line-buffered -E '^Gate D|Tests run:|FAIL'
  ;;
focus)
  "$here/scripts/example-images.sh"
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=FocusBench -Dfocus.switches="${2:-200}" -Dfailsafe.failIfNoSpecifiedTests=false | grep --line-buffered -E '^Gate E|Tests run:|FAIL'
  ;;
focus-vm)
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=GateEVmBench -Dfocus.switches="${2:-200}" -Dfailsafe.failIfNoSpecifiedTests=false | grep --line-buffered -E '^Gate E|^20..-|Tests run:|FAIL'
  ;;
upgrade-soak)
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=UpgradeSoakVmBench -Dupgrade.soak="${2:-5}" -Dfailsafe.failIfNoSpecifiedTests=false | grep --line-buffered -E '^Upgrade soak|Tests run:|FAIL'
  ;;
upgrade-vm)
  "$here/scripts/mvn.sh" verify -pl model,drivers,controller -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=UpgradeVmIT -Dfailsafe.failIfNoSpecifiedTests=false | grep --line-buffered -E '^Upgrade VM, wall|Tests run:|FAIL'
  ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
