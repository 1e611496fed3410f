#!/usr/bin/env bash
# Builds the Spine image from pinned inputs:
#   1. downloads every .deb in images/spine.lock into a cache, verifying its sha256 (a verified cache needs no network)
#   2. unpacks them
#   3. assembles build/rootfs from images/recipe.txt with no network (unshare -n)
#   4. adds the shared-library closure of every ELF it placed (DT_NEEDED), from the unpacked packages
#   5. jlinks a Java 25 runtime from the pinned JDK and injects the spine jar; /sbin/init execs bay0
#   6. packs reproducible cpio newc archives (sorted, mtime 0, owner 0:0): LZ4 for most files, zstd -19 for a few
#      large ones (see pack below; the kernel unpacks the image in 0.9-1.1 s under TCG, all-zstd in 1.7 s)
#   7. verifies the integration contract on the archive itself (spine image verify), then
#      writes ./vmlinuz and ./build/spine.img
# Idempotent: build/rootfs is wiped every time. Two builds from the same lock give byte-identical images.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
recipe="$here/images/recipe.txt"; lock="$here/images/spine.lock"
build="$here/build"; rootfs="$build/rootfs"; debs="$build/debs"
cache="${SPINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spine}/debs"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { echo "mkspine: $*" >&2; }
die() { echo "mkspine: $*" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || die "needs root (device nodes, unshare -n)"
for t in dpkg-deb readelf cpio lz4 zstd depmod unshare curl sha256sum; do
  command -v "$t" >/dev/null || die "missing tool $t; run scripts/host-setup.sh"
done
trust="${SPINE_TRUST:-$here/images/trust}"
[ -d "$trust" ] || die "SPINE_TRUST=$trust is not a directory of public keys (*.pub)"
recipe_lines() { grep -v '^\s*#' "$recipe" | sed 's/#.*//' | awk 'NF' ; }

# ---- 1 and 2: fetch, verify, unpack --------------------------------------------------------------
fetch() {
  mkdir -p "$cache"; rm -rf "$debs"; mkdir -p "$debs"
  grep '^deb ' "$lock" | while read -r _ pkg ver sha path; do
    f="$cache/${pkg}_${ver//:/%3a}.deb"
    if [ ! -f "$f" ] || [ "$(sha256sum "$f" | cut -d' ' -f1)" != "$sha" ]; then
      log "downloading $pkg $ver"
      case "$path" in
        http://*|https://*) url=$path
          # DEBIAN_MIRROR replaces the host of archive URLs too (tests use it to simulate a vanished pin)
          [ -n "${DEBIAN_MIRROR:-}" ] && url="$mirror/${path#*://*/debian*/}" ;;
        *) url="$mirror/$path" ;;
      esac
      if ! curl -fsSL --retry 3 -o "$f.part" "$url"; then
        rm -f "$f.part"
        die "cannot download $pkg=$ver ($url). Debian serves only the current version of a package, so the pin may have moved: run scripts/relock.sh, check its old and new hashes, and commit images/spine.lock"
      fi
      mv "$f.part" "$f"
    fi
    got=$(sha256sum "$f" | cut -d' ' -f1)
    [ "$got" = "$sha" ] || die "$f has sha256 $got but images/spine.lock pins $sha for $pkg=$ver; refusing it"
    dpkg-deb -x "$f" "$debs/$pkg"
  done
}

find_jdk() {
  read -r _ _ jver jsha _ < <(grep '^jdk ' "$lock")
  for d in ${SPINE_JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -f "$d/release" ] && [ "$(sha256sum "$d/release" | cut -d' ' -f1)" = "$jsha" ] && { echo "$d"; return; }
  done
  die "no JDK whose release file has sha256 $jsha (pinned $jver) under /usr/lib/jvm; install that JDK or run scripts/relock.sh"
}

# ---- 3 to 5: assemble (runs under unshare -n) ----------------------------------------------------
assemble() {
  local jdk=$1 jar=$2 kernel kver
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  kernel=$(recipe_lines | awk '$1 == "kernel" {print $2}')
  kver=$(ls "$debs/$kernel/lib/modules")
  while read -r kind a b c d e; do
    case "$kind" in
      dir)   install -d -m "$b" "$rootfs$a" ;;
      node)  mkdir -p "$(dirname "$rootfs$a")"; mknod -m "$e" "$rootfs$a" "$b" "$c" "$d" ;;
      file)  install -D -m "$d" "$debs/$a$b" "$rootfs$c" ;;
      tree)  mkdir -p "$rootfs$c"; cp -a "$debs/$a$b/." "$rootfs$c/" ;;
      ghost) install -D -m "$b" "$here/images/rootfs$a" "$rootfs$a" ;;
      link)  mkdir -p "$(dirname "$rootfs$a")"; ln -sfn "$b" "$rootfs$a" ;;
      repo)  mkdir -p "$rootfs$b"; find "$here/$a" -maxdepth 1 -type f -name '*.yaml' -exec install -m 0644 {} "$rootfs$b/" \; ;;
    esac
  done < <(recipe_lines)
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  # the contract itself: a machine checks upgrade candidates against the one its image was built to
  install -D -m 0644 "$here/images/contract.yaml" "$rootfs/usr/share/spine/contract.yaml"
  # the public keys whose signed candidates `spine upgrade` takes (docs/OPERATIONS.md "Upgrades"); none by default
  local k
  for k in "$trust"/*.pub; do
    [ -e "$k" ] || continue
    install -m 0644 "$k" "$rootfs/etc/spine/trust/"
    log "trusts upgrade key $(basename "$k")"
  done
  # busybox applets as symlinks (not init: /sbin/init is bay0's)
  for applet in $("$rootfs/bin/busybox" --list); do
    case "$applet" in busybox|init|linuxrc) continue ;; esac
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  mkdir -p "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/sbin" "$rootfs/usr/lib"

  # kernel modules: the wanted ones and their dependencies, then modules.dep for exactly that set
  local full="$build/kernel-tree"; rm -rf "$full"; mkdir -p "$full/lib"
  cp -a "$debs/$kernel/lib/modules" "$full/lib/"
  depmod -b "$full" "$kver"
  local want; want=$(recipe_lines | awk '$1 == "module" {print $2}')
  for m in $want; do
    line=$(grep -E "(^|/)${m//_/[_-]}\.ko:" "$full/lib/modules/$kver/modules.dep") || die "module $m is not in $kernel"
    for rel in ${line%%:*} ${line#*:}; do
      install -D -m 0644 "$full/lib/modules/$kver/$rel" "$rootfs/lib/modules/$kver/$rel"
    done
  done
  cp "$debs/$kernel/lib/modules/$kver/modules.order" "$debs/$kernel/lib/modules/$kver/modules.builtin" \
     "$debs/$kernel/lib/modules/$kver/modules.builtin.modinfo" "$rootfs/lib/modules/$kver/"
  depmod -b "$rootfs" "$kver"
  cp "$debs/$kernel/boot/vmlinuz-$kver" "$build/vmlinuz"
  # the initramfs is LZ4 and zstd (pack below): a kernel that cannot unpack it would boot to a panic, so refuse it here
  for rd in RD_LZ4 RD_ZSTD; do
    grep -qx "CONFIG_$rd=y" "$debs/$kernel/boot/config-$kver" || die "kernel $kver lacks CONFIG_$rd=y (the initramfs is LZ4 and zstd)"
  done

  # the Java runtime and the jar
  local jre jmods; jre=$(recipe_lines | awk '$1 == "runtime" {print $2}'); jmods=$(recipe_lines | awk '$1 == "jmods" {print $2}')
  "$jdk/bin/jlink" --add-modules "$jmods" --output "$rootfs$jre" --strip-debug --no-header-files --no-man-pages \
    --generate-cds-archive >/dev/null
  # jlink writes a CDS archive for compressed oops and one without; bay0's heap is far below 32 GB, so only the first
  # is ever mapped (14.6 MB less in the image)
  rm -f "$rootfs$jre/lib/server/classes_nocoops.jsa"
  # libjvm.so ships its symbol table (5 MB of 30), which only names native frames in a crash report; the kernel
  # unpacks every byte of the image at every boot
  strip --strip-unneeded "$rootfs$jre/lib/server/libjvm.so"
  local jardest; jardest=$(recipe_lines | awk '$1 == "jar" {print $2}')
  install -D -m 0644 "$jar" "$rootfs$jardest"
  # sqlite-jdbc's native library unpacked once, instead of into /tmp by every JVM start (init and each CLI command)
  mkdir -p "$build/sqlite-native" "$rootfs/usr/lib/spine/native"
  (cd "$build/sqlite-native" && "$jdk/bin/jar" xf "$jar" org/sqlite/native/Linux/x86_64/libsqlitejdbc.so)
  install -m 0644 "$build/sqlite-native/org/sqlite/native/Linux/x86_64/libsqlitejdbc.so" "$rootfs/usr/lib/spine/native/"
  # junixsocket's too (the control socket, sway's IPC), under a version-free name the launchers give it
  (cd "$build/sqlite-native" && "$jdk/bin/jar" xf "$jar" lib/amd64-Linux-clang/jni/)
  install -m 0644 "$build/sqlite-native/lib/amd64-Linux-clang/jni/"libjunixsocket-native-*[0-9].so "$rootfs/usr/lib/spine/native/libjunixsocket.so"

  # persona and tenant base images: OCI archives built here, offline, from pinned packages. The third column names
  # the rootfs: busybox alone, tools (busybox, perl-base, the reference AI server and the umbilical client) or foot
  recipe_lines | awk '$1 == "oci" {print $2, $3, ($4 == "" ? "busybox" : $4)}' | while read -r ref dest kind; do
    # a dest an earlier line wrote: the same rootfs under a second name, which bay0 tags instead of loading again
    if grep -q " $dest\$" "$rootfs/usr/share/spine/images/images.txt" 2>/dev/null; then
      echo "$ref $dest" >> "$rootfs/usr/share/spine/images/images.txt"
      continue
    fi
    local img="$build/oci-rootfs"; rm -rf "$img"
    if [ "$kind" = tools ]; then
      "$here/scripts/tools-rootfs.sh" "$debs" "$img"
    elif [ "$kind" = foot ]; then
      "$here/scripts/foot-rootfs.sh" "$debs" "$img"
    else
      mkdir -p "$img/bin" "$img/etc" "$img/tmp" "$img/proc" "$img/sys" "$img/dev"
      install -m 0755 "$debs/busybox-static/bin/busybox" "$img/bin/busybox"
      for applet in $("$img/bin/busybox" --list); do [ "$applet" = busybox ] || ln -s busybox "$img/bin/$applet"; done
      printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$img/etc/passwd"
      printf 'root:x:0:\nnogroup:x:65534:\n' > "$img/etc/group"
      chmod 1777 "$img/tmp"
    fi
    mkdir -p "$(dirname "$rootfs$dest")"
    "$here/scripts/oci-archive.sh" "$img" "$ref" "$rootfs$dest"
    # the digest of every regular file, beside the archive: bay0 checks a placed image against it when a power cut
    # may have torn it (docs/OPERATIONS.md, "Built-in images"); sorted, so two builds write the same list
    (cd "$img" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) > "$rootfs$dest.sha256"
    echo "$ref $dest" >> "$rootfs/usr/share/spine/images/images.txt"
  done

  closure
  cds_archive "$jre" "$jardest"
}

# A static CDS archive of the classes a command's start loads (Jackson, SQLite, the CLI), dumped by the
# image's own JVM in the rootfs (chroot, after the closure gave it its libraries: the archive records the jar's path
# as bay0 sees it; the jar gets the mtime the image gives every file, which the JVM checks). From one class list the
# dump is byte-identical; a list recorded afresh is not (thread timing changes which classes load), so it is
# pinned: images/spine.classlist. It replaces jlink's default archive, whose JDK classes it holds too.
cds_archive() {
  local jre=$1 jardest=$2
  # the host commands' list and what only PID 1 loads (scripts/aot-train.sh --boot-classlist): names, then lambdas
  local lists=("$here/images/spine.classlist" "$here/images/spine-boot.classlist")
  { grep -hv '^[#@]' "${lists[@]}" | LC_ALL=C sort -u; grep -h '^@lambda' "${lists[@]}" | LC_ALL=C sort -u; } > "$rootfs/spine.classlist"
  touch -h -d @0 "$rootfs$jardest"
  # the module options must be those of /sbin/init and /usr/bin/spine, or the JVM prints an error at every start.
  # -Xmx as bay0's: the archive records the dumping JVM's max heap, by default a quarter of the build host's RAM, so
  # without it two hosts with different memory build different images
  LD_LIBRARY_PATH="$jre/lib/server:$jre/lib" chroot "$rootfs" "$jre/bin/java" -XX:+UseSerialGC -Xmx256m -Xshare:dump \
    --enable-native-access=ALL-UNNAMED \
    -XX:SharedClassListFile=/spine.classlist -XX:SharedArchiveFile=/usr/lib/spine/spine.jsa -jar "$jardest" \
    > "$build/cds-dump.log" 2>&1 || { cat "$build/cds-dump.log" >&2; die "the CDS dump of $jardest failed"; }
  rm -f "$rootfs/spine.classlist" "$rootfs$jre/lib/server/classes.jsa"
}

# Every ELF's DT_NEEDED must resolve inside the rootfs; missing libraries come from the unpacked packages.
closure() {
  local changed=1 dirs=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib usr/lib)
  while [ $changed = 1 ]; do
    changed=0
    while IFS= read -r -d '' f; do
      head -c 4 "$f" | grep -q $'\x7fELF' || continue
      local origin dyn runpaths=(); origin=$(dirname "${f#$rootfs}")
      dyn=$(readelf -d "$f" 2>/dev/null) || continue
      for r in $(sed -n 's/.*Library r[u]*n*path: \[\(.*\)\]/\1/p' <<<"$dyn" | tr ':' ' '); do
        runpaths+=("$(sed "s#\$ORIGIN#$origin#; s#\${ORIGIN}#$origin#" <<<"$r")")
      done
      # the program interpreter (PT_INTERP) must exist too, at its absolute path
      local interp; interp=$(readelf -l "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
      if [ -n "$interp" ] && [ ! -e "$rootfs$interp" ]; then
        die "${f#$rootfs} needs program interpreter $interp, which is not in the rootfs; add a link line to the recipe"
      fi
      for lib in $(sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' <<<"$dyn"); do
        local found=""
        # the JDK launcher loads libjvm by path, so its libraries find it beside them or in server/
        for dir in "${dirs[@]}" "${runpaths[@]#/}" "${origin#/}" "${origin#/}/server"; do
          [ -e "$rootfs/$dir/$lib" ] && { found=1; break; }
        done
        [ -n "$found" ] && continue
        for src in "$debs"/*/lib/x86_64-linux-gnu/"$lib" "$debs"/*/usr/lib/x86_64-linux-gnu/"$lib"; do
          [ -e "$src" ] || continue
          local rel=${src#$debs/*/}
          mkdir -p "$rootfs/$(dirname "$rel")"
          cp -a "$src" "$rootfs/$rel"
          [ -L "$src" ] && cp -a "$(dirname "$src")/$(readlink "$src")" "$rootfs/$(dirname "$rel")/"
          log "closure: $lib for ${f#$rootfs}"
          found=1; changed=1; break
        done
        [ -n "$found" ] || die "no package in the recipe provides $lib (needed by ${f#$rootfs}); add one"
      done
    done < <(find "$rootfs" -type f -print0 | sort -z)
  done
}

# The initramfs is two cpio segments, which the kernel unpacks one after the other before it runs /init. LZ4 (legacy
# frame, the one the kernel reads) holds everything but ZSTD_FILES: the kernel decompresses it about twice as fast as
# zstd (0.9 s against 1.7 s for this image under TCG). zstd -19 holds ZSTD_FILES, which it makes 4 MB smaller than
# LZ4, so the image stays under Gate E's 80 MB. The LZ4 legacy frame has no end mark: four zero bytes end it (the
# kernel's unlz4 stops at a zero block size, then skips zeros to the next segment).
ZSTD_FILES=(usr/bin/podman)
pack() {
  local out=$1 all
  find "$rootfs" -exec touch -h -d @0 {} +
  all=$(cd "$rootfs" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort)
  {
    grep -vxF -f <(printf '%s\n' "${ZSTD_FILES[@]}") <<<"$all" \
      | (cd "$rootfs" && cpio -o -H newc --reproducible -R 0:0 --quiet) | lz4 -l -12 -q -c
    printf '\0\0\0\0'
    printf '%s\n' "${ZSTD_FILES[@]}" | (cd "$rootfs" && cpio -o -H newc --reproducible -R 0:0 --quiet) \
      | zstd -19 -T2 -q --no-progress
    # -T2 on any machine: zstd's frames do not depend on the worker count, but a fixed one keeps that beside the point
  } > "$out"
}

if [ "${1:-}" = "--assemble" ]; then assemble "$2" "$3"; exit 0; fi

jdk=$(find_jdk)
log "JDK $jdk (release pinned in images/spine.lock)"
if [ ! -f "$here/controller/target/spine.jar" ] || [ -n "$(find "$here/pom.xml" "$here/model" "$here/drivers" "$here/controller" \
     -path '*/target' -prune -o -newer "$here/controller/target/spine.jar" -type f -print -quit)" ]; then
  log "building the spine jar"
  "$here/scripts/mvn.sh" -q -DskipTests package >&2
fi
mkdir -p "$build"
fetch
log "assembling build/rootfs with no network"
unshare -n -- "$0" --assemble "$jdk" "$here/controller/target/spine.jar"
"$here/scripts/check-firmware.sh" "$rootfs"
pack "$build/spine.img.new"
log "verifying the integration contract on the archive"
# The launcher's heap (./spine gives 128 MB): verification streams the archive, and this keeps it honest.
"$jdk/bin/java" -Xmx128m --enable-native-access=ALL-UNNAMED -jar "$here/controller/target/spine.jar" image verify "$build/spine.img.new" \
  --contract "$here/images/contract.yaml" || { rm -f "$build/spine.img.new"; die "integration contract failed; image not written"; }
mv "$build/spine.img.new" "$build/spine.img"
cp "$build/vmlinuz" "$here/vmlinuz"
log "wrote ./vmlinuz and build/spine.img ($(du -h "$build/spine.img" | cut -f1), sha256 $(sha256sum "$build/spine.img" | cut -c1-16))"
