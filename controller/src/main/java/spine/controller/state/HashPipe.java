package spine.controller.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * SHA-256 on a thread of its own while the caller reads and writes: a persona bundle moves hundreds of megabytes, and
 * the hash (about 1.7 GB/s here) then costs the time of the copy rather than its own. The reader fills one of a few
 * fixed buffers, writes it, and hands it over; the hasher gives it back. Memory stays at {@link #BUFFERS} buffers.
 * One pipe serves one bundle, entry after entry, and is closed with it.
 */
final class HashPipe implements AutoCloseable {
    static final int BUFFERS = 4, SIZE = 1 << 18;

    private record Chunk(byte[] buf, int len, boolean end) {}

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<String> digests = new ArrayBlockingQueue<>(1);
    private final Thread hasher;

    HashPipe() {
        for (int i = 0; i < BUFFERS; i++) free.add(new byte[SIZE]);
        hasher = Thread.ofPlatform().daemon().name("bundle-sha256").start(this::hash);
    }

    private void hash() {
        MessageDigest sha = Slots.sha256();
        try {
            while (true) {
                Chunk c = full.take();
                if (c.buf() == null && !c.end()) return; // closed
                if (c.end()) {
                    digests.put(HexFormat.of().formatHex(sha.digest()));
                    continue;
                }
                sha.update(c.buf(), 0, c.len());
                free.put(c.buf());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Copies exactly {@code size} bytes from {@code in} to {@code out} (none when {@code out} is null) and returns
     * their SHA-256 in hex. Fewer bytes than {@code size} is an {@link java.io.EOFException} naming {@code what}.
     */
    String copy(InputStream in, OutputStream out, long size, String what) throws IOException {
        long left = size;
        try {
            while (left > 0) {
                byte[] buf = free.take();
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    free.put(buf);
                    full.put(new Chunk(null, 0, true));
                    digests.take();
                    throw new java.io.EOFException("the input ends inside " + what + " after " + (size - left) + " of " + size + " bytes");
                }
                if (out != null) out.write(buf, 0, n);
                full.put(new Chunk(buf, n, false));
                left -= n;
            }
            full.put(new Chunk(null, 0, true));
            return digests.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while hashing " + what);
        }
    }

    @Override
    public void close() {
        try {
            full.offer(new Chunk(null, 0, false), 5, java.util.concurrent.TimeUnit.SECONDS);
            hasher.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
