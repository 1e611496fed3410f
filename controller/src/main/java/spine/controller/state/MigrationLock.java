package spine.controller.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;

/** Serialises schema migration across processes: {@code flock} on {@code <root>/spine/migrate.lock}, bounded wait. */
final class MigrationLock implements AutoCloseable {
    private static final long WAIT_MS = 30_000;

    private final FileChannel channel;
    private final FileLock lock;

    private MigrationLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static MigrationLock acquire(SpineRoot root) throws StateException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        try {
            FileChannel ch = FileChannel.open(root.dir().resolve("migrate.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null; // another thread of this JVM is migrating
                }
                if (l != null) return new MigrationLock(ch, l);
                if (System.nanoTime() > deadline) {
                    ch.close();
                    throw new StateException("another process has been migrating " + root.database() + " for "
                            + WAIT_MS / 1000 + " s; check it, then try again");
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new StateException("cannot lock " + root.dir().resolve("migrate.lock") + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException("interrupted while waiting to migrate " + root.database());
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the kernel drops the lock with the descriptor anyway
        }
    }
}
