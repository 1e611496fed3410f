#!/usr/bin/env bash
# Host mode: converge specs/examples/ on this machine's podman (no VM) and print what converged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/host-setup.sh"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/images/host/containers.conf}"
"$here/scripts/example-images.sh"
export SPINE_ROOT="${SPINE_ROOT:-$here/target/demo-root}"
echo "host-demo: converging specs/examples/ into root $SPINE_ROOT" >&2
status=0
"$here/spine" apply -f "$here/specs/examples" || status=$?
"$here/spine" get
exit "$status"
