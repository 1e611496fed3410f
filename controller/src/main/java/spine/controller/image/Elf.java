package spine.controller.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The dynamic-linking facts of a 64-bit little-endian ELF file: DT_NEEDED and DT_RUNPATH/DT_RPATH. */
public record Elf(List<String> needed, List<String> runpath, Optional<String> interpreter) {
    private static final int DT_NEEDED = 1, DT_RPATH = 15, DT_RUNPATH = 29, SHT_DYNAMIC = 6, PT_INTERP = 3;

    public static boolean isElf(byte[] b) {
        return b.length > 64 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    /** Empty for anything that is not a dynamically linked executable or shared object (static binaries, kernel modules). */
    public static Optional<Elf> parse(byte[] bytes) {
        if (!isElf(bytes) || bytes[4] != 2 || bytes[5] != 1) return Optional.empty(); // ELFCLASS64, little-endian
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16);
        if (type != 2 && type != 3) return Optional.empty(); // ET_EXEC, ET_DYN
        Optional<String> interp = Optional.empty();
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff, phnum = b.getShort(56) & 0xffff;
        for (int i = 0; i < phnum && phoff + (long) (i + 1) * phentsize <= bytes.length; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (b.getInt(ph) == PT_INTERP) interp = Optional.of(cstring(bytes, (int) b.getLong(ph + 8)));
        }
        long shoff = b.getLong(40);
        int shentsize = b.getShort(58) & 0xffff, shnum = b.getShort(60) & 0xffff;
        if (shoff <= 0 || shoff + (long) shnum * shentsize > bytes.length) return Optional.empty();
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != SHT_DYNAMIC) continue;
            long off = b.getLong(sh + 24), size = b.getLong(sh + 32);
            int link = b.getInt(sh + 40);
            int strSh = (int) (shoff + (long) link * shentsize);
            long strOff = b.getLong(strSh + 24);
            var needed = new ArrayList<String>();
            var runpath = new ArrayList<String>();
            for (long p = off; p + 16 <= off + size && p + 16 <= bytes.length; p += 16) {
                long tag = b.getLong((int) p), val = b.getLong((int) p + 8);
                if (tag == 0) break;
                if (tag == DT_NEEDED) needed.add(cstring(bytes, (int) (strOff + val)));
                else if (tag == DT_RUNPATH || tag == DT_RPATH) runpath.addAll(List.of(cstring(bytes, (int) (strOff + val)).split(":")));
            }
            return Optional.of(new Elf(needed, runpath, interp));
        }
        return Optional.empty();
    }

    private static String cstring(byte[] b, int off) {
        int end = off;
        while (end < b.length && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
