package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

/**
 * Builds small archives that meet the real images/contract.yaml, then breaks each one in a single way and
 * proves the verifier names exactly that breach. The ELF is this machine's /bin/true (dynamically linked).
 */
public class ImageVerifyTest {
    private static final Path REPO = Path.of(System.getProperty("spine.repo", ".."));
    private static final String KDIR = "/lib/modules/6.1.0-test";

    private static JsonNode contract() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(REPO.resolve("images/contract.yaml").toFile());
    }

    /** A member to write: test data, so it may hold its bytes. */
    private record Member(String path, int mode, byte[] data) {}

    private static Member file(String path, int perm, byte[] data) {
        return new Member(path, CpioArchive.S_IFREG | perm, data);
    }

    private static Member dir(String path, int perm) {
        return new Member(path, CpioArchive.S_IFDIR | perm, new byte[0]);
    }

    private static Member link(String path, String target) {
        return new Member(path, CpioArchive.S_IFLNK | 0777, target.getBytes(StandardCharsets.UTF_8));
    }

    /** A minimal archive meeting the contract: every path, the modules with their dependencies, libc for /bin/true. */
    private static TreeMap<String, Member> good() throws IOException {
        var e = new TreeMap<String, Member>();
        byte[] elf = Files.readAllBytes(Path.of("/bin/true"));
        for (String d : List.of("/bin", "/sbin", "/etc", "/etc/spine", "/dev", "/proc", "/sys", "/run", "/persist", "/lib",
                "/lib/firmware", "/lib/x86_64-linux-gnu", "/lib64", "/usr", "/usr/bin", "/usr/lib", "/usr/lib/spine", "/usr/lib/spine/jre",
                "/usr/lib/spine/jre/bin", "/usr/lib/spine/jre/lib", "/usr/lib/spine/jre/lib/server")) {
            e.put(d, dir(d, 0755));
        }
        e.put("/tmp", dir("/tmp", 01777));
        e.put("/sbin/init", file("/sbin/init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8)));
        e.put("/init", link("/init", "sbin/init"));
        e.put("/usr/lib/spine/jre/bin/java", file("/usr/lib/spine/jre/bin/java", 0755, elf));
        e.put("/usr/lib/spine/jre/lib/server/libjvm.so", file("/usr/lib/spine/jre/lib/server/libjvm.so", 0755, new byte[8]));
        e.put("/usr/lib/spine/jre/lib/modules", file("/usr/lib/spine/jre/lib/modules", 0644, new byte[8]));
        e.put("/usr/lib/spine/spine.jar", file("/usr/lib/spine/spine.jar", 0644, new byte[8]));
        e.put("/usr/bin/spine", file("/usr/bin/spine", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8)));
        e.put("/bin/busybox", file("/bin/busybox", 0755, new byte[8]));
        e.put("/bin/sh", link("/bin/sh", "busybox"));
        e.put("/bin/setsid", link("/bin/setsid", "busybox"));
        e.put("/etc/passwd", file("/etc/passwd", 0644, ("root:x:0:0:root:/root:/bin/sh\n"
                + "spine-compositor:x:63844:63844:Spine compositor:/run/spine/compositor:/bin/false\n").getBytes(StandardCharsets.UTF_8)));
        e.put("/etc/group", file("/etc/group", 0644, "root:x:0:\n".getBytes(StandardCharsets.UTF_8)));
        e.put("/etc/nsswitch.conf", file("/etc/nsswitch.conf", 0644, "passwd: files\n".getBytes(StandardCharsets.UTF_8)));
        e.put("/etc/spine/modules", file("/etc/spine/modules", 0644, "ext4\n".getBytes(StandardCharsets.UTF_8)));
        e.put("/dev/console", new Member("/dev/console", CpioArchive.S_IFCHR | 0600, new byte[0]));
        e.put("/lib/x86_64-linux-gnu/libc.so.6", file("/lib/x86_64-linux-gnu/libc.so.6", 0755, new byte[8]));
        e.put("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0755, new byte[8]));
        e.put("/lib64/ld-linux-x86-64.so.2", link("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
        // every other path the contract names, with the type, mode and target it asks for
        try {
            for (JsonNode p : contract().path("paths")) {
                String path = p.path("path").asText();
                if (e.containsKey(path)) continue;
                for (String parent = path.substring(0, path.lastIndexOf('/')); !parent.isEmpty();
                     parent = parent.substring(0, parent.lastIndexOf('/'))) {
                    e.putIfAbsent(parent, dir(parent, 0755));
                }
                int perm = p.has("mode") ? Integer.parseInt(p.path("mode").asText(), 8) : 0644;
                e.put(path, switch (p.path("type").asText("file")) {
                    case "dir" -> dir(path, perm);
                    case "symlink" -> link(path, p.path("target").asText());
                    case "char" -> new Member(path, CpioArchive.S_IFCHR | perm, new byte[0]);
                    default -> file(path, perm, new byte[8]);
                });
            }
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        String dep = """
                kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
                kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
                kernel/crypto/crc32c_generic.ko:
                kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
                kernel/fs/overlayfs/overlay.ko:
                kernel/drivers/virtio/virtio_ring.ko:
                kernel/drivers/virtio/virtio.ko:
                kernel/lib/crc16.ko:
                kernel/fs/mbcache.ko:
                kernel/fs/jbd2/jbd2.ko:
                """;
        e.put(KDIR + "/modules.dep", file(KDIR + "/modules.dep", 0644, dep.getBytes(StandardCharsets.UTF_8)));
        for (String line : dep.split("\n")) {
            String ko = KDIR + "/" + line.substring(0, line.indexOf(':'));
            e.put(ko, file(ko, 0644, new byte[8]));
        }
        return e;
    }

    /** An image that meets the contract, gzip-compressed, or without its /sbin/init: for the candidate tests. */
    public static void writeImage(Path img, boolean withInit) throws IOException {
        TreeMap<String, Member> e = good();
        if (!withInit) e.remove("/sbin/init");
        try (var out = new GZIPOutputStream(Files.newOutputStream(img))) {
            var cpio = new CpioWriter(out);
            for (Member m : e.values()) cpio.file(m.path(), m.mode(), m.data());
            cpio.trailer();
        }
    }

    private static List<String> breaches(Consumer<TreeMap<String, Member>> breakIt) throws IOException {
        return breaches(breakIt, false);
    }

    /** The archive gzip-compressed, or zstd-compressed by the CLI as scripts/mkspine.sh packs the image. */
    private static List<String> breaches(Consumer<TreeMap<String, Member>> breakIt, boolean zstd) throws IOException {
        TreeMap<String, Member> e = good();
        breakIt.accept(e);
        Path img = Files.createTempFile("spine-test-", ".img");
        try {
            var raw = new java.io.ByteArrayOutputStream();
            var cpio = new CpioWriter(raw);
            for (Member m : e.values()) cpio.file(m.path(), m.mode(), m.data());
            cpio.trailer();
            if (zstd) {
                Files.write(img, ZstdInputStreamTest.zstd(raw.toByteArray(), "-19"));
            } else {
                try (var out = new GZIPOutputStream(Files.newOutputStream(img))) {
                    raw.writeTo(out);
                }
            }
            return ImageVerifier.verify(img, REPO.resolve("images/contract.yaml")).stream().map(Object::toString).toList();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException(ie);
        } finally {
            Files.delete(img);
        }
    }

    @Test
    void aSoundArchiveMeetsTheContract() throws IOException {
        assertThat(breaches(e -> { })).isEmpty();
    }

    @Test
    void aZstdArchiveIsReadLikeTheKernelUnpacksIt() throws IOException {
        assertThat(breaches(e -> { }, true)).isEmpty();
        assertThat(breaches(e -> e.remove("/sbin/init"), true)).isEqualTo(breaches(e -> e.remove("/sbin/init"), false)).isNotEmpty();
    }

    /**
     * The image as mkspine packs it: most files in an LZ4 legacy frame, four zero bytes, then a zstd segment with the
     * rest. Both segments are read: a file only the second one holds counts, and a second segment cut off is missed.
     */
    @Test
    void anImageOfAnLz4AndAZstdSegmentIsReadLikeTheKernelUnpacksIt() throws Exception {
        TreeMap<String, Member> e = good();
        Member init = e.remove("/sbin/init");
        var first = new java.io.ByteArrayOutputStream();
        var cpio = new CpioWriter(first);
        for (Member m : e.values()) cpio.file(m.path(), m.mode(), m.data());
        cpio.trailer();
        var second = new java.io.ByteArrayOutputStream();
        cpio = new CpioWriter(second);
        cpio.file(init.path(), init.mode(), init.data());
        cpio.trailer();
        Path img = Files.createTempFile("spine-test-", ".img");
        try {
            var image = new java.io.ByteArrayOutputStream();
            image.write(Lz4LegacyInputStreamTest.lz4(first.toByteArray(), "-12"));
            image.write(new byte[4]);
            image.write(ZstdInputStreamTest.zstd(second.toByteArray(), "-19"));
            Files.write(img, image.toByteArray());
            assertThat(ImageVerifier.verify(img, REPO.resolve("images/contract.yaml"))).isEmpty();
            Files.write(img, Lz4LegacyInputStreamTest.lz4(first.toByteArray(), "-12"));
            assertThat(ImageVerifier.verify(img, REPO.resolve("images/contract.yaml")).stream().map(Object::toString))
                    .contains("INTEGRATION FAIL: /sbin/init - missing (contract wants a file)");
            Files.write(img, "garbage!".getBytes());
            assertThatThrownBy(() -> ImageVerifier.verify(img, REPO.resolve("images/contract.yaml")))
                    .hasMessageContaining("segment 1 is neither a cpio archive nor LZ4, zstd or gzip");
        } finally {
            Files.delete(img);
        }
    }

    @Test
    void missingInit() throws IOException {
        assertThat(breaches(e -> e.remove("/sbin/init"))).containsExactly(
                "INTEGRATION FAIL: /sbin/init - missing (contract wants a file)",
                "INTEGRATION FAIL: /init - dangling symlink to sbin/init");
    }

    @Test
    void wrongMode() throws IOException {
        assertThat(breaches(e -> e.put("/sbin/init", file("/sbin/init", 0644, new byte[4])))).containsExactly(
                "INTEGRATION FAIL: /sbin/init - mode 0644, contract wants 0755");
    }

    @Test
    void danglingLink() throws IOException {
        assertThat(breaches(e -> e.put("/bin/ls", link("/bin/ls", "/bin/nowhere")))).containsExactly(
                "INTEGRATION FAIL: /bin/ls - dangling symlink to /bin/nowhere");
    }

    @Test
    void missingModuleDependency() throws IOException {
        assertThat(breaches(e -> e.remove(KDIR + "/kernel/fs/jbd2/jbd2.ko"))).containsExactly(
                "INTEGRATION FAIL: " + KDIR + "/kernel/fs/jbd2/jbd2.ko - dependency of ext4 missing");
    }

    @Test
    void missingSharedLibrary() throws IOException {
        assertThat(breaches(e -> e.remove("/lib/x86_64-linux-gnu/libc.so.6"))).containsExactly(
                "INTEGRATION FAIL: /usr/lib/spine/jre/bin/java - needs shared library libc.so.6, which is not in the image");
    }

    @Test
    void missingProgramInterpreter() throws IOException {
        assertThat(breaches(e -> e.remove("/lib64/ld-linux-x86-64.so.2"))).containsExactly(
                "INTEGRATION FAIL: /usr/lib/spine/jre/bin/java - needs program interpreter /lib64/ld-linux-x86-64.so.2,"
                        + " which is not in the image");
    }

    @Test
    void rootMustResolve() throws IOException {
        assertThat(breaches(e -> e.put("/etc/passwd", file("/etc/passwd", 0644, ("toor:x:0:0::/:/bin/sh\nspine-compositor:x:63844:63844::/:/bin/false\n").getBytes(StandardCharsets.UTF_8)))))
                .containsExactly("INTEGRATION FAIL: /etc/passwd - user root with uid 0 does not resolve");
    }

    @Test
    void readsElfFacts() throws IOException {
        try (FileChannel bin = FileChannel.open(Path.of("/bin/true"))) {
            Elf elf = Elf.parse(bin).orElseThrow();
            assertThat(elf.needed()).contains("libc.so.6");
            assertThat(elf.interpreter()).contains("/lib64/ld-linux-x86-64.so.2");
        }
        try (FileChannel script = FileChannel.open(REPO.resolve("spine"))) {
            assertThat(Elf.parse(script)).isEmpty();
        }
    }
}
