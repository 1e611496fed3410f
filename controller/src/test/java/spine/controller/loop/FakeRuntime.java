package spine.controller.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import spine.drivers.ContainerRuntime;
import spine.model.FakeWorld;
import spine.model.ObservedState;
import spine.model.Step;
import spine.model.StepResult;

/** A stateful podman stand-in for loop tests: assert on the world it ends in, not on the calls made. */
final class FakeRuntime implements ContainerRuntime {
    final FakeWorld world;
    final AtomicInteger observations = new AtomicInteger();
    final List<String> log = new ArrayList<>();
    /** Returns a failure to inject for a step, or null to let it through. */
    volatile Function<Step, StepResult.Failed> failWith = s -> null;
    /** Runs just before each step reaches the world (the DB phase at that instant is what a crash would leave). */
    volatile java.util.function.Consumer<Step> beforeStep = s -> { };

    FakeRuntime(ObservedState initial) {
        this.world = new FakeWorld(initial);
    }

    @Override
    public synchronized Observation observe() {
        observations.incrementAndGet();
        return new Observation(world.observe(), null);
    }

    @Override
    public synchronized StepResult apply(Step step) {
        beforeStep.accept(step);
        StepResult.Failed f = failWith.apply(step);
        log.add(step.verb() + " " + step.target() + (f == null ? "" : " FAILED"));
        if (f != null) return f;
        world.apply(step);
        return new StepResult.Ok("");
    }
}
