package spine.controller.image;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Decompresses a zstd stream (one frame or several) through the system's libzstd.so.1 and java.lang.foreign: the
 * image's initramfs is zstd, which the kernel unpacks in 3.2 s under TCG against gzip's 5.2 s. libzstd is in every
 * Debian system and in the image (podman's closure), so this adds no dependency. Memory stays at two native buffers
 * whatever the archive's size.
 */
final class ZstdInputStream extends InputStream {
    /** The first four bytes of a zstd frame (0xFD2FB528, little-endian). */
    static boolean isZstd(byte[] head) {
        return head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd;
    }

    private static final int CHUNK = 1 << 17;

    /** Bound on first use, so reading a gzip image never needs libzstd. */
    private static final class Lib {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup ZSTD = SymbolLookup.libraryLookup("libzstd.so.1", Arena.global());
        static final MethodHandle CREATE = handle("ZSTD_createDStream", FunctionDescriptor.of(ADDRESS));
        static final MethodHandle FREE = handle("ZSTD_freeDStream", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        /** size_t ZSTD_decompressStream(ZSTD_DStream*, ZSTD_outBuffer*, ZSTD_inBuffer*): 0 when a frame is done. */
        static final MethodHandle DECOMPRESS = handle("ZSTD_decompressStream", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle IS_ERROR = handle("ZSTD_isError", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        static final MethodHandle ERROR_NAME = handle("ZSTD_getErrorName", FunctionDescriptor.of(ADDRESS, JAVA_LONG));

        private static MethodHandle handle(String name, FunctionDescriptor fd) {
            return LINKER.downcallHandle(ZSTD.find(name).orElseThrow(() -> new IllegalStateException("libzstd lacks " + name)), fd);
        }
    }

    private final InputStream source;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stream;
    /** ZSTD_inBuffer and ZSTD_outBuffer: {pointer, size, pos}, three machine words each. */
    private final MemorySegment in, out, src, dst;
    private final byte[] staging = new byte[CHUNK], one = new byte[1];
    private long outPos, outEnd, lastResult;
    private boolean sourceDone, closed;

    ZstdInputStream(InputStream source) throws IOException {
        this.source = source;
        try {
            stream = (MemorySegment) Lib.CREATE.invokeExact();
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            arena.close();
            throw new IOException("cannot read a zstd archive without libzstd.so.1 (" + e + "); install libzstd1", e);
        } catch (Throwable t) {
            arena.close();
            throw new IOException("ZSTD_createDStream failed", t);
        }
        if (stream.equals(MemorySegment.NULL)) throw new IOException("ZSTD_createDStream returned NULL");
        src = arena.allocate(CHUNK);
        dst = arena.allocate(CHUNK);
        in = arena.allocate(24, 8);
        out = arena.allocate(24, 8);
        in.set(ADDRESS, 0, src);
        in.set(JAVA_LONG, 8, 0L);
        in.set(JAVA_LONG, 16, 0L);
        out.set(ADDRESS, 0, dst);
        out.set(JAVA_LONG, 8, CHUNK);
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("zstd stream closed");
        if (len == 0) return 0;
        while (outPos == outEnd) {
            if (!decodeSome()) return -1;
        }
        int n = (int) Math.min(len, outEnd - outPos);
        MemorySegment.copy(dst, JAVA_BYTE, outPos, b, off, n);
        outPos += n;
        return n;
    }

    /** One decompression call, fed first when its input is used up; false at the end of the stream. */
    private boolean decodeSome() throws IOException {
        long inSize = in.get(JAVA_LONG, 8), inPos = in.get(JAVA_LONG, 16);
        if (inPos == inSize && !sourceDone) {
            int n = source.read(staging, 0, CHUNK);
            if (n < 0) {
                sourceDone = true;
            } else {
                MemorySegment.copy(staging, 0, src, JAVA_BYTE, 0, n);
                in.set(JAVA_LONG, 8, n);
                in.set(JAVA_LONG, 16, 0L);
                inSize = n;
                inPos = 0;
            }
        }
        if (sourceDone && inPos == inSize && lastResult == 0) return false; // every frame ended and was flushed
        out.set(JAVA_LONG, 16, 0L);
        long r;
        try {
            r = (long) Lib.DECOMPRESS.invokeExact(stream, out, in);
            if ((int) Lib.IS_ERROR.invokeExact(r) != 0) {
                MemorySegment name = ((MemorySegment) Lib.ERROR_NAME.invokeExact(r)).reinterpret(256);
                throw new IOException("not a valid zstd stream: " + name.getString(0));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("ZSTD_decompressStream failed", t);
        }
        lastResult = r;
        outPos = 0;
        outEnd = out.get(JAVA_LONG, 16);
        if (outEnd == 0 && sourceDone && in.get(JAVA_LONG, 16) == in.get(JAVA_LONG, 8) && r != 0) {
            throw new IOException("truncated zstd stream: the last frame wants " + r + " more bytes");
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            long ignored = (long) Lib.FREE.invokeExact(stream);
        } catch (Throwable t) {
            throw new IOException("ZSTD_freeDStream failed", t);
        } finally {
            arena.close();
            source.close();
        }
    }
}
