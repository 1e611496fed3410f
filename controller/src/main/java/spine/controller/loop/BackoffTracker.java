package spine.controller.loop;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import spine.model.Backoff;
import spine.model.ResourceId;

/** Per-resource exponential backoff (1 s to 5 min), reset by a success. Used by one loop thread at a time. */
public final class BackoffTracker {
    private record Entry(int failures, Instant retryAt) {}

    private final TreeMap<ResourceId, Entry> entries = new TreeMap<>();

    public synchronized void failed(ResourceId id, Instant now) {
        int failures = entries.containsKey(id) ? entries.get(id).failures() + 1 : 1;
        entries.put(id, new Entry(failures, now.plus(Backoff.delay(failures))));
    }

    public synchronized void succeeded(ResourceId id) {
        entries.remove(id);
    }

    public synchronized Set<ResourceId> blocked(Instant now) {
        var out = new TreeSet<ResourceId>();
        entries.forEach((id, e) -> {
            if (e.retryAt().isAfter(now)) out.add(id);
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
