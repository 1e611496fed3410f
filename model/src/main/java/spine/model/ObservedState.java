package spine.model;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** Every container podman knows, keyed by podman name, foreign ones included. */
public record ObservedState(SortedMap<String, ObservedContainer> containers) {
    public ObservedState {
        containers = Collections.unmodifiableSortedMap(new TreeMap<>(containers));
    }

    public static ObservedState of(Collection<ObservedContainer> containers) {
        var map = new TreeMap<String, ObservedContainer>();
        for (ObservedContainer c : containers) map.put(c.name(), c);
        return new ObservedState(map);
    }

    public static ObservedState empty() {
        return new ObservedState(new TreeMap<>());
    }

    public Optional<ObservedContainer> byName(String name) {
        return Optional.ofNullable(containers.get(name));
    }

    /** Spine's containers by the resource they belong to. */
    public SortedMap<ResourceId, ObservedContainer> spine() {
        var out = new TreeMap<ResourceId, ObservedContainer>();
        for (ObservedContainer c : containers.values()) c.spineId().ifPresent(id -> out.put(id, c));
        return out;
    }

    /** The phase a resource is observed in; a missing container counts as stopped. */
    public Phase phaseOf(ResourceId id) {
        ObservedContainer c = spine().get(id);
        if (c == null) return Phase.STOPPED;
        return switch (c.state()) {
            case RUNNING -> Phase.RUNNING;
            case PAUSED -> Phase.PAUSED;
            case STOPPING -> Phase.STOPPING;
            default -> Phase.STOPPED;
        };
    }
}
