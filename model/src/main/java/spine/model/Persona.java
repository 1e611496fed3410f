package spine.model;

import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A user's podman container: {@code kind: Persona}, named {@code p://<label>}. With {@code display}, it gets the
 * compositor's Wayland socket (the socket file alone) and its windows belong to it; its {@code volumes} outlive it.
 */
public record Persona(ResourceId id, String image, List<String> command, SortedMap<String, String> env,
                      RunState state, Optional<String> envelope, boolean umbilical, boolean autostart,
                      NetworkMode network, RestartPolicy restart, boolean display, List<Volume> volumes) implements Spec {
    public Persona {
        if (id.kind() != Kind.PERSONA) throw new IllegalArgumentException("not a persona name: " + id);
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(env));
        volumes = List.copyOf(volumes);
    }

    /** Without volumes. */
    public Persona(ResourceId id, String image, List<String> command, SortedMap<String, String> env, RunState state,
                   Optional<String> envelope, boolean umbilical, boolean autostart, NetworkMode network, RestartPolicy restart,
                   boolean display) {
        this(id, image, command, env, state, envelope, umbilical, autostart, network, restart, display, List.of());
    }

    /** Without a display. */
    public Persona(ResourceId id, String image, List<String> command, SortedMap<String, String> env, RunState state,
                   Optional<String> envelope, boolean umbilical, boolean autostart, NetworkMode network, RestartPolicy restart) {
        this(id, image, command, env, state, envelope, umbilical, autostart, network, restart, false);
    }

    /** With the default restart policy, {@code always}. */
    public Persona(ResourceId id, String image, List<String> command, SortedMap<String, String> env, RunState state,
                   Optional<String> envelope, boolean umbilical, boolean autostart, NetworkMode network) {
        this(id, image, command, env, state, envelope, umbilical, autostart, network, RestartPolicy.ALWAYS);
    }

    public Persona withState(RunState newState) {
        return new Persona(id, image, command, env, newState, envelope, umbilical, autostart, network, restart, display, volumes);
    }
}
