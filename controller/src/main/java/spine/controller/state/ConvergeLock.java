package spine.controller.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One converger at a time: an exclusive {@code flock} on {@code <root>/spine/converge.lock}, held by
 * {@code spine run} for its whole life or by a CLI command for one convergence. The kernel drops it when
 * the holder dies, so a crash never leaves the machine locked.
 */
public final class ConvergeLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("lock");

    private final FileChannel channel;
    private final FileLock lock;
    private final String holder;

    private ConvergeLock(FileChannel channel, FileLock lock, String holder) {
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /** Takes the lock if it is free; empty when another converger holds it. */
    public static Optional<ConvergeLock> tryAcquire(SpineRoot root, String holder) throws StateException {
        root.ensureDir();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(root.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this very JVM
            }
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((holder + " pid=" + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
            LOG.log(System.Logger.Level.INFO, "converger lock acquired holder={0} pid={1}", holder, ProcessHandle.current().pid());
            return Optional.of(new ConvergeLock(ch, l, holder));
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing; the first error is the one to report
                }
            }
            throw new StateException("cannot lock " + root.lockFile() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        LOG.log(System.Logger.Level.INFO, "converger lock released holder={0} pid={1}", holder, ProcessHandle.current().pid());
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing converger lock failed error=\"{0}\"", e.getMessage());
        }
    }
}
