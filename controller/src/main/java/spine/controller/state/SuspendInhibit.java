package spine.controller.state;

import java.time.Duration;

/**
 * A mark every state flush holds (a SQLite commit, a genesis.log append, the clean-shutdown mark), so that a suspend
 * path can wait until no flush is half done: suspending in the middle of one would leave the disk behind what
 * the loop believes. Process-wide, as flushes come from many threads.
 */
public final class SuspendInhibit {
    private static final System.Logger LOG = System.getLogger("state");
    private static final Object LOCK = new Object();
    private static int held; // guarded by LOCK

    /** Closing it releases the mark. */
    public interface Mark extends AutoCloseable {
        @Override
        void close();
    }

    private SuspendInhibit() {}

    public static Mark hold() {
        synchronized (LOCK) {
            held++;
        }
        return () -> {
            synchronized (LOCK) {
                held--;
                LOCK.notifyAll();
            }
        };
    }

    public static int held() {
        synchronized (LOCK) {
            return held;
        }
    }

    /**
     * The suspend (and power-off) path: waits until no flush holds the mark, at most {@code max}. Logs what it waited
     * for; the outcome as a sentence for the genesis log.
     */
    public static String awaitClear(String path, Duration max) {
        long t0 = System.nanoTime(), until = t0 + max.toNanos();
        int atStart;
        synchronized (LOCK) {
            atStart = held;
            while (held > 0) {
                long left = until - System.nanoTime();
                if (left <= 0) break;
                try {
                    LOCK.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        int left = held();
        LOG.log(System.Logger.Level.INFO, "suspend inhibit path={0} flushes_at_start={1} still_held={2} waited_ms={3}", path,
                atStart, left, (System.nanoTime() - t0) / 1_000_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return left == 0 ? "no state flush in progress (" + atStart + " waited for, " + ms + " ms)"
                : left + " state flush(es) still running after " + ms + " ms";
    }
}
