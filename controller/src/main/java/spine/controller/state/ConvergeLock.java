package spine.controller.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One converger at a time: an exclusive {@code flock} on {@code <root>/spine/converge.lock}, held by
 * {@code spine run} for its whole life or by a CLI command for one convergence. The kernel drops it when
 * the holder dies, so a crash never leaves the machine locked.
 */
public final class ConvergeLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("lock");

    private final Flock lock;
    private final String holder;

    private ConvergeLock(Flock lock, String holder) {
        this.lock = lock;
        this.holder = holder;
    }

    /** Takes the lock if it is free; empty when another converger holds it. */
    public static Optional<ConvergeLock> tryAcquire(SpineRoot root, String holder) throws StateException {
        root.ensureDir();
        try {
            Optional<Flock> l = Flock.tryLock(root.lockFile());
            if (l.isEmpty()) return Optional.empty();
            // Who holds it, for a human reading the file while wondering why a command waits.
            l.get().channel.truncate(0);
            l.get().channel.write(ByteBuffer.wrap((holder + " pid=" + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            LOG.log(System.Logger.Level.INFO, "converger lock acquired holder={0} pid={1}", holder, ProcessHandle.current().pid());
            return Optional.of(new ConvergeLock(l.get(), holder));
        } catch (IOException e) {
            throw new StateException("cannot lock " + root.lockFile() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        LOG.log(System.Logger.Level.INFO, "converger lock released holder={0} pid={1}", holder, ProcessHandle.current().pid());
        try {
            lock.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing converger lock failed error=\"{0}\"", e.getMessage());
        }
    }
}
