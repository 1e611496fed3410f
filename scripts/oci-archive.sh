#!/usr/bin/env bash
# Writes a reproducible single-layer OCI image archive from a directory (fixed times, owners and order), so
# the image build needs no registry and no container engine.
#   scripts/oci-archive.sh ROOTFS REF OUT.tar     e.g. build/oci/busybox localhost/spine/busybox:1 x.oci.tar
# OUT ending in .zst: the archive compressed with zstd -19, which podman load reads as it is (the image carries its
# archives so: 28 MB less for the kernel to unpack at every boot, for a load only when podman lacks the image).
set -euo pipefail
rootfs=$1 ref=$2 out=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "$work/blobs/sha256/$d"; echo "$d"; }
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer" .
lsize=$(stat -c %s "$work/layer"); ldig=$(blob "$work/layer")
printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/bin:/usr/bin","PERL_BADLANG=0"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$ldig" > "$work/config"
csize=$(stat -c %s "$work/config"); cdig=$(blob "$work/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$cdig" "$csize" "$ldig" "$lsize" > "$work/manifest"
msize=$(stat -c %s "$work/manifest"); mdig=$(blob "$work/manifest")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
  "$mdig" "$msize" "$ref" > "$work/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$work/oci-layout"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf - oci-layout index.json blobs \
  | case "$out" in *.zst) zstd -19 -T2 -q --no-progress ;; *) cat ;; esac > "$out"
