package spine.controller.loop;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import spine.model.Backoff;
import spine.model.ResourceId;

/**
 * Per-resource exponential backoff (1 s to 5 min), reset by a success. A failure that retrying cannot help
 * ({@code StepResult.Failed.retryable() == false}, e.g. an image that does not exist) waits instead for the spec to
 * change: it is blocked while the intent generation is the one it failed at, for at most {@link Backoff#MAX} (someone
 * may have loaded the image by hand meanwhile). Used by one loop thread at a time.
 */
public final class BackoffTracker {
    private record Entry(int failures, Instant retryAt, OptionalLong untilGenerationChanges) {}

    private final TreeMap<ResourceId, Entry> entries = new TreeMap<>();

    public synchronized void failed(ResourceId id, Instant now) {
        int failures = entries.containsKey(id) ? entries.get(id).failures() + 1 : 1;
        entries.put(id, new Entry(failures, now.plus(Backoff.delay(failures)), OptionalLong.empty()));
    }

    /** A failure retrying cannot help: blocked until the spec's generation moves past {@code generation}, or 5 min. */
    public synchronized void failedUntilChanged(ResourceId id, long generation, Instant now) {
        int failures = entries.containsKey(id) ? entries.get(id).failures() + 1 : 1;
        entries.put(id, new Entry(failures, now.plus(Backoff.MAX), OptionalLong.of(generation)));
    }

    public synchronized void succeeded(ResourceId id) {
        entries.remove(id);
    }

    /** Blocked now; an entry waiting for a spec change is dropped once the generation moved on (or the intent went). */
    public synchronized Set<ResourceId> blocked(Instant now, Map<ResourceId, Long> generations) {
        entries.entrySet().removeIf(e -> e.getValue().untilGenerationChanges().isPresent()
                && !Long.valueOf(e.getValue().untilGenerationChanges().getAsLong()).equals(generations.get(e.getKey())));
        var out = new TreeSet<ResourceId>();
        entries.forEach((id, e) -> {
            if (e.retryAt().isAfter(now)) out.add(id);
        });
        return out;
    }

    /** The resources that wait for their spec to change. */
    public synchronized Set<ResourceId> untilChanged(Map<ResourceId, Long> generations, Instant now) {
        var out = new TreeSet<ResourceId>();
        entries.forEach((id, e) -> {
            OptionalLong g = e.untilGenerationChanges();
            if (g.isPresent() && Long.valueOf(g.getAsLong()).equals(generations.get(id)) && e.retryAt().isAfter(now)) out.add(id);
        });
        return out;
    }

    public synchronized Optional<Instant> nextRetry() {
        return entries.values().stream().map(Entry::retryAt).min(Instant::compareTo);
    }

    public synchronized int failures(ResourceId id) {
        return entries.containsKey(id) ? entries.get(id).failures() : 0;
    }
}
