package spine.controller.image;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decompresses LZ4's legacy frame ({@code lz4 -l}), the LZ4 format the kernel unpacks an initramfs from: a magic
 * number, then blocks, each a little-endian compressed size and an LZ4 block of at most 8 MiB once decompressed.
 * The format has no end mark; as in the kernel's unlz4, a block size of 0 or the end of the input ends it, so an
 * image can carry another segment after four zero bytes. The frame is read exactly: not a byte past the block size
 * that ends it is consumed, and that size's four bytes are. Pure Java: the JDK has no LZ4 and the image needs none.
 */
final class Lz4LegacyInputStream extends InputStream {
    /** 0x184C2102, little-endian. */
    static boolean isLz4Legacy(byte[] head) {
        return head.length >= 4 && (head[0] & 0xff) == 0x02 && (head[1] & 0xff) == 0x21 && (head[2] & 0xff) == 0x4c
                && (head[3] & 0xff) == 0x18;
    }

    private static final int MAGIC = 0x184C2102;
    /** The legacy frame's block size: 8 MiB of output at most; the input bound is LZ4's worst case for it. */
    private static final int MAX_BLOCK = 8 << 20, MAX_COMPRESSED = MAX_BLOCK + MAX_BLOCK / 255 + 16;

    private final InputStream source;
    private final byte[] one = new byte[1];
    private byte[] block = new byte[0], out = new byte[0];
    private int outPos, outEnd;
    private long blocks;
    private boolean done;

    Lz4LegacyInputStream(InputStream source) throws IOException {
        this.source = source;
        if (readLe32() != MAGIC) throw new IOException("not an LZ4 legacy frame");
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (outPos == outEnd) {
            if (done || !nextBlock()) return -1;
        }
        int n = Math.min(len, outEnd - outPos);
        System.arraycopy(out, outPos, b, off, n);
        outPos += n;
        return n;
    }

    /** Reads and decodes the next block; false at the frame's end. */
    private boolean nextBlock() throws IOException {
        int size;
        while (true) {
            byte[] le = source.readNBytes(4);
            if (le.length == 0) return end();
            if (le.length < 4) throw new IOException("truncated LZ4 block size after block " + blocks);
            size = (le[0] & 0xff) | (le[1] & 0xff) << 8 | (le[2] & 0xff) << 16 | (le[3] & 0xff) << 24;
            if (size != MAGIC) break; // lz4 -l starts a new frame every so often; its magic stands where a size would
        }
        if (size == 0) return end();
        if (size < 0 || size > MAX_COMPRESSED) throw new IOException("LZ4 block " + blocks + " claims " + Integer.toUnsignedString(size) + " bytes");
        if (block.length < size) block = new byte[size];
        if (source.readNBytes(block, 0, size) != size) throw new IOException("truncated LZ4 block " + blocks);
        if (out.length == 0) out = new byte[MAX_BLOCK];
        outEnd = decode(block, size, out);
        outPos = 0;
        blocks++;
        return true;
    }

    private boolean end() {
        done = true;
        return false;
    }

    /** One LZ4 block: sequences of literals and a back reference, the last one literals only. */
    static int decode(byte[] in, int inLen, byte[] out) throws IOException {
        int[] ip = {0}; // the read position, which the length fields' extensions move too
        int op = 0;
        while (true) {
            int token = in[ip[0]++] & 0xff;
            int literals = token >>> 4;
            if (literals == 15) literals = extendedLength(in, inLen, ip, literals, "literal length");
            if (ip[0] + literals > inLen || op + literals > out.length) throw new IOException("LZ4 literals run past the block");
            System.arraycopy(in, ip[0], out, op, literals);
            ip[0] += literals;
            op += literals;
            if (ip[0] == inLen) return op;
            if (ip[0] + 2 > inLen) throw new IOException("LZ4 block ends inside an offset");
            int offset = (in[ip[0]] & 0xff) | (in[ip[0] + 1] & 0xff) << 8;
            ip[0] += 2;
            if (offset == 0 || offset > op) throw new IOException("LZ4 match offset " + offset + " at output byte " + op);
            int match = (token & 15) + 4;
            if ((token & 15) == 15) match = extendedLength(in, inLen, ip, match, "match length");
            if (op + match > out.length) throw new IOException("LZ4 match runs past " + out.length + " bytes");
            int from = op - offset;
            if (offset >= match) {
                System.arraycopy(out, from, out, op, match);
                op += match;
            } else {
                for (int i = 0; i < match; i++) out[op++] = out[from + i]; // overlapping: a repeated pattern
            }
            if (ip[0] >= inLen) throw new IOException("LZ4 block ends after a match, not after literals");
        }
    }

    /** A length whose 4-bit field was full: the bytes that follow add to it, up to and including one below 255. */
    private static int extendedLength(byte[] in, int inLen, int[] ip, int length, String what) throws IOException {
        int b;
        do {
            if (ip[0] >= inLen) throw new IOException("LZ4 block ends inside a " + what);
            b = in[ip[0]++] & 0xff;
            length += b;
        } while (b == 255);
        return length;
    }

    private int readLe32() throws IOException {
        byte[] le = source.readNBytes(4);
        if (le.length < 4) throw new IOException("truncated LZ4 frame");
        return (le[0] & 0xff) | (le[1] & 0xff) << 8 | (le[2] & 0xff) << 16 | (le[3] & 0xff) << 24;
    }

    /** Leaves the source open: the image's next segment follows the frame. */
    @Override
    public void close() {
        // the source belongs to the caller
    }
}
