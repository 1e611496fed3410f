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

/** The image's LZ4 segment, against legacy frames the real lz4 CLI makes (as scripts/mkspine.sh does). */
class Lz4LegacyInputStreamTest {

    /** Compresses with the lz4 CLI in its legacy format, as mkspine packs the image. */
    static byte[] lz4(byte[] plain, String... options) throws IOException, InterruptedException {
        var argv = new java.util.ArrayList<>(List.of("lz4", "-l", "-q", "-c"));
        argv.addAll(List.of(options));
        return CliFilter.run(argv, plain);
    }

    /** Runs of text, of one byte (long matches that overlap themselves) and of noise (long literal runs). */
    private static byte[] sample(int size) {
        byte[] b = new byte[size];
        var r = new Random(11);
        for (int i = 0; i < size; i++) {
            b[i] = switch ((i / 5000) % 3) {
                case 0 -> (byte) ('a' + i % 26);
                case 1 -> (byte) 'x';
                default -> (byte) r.nextInt();
            };
        }
        return b;
    }

    private static byte[] readAll(Lz4LegacyInputStream z) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] buf = new byte[7_000]; // not the block size, so reads straddle blocks
        for (int n; (n = z.read(buf, 0, buf.length)) >= 0; ) out.write(buf, 0, n);
        return out.toByteArray();
    }

    @Test
    void readsWhatTheCliWroteAtEveryLevel() throws Exception {
        byte[] plain = sample(300_000);
        for (String level : List.of("-1", "-9", "-12")) {
            byte[] packed = lz4(plain, level);
            assertThat(Lz4LegacyInputStream.isLz4Legacy(packed)).isTrue();
            assertThat(readAll(new Lz4LegacyInputStream(new ByteArrayInputStream(packed)))).as(level).isEqualTo(plain);
        }
    }

    @Test
    void readsAFrameOfSeveralEightMebibyteBlocks() throws Exception {
        byte[] plain = sample(17 << 20);
        byte[] packed = lz4(plain, "-1");
        assertThat(readAll(new Lz4LegacyInputStream(new ByteArrayInputStream(packed)))).isEqualTo(plain);
    }

    @Test
    void stopsAtAZeroBlockSizeAndLeavesWhatFollows() throws Exception {
        byte[] packed = lz4(sample(50_000), "-12");
        byte[] image = Arrays.copyOf(packed, packed.length + 8);
        System.arraycopy("NEXT".getBytes(), 0, image, packed.length + 4, 4); // four zero bytes, then the next segment
        var source = new ByteArrayInputStream(image);
        assertThat(readAll(new Lz4LegacyInputStream(source))).hasSize(50_000);
        assertThat(new String(source.readAllBytes())).isEqualTo("NEXT");
    }

    @Test
    void refusesATruncatedOrCorruptFrame() throws Exception {
        byte[] packed = lz4(sample(200_000), "-9");
        byte[] cut = Arrays.copyOf(packed, packed.length - 100);
        assertThatThrownBy(() -> readAll(new Lz4LegacyInputStream(new ByteArrayInputStream(cut))))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated LZ4 block");
        byte[] bad = packed.clone();
        bad[4] = (byte) 0xff; // the first block's size now claims far more than a block can hold
        bad[5] = (byte) 0xff;
        bad[6] = (byte) 0xff;
        bad[7] = (byte) 0x7f;
        assertThatThrownBy(() -> readAll(new Lz4LegacyInputStream(new ByteArrayInputStream(bad))))
                .isInstanceOf(IOException.class).hasMessageContaining("claims");
        assertThatThrownBy(() -> new Lz4LegacyInputStream(new ByteArrayInputStream("070701".getBytes())))
                .isInstanceOf(IOException.class).hasMessageContaining("not an LZ4 legacy frame");
    }

    @Test
    void aBackReferenceBeforeTheStartIsRefused() {
        byte[] block = {0x10, 'a', 0x05, 0x00}; // one literal, then a match 5 bytes back: before the output's start
        assertThatThrownBy(() -> Lz4LegacyInputStream.decode(block, block.length, new byte[64]))
                .isInstanceOf(IOException.class).hasMessageContaining("offset 5");
    }
}
