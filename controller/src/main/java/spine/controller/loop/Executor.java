package spine.controller.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

import spine.controller.state.IntentStore;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.drivers.ContainerRuntime;
import spine.model.Phase;
import spine.model.Plan;
import spine.model.PlanPhase;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;

/**
 * Runs a plan phase by phase. Within a phase, each target's steps run in order, and different targets run
 * in parallel (bounded), because podman calls are slow and independent; focus steps run one after another in plan
 * order, because their order is the point. Around every step the crash-safe
 * state machine commits the -ing phase first and the settled phase after.
 */
public final class Executor {
    private static final System.Logger LOG = System.getLogger("executor");

    public record Outcome(ResourceId target, Step step, StepResult result, Duration took) {}

    private final ContainerRuntime runtime;
    private final IntentStore store;
    private final Metrics metrics;
    private final int parallelism;

    public Executor(ContainerRuntime runtime, IntentStore store, Metrics metrics, int parallelism) {
        this.runtime = runtime;
        this.store = store;
        this.metrics = metrics;
        this.parallelism = parallelism;
    }

    public List<Outcome> execute(Plan plan, String passId) {
        var outcomes = Collections.synchronizedList(new ArrayList<Outcome>());
        for (PlanPhase phase : PlanPhase.values()) {
            if (phase == PlanPhase.FOCUS) {
                // Across targets, in plan order: show, freeze the background, thaw the foreground, focus. A failure
                // stops the rest, so nothing is focused that did not thaw; the next pass plans again.
                for (Plan.PlannedStep s : plan.steps()) {
                    if (s.phase() != phase) continue;
                    Outcome o = run(s.step(), phase, passId);
                    outcomes.add(o);
                    if (!o.result().ok()) break;
                }
                continue;
            }
            Map<ResourceId, List<Step>> groups = plan.groups(phase);
            if (groups.isEmpty()) continue;
            var permits = new Semaphore(parallelism);
            var threads = new ArrayList<Thread>();
            for (Map.Entry<ResourceId, List<Step>> g : groups.entrySet()) {
                threads.add(Thread.ofVirtual().name("step-" + g.getKey().containerName()).start(() -> {
                    permits.acquireUninterruptibly();
                    try {
                        for (Step s : g.getValue()) {
                            Outcome o = run(s, phase, passId);
                            outcomes.add(o);
                            if (!o.result().ok()) break; // later steps of this target assumed this one worked
                        }
                    } finally {
                        permits.release();
                    }
                }));
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.copyOf(outcomes);
                }
            }
        }
        return List.copyOf(outcomes);
    }

    private Outcome run(Step step, PlanPhase phase, String passId) {
        ResourceId id = step.target();
        Optional<Phase> transit = transit(step);
        // the phase to restore if the step fails; read now only when the transit phase is about to replace it (a read
        // per step was a SQLite query on every focus step)
        Optional<Phase> before = transit.isPresent() ? Optional.of(currentPhase(id)) : Optional.empty();
        transit.ifPresent(p -> record(id, p, Optional.empty(), passId));
        LOG.log(System.Logger.Level.INFO, "step starting pass={0} target={1} step={2} reason=\"{3}\"", passId, id,
                step.verb(), step.reason());
        long t0 = System.nanoTime();
        StepResult result;
        try {
            result = runtime.apply(step);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "step threw: a bug pass=" + passId + " target=" + id, e);
            result = new StepResult.Failed("internal error: " + e, true);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        switch (result) {
            case StepResult.Ok ok -> {
                LOG.log(System.Logger.Level.INFO, "step done pass={0} target={1} step={2} ms={3} detail={4}", passId, id,
                        step.verb(), took.toMillis(), ok.detail().isEmpty() ? "-" : ok.detail());
                if (phase != PlanPhase.PRUNE) settled(step).ifPresent(p -> record(id, p, Optional.empty(), passId));
                metrics.step(step.verb(), "ok", took);
            }
            case StepResult.Failed f -> {
                LOG.log(System.Logger.Level.WARNING, "step failed pass={0} target={1} step={2} ms={3} retryable={4} error=\"{5}\"",
                        passId, id, step.verb(), took.toMillis(), f.retryable(), f.reason());
                if (phase != PlanPhase.PRUNE) {
                    record(id, before.orElseGet(() -> currentPhase(id)), Optional.of(step.verb() + " failed: " + f.reason()), passId);
                }
                metrics.step(step.verb(), "failed", took);
            }
        }
        return new Outcome(id, step, result, took);
    }

    private static Optional<Phase> transit(Step step) {
        return switch (step) {
            case Step.RunContainer s -> Optional.of(Phase.STARTING);
            case Step.StartContainer s -> Optional.of(Phase.STARTING);
            case Step.UnpauseContainer s -> Optional.of(Phase.STARTING);
            case Step.StopContainer s -> Optional.of(Phase.STOPPING);
            case Step.PauseContainer s -> Optional.of(Phase.PAUSING);
            case Step.RemoveContainer s -> Optional.empty();
            case Step.WriteCgroup s -> Optional.empty();
            case Step.SetOomScoreAdj s -> Optional.empty();
            case Step.MoveToCgroup s -> Optional.empty();
            case Step.DrainUmbilical s -> Optional.empty();
            case Step.Freeze s -> Optional.empty();
            case Step.Thaw s -> Optional.empty();
            case Step.ShowWorkspace s -> Optional.empty();
            case Step.MarkWindow s -> Optional.empty();
            case Step.FocusWindow s -> Optional.empty();
            case Step.SpawnCompositor s -> Optional.of(Phase.STARTING);
            case Step.StopCompositor s -> Optional.of(Phase.STOPPING);
        };
    }

    /** The phase a step leaves its target in; kernel writes and drains change no phase. */
    private static Optional<Phase> settled(Step step) {
        return switch (step) {
            case Step.RunContainer s -> Optional.of(Phase.RUNNING);
            case Step.StartContainer s -> Optional.of(Phase.RUNNING);
            case Step.UnpauseContainer s -> Optional.of(Phase.RUNNING);
            case Step.StopContainer s -> Optional.of(Phase.STOPPED);
            case Step.PauseContainer s -> Optional.of(Phase.PAUSED);
            case Step.RemoveContainer s -> Optional.of(Phase.STOPPED);
            case Step.WriteCgroup s -> Optional.empty();
            case Step.SetOomScoreAdj s -> Optional.empty();
            case Step.MoveToCgroup s -> Optional.empty();
            case Step.DrainUmbilical s -> Optional.empty();
            case Step.Freeze s -> Optional.empty();
            case Step.Thaw s -> Optional.empty();
            case Step.ShowWorkspace s -> Optional.empty();
            case Step.MarkWindow s -> Optional.empty();
            case Step.FocusWindow s -> Optional.empty();
            case Step.SpawnCompositor s -> Optional.of(Phase.RUNNING);
            case Step.StopCompositor s -> Optional.of(Phase.STOPPED);
        };
    }

    private Phase currentPhase(ResourceId id) {
        try {
            return store.status(id).map(Status::phase).orElse(Phase.STOPPED);
        } catch (StateException e) {
            return Phase.STOPPED;
        }
    }

    private void record(ResourceId id, Phase phase, Optional<String> error, String passId) {
        try {
            store.setStatus(id, phase, -1, error);
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "status write failed pass={0} target={1} phase={2} error=\"{3}\"", passId, id,
                    phase.word(), e.getMessage());
        }
    }
}
