package spine.model;

import java.time.Duration;
import java.util.Optional;

/**
 * One idempotent change to the world. The set is closed, and who carries a step out is its type: a
 * {@link ContainerStep} goes to podman, a {@link KernelStep} to the sysfs driver, a {@link WindowStep} to the
 * compositor's sway connection, a {@link CompositorStep} to the compositor's supervisor, an {@link ImageStep} to
 * podman's image verbs, and {@link DrainUmbilical} to the broker. A switch over one of these has no default branch, so a new step does not compile until its owner
 * handles it. The phases a step moves its target through are {@link #phases()}, decided here once.
 */
public sealed interface Step
        permits Step.ContainerStep, Step.KernelStep, Step.WindowStep, Step.CompositorStep, Step.ImageStep, Step.DrainUmbilical {
    ResourceId target();

    /** Printed by {@code spine diff} and logged by the executor. */
    String reason();

    /** The word for this step in plans and metrics. */
    String verb();

    /** podman's: the container verbs. */
    sealed interface ContainerStep extends Step
            permits RunContainer, StartContainer, StopContainer, PauseContainer, UnpauseContainer, RemoveContainer {}

    /** The sysfs driver's: cgroup v2 and /proc files. */
    sealed interface KernelStep extends Step permits WriteCgroup, SetOomScoreAdj, MoveToCgroup, Freeze, Thaw {}

    /** The sway connection's: what the screen shows and where the keyboard goes. */
    sealed interface WindowStep extends Step permits ShowWorkspace, MarkWindow, FocusWindow {}

    /** The compositor's supervisor's: the sway process itself. */
    sealed interface CompositorStep extends Step permits SpawnCompositor, StopCompositor {}

    /** podman's image verbs: an app's image loaded from its archive. */
    sealed interface ImageStep extends Step permits LoadImage, RemoveImage {}

    /**
     * The phase a target is in while the step runs (recorded before it, so a crash halfway shows it) and the one the
     * step leaves it in when it worked; empty when the step changes none (kernel writes, windows, a drain).
     */
    record Phases(Optional<Phase> during, Optional<Phase> after) {
        public static final Phases NONE = new Phases(Optional.empty(), Optional.empty());

        static Phases of(Phase during, Phase after) {
            return new Phases(Optional.of(during), Optional.of(after));
        }
    }

    default Phases phases() {
        return switch (this) {
            case RunContainer s -> Phases.of(Phase.STARTING, Phase.RUNNING);
            case StartContainer s -> Phases.of(Phase.STARTING, Phase.RUNNING);
            case UnpauseContainer s -> Phases.of(Phase.STARTING, Phase.RUNNING);
            case StopContainer s -> Phases.of(Phase.STOPPING, Phase.STOPPED);
            case PauseContainer s -> Phases.of(Phase.PAUSING, Phase.PAUSED);
            case RemoveContainer s -> new Phases(Optional.empty(), Optional.of(Phase.STOPPED));
            case SpawnCompositor s -> Phases.of(Phase.STARTING, Phase.RUNNING);
            case StopCompositor s -> Phases.of(Phase.STOPPING, Phase.STOPPED);
            case KernelStep s -> Phases.NONE;
            case WindowStep s -> Phases.NONE;
            case ImageStep s -> Phases.NONE; // an Image's load is recorded apart (its own status: loaded id or error)
            case DrainUmbilical s -> Phases.NONE;
        };
    }

    /** Creates and starts in one podman call ({@code podman run -d}): one call, not two, on the hot path. */
    record RunContainer(ResourceId target, ContainerSpec container, long generation, String reason) implements ContainerStep {
        public String verb() { return "run"; }
    }

    record StartContainer(ResourceId target, String reason) implements ContainerStep {
        public String verb() { return "start"; }
    }

    record StopContainer(ResourceId target, Duration grace, String reason) implements ContainerStep {
        public String verb() { return "stop"; }
    }

    record PauseContainer(ResourceId target, String reason) implements ContainerStep {
        public String verb() { return "pause"; }
    }

    record UnpauseContainer(ResourceId target, String reason) implements ContainerStep {
        public String verb() { return "unpause"; }
    }

    /** {@code podman rm -f}: used to prune, and as the first half of a recreate. */
    record RemoveContainer(ResourceId target, String reason) implements ContainerStep {
        public String verb() { return "remove"; }
    }

    /**
     * Writes one cgroup v2 interface file of a running container, such as {@code cpu.max}: drift repair and the
     * governor's throttling, with no recreate. {@code cgroup} is the path below the cgroup2 mount, as the kernel
     * reports it in {@code /proc/PID/cgroup}.
     */
    record WriteCgroup(ResourceId target, String cgroup, String file, String value, String reason) implements KernelStep {
        public String verb() { return "write " + file; }
    }

    /** Writes {@code /proc/PID/oom_score_adj} of a container's main process, or of the compositor's. */
    record SetOomScoreAdj(ResourceId target, long pid, int value, String reason) implements KernelStep {
        public String verb() { return "oom-score-adj"; }
    }

    /**
     * Moves a host process (the compositor) into its own cgroup v2 directory {@code cgroup}, made when missing with
     * the cpu, memory and pids controllers enabled for it where the kernel has them: podman does this for a container,
     * nobody for a process bay0 spawns.
     */
    record MoveToCgroup(ResourceId target, long pid, String cgroup, String reason) implements KernelStep {
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
    record Freeze(ResourceId target, String cgroup, String reason) implements KernelStep {
        public String verb() { return "freeze"; }
    }

    /** Thaws a persona: {@code cgroup.freeze} 0, done when {@code cgroup.events} says {@code frozen 0}. */
    record Thaw(ResourceId target, String cgroup, String reason) implements KernelStep {
        public String verb() { return "thaw"; }
    }

    /**
     * Shows the foreground persona's workspace and waits for sway's answer, before any background persona freezes:
     * no surface of a frozen client is scanned out then (the GPU surface detach of the handoff).
     */
    record ShowWorkspace(ResourceId target, String workspace, String reason) implements WindowStep {
        public String verb() { return "show-workspace"; }
    }

    /** Marks one window with its persona's name and moves it to that persona's workspace. */
    record MarkWindow(ResourceId target, long conId, String mark, String workspace, String reason) implements WindowStep {
        public String verb() { return "mark"; }
    }

    /** Gives keyboard focus to the foreground persona's window, by its mark. Never sent to a frozen persona. */
    record FocusWindow(ResourceId target, String mark, String reason) implements WindowStep {
        public String verb() { return "focus"; }
    }

    /**
     * Loads an Image's archive into podman's storage, checking the archive's sha256 while it is read (nothing is loaded
     * when it differs), and names the loaded image {@code image.ref()}.
     */
    record LoadImage(ResourceId target, AppImage image, String reason) implements ImageStep {
        public String verb() { return "load"; }
    }

    /**
     * Removes an image an Image's load gave, by its id, that nothing has referenced for longer than the grace
     * ({@link spine.model.image.ImageCollector}); {@code target} is the Image whose load gave it. Never forced: podman
     * keeps an image a container still uses.
     */
    record RemoveImage(ResourceId target, String imageId, String reason) implements ImageStep {
        public String verb() { return "remove-image"; }
    }

    /** Spawns the compositor (sway, a host process) and waits until it is ready: both its sockets served by it. */
    record SpawnCompositor(ResourceId target, Compositor.Backend backend, String reason) implements CompositorStep {
        public String verb() { return "spawn"; }
    }

    /** Stops the compositor: SIGTERM, then SIGKILL after {@code grace}. */
    record StopCompositor(ResourceId target, Duration grace, String reason) implements CompositorStep {
        public String verb() { return "stop-compositor"; }
    }
}
