#!/usr/bin/env bash
# Moves the image pins deliberately: for every Debian package in images/recipe.txt, takes the version,
# sha256 and pool path Debian serves now, and for the JDK, the sha256 of its `release` file. Prints old and
# new pins for the commit message. Run it when mkspine.sh reports that a pinned version left the archive.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
recipe="$here/images/recipe.txt"; lock="$here/images/spine.lock"
. "$here/scripts/jdk.sh"; spine_find_jdk
apt-get update -qq >&2 || echo "relock: apt-get update failed; using the package lists already here" >&2
new=$(mktemp)
{
  echo "# Image inputs pinned by version and sha256 (scripts/relock.sh writes it; scripts/mkspine.sh refuses anything else)."
  echo "# kind  name  version  sha256  source (a URL, or a pool path under \$DEBIAN_MIRROR)"
  awk '$1 == "kernel" || $1 == "package" { print $2 }' "$recipe" | while read -r pkg; do
    info=$(apt-cache show --no-all-versions "$pkg") || { echo "relock: Debian has no package $pkg" >&2; exit 3; }
    ver=$(awk '/^Version:/ {print $2; exit}' <<<"$info")
    sha=$(awk '/^SHA256:/ {print $2; exit}' <<<"$info")
    # The full URL: security updates come from another archive than the rest (pool/updates/...).
    url=$(apt-get download --print-uris "$pkg=$ver" 2>/dev/null | awk '{print $1}' | tr -d "'" | head -1)
    [ -n "$url" ] || url=$(awk '/^Filename:/ {print $2; exit}' <<<"$info")
    echo "deb  $pkg  $ver  $sha  $url"
  done
  jver=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$JAVA_HOME/release")
  echo "jdk  $(sed -n 's/^IMPLEMENTOR_VERSION="\(.*\)"/\1/p' "$JAVA_HOME/release" | tr ' ' '_')  $jver  $(sha256sum "$JAVA_HOME/release" | cut -d' ' -f1)  release"
} > "$new"
if [ -f "$lock" ]; then
  echo "relock: changes (old -> new):" >&2
  diff <(grep -v '^#' "$lock") <(grep -v '^#' "$new") >&2 || true
fi
mv "$new" "$lock"
echo "relock: wrote $lock" >&2
