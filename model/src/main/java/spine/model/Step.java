package spine.model;

import java.time.Duration;

/**
 * One idempotent change to the world. The set is closed: the executor switches over it with no default
 * branch, so a new step does not compile until it is handled. Container steps go to podman, kernel steps
 * ({@link WriteCgroup}, {@link SetOomScoreAdj}, {@link MoveToCgroup}, {@link Freeze}, {@link Thaw}) to the sysfs driver,
 * {@link DrainUmbilical} to the broker, and the window steps ({@link ShowWorkspace}, {@link MarkWindow},
 * {@link FocusWindow}) to the sway driver.
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

    /**
     * Writes one cgroup v2 interface file of a running container, such as {@code cpu.max}: drift repair and the
     * governor's throttling, with no recreate. {@code cgroup} is the path below the cgroup2 mount, as the kernel
     * reports it in {@code /proc/PID/cgroup}.
     */
    record WriteCgroup(ResourceId target, String cgroup, String file, String value, String reason) implements Step {
        public String verb() { return "write " + file; }
    }

    /** Writes {@code /proc/PID/oom_score_adj} of a container's main process, or of the compositor's. */
    record SetOomScoreAdj(ResourceId target, long pid, int value, String reason) implements Step {
        public String verb() { return "oom-score-adj"; }
    }

    /**
     * Moves a host process (the compositor) into its own cgroup v2 directory {@code cgroup}, made when missing with
     * the cpu, memory and pids controllers enabled for it where the kernel has them: podman does this for a container,
     * nobody for a process bay0 spawns.
     */
    record MoveToCgroup(ResourceId target, long pid, String cgroup, String reason) implements Step {
        public String verb() { return "move-to-cgroup"; }
    }

    /**
     * Before a tenant with a socket stops or is replaced, the umbilical broker stops taking requests for it, lets
     * the ones in flight finish within {@code deadline}, then closes its connections to the tenant.
     */
    record DrainUmbilical(ResourceId target, Duration deadline, String reason) implements Step {
        public String verb() { return "drain"; }
    }

    /**
     * Freezes a background persona through its cgroup v2 {@code cgroup.freeze}; done when {@code cgroup.events}
     * says {@code frozen 1}.
     */
    record Freeze(ResourceId target, String cgroup, String reason) implements Step {
        public String verb() { return "freeze"; }
    }

    /** Thaws a persona: {@code cgroup.freeze} 0, done when {@code cgroup.events} says {@code frozen 0}. */
    record Thaw(ResourceId target, String cgroup, String reason) implements Step {
        public String verb() { return "thaw"; }
    }

    /**
     * Shows the foreground persona's workspace and waits for sway's answer, before any background persona freezes:
     * no surface of a frozen client is scanned out then (the GPU surface detach of the handoff).
     */
    record ShowWorkspace(ResourceId target, String workspace, String reason) implements Step {
        public String verb() { return "show-workspace"; }
    }

    /** Marks one window with its persona's name and moves it to that persona's workspace. */
    record MarkWindow(ResourceId target, long conId, String mark, String workspace, String reason) implements Step {
        public String verb() { return "mark"; }
    }

    /** Gives keyboard focus to the foreground persona's window, by its mark. Never sent to a frozen persona. */
    record FocusWindow(ResourceId target, String mark, String reason) implements Step {
        public String verb() { return "focus"; }
    }

    /** Spawns the compositor (sway, a host process) and waits until it is ready: both its sockets served by it. */
    record SpawnCompositor(ResourceId target, Compositor.Backend backend, String reason) implements Step {
        public String verb() { return "spawn"; }
    }

    /** Stops the compositor: SIGTERM, then SIGKILL after {@code grace}. */
    record StopCompositor(ResourceId target, Duration grace, String reason) implements Step {
        public String verb() { return "stop-compositor"; }
    }
}
