package spine.controller.loop;

import java.util.List;
import java.util.Optional;

import spine.model.DesiredState;
import spine.model.ObservedState;
import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;
import spine.model.kernel.KernelState;
import spine.model.kernel.Throttle;

/**
 * What a pass needs beyond podman: the kernel's view of each container (read back to repair envelope drift and to
 * see what is frozen), the governor's throttles, the compositor's windows, and a word after the pass (the umbilical
 * broker follows intent).
 */
public interface KernelSide {
    /** Without a kernel: nothing read, nothing throttled (unit tests, hosts without cgroup v2). */
    KernelSide NONE = new KernelSide() {
        public KernelState observe(ObservedState podman) { return KernelState.empty(); }
        public List<Throttle> throttles(DesiredState desired) { return List.of(); }
        public void settled(DesiredState desired, ObservedState observed) { }
        public Optional<Screen> screen(ObservedState podman) { return Optional.empty(); }
        public Optional<ObservedCompositor> compositor() { return Optional.empty(); }
    };

    KernelState observe(ObservedState podman);

    /**
     * The freezers alone ({@code cgroup.freeze}, {@code cgroup.events}) of the running personas, for a focus switch,
     * which needs nothing else: no envelope files, no pressure, no thermal zones. Not kept as the last kernel view.
     */
    default KernelState freezers(ObservedState podman) {
        return observe(podman);
    }

    List<Throttle> throttles(DesiredState desired);

    void settled(DesiredState desired, ObservedState observed);

    /** What the compositor shows, each window's owner resolved; empty without a ready compositor. */
    Optional<Screen> screen(ObservedState podman);

    /** The compositor this process spawned, if any. */
    Optional<ObservedCompositor> compositor();

    /** Puts one task on the UI path ({@code tid} 0: the calling thread); without a kernel, nothing. */
    default void uiPath(int tid, String what) { }
}
