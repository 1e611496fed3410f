#!/usr/bin/env bash
# The whole test suite: unit tests, golden files, and ITs against real SQLite and real podman.
# Installs what is missing first, so it runs on a fresh Debian machine and in CI.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/host-setup.sh"
export CONTAINERS_CONF="$here/images/host/containers.conf"
"$here/scripts/example-images.sh"
exec "$here/scripts/mvn.sh" verify "$@"
