package spine.controller.state;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Serialises schema migration across processes: {@code flock} on {@code <root>/spine/migrate.lock}, bounded wait. */
final class MigrationLock implements AutoCloseable {
    private static final long WAIT_MS = 30_000;

    private final Flock lock;

    private MigrationLock(Flock lock) {
        this.lock = lock;
    }

    static MigrationLock acquire(SpineRoot root) throws StateException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        Path file = root.dir().resolve("migrate.lock");
        try {
            while (true) {
                Optional<Flock> l = Flock.tryLock(file);
                if (l.isPresent()) return new MigrationLock(l.get());
                if (System.nanoTime() > deadline) {
                    throw new StateException("another process has been migrating " + root.database() + " for "
                            + WAIT_MS / 1000 + " s; check it, then try again");
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new StateException("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException("interrupted while waiting to migrate " + root.database());
        }
    }

    @Override
    public void close() {
        try {
            lock.close();
        } catch (IOException ignored) {
            // the kernel drops the lock with the descriptor anyway
        }
    }
}
