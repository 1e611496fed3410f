package spine.controller.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Streams an initramfs as the kernel unpacks it: cpio "newc" archives one after another, each compressed with LZ4
 * (legacy frame), zstd or gzip, or not. Entries are handed to a visitor one at a time with their content as a bounded
 * stream, so memory stays the same whatever the image size (the real image is about 77 MB; the launcher gives the CLI
 * a 128 MB heap).
 */
public final class CpioArchive {
    public static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFDIR = 0040000, S_IFLNK = 0120000,
            S_IFCHR = 0020000, S_IFBLK = 0060000;
    /** Longer symlink targets than this are refused: PATH_MAX. */
    private static final int MAX_LINK = 4096;

    /** One entry's metadata; {@code linkTarget} is empty unless it is a symlink. */
    public record Entry(String path, int mode, long size, String linkTarget) {
        public int type() { return mode & S_IFMT; }
        public int permissions() { return mode & 07777; }
        public String typeName() {
            return switch (type()) {
                case S_IFREG -> "file";
                case S_IFDIR -> "dir";
                case S_IFLNK -> "symlink";
                case S_IFCHR -> "char";
                case S_IFBLK -> "block";
                default -> "other";
            };
        }
    }

    /** Sees each entry once, in archive order; {@code data} holds exactly its content and need not be read. */
    @FunctionalInterface
    public interface Visitor {
        void entry(Entry entry, InputStream data) throws IOException;
    }

    private CpioArchive() {}

    /**
     * Every entry of every segment, in order. An initramfs is one or more cpio archives, each compressed or not, with
     * zero bytes between them, as the kernel unpacks it. An LZ4 legacy or uncompressed segment ends exactly, so another
     * may follow it; a zstd or gzip segment is read to the end of the input, so it must come last.
     */
    public static void scan(InputStream raw, Visitor visitor) throws IOException {
        var in = new BufferedInputStream(raw, 1 << 16);
        for (int segment = 1; ; segment++) {
            byte[] head = nextSegment(in);
            if (head.length == 0) return;
            if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                entries(new GZIPInputStream(in, 1 << 16), visitor);
                return;
            } else if (ZstdInputStream.isZstd(head)) {
                try (var z = new ZstdInputStream(in)) { // its buffers are native memory
                    entries(z, visitor);
                }
                return;
            } else if (Lz4LegacyInputStream.isLz4Legacy(head)) {
                var lz4 = new Lz4LegacyInputStream(in);
                entries(lz4, visitor);
                lz4.transferTo(OutputStream.nullOutputStream()); // the archive's padding, to the frame's end
            } else if (new String(head, StandardCharsets.US_ASCII).startsWith("0707")) {
                entries(in, visitor);
            } else {
                throw new IOException("segment " + segment + " is neither a cpio archive nor LZ4, zstd or gzip (it starts "
                        + java.util.HexFormat.of().formatHex(head) + ")");
            }
        }
    }

    /** Skips the zero bytes before a segment; its first four bytes, unread, or none at the end of the input. */
    private static byte[] nextSegment(BufferedInputStream in) throws IOException {
        while (true) {
            in.mark(4);
            int b = in.read();
            if (b < 0) return new byte[0];
            if (b == 0) continue;
            in.reset();
            byte[] head = in.readNBytes(4);
            in.reset();
            return head;
        }
    }

    private static void entries(InputStream s, Visitor visitor) throws IOException {
        long offset = 0;
        while (true) {
            byte[] header = s.readNBytes(110);
            if (header.length == 0) break;
            if (header.length < 110) throw new IOException("truncated cpio header at byte " + offset);
            String magic = new String(header, 0, 6, StandardCharsets.US_ASCII);
            if (!magic.equals("070701") && !magic.equals("070702")) {
                throw new IOException("not a cpio newc archive (magic " + magic + " at byte " + offset + ")");
            }
            int mode = (int) hex(header, 14);
            long size = hex(header, 54);
            int nameSize = (int) hex(header, 94);
            if (nameSize <= 0 || nameSize > MAX_LINK) throw new IOException("bad name size " + nameSize + " at byte " + offset);
            byte[] name = s.readNBytes(nameSize);
            skip(s, pad(110 + nameSize));
            String path = new String(name, 0, Math.max(0, nameSize - 1), StandardCharsets.UTF_8);
            if (path.equals("TRAILER!!!")) break;
            var data = new Bounded(s, size);
            String abs = "/" + (path.startsWith("./") ? path.substring(2) : path);
            if (abs.endsWith("/") && abs.length() > 1) abs = abs.substring(0, abs.length() - 1);
            String target = "";
            if ((mode & S_IFMT) == S_IFLNK) {
                if (size > MAX_LINK) throw new IOException(path + ": symlink target of " + size + " bytes");
                target = new String(data.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!abs.equals("/.") && !abs.equals("/")) visitor.entry(new Entry(abs, mode, size, target), data);
            data.skipRest(path);
            skip(s, pad(size));
            offset += 110 + nameSize + size;
        }
    }

    /** A window of exactly {@code size} bytes of the archive stream; closing it does not close the archive. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }

        void skipRest(String path) throws IOException {
            while (left > 0) {
                long n = in.skip(left);
                if (n <= 0) {
                    if (in.read() < 0) throw new IOException("truncated data for " + path);
                    n = 1;
                }
                left -= n;
            }
        }

        @Override
        public void close() {
            // the archive stream stays open for the next entry
        }
    }

    private static int pad(long n) {
        return (int) ((4 - (n % 4)) % 4);
    }

    private static void skip(InputStream s, int n) throws IOException {
        if (n > 0 && s.readNBytes(n).length != n) throw new IOException("truncated cpio padding");
    }

    private static long hex(byte[] b, int off) throws IOException {
        try {
            return Long.parseLong(new String(b, off, 8, StandardCharsets.US_ASCII), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad cpio header field: " + e.getMessage());
        }
    }
}
