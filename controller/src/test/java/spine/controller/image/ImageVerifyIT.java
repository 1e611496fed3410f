package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * {@code spine image verify} through the launcher, which gives the CLI a 128 MB heap: verifying streams the
 * archive, so an image holding a single 256 MB ELF file is checked, not an OutOfMemoryError.
 */
class ImageVerifyIT {
    private static final long BIG = 256L << 20;

    private record Run(int exit, String out) {}

    private static Run spine(String... args) throws IOException, InterruptedException {
        var argv = new java.util.ArrayList<>(List.of(VmHarness.REPO.resolve("spine").toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(VmHarness.REPO.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void anArchiveLargerThanTheHeapIsVerifiedByStreaming(@TempDir Path dir) throws Exception {
        Path img = dir.resolve("big.img");
        byte[] elf = Files.readAllBytes(Path.of("/bin/true"));
        try (var out = new GZIPOutputStream(Files.newOutputStream(img), 1 << 16)) {
            var cpio = new CpioWriter(out);
            cpio.file("/usr", CpioArchive.S_IFDIR | 0755, new byte[0]);
            cpio.file("/usr/bin", CpioArchive.S_IFDIR | 0755, new byte[0]);
            // /bin/true padded with zeros: its headers still parse, and no heap could hold it whole
            InputStream padded = new SequenceInputStream(new java.io.ByteArrayInputStream(elf), zeros(BIG - elf.length));
            cpio.file("/usr/bin/huge", CpioArchive.S_IFREG | 0755, BIG, padded);
            cpio.trailer();
        }
        Run r = spine("image", "verify", img.toString());
        assertThat(r.out()).doesNotContain("OutOfMemoryError", "Exception")
                .contains("INTEGRATION FAIL: /usr/bin/huge - needs shared library libc.so.6, which is not in the image")
                .contains("INTEGRATION FAIL: /sbin/init - missing");
        assertThat(r.exit()).as(r.out()).isEqualTo(1);
    }

    @Test
    void theBuiltImageVerifiesThroughTheLauncher() throws Exception {
        VmHarness.ensureImage();
        Run r = spine("image", "verify", "build/spine.img");
        assertThat(r.out()).as("exit " + r.exit()).contains("integration ok: build/spine.img meets images/contract.yaml");
        assertThat(r.exit()).isZero();
    }

    private static InputStream zeros(long n) {
        return new InputStream() {
            private long left = n;

            @Override
            public int read() {
                if (left <= 0) return -1;
                left--;
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int k = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + k, (byte) 0);
                left -= k;
                return k;
            }
        };
    }
}
