package spine.controller.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes cpio newc archives for tests (mkspine.sh packs the real image with GNU cpio). */
final class CpioWriter {
    private final OutputStream out;
    private int ino = 1;

    CpioWriter(OutputStream out) {
        this.out = out;
    }

    void file(String path, int mode, byte[] data) throws IOException {
        header(path.substring(1), mode, data.length);
        out.write(data);
        out.write(new byte[pad(data.length)]);
    }

    /** A member of {@code size} bytes copied from a stream, so a test can write files larger than its heap. */
    void file(String path, int mode, long size, InputStream data) throws IOException {
        header(path.substring(1), mode, size);
        if (data.transferTo(out) != size) throw new IOException("stream for " + path + " is not " + size + " bytes");
        out.write(new byte[pad(size)]);
    }

    void trailer() throws IOException {
        header("TRAILER!!!", 0, 0);
        out.flush();
    }

    private void header(String name, int mode, long size) throws IOException {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String h = String.format("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", name.equals("TRAILER!!!") ? 0 : ino++,
                mode, 0, 0, 1, 0, size, 0, 0, 0, 0, n.length, 0);
        out.write(h.getBytes(StandardCharsets.US_ASCII));
        out.write(n);
        out.write(new byte[pad(110 + n.length)]);
    }

    private static int pad(long n) {
        return (int) ((4 - (n % 4)) % 4);
    }
}
