# Sourced by Spine's scripts: finds a JDK >= 25 and exports JAVA_HOME, or fails with a clear message.
spine_find_jdk() {
  local candidates=() c v
  [ -n "${SPINE_JAVA_HOME:-}" ] && candidates+=("$SPINE_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$c/release" 2>/dev/null)
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "spine: no JDK 25 or newer found (looked at \$SPINE_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "spine: install one (e.g. Temurin 25 under /usr/lib/jvm) or set SPINE_JAVA_HOME to it." >&2
  return 1
}
