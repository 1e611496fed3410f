package spine.model;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
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

    /**
     * This observation with the created containers of {@code starting} marked {@link ContainerState#INTERRUPTED}.
     * Their status said a start was under way when the converger that owned them died (a pass begins with no step
     * in flight), and a {@code podman run} killed inside {@code runc create} leaves a container podman lists as
     * created that can never start ("container with given ID already exists"): such a container is replaced.
     */
    public ObservedState interrupted(Set<ResourceId> starting) {
        var out = new TreeMap<String, ObservedContainer>(containers);
        for (ResourceId id : starting) {
            ObservedContainer c = containers.get(id.containerName());
            if (c != null && c.state() == ContainerState.CREATED && c.spineId().isPresent()) {
                out.put(c.name(), new ObservedContainer(c.id(), c.name(), ContainerState.INTERRUPTED, c.image(), c.labels(), c.exit(), c.pid()));
            }
        }
        return new ObservedState(out);
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
