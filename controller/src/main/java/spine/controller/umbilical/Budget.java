package spine.controller.umbilical;

/**
 * A persona's allowance through the umbilical: requests per second with a burst, bytes per second (requests and
 * answers together) with a burst, and the longest request line. Token buckets, one per persona.
 */
public record Budget(double requestsPerSecond, double requestBurst, double bytesPerSecond, double byteBurst, int maxLine) {
    public static Budget defaults() {
        return new Budget(20, 40, 256 * 1024, 1024 * 1024, 64 * 1024);
    }

    /** One persona's buckets. Not thread-safe by itself: the broker locks it. */
    static final class Buckets {
        private final Budget b;
        private double requests, bytes;
        private long last;

        Buckets(Budget b, long nowNanos) {
            this.b = b;
            this.requests = b.requestBurst();
            this.bytes = b.byteBurst();
            this.last = nowNanos;
        }

        /** Empty when the request may go; otherwise why not. */
        synchronized java.util.Optional<String> take(long size, long nowNanos) {
            double dt = Math.max(0, (nowNanos - last) / 1e9);
            last = nowNanos;
            requests = Math.min(b.requestBurst(), requests + dt * b.requestsPerSecond());
            bytes = Math.min(b.byteBurst(), bytes + dt * b.bytesPerSecond());
            if (requests < 1) {
                return java.util.Optional.of(String.format(java.util.Locale.ROOT, "over budget: %.0f requests/s; retry in %d ms",
                        b.requestsPerSecond(), (long) Math.ceil((1 - requests) / b.requestsPerSecond() * 1000)));
            }
            if (bytes < size) {
                return java.util.Optional.of(String.format(java.util.Locale.ROOT, "over budget: %.0f bytes/s; retry in %d ms",
                        b.bytesPerSecond(), (long) Math.ceil((size - bytes) / b.bytesPerSecond() * 1000)));
            }
            requests -= 1;
            bytes -= size;
            return java.util.Optional.empty();
        }

        synchronized void spend(long size) {
            bytes -= size;
        }
    }
}
