#!/usr/bin/env bash
# Makes the JDK's AOT cache (JEP 483/514) for a spine jar and the sqlite-jdbc native library unpacked beside it, so a
# command neither parses and links ~3,700 classes again nor unpacks 1 MB into /tmp on every start.
#   scripts/aot-train.sh JAR OUT_DIR JAVA_FLAG...
# writes OUT_DIR/spine.aot and OUT_DIR/native/libsqlitejdbc.so. The training run is one `spine apply` into an empty
# root of an envelope and 20 stopped personas (the open, migrate, parse, store, plan and report path of every
# command), against a podman stub that lists no containers and runs nothing: it touches no container and no state
# outside its temporary directory. A cache that does not match the jar or the flags is ignored by the JVM, silently.
set -euo pipefail
jar=$1 out=$2; shift 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$out/native"
(cd "$work" && "$JAVA_HOME/bin/jar" xf "$jar" org/sqlite/native/Linux/x86_64/libsqlitejdbc.so)
mv "$work/org/sqlite/native/Linux/x86_64/libsqlitejdbc.so" "$out/native/libsqlitejdbc.so.$$"
mv "$out/native/libsqlitejdbc.so.$$" "$out/native/libsqlitejdbc.so"
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
SPINE_PODMAN="$work/podman" "$JAVA_HOME/bin/java" "$@" -Dorg.sqlite.lib.path="$out/native" -Dorg.sqlite.lib.name=libsqlitejdbc.so \
  -XX:AOTCacheOutput="$work/spine.aot" -jar "$jar" apply -f "$work/train.yaml" --root "$work/root" > "$work/train.log" 2>&1 \
  || { cat "$work/train.log" >&2; exit 1; }
mv "$work/spine.aot" "$out/spine.aot.$$" && mv "$out/spine.aot.$$" "$out/spine.aot"
