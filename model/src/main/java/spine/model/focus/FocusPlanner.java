package spine.model.focus;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import spine.model.ContainerState;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;

/**
 * Plans a focus change from the desired focus, the personas podman runs, their freezer state and the windows sway
 * shows. Pure. The order is the handoff's and each step carries its reason:
 * <ol>
 *   <li>windows of a persona get its mark and move to its workspace (a new window appears on the visible one);</li>
 *   <li>the foreground persona's workspace is shown, so no background surface is scanned out when its owner freezes;</li>
 *   <li>every other running persona freezes ({@code cgroup.freeze});</li>
 *   <li>the foreground persona thaws;</li>
 *   <li>its window takes keyboard focus, by mark.</li>
 * </ol>
 * Focus and configure go only to a thawed persona: a frozen client cannot drain its socket, and sway drops it once
 * the socket fills. A window of a frozen persona is marked and moved once (a new window, caught in the instant
 * before its owner froze), never focused. With no focus, or a focus whose persona has no intent, every persona thaws.
 * Without a compositor the freezer steps still run; the window steps wait for one.
 */
public final class FocusPlanner {
    private FocusPlanner() {}

    /** The steps in order, and why the desired focus was not taken as it stands (a note to log), if it was not. */
    public record Result(List<Step> steps, Optional<String> note) {
        public Result {
            steps = List.copyOf(steps);
        }
    }

    public static Result plan(Optional<ResourceId> wanted, DesiredState desired, ObservedState observed, KernelState kernel,
                              Optional<Screen> screen) {
        Optional<ResourceId> focus = wanted.filter(id -> desired.specs().get(id) instanceof Persona);
        Optional<String> note = wanted.isPresent() && focus.isEmpty()
                ? Optional.of("focus names " + wanted.get() + ", which has no intent; no foreground persona, every persona thawed")
                : Optional.empty();
        var steps = new ArrayList<Step>();
        screen.ifPresent(s -> markWindows(s, desired, steps));
        if (focus.isPresent() && screen.isPresent()) {
            String ws = Screen.workspaceOf(focus.get());
            if (!screen.get().visibleWorkspace().equals(Optional.of(ws))) {
                steps.add(new Step.ShowWorkspace(focus.get(), ws, "show the foreground persona's workspace before any"
                        + " background persona freezes, so none of its surfaces is scanned out"));
            }
        }
        List<CgroupView> running = running(observed, kernel);
        for (CgroupView c : running) {
            boolean foreground = focus.equals(Optional.of(c.id()));
            boolean freezing = c.file("cgroup.freeze").map("1"::equals).orElse(false);
            if (!foreground && focus.isPresent() && !freezing) {
                steps.add(new Step.Freeze(c.id(), c.cgroup(), "background persona; focus is " + focus.get()));
            }
        }
        for (CgroupView c : running) {
            boolean foreground = focus.equals(Optional.of(c.id()));
            boolean frozen = c.file("cgroup.freeze").map("1"::equals).orElse(false) || c.frozen();
            if (frozen && (foreground || focus.isEmpty())) {
                steps.add(new Step.Thaw(c.id(), c.cgroup(), foreground ? "foreground persona" : "no foreground persona; every persona runs"));
            }
        }
        if (focus.isPresent() && screen.isPresent()) {
            String mark = Screen.workspaceOf(focus.get());
            List<Window> own = screen.get().of(focus.get());
            boolean hasFocus = screen.get().focused().flatMap(Window::owner).equals(focus);
            if (!own.isEmpty() && !hasFocus) {
                steps.add(new Step.FocusWindow(focus.get(), mark, "foreground persona's window takes keyboard focus"));
            }
        }
        return new Result(steps, note);
    }

    private static void markWindows(Screen screen, DesiredState desired, List<Step> steps) {
        for (Window w : screen.windows()) {
            if (w.owner().isEmpty() || !(desired.specs().get(w.owner().get()) instanceof Persona)) continue;
            ResourceId p = w.owner().get();
            String name = Screen.workspaceOf(p);
            if (!w.marks().contains(name) || !w.workspace().equals(name)) {
                steps.add(new Step.MarkWindow(p, w.conId(), name, name, "window " + w.conId() + " (" + w.appId()
                        + ") belongs to " + p + "; it lives on that persona's workspace"));
            }
        }
    }

    /**
     * Personas whose container runs and whose cgroup v2 has a freezer, in name order. Without {@code cgroup.freeze}
     * (a cgroup v1 machine) nothing freezes: {@code podman pause} would fight the container planner, which wants the
     * persona running.
     */
    private static List<CgroupView> running(ObservedState observed, KernelState kernel) {
        var out = new ArrayList<CgroupView>();
        for (var e : observed.spine().entrySet()) {
            ObservedContainer c = e.getValue();
            if (e.getKey().kind() != Kind.PERSONA || c.state() != ContainerState.RUNNING) continue;
            CgroupView v = kernel.cgroups().get(e.getKey());
            if (v != null && v.file("cgroup.freeze").isPresent()) out.add(v);
        }
        return out;
    }
}
