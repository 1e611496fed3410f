package spine.controller.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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
 * in parallel (bounded), because podman calls are slow and independent; starts of existing containers go to the
 * runtime in batches, one per parallel slot ({@link #batches}); focus steps run one after another in plan
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
            var starts = new ArrayList<Step.StartContainer>();
            for (Map.Entry<ResourceId, List<Step>> g : groups.entrySet()) {
                if (g.getValue().size() == 1 && g.getValue().getFirst() instanceof Step.StartContainer s) {
                    starts.add(s);
                    continue;
                }
                threads.add(bounded(permits, "step-" + g.getKey(), () -> {
                    for (Step s : g.getValue()) {
                        Outcome o = run(s, phase, passId);
                        outcomes.add(o);
                        if (!o.result().ok()) break; // later steps of this target assumed this one worked
                    }
                }));
            }
            for (List<Step.StartContainer> batch : batches(starts, parallelism)) {
                threads.add(bounded(permits, "start-" + batch.getFirst().target().containerName(),
                        () -> outcomes.addAll(start(batch, phase, passId))));
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

    private static Thread bounded(Semaphore permits, String name, Runnable work) {
        return Thread.ofVirtual().name(name).start(() -> {
            permits.acquireUninterruptibly();
            try {
                work.run();
            } finally {
                permits.release();
            }
        });
    }

    /**
     * Starts of existing containers, each its target's only step in this phase, dealt round-robin into as many
     * batches as calls may run at once: each batch is one runtime call ({@code podman start A B ...}), so a boot's
     * autostart pays podman's own start-up per batch, not per container, and keeps the same parallelism.
     */
    static List<List<Step.StartContainer>> batches(List<Step.StartContainer> starts, int parallelism) {
        int n = Math.min(Math.max(parallelism, 1), starts.size());
        var batches = new ArrayList<List<Step.StartContainer>>();
        for (int i = 0; i < n; i++) batches.add(new ArrayList<>());
        for (int i = 0; i < starts.size(); i++) batches.get(i % n).add(starts.get(i));
        return batches;
    }

    private List<Outcome> start(List<Step.StartContainer> batch, PlanPhase phase, String passId) {
        if (batch.size() == 1) return List.of(run(batch.getFirst(), phase, passId));
        var before = new HashMap<ResourceId, Optional<Phase>>();
        for (Step.StartContainer s : batch) before.put(s.target(), begin(s, passId));
        long t0 = System.nanoTime();
        Map<ResourceId, StepResult> results;
        try {
            results = runtime.startAll(batch);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "start batch threw: a bug pass=" + passId, e);
            results = Map.of();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        var out = new ArrayList<Outcome>();
        for (Step.StartContainer s : batch) {
            StepResult r = results.getOrDefault(s.target(), new StepResult.Failed("internal error: no result from the start batch", true));
            out.add(finish(s, phase, passId, before.get(s.target()), r, took));
        }
        return out;
    }

    private Outcome run(Step step, PlanPhase phase, String passId) {
        Optional<Phase> before = begin(step, passId);
        long t0 = System.nanoTime();
        StepResult result = call(step, passId);
        return finish(step, phase, passId, before, result, Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * Steps outside a pass, in order, stopping at the first failure, which it returns: the boot's repair and the
     * shutdown's stops. Logged and counted as a pass's steps are, and a failure is recorded in the status of a target
     * that has one ({@code hasStatus}); no phase is written, because the caller sets the settled one only once every
     * step worked, so a crash halfway leaves the status the next boot repairs from.
     */
    public Optional<String> inOrder(List<Step> steps, String passId, boolean hasStatus) {
        for (Step step : steps) {
            logStart(step, passId);
            long t0 = System.nanoTime();
            StepResult result = call(step, passId);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            logEnd(step, passId, result, took);
            if (result instanceof StepResult.Failed f) {
                if (hasStatus) record(step.target(), currentPhase(step.target()), Optional.of(step.verb() + " failed: " + f.reason()), passId);
                return Optional.of(step.verb() + ": " + f.reason());
            }
        }
        return Optional.empty();
    }

    private StepResult call(Step step, String passId) {
        try {
            return runtime.apply(step);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "step threw: a bug pass=" + passId + " target=" + step.target(), e);
            return new StepResult.Failed("internal error: " + e, true);
        }
    }

    /**
     * Commits the step's -ing phase and logs its start. Returns the phase to restore if the step fails, read only when
     * the transit phase is about to replace it (a read per step was a SQLite query on every focus step).
     */
    private Optional<Phase> begin(Step step, String passId) {
        ResourceId id = step.target();
        Optional<Phase> transit = step.phases().during();
        Optional<Phase> before = transit.isPresent() ? Optional.of(currentPhase(id)) : Optional.empty();
        transit.ifPresent(p -> record(id, p, Optional.empty(), passId));
        logStart(step, passId);
        return before;
    }

    private static void logStart(Step step, String passId) {
        LOG.log(System.Logger.Level.INFO, "step starting pass={0} target={1} step={2} reason=\"{3}\"", passId, step.target(),
                step.verb(), step.reason());
    }

    /** The step's end in the log and the metrics, whatever it changes in the status. */
    private void logEnd(Step step, String passId, StepResult result, Duration took) {
        switch (result) {
            case StepResult.Ok ok -> LOG.log(System.Logger.Level.INFO, "step done pass={0} target={1} step={2} ms={3} detail={4}",
                    passId, step.target(), step.verb(), took.toMillis(), ok.detail().isEmpty() ? "-" : ok.detail());
            case StepResult.Failed f -> LOG.log(System.Logger.Level.WARNING,
                    "step failed pass={0} target={1} step={2} ms={3} retryable={4} error=\"{5}\"",
                    passId, step.target(), step.verb(), took.toMillis(), f.retryable(), f.reason());
        }
        metrics.step(step.verb(), result.ok() ? "ok" : "failed", took);
    }

    private Outcome finish(Step step, PlanPhase phase, String passId, Optional<Phase> before, StepResult result, Duration took) {
        ResourceId id = step.target();
        logEnd(step, passId, result, took);
        if (step instanceof Step.LoadImage l) {
            loaded(l, result, passId);
        } else if (phase != PlanPhase.PRUNE) {
            if (step instanceof Step.RunContainer r && result.ok() && !r.container().volumes().isEmpty()) volumesMade(r, passId);
            switch (result) {
                case StepResult.Ok ok -> step.phases().after().ifPresent(p -> record(id, p, Optional.empty(), passId));
                case StepResult.Failed f ->
                        record(id, before.orElseGet(() -> currentPhase(id)), Optional.of(step.verb() + " failed: " + f.reason()), passId);
            }
        }
        return new Outcome(id, step, result, took);
    }

    /** A run mounted its volumes, made for it if new: the history says so once for each (again after a deletion). */
    private void volumesMade(Step.RunContainer r, String passId) {
        try {
            store.volumeEvents().created(r.target().containerName(),
                    r.container().volumes().stream().map(v -> new String[] {v.name(), v.path()}).toList());
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "volume event record failed pass={0} target={1} error=\"{2}\"", passId, r.target(), e.getMessage());
        }
    }

    /** An Image's load is recorded in its own row: the sha256 checked and the image id it gave, or why it failed. */
    private void loaded(Step.LoadImage l, StepResult result, String passId) {
        try {
            switch (result) {
                case StepResult.Ok ok -> store.imageLoads().loaded(l.target().label(), l.image().ref(), l.image().sha256(), ok.detail());
                case StepResult.Failed f -> store.imageLoads().failed(l.target().label(), f.reason());
            }
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "image load record failed pass={0} target={1} error=\"{2}\"", passId, l.target(), e.getMessage());
        }
    }

    private Phase currentPhase(ResourceId id) {
        try {
            return store.statuses().of(id).map(Status::phase).orElse(Phase.STOPPED);
        } catch (StateException e) {
            return Phase.STOPPED;
        }
    }

    private void record(ResourceId id, Phase phase, Optional<String> error, String passId) {
        try {
            store.statuses().set(id, phase, -1, error);
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "status write failed pass={0} target={1} phase={2} error=\"{3}\"", passId, id,
                    phase.word(), e.getMessage());
        }
    }
}
