package spine.controller.pid1;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a survival read or write with a hard timeout on a throw-away daemon thread. A call stuck in the
 * kernel on a dead disk keeps its thread, but never the boot.
 */
public final class Bounded {
    /** Success with a value, or why not: "timeout after 200 ms" or the error. */
    public record Outcome<T>(Optional<T> value, String failure) {
        public boolean ok() { return failure == null; }
    }

    private Bounded() {}

    public static <T> Outcome<T> call(String what, Duration timeout, Callable<T> work) {
        var f = new CompletableFuture<T>();
        Thread.ofPlatform().daemon().name("bounded-" + what).start(() -> {
            try {
                f.complete(work.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return new Outcome<>(Optional.ofNullable(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS)), null);
        } catch (TimeoutException e) {
            return new Outcome<>(Optional.empty(), "timeout after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return new Outcome<>(Optional.empty(), String.valueOf(e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome<>(Optional.empty(), "interrupted");
        }
    }
}
