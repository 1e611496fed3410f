package spine.controller.image;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/** Reads a cpio "newc" archive, gzip-compressed or not: the initramfs format the kernel unpacks. */
public final class CpioArchive {
    public static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFDIR = 0040000, S_IFLNK = 0120000,
            S_IFCHR = 0020000, S_IFBLK = 0060000;

    /** One entry; {@code data} is the file content, or the target for a symlink. */
    public record Entry(String path, int mode, byte[] data) {
        public int type() { return mode & S_IFMT; }
        public int permissions() { return mode & 07777; }
        public String linkTarget() { return new String(data, StandardCharsets.UTF_8); }
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

    private final SortedMap<String, Entry> entries;

    private CpioArchive(SortedMap<String, Entry> entries) {
        this.entries = Collections.unmodifiableSortedMap(entries);
    }

    /** Entries by absolute path ("/sbin/init"). */
    public SortedMap<String, Entry> entries() {
        return entries;
    }

    public static CpioArchive read(InputStream raw) throws IOException {
        var in = new BufferedInputStream(raw);
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        InputStream s = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
        var out = new TreeMap<String, Entry>();
        long offset = 0;
        while (true) {
            byte[] header = s.readNBytes(110);
            if (header.length == 0) break;
            if (header.length < 110) throw new IOException("truncated cpio header at byte " + offset);
            String magic = new String(header, 0, 6, StandardCharsets.US_ASCII);
            if (!magic.equals("070701") && !magic.equals("070702")) {
                throw new IOException("not a cpio newc archive (magic " + magic + " at byte " + offset + ")");
            }
            int mode = hex(header, 14);
            long size = hexLong(header, 54);
            int nameSize = hex(header, 94);
            byte[] name = s.readNBytes(nameSize);
            skip(s, pad(110 + nameSize));
            String path = new String(name, 0, Math.max(0, nameSize - 1), StandardCharsets.UTF_8);
            if (path.equals("TRAILER!!!")) break;
            if (size > Integer.MAX_VALUE) throw new IOException(path + " is too large for verification");
            byte[] data = s.readNBytes((int) size);
            if (data.length != size) throw new IOException("truncated data for " + path);
            skip(s, pad(size));
            offset += 110 + nameSize + size;
            String abs = "/" + (path.startsWith("./") ? path.substring(2) : path);
            if (!abs.equals("/.") && !abs.equals("/")) out.put(abs.endsWith("/") ? abs.substring(0, abs.length() - 1) : abs, new Entry(abs, mode, data));
        }
        return new CpioArchive(out);
    }

    private static int pad(long n) {
        return (int) ((4 - (n % 4)) % 4);
    }

    private static void skip(InputStream s, int n) throws IOException {
        if (n > 0 && s.readNBytes(n).length != n) throw new IOException("truncated cpio padding");
    }

    private static int hex(byte[] b, int off) {
        return (int) hexLong(b, off);
    }

    private static long hexLong(byte[] b, int off) {
        return Long.parseLong(new String(b, off, 8, StandardCharsets.US_ASCII), 16);
    }

    /** Writes an archive (used by tests to build broken images; mkspine.sh packs with GNU cpio). */
    public static byte[] write(SortedMap<String, Entry> entries) {
        var out = new ByteArrayOutputStream();
        int ino = 1;
        for (Entry e : entries.values()) writeOne(out, e.path().substring(1), e.mode(), e.data(), ino++);
        writeOne(out, "TRAILER!!!", 0, new byte[0], 0);
        return out.toByteArray();
    }

    private static void writeOne(ByteArrayOutputStream out, String name, int mode, byte[] data, int ino) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String h = String.format("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0, 0, 1, 0,
                data.length, 0, 0, 0, 0, n.length, 0);
        out.writeBytes(h.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        out.writeBytes(new byte[pad(110 + n.length)]);
        out.writeBytes(data);
        out.writeBytes(new byte[pad(data.length)]);
    }
}
