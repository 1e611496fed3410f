package spine.drivers.exec;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The children this JVM started through {@link java.lang.Process}. The JDK reaps those itself and needs their
 * exit status, so PID 1's reaper must leave them alone. Starting holds a shared lock until the pid is
 * registered; the reaper takes the exclusive lock, so it never sees a child between fork and registration.
 */
public final class ChildProcesses {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Set<Long> owned = ConcurrentHashMap.newKeySet();

    public Process start(ProcessBuilder pb) throws IOException {
        lock.readLock().lock();
        try {
            Process p = pb.start();
            long pid = p.pid();
            owned.add(pid);
            p.onExit().thenRun(() -> owned.remove(pid)); // after the JDK has collected its status
            return p;
        } finally {
            lock.readLock().unlock();
        }
    }

    public boolean owns(long pid) {
        return owned.contains(pid);
    }

    /** Runs {@code work} while no child is being started. */
    public <T> T exclusively(Supplier<T> work) {
        lock.writeLock().lock();
        try {
            return work.get();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
