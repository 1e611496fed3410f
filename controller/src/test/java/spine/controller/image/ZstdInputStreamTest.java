package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The image's initramfs decompressor, against frames the real zstd CLI makes (as scripts/mkspine.sh does). */
class ZstdInputStreamTest {

    /** Compresses with the zstd CLI, as mkspine packs the image. */
    static byte[] zstd(byte[] plain, String... options) throws IOException, InterruptedException {
        var argv = new java.util.ArrayList<>(List.of("zstd", "-q", "-c"));
        argv.addAll(List.of(options));
        return CliFilter.run(argv, plain);
    }

    /** Several chunks of text and noise, so both the input and the output buffers fill more than once. */
    private static byte[] sample(int size) {
        byte[] b = new byte[size];
        var r = new Random(7);
        for (int i = 0; i < size; i++) b[i] = (i / 4096) % 2 == 0 ? (byte) ('a' + i % 26) : (byte) r.nextInt();
        return b;
    }

    private static byte[] readAll(byte[] compressed) throws IOException {
        try (var z = new ZstdInputStream(new ByteArrayInputStream(compressed))) {
            var out = new ByteArrayOutputStream();
            byte[] buf = new byte[7_000]; // not the stream's chunk size, so reads straddle its buffers
            for (int n; (n = z.read(buf, 0, buf.length)) >= 0; ) out.write(buf, 0, n);
            return out.toByteArray();
        }
    }

    @Test
    void readsWhatTheCliWrote() throws Exception {
        byte[] plain = sample(900_000);
        byte[] packed = zstd(plain, "-19", "-T2");
        assertThat(ZstdInputStream.isZstd(packed)).isTrue();
        assertThat(readAll(packed)).isEqualTo(plain);
    }

    @Test
    void readsConcatenatedFrames() throws Exception {
        byte[] a = sample(300_000), b = "and a second frame".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] za = zstd(a), zb = zstd(b);
        byte[] both = Arrays.copyOf(za, za.length + zb.length);
        System.arraycopy(zb, 0, both, za.length, zb.length);
        byte[] want = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, want, a.length, b.length);
        assertThat(readAll(both)).isEqualTo(want);
    }

    @Test
    void anEmptyFrameIsAnEmptyStream() throws Exception {
        assertThat(readAll(zstd(new byte[0]))).isEmpty();
    }

    @Test
    void aTruncatedStreamIsAnErrorNotAShortRead() throws Exception {
        byte[] packed = zstd(sample(200_000));
        byte[] cut = Arrays.copyOf(packed, packed.length / 2);
        assertThatThrownBy(() -> readAll(cut)).isInstanceOf(IOException.class).hasMessageContaining("truncated zstd stream");
    }

    @Test
    void corruptDataSaysWhatLibzstdFound() throws Exception {
        byte[] packed = zstd(sample(200_000));
        for (int i = 20; i < packed.length; i += 97) packed[i] ^= 0x5a;
        assertThatThrownBy(() -> readAll(packed)).isInstanceOf(IOException.class).hasMessageContaining("not a valid zstd stream");
    }
}
