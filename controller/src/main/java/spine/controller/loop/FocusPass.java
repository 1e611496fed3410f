package spine.controller.loop;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import spine.controller.state.FocusRow;
import spine.controller.state.IntentStore;
import spine.controller.state.Intents;
import spine.controller.state.StateException;
import spine.model.DesiredState;
import spine.model.ObservedState;
import spine.model.Plan;
import spine.model.PlanPhase;
import spine.model.ResourceId;
import spine.model.focus.FocusPlanner;
import spine.model.kernel.KernelState;

/**
 * A focus switch without podman: the focus steps planned from the last pass's podman observation and a fresh read of
 * the freezers and the windows, run at once; the full pass that follows checks everything against podman and reads
 * the kernel and sway again for {@code spine get focus}. A persona that went away since then fails its freeze (logged)
 * and the next pass plans from what is there.
 */
final class FocusPass {
    private static final System.Logger LOG = System.getLogger("loop");

    private final IntentStore store;
    private final KernelSide kernel;
    private final Executor executor;

    FocusPass(IntentStore store, KernelSide kernel, Executor executor) {
        this.store = store;
        this.kernel = kernel;
        this.executor = executor;
    }

    /** Returns whether it ran steps; nothing before the first full pass observed podman. */
    boolean run(Optional<ObservedState> seen) {
        if (seen.isEmpty()) return false;
        String passId = "f" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        long t0 = System.nanoTime();
        try {
            Intents.Loaded loaded = store.intents().load();
            if (!loaded.errors().isEmpty()) return false; // the full pass says why
            DesiredState desired = loaded.effective();
            Optional<ResourceId> focus = store.focus().get().map(FocusRow.Focus::persona);
            long t1 = System.nanoTime();
            KernelState k = kernel.freezers(seen.get());
            long t2 = System.nanoTime();
            var screen = kernel.screen(seen.get());
            long t3 = System.nanoTime();
            FocusPlanner.Result r = FocusPlanner.plan(focus, desired, seen.get(), k, screen);
            long t4 = System.nanoTime();
            if (!r.steps().isEmpty()) {
                var planned = r.steps().stream().map(s -> new Plan.PlannedStep(PlanPhase.FOCUS, s)).toList();
                executor.execute(new Plan(planned, List.of()), passId);
            }
            long t5 = System.nanoTime();
            // no read-back here: the full pass this wakes reads the kernel and sway again (spine get focus shows that),
            // and a switch right after this one would wait for it. The log line says where a switch's time goes
            // (docs/BENCHMARKS.md): intent, the freezers, sway's tree, the plan, the steps.
            LOG.log(System.Logger.Level.INFO, "focus pass finished pass={0} steps={1} ms={2} intent_us={3} kernel_us={4} sway_us={5} "
                    + "plan_us={6} steps_us={7}", passId, r.steps().size(), (System.nanoTime() - t0) / 1_000_000, (t1 - t0) / 1000,
                    (t2 - t1) / 1000, (t3 - t2) / 1000, (t4 - t3) / 1000, (t5 - t4) / 1000);
            return !r.steps().isEmpty();
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "focus pass failed pass={0} error=\"{1}\"", passId, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "focus pass threw: a bug pass=" + passId, e);
        }
        return false;
    }
}
