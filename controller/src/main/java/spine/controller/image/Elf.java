package spine.controller.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dynamic-linking facts of a 64-bit little-endian ELF file: DT_NEEDED, DT_RUNPATH/DT_RPATH and the program
 * interpreter. Reads only the headers and tables it needs, by position, so a 20 MB libjvm costs a few kilobytes.
 */
public record Elf(List<String> needed, List<String> runpath, Optional<String> interpreter) {
    private static final int DT_NEEDED = 1, DT_RPATH = 15, DT_RUNPATH = 29, SHT_DYNAMIC = 6, PT_INTERP = 3;
    /** Tables larger than this are not a real program's; such a file is not treated as ELF. */
    private static final int MAX_TABLE = 1 << 20;
    private static final int MAX_STRING = 4096;

    public Elf {
        needed = List.copyOf(needed);
        runpath = List.copyOf(runpath);
    }

    public static boolean isElf(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    /** Empty for anything that is not a dynamically linked executable or shared object (static binaries, kernel modules). */
    public static Optional<Elf> parse(FileChannel file) throws IOException {
        long length = file.size();
        if (length <= 64) return Optional.empty();
        ByteBuffer h = read(file, 0, 64);
        if (!isElf(new byte[] {h.get(0), h.get(1), h.get(2), h.get(3)}) || h.get(4) != 2 || h.get(5) != 1) {
            return Optional.empty(); // ELFCLASS64, little-endian
        }
        int type = h.getShort(16);
        if (type != 2 && type != 3) return Optional.empty(); // ET_EXEC, ET_DYN
        Optional<String> interp = Optional.empty();
        long phoff = h.getLong(32);
        int phentsize = h.getShort(54) & 0xffff, phnum = h.getShort(56) & 0xffff;
        if (!fits(phoff, (long) phentsize * phnum, length)) return Optional.empty();
        ByteBuffer ph = read(file, phoff, phentsize * phnum);
        for (int i = 0; i < phnum; i++) {
            int p = i * phentsize;
            if (ph.getInt(p) == PT_INTERP) interp = Optional.of(cstring(file, ph.getLong(p + 8), length));
        }
        long shoff = h.getLong(40);
        int shentsize = h.getShort(58) & 0xffff, shnum = h.getShort(60) & 0xffff;
        if (shoff <= 0 || !fits(shoff, (long) shnum * shentsize, length)) return Optional.empty();
        ByteBuffer sh = read(file, shoff, shnum * shentsize);
        for (int i = 0; i < shnum; i++) {
            int s = i * shentsize;
            if (sh.getInt(s + 4) != SHT_DYNAMIC) continue;
            long off = sh.getLong(s + 24), size = sh.getLong(s + 32);
            int link = sh.getInt(s + 40);
            if (link < 0 || link >= shnum || !fits(off, size, length)) return Optional.empty();
            long strOff = sh.getLong(link * shentsize + 24);
            ByteBuffer dyn = read(file, off, (int) size);
            var needed = new ArrayList<String>();
            var runpath = new ArrayList<String>();
            for (int p = 0; p + 16 <= size; p += 16) {
                long tag = dyn.getLong(p), val = dyn.getLong(p + 8);
                if (tag == 0) break;
                if (tag == DT_NEEDED) needed.add(cstring(file, strOff + val, length));
                else if (tag == DT_RUNPATH || tag == DT_RPATH) runpath.addAll(List.of(cstring(file, strOff + val, length).split(":")));
            }
            return Optional.of(new Elf(needed, runpath, interp));
        }
        return Optional.empty();
    }

    private static boolean fits(long off, long size, long length) {
        return off >= 0 && size >= 0 && size <= MAX_TABLE && off + size <= length;
    }

    private static ByteBuffer read(FileChannel file, long pos, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (file.read(b, pos + b.position()) < 0) break;
        }
        return b.clear();
    }

    private static String cstring(FileChannel file, long off, long length) throws IOException {
        if (off < 0 || off >= length) return "";
        ByteBuffer b = read(file, off, (int) Math.min(MAX_STRING, length - off));
        int end = 0;
        while (end < b.limit() && b.get(end) != 0) end++;
        return new String(b.array(), 0, end, StandardCharsets.UTF_8);
    }
}
