package spine.model;

import java.time.Duration;

/**
 * One idempotent change to the world. The set is closed: the executor switches over it with no default
 * branch, so a new step does not compile until it is handled. Later steps (Freeze, Thaw, FocusWindow,
 * WriteCgroup) join this list.
 */
public sealed interface Step {
    ResourceId target();

    /** Printed by {@code spine diff} and logged by the executor. */
    String reason();

    /** The word for this step in plans and metrics. */
    String verb();

    /** Creates and starts in one podman call ({@code podman run -d}): one call, not two, on the hot path. */
    record RunContainer(ResourceId target, ContainerSpec container, long generation, String reason) implements Step {
        public String verb() { return "run"; }
    }

    record StartContainer(ResourceId target, String reason) implements Step {
        public String verb() { return "start"; }
    }

    record StopContainer(ResourceId target, Duration grace, String reason) implements Step {
        public String verb() { return "stop"; }
    }

    record PauseContainer(ResourceId target, String reason) implements Step {
        public String verb() { return "pause"; }
    }

    record UnpauseContainer(ResourceId target, String reason) implements Step {
        public String verb() { return "unpause"; }
    }

    /** {@code podman rm -f}: used to prune, and as the first half of a recreate. */
    record RemoveContainer(ResourceId target, String reason) implements Step {
        public String verb() { return "remove"; }
    }
}
