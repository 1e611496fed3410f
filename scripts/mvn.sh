#!/usr/bin/env bash
# Runs Maven hermetically: JDK >= 25, a project-owned local repository, strict checksums against Central,
# and afterwards every jar and pom in that repository must match images/maven.lock by sha256.
#   scripts/mvn.sh ARGS...           build, then verify the lock (fails on any unpinned or changed artifact)
#   SPINE_RELOCK=1 scripts/mvn.sh …  build, then rewrite images/maven.lock deliberately (review the diff)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/jdk.sh"
spine_find_jdk
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
repo="${SPINE_M2:-${SPINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spine}/m2}"
lock="$here/images/maven.lock"
mkdir -p "$repo"
status=0
# Maven 3.8's console library writes stray "ESC[0m" resets even in batch mode; strip them so output stays clean.
mvn -B -ntp -Dstyle.color=never --strict-checksums -Dmaven.repo.local="$repo" -f "$here/pom.xml" "$@" 2>&1 \
  | sed -u 's/\x1b\[0m//g' || status=$?

hashes() { (cd "$repo" && find . -type f \( -name '*.jar' -o -name '*.pom' \) ! -path './dev/spine/*' -print0 \
  | sort -z | xargs -0 -r sha256sum | sed 's#  \./#  #'); }
if [ "${SPINE_RELOCK:-0}" = 1 ]; then
  { echo "# sha256 of every jar and pom the build resolves from Maven Central (scripts/mvn.sh; SPINE_RELOCK=1 rewrites it)"
    { grep -v '^#' "$lock" 2>/dev/null || true; hashes; } | sort -k2 -u; } > "$lock.new"
  mv "$lock.new" "$lock"
  echo "mvn.sh: rewrote $lock ($(grep -vc '^#' "$lock") artifacts); review the diff before committing" >&2
else
  bad=$(hashes | awk 'NR == FNR { if ($0 !~ /^#/) pin[$2] = $1; next }
                     !($2 in pin) { print "unpinned: " $2; next }
                     pin[$2] != $1 { print "sha256 differs: " $2 " (lock " pin[$2] ", got " $1 ")" }' "$lock" -)
  if [ -n "$bad" ]; then
    echo "mvn.sh: Maven artifacts outside images/maven.lock:" >&2
    echo "$bad" | head -20 >&2
    echo "mvn.sh: if a version was changed on purpose, run SPINE_RELOCK=1 scripts/mvn.sh verify and review the diff" >&2
    exit 8
  fi
fi
exit "$status"
