package spine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import spine.model.focus.CompositorPlanner;
import spine.model.image.AppImagePlanner;
import spine.model.image.ImageCollector;
import spine.model.focus.FocusPlanner;
import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;
import spine.model.kernel.EnvelopePlanner;
import spine.model.kernel.KernelState;
import spine.model.kernel.Throttle;

/**
 * One pass's whole plan, from everything the loop observed: the containers' plan ({@link Planner}), then the envelope
 * writes (drift repair and the governor's throttles), the compositor's steps and the focus steps, each for targets
 * that have no container step this pass. Pure: the loop gathers the inputs, logs the notes and runs the steps.
 */
public final class PlanComposer {
    private PlanComposer() {}

    /**
     * What a pass knows: intent (holds applied), podman's containers, the resources whose exit is settled (not
     * started again), the kernel's view of the containers, the governor's throttles, the compositor as observed, the
     * persona in focus and what the screen shows.
     */
    public record Inputs(DesiredState desired, ObservedState observed, Set<ResourceId> settled, KernelState kernel,
                         List<Throttle> throttles, Optional<ObservedCompositor> compositor, Optional<ResourceId> focus,
                         Optional<Screen> screen, AppImagePlanner.Inputs images) {
        public Inputs {
            settled = Set.copyOf(settled);
            throttles = List.copyOf(throttles);
        }

        /** Without Images: nothing to load, no container waits for one. */
        public Inputs(DesiredState desired, ObservedState observed, Set<ResourceId> settled, KernelState kernel,
                      List<Throttle> throttles, Optional<ObservedCompositor> compositor, Optional<ResourceId> focus,
                      Optional<Screen> screen) {
            this(desired, observed, settled, kernel, throttles, compositor, focus, screen, AppImagePlanner.Inputs.NONE);
        }
    }

    /**
     * The plan, and what the loop says of it: envelopes the kernel cannot enforce or read back, and why focus waits; and
     * the image collection, housekeeping the loop does after the plan, outside convergence (a removal that fails only
     * waits out another grace).
     */
    public record Composed(Plan plan, List<String> unenforceable, List<String> notReadBack, Optional<String> focusNote,
                           ImageCollector.Result imageMarks) {
        public Composed {
            unenforceable = List.copyOf(unenforceable);
            notReadBack = List.copyOf(notReadBack);
        }
    }

    public static Composed compose(Inputs in) {
        Plan plan = Planner.plan(in.desired(), in.observed()).without(in.settled());
        AppImagePlanner.Result images = AppImagePlanner.plan(in.desired(), in.images());
        plan = withImages(plan, images);
        EnvelopePlanner.Result env = EnvelopePlanner.plan(in.desired(), in.observed(), in.kernel(), in.throttles());
        plan = withEnvelopes(plan, env);
        plan = withCompositor(plan, CompositorPlanner.plan(in.desired(), in.compositor()));
        FocusPlanner.Result focus = FocusPlanner.plan(in.focus(), in.desired(), in.observed(), in.kernel(), in.screen());
        return new Composed(withFocus(plan, focus.steps()), env.unenforceable(), env.notReadBack(), focus.note(), images.collect());
    }

    /**
     * The Images' loads first of all; a container that would be run (or replaced) on an image that is not loaded
     * keeps what it has and waits, as a conflict with the reason, until the load is done.
     */
    private static Plan withImages(Plan plan, AppImagePlanner.Result images) {
        if (images.loads().isEmpty() && images.waiting().isEmpty()) return plan;
        var waits = new TreeSet<ResourceId>();
        plan.steps().stream().filter(s -> s.step() instanceof Step.RunContainer && images.waiting().containsKey(s.step().target()))
                .forEach(s -> waits.add(s.step().target()));
        var steps = new ArrayList<Plan.PlannedStep>();
        images.loads().forEach(l -> steps.add(new Plan.PlannedStep(PlanPhase.IMAGES, l)));
        plan.without(waits).steps().forEach(steps::add);
        var conflicts = new ArrayList<>(plan.conflicts());
        waits.forEach(id -> conflicts.add(new Plan.Conflict(id, images.waiting().get(id))));
        return new Plan(steps, conflicts);
    }

    /**
     * The envelope writes, for containers that have no container step this pass (a container about to change gets its
     * envelope from podman again).
     */
    private static Plan withEnvelopes(Plan plan, EnvelopePlanner.Result env) {
        if (env.steps().isEmpty()) return plan;
        Set<ResourceId> busy = targets(plan);
        var steps = new ArrayList<>(plan.steps());
        env.steps().stream().filter(s -> !busy.contains(s.step().target())).forEach(steps::add);
        return new Plan(steps, plan.conflicts());
    }

    /**
     * The compositor's steps first among the tenants': personas with a display need it up. A compositor about to be
     * (re)spawned gets no envelope step this pass: they were planned for the process it replaces.
     */
    private static Plan withCompositor(Plan plan, List<Step> compositor) {
        if (compositor.isEmpty()) return plan;
        var all = new ArrayList<Plan.PlannedStep>();
        compositor.forEach(s -> all.add(new Plan.PlannedStep(PlanPhase.TENANTS, s)));
        plan.steps().stream().filter(s -> !s.step().target().equals(Compositor.ID)).forEach(all::add);
        return new Plan(all, plan.conflicts());
    }

    /**
     * The focus steps (show, freeze, thaw, focus), for personas that have no other step this pass: a persona about to
     * start is frozen by the pass after, which the look after this pass makes happen now; so is one whose envelope is
     * being written (composed/02: the focus switch itself is the focus pass's, which plans focus steps alone).
     */
    private static Plan withFocus(Plan plan, List<Step> focus) {
        if (focus.isEmpty()) return plan;
        Set<ResourceId> busy = targets(plan);
        var steps = new ArrayList<>(plan.steps());
        focus.stream().filter(s -> !busy.contains(s.target())).forEach(s -> steps.add(new Plan.PlannedStep(PlanPhase.FOCUS, s)));
        return new Plan(steps, plan.conflicts());
    }

    private static Set<ResourceId> targets(Plan plan) {
        var busy = new TreeSet<ResourceId>();
        plan.steps().forEach(s -> busy.add(s.step().target()));
        return busy;
    }
}
