package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/** scripts/mkspine.sh end to end: two builds from the same lock give a byte-identical image that meets the contract. */
class ImageBuildIT {
    private static final Path IMG = VmHarness.REPO.resolve("build/spine.img");

    private static String sha256(Path f) throws Exception {
        var md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void twoBuildsAreByteIdentical() throws Exception {
        if (!VmHarness.isBuilt()) {
            assertThat(VmHarness.build()).contains("integration ok:", "check-firmware: ok");
        }
        String first = sha256(IMG);
        assertThat(Files.getLastModifiedTime(VmHarness.REPO.resolve("build/rootfs/sbin/init")).toMillis()).isZero();
        // The second build runs with an unreachable mirror: verified inputs in the cache are enough.
        assertThat(VmHarness.run(List.of(VmHarness.REPO.resolve("scripts/mkspine.sh").toString()), Duration.ofMinutes(10),
                Map.of("DEBIAN_MIRROR", "http://127.0.0.1:9/debian"))).contains("integration ok:", "check-firmware: ok");
        assertThat(sha256(IMG)).as("another build from the same lock").isEqualTo(first);
        assertThat(ImageVerifier.verify(IMG, VmHarness.REPO.resolve("images/contract.yaml"))).isEmpty();
        assertTheImagesJvmMapsItsCdsArchive();
    }

    /**
     * The image's JVM, in the image's rootfs, with sharing required (-Xshare:on fails when the archive cannot be
     * mapped or does not match the jar), runs a command; the jar's classes come from the archive, not from the jar.
     */
    private static void assertTheImagesJvmMapsItsCdsArchive() throws Exception {
        String out = inRootfs("/usr/lib/spine/jre/bin/java", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=/usr/lib/spine/spine.jsa",
                "-Xshare:on", "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load", "-jar", "/usr/lib/spine/spine.jar", "version");
        assertThat(out).contains("spine.controller.cli.Cli source: shared objects file", "spine 0.1.0");
        // the CLI as the image runs it prints its answer and nothing else: an archive dumped with other module
        // options than the launcher's makes the JVM print an error at every start (seen in the VM)
        assertThat(inRootfs("/usr/bin/spine", "version")).isEqualTo("spine 0.1.0-dev\n");
        // mapped where it was dumped: JDK 25 otherwise maps it at another address and patches every pointer in it
        assertThat(inRootfs(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:cds=info"), "/usr/bin/spine", "version"))
                .contains("ArchiveRelocationMode: 0", "Mapped static  region #0 at base 0x0000000800001000") // where dumped
                // and with bay0's max heap, not the build host's default (a quarter of its RAM, which the archive records)
                .contains("CDS archive was created with max heap size = 256M");
        assertTheLaunchersLoadJunixsocketFromTheImage();
        assertTheArchiveHoldsWhatOnlyPid1Loads();
    }

    /**
     * bay0's boot classes (images/spine-boot.classlist, recorded in the VM) are in the archive beside the host commands'
     * list: a boot that read them from the jar parsed and verified them under emulation (BENCHMARKS, sixth part).
     */
    private static void assertTheArchiveHoldsWhatOnlyPid1Loads() throws Exception {
        List<String> pid1 = Files.readAllLines(VmHarness.REPO.resolve("images/spine-boot.classlist")).stream()
                .filter(l -> l.startsWith("spine/controller/pid1/")).map(l -> l.replace('/', '.')).toList();
        assertThat(pid1).contains("spine.controller.pid1.Bay0", "spine.controller.pid1.EarlyMounts");
        String listing = inRootfs("/usr/lib/spine/jre/bin/java", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=/usr/lib/spine/spine.jsa",
                "-Xshare:on", "--enable-native-access=ALL-UNNAMED", "-XX:+PrintSharedArchiveAndExit", "-jar", "/usr/lib/spine/spine.jar");
        var archived = listing.lines().map(l -> l.strip().split(" ")).filter(w -> w.length == 3 && w[2].equals("app_loader"))
                .map(w -> w[1]).collect(java.util.stream.Collectors.toSet());
        assertThat(archived).containsAll(pid1);
    }

    /**
     * The launchers point junixsocket at the library mkspine unpacked: with {@code override.force} (through
     * JAVA_TOOL_OPTIONS, which the JVM reads whatever the script's flags) a wrong path is an UnsatisfiedLinkError
     * instead of a silent fallback to unpacking the jar's copy into /tmp. `spine focus` connects to a control socket
     * whose server is gone (the file stays): junixsocket loads, the connect is refused, and the focus is recorded.
     */
    private static void assertTheLaunchersLoadJunixsocketFromTheImage() throws Exception {
        Path rootfs = VmHarness.REPO.resolve("build/rootfs");
        Path root = rootfs.resolve("tmp/junixsocket-check");
        Files.createDirectories(root.resolve("spine"));
        try {
            try (var gone = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                gone.bind(java.net.UnixDomainSocketAddress.of(root.resolve("spine/control.sock"))); // the file stays
            }
            String out = inRootfs(java.util.Map.of("JAVA_TOOL_OPTIONS", "-Dorg.newsclub.net.unix.library.override.force=true"),
                    "/usr/bin/spine", "focus", "--none", "--root", "/tmp/junixsocket-check");
            assertThat(out).contains("focus none recorded").doesNotContain("UnsatisfiedLinkError");
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String inRootfs(String... argv) throws Exception {
        return inRootfs(java.util.Map.of(), argv);
    }

    private static String inRootfs(java.util.Map<String, String> env, String... argv) throws Exception {
        var cmd = new java.util.ArrayList<>(List.of("chroot", VmHarness.REPO.resolve("build/rootfs").toString()));
        cmd.addAll(List.of(argv));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        // no /proc in the chroot: the loader cannot expand $ORIGIN, as at boot (see /sbin/init)
        pb.environment().put("LD_LIBRARY_PATH", "/usr/lib/spine/jre/lib/server:/usr/lib/spine/jre/lib");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out.lines().limit(20).toList().toString()).isZero();
        return out;
    }

    /** A pin that left Debian's archive (here: no cache and no mirror) fails clearly, naming the package and relock.sh. */
    @Test
    void aVanishedPinFailsClearly(@TempDir Path cache) throws Exception {
        byte[] before = Files.exists(IMG) ? Files.readAllBytes(IMG) : null;
        var p = new ProcessBuilder(VmHarness.REPO.resolve("scripts/mkspine.sh").toString()).directory(VmHarness.REPO.toFile())
                .redirectErrorStream(true);
        p.environment().put("SPINE_CACHE", cache.toString());
        p.environment().put("DEBIAN_MIRROR", "http://127.0.0.1:9/debian");
        Process proc = p.start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertThat(proc.waitFor()).isNotZero();
        assertThat(out).containsPattern("cannot download [a-z0-9.+-]+=[^ ]+ ").contains("scripts/relock.sh");
        if (before != null) assertThat(Files.readAllBytes(IMG)).as("the last good image is untouched").isEqualTo(before);
    }
}
