package spine.model.focus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import spine.model.Compositor;
import spine.model.DesiredState;
import spine.model.RunState;
import spine.model.Step;

/**
 * Plans the compositor, a host process: spawned when intent wants it running and none is up (or it never became
 * ready), replaced when its backend changed, stopped when intent wants it stopped or has no compositor. Pure.
 */
public final class CompositorPlanner {
    public static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private CompositorPlanner() {}

    public static List<Step> plan(DesiredState desired, Optional<ObservedCompositor> observed) {
        var out = new ArrayList<Step>();
        Optional<Compositor> want = desired.compositor().filter(c -> c.state() == RunState.RUNNING);
        if (want.isEmpty()) {
            observed.ifPresent(o -> out.add(new Step.StopCompositor(Compositor.ID, STOP_GRACE, desired.compositor().isPresent()
                    ? "compositor is running; want stopped" : "no intent for the compositor")));
            return out;
        }
        Compositor c = want.get();
        if (observed.isPresent() && observed.get().backend() != c.backend()) {
            out.add(new Step.StopCompositor(c.id(), STOP_GRACE, "backend changed " + observed.get().backend().word() + " -> "
                    + c.backend().word() + "; restarting"));
            observed = Optional.empty();
        } else if (observed.isPresent() && !observed.get().ready()) {
            out.add(new Step.StopCompositor(c.id(), STOP_GRACE, "compositor pid " + observed.get().pid() + " is not ready; replacing it"));
            observed = Optional.empty();
        }
        if (observed.isEmpty()) out.add(new Step.SpawnCompositor(c.id(), c.backend(), "no compositor; want running ("
                + c.backend().word() + ")"));
        return out;
    }
}
