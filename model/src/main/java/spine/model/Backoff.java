package spine.model;

import java.time.Duration;

/** Per-resource retry delay after failures: 1 s doubling to 5 min; a success resets the count to zero. */
public final class Backoff {
    public static final Duration FIRST = Duration.ofSeconds(1);
    public static final Duration MAX = Duration.ofMinutes(5);

    private Backoff() {}

    public static Duration delay(int failures) {
        if (failures <= 0) return Duration.ZERO;
        int doublings = Math.min(failures - 1, 30);
        Duration d = FIRST.multipliedBy(1L << doublings);
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
