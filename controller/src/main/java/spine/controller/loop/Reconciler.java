package spine.controller.loop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import spine.controller.state.IntentStore;
import spine.controller.state.StateException;
import spine.drivers.ContainerRuntime;
import spine.model.DesiredContainer;
import spine.model.DesiredState;
import spine.model.ObservedState;
import spine.model.Plan;
import spine.model.Planner;
import spine.model.ResourceId;
import spine.model.StepResult;

/**
 * One level-triggered pass: load intent, observe podman once, plan from scratch, execute, record status.
 * Nothing is remembered between passes except per-resource backoff.
 */
public final class Reconciler {
    private static final System.Logger LOG = System.getLogger("loop");

    /** What one pass saw and did. {@code progressed} means a step succeeded, so another pass is worth running now. */
    public record PassResult(String passId, boolean converged, int steps, int failures, boolean progressed,
                             boolean stuck, Duration took) {}

    private final IntentStore store;
    private final ContainerRuntime runtime;
    private final Executor executor;
    private final BackoffTracker backoff;
    private final Metrics metrics;
    private final Clock clock;

    public Reconciler(IntentStore store, ContainerRuntime runtime, Executor executor, BackoffTracker backoff,
                      Metrics metrics, Clock clock) {
        this.store = store;
        this.runtime = runtime;
        this.executor = executor;
        this.backoff = backoff;
        this.metrics = metrics;
        this.clock = clock;
    }

    public BackoffTracker backoff() {
        return backoff;
    }

    public PassResult pass() {
        String passId = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        long t0 = System.nanoTime();
        try {
            return passOrThrow(passId, t0);
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "pass failed pass={0} error=\"{1}\"", passId, e.getMessage());
            return finish(passId, t0, "error", false, 0, 0, false, false);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "pass threw: a bug pass=" + passId, e);
            return finish(passId, t0, "error", false, 0, 0, false, false);
        }
    }

    private PassResult passOrThrow(String passId, long t0) throws StateException {
        IntentStore.Loaded loaded = store.load();
        if (!loaded.errors().isEmpty()) {
            // A stored row that no longer parses would look like a deletion and prune a container; refuse instead.
            loaded.errors().forEach(e -> LOG.log(System.Logger.Level.ERROR, "stored intent does not parse pass={0} error=\"{1}\"", passId, e));
            return finish(passId, t0, "error", false, 0, 0, false, true);
        }
        DesiredState desired = loaded.effective(); // boot holds keep personas stopped until the user acts
        ContainerRuntime.Observation obs = runtime.observe();
        if (!obs.ok()) {
            LOG.log(System.Logger.Level.WARNING, "observe failed pass={0} error=\"{1}\"", passId, obs.error());
            return finish(passId, t0, "error", false, 0, 0, false, false);
        }
        ObservedState observed = obs.state().interrupted(interruptedStarts(passId));
        Plan plan = Planner.plan(desired, observed);
        Instant now = clock.instant();
        Set<ResourceId> blocked = backoff.blocked(now);
        Plan runnable = plan.without(blocked);
        LOG.log(System.Logger.Level.INFO, "pass planned pass={0} resources={1} containers={2} steps={3} deferred={4} conflicts={5}",
                passId, desired.specs().size(), obs.state().containers().size(), runnable.steps().size(),
                plan.steps().size() - runnable.steps().size(), plan.conflicts().size());
        for (Plan.Conflict c : plan.conflicts()) {
            LOG.log(System.Logger.Level.WARNING, "conflict pass={0} target={1} reason=\"{2}\"", passId, c.target(), c.reason());
        }

        List<Executor.Outcome> outcomes = executor.execute(runnable, passId);
        int failures = 0;
        var okTargets = new TreeMap<ResourceId, Boolean>();
        for (Executor.Outcome o : outcomes) {
            boolean ok = o.result() instanceof StepResult.Ok;
            okTargets.merge(o.target(), ok, Boolean::logicalAnd);
            if (!ok) failures++;
        }
        okTargets.forEach((id, ok) -> {
            if (ok) backoff.succeeded(id);
            else backoff.failed(id, now);
        });
        recordSettled(desired, observed, plan, passId);

        boolean converged = plan.steps().isEmpty() && plan.conflicts().isEmpty();
        if (!converged && failures == 0 && runnable.steps().size() == plan.steps().size() && plan.conflicts().isEmpty()) {
            // Every step worked: look once more, so "converged" says what is true after this pass, not before it.
            converged = convergedNow(desired, passId);
        }
        boolean progressed = okTargets.containsValue(true);
        boolean stuck = plan.steps().isEmpty() && !plan.conflicts().isEmpty();
        String result = converged ? "converged" : failures > 0 ? "failed" : "pending";
        return finish(passId, t0, result, converged, outcomes.size(), failures, progressed, stuck);
    }

    /**
     * Resources whose status says a start was under way. This process holds the converger lock and no step is in
     * flight between passes, so such a row was left by a converger that died mid-step (a killed CLI).
     */
    private Set<ResourceId> interruptedStarts(String passId) throws StateException {
        var out = new java.util.TreeSet<ResourceId>();
        store.statuses().forEach((id, st) -> {
            if (st.phase() == spine.model.Phase.STARTING) out.add(id);
        });
        if (!out.isEmpty()) LOG.log(System.Logger.Level.INFO, "starts left half done by a stopped converger pass={0} targets={1}", passId, out);
        return out;
    }

    private boolean convergedNow(DesiredState desired, String passId) throws StateException {
        ContainerRuntime.Observation again = runtime.observe();
        if (!again.ok()) return false;
        Plan next = Planner.plan(desired, again.state());
        if (!next.steps().isEmpty()) return false;
        recordSettled(desired, again.state(), next, passId);
        return next.conflicts().isEmpty();
    }

    /** Resources with nothing left to do are settled: their phase is what podman shows, at their current generation. */
    private void recordSettled(DesiredState desired, ObservedState observed, Plan plan, String passId) throws StateException {
        var pending = new java.util.TreeSet<ResourceId>();
        plan.steps().forEach(s -> pending.add(s.step().target()));
        Map<ResourceId, String> conflicts = new TreeMap<>();
        plan.conflicts().forEach(c -> conflicts.put(c.target(), c.reason()));
        for (Map.Entry<ResourceId, DesiredContainer> e : desired.containers().entrySet()) {
            ResourceId id = e.getKey();
            if (pending.contains(id) || conflicts.containsKey(id)) continue;
            store.setStatus(id, observed.phaseOf(id), e.getValue().generation(), Optional.empty());
        }
        for (Map.Entry<ResourceId, String> c : conflicts.entrySet()) {
            if (desired.specs().containsKey(c.getKey())) {
                store.setStatus(c.getKey(), observed.phaseOf(c.getKey()), -1, Optional.of(c.getValue()));
            }
        }
    }

    private PassResult finish(String passId, long t0, String result, boolean converged, int steps, int failures,
                              boolean progressed, boolean stuck) {
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        metrics.pass(result, took);
        LOG.log(System.Logger.Level.INFO, "pass finished pass={0} result={1} steps={2} failures={3} ms={4}", passId, result,
                steps, failures, took.toMillis());
        return new PassResult(passId, converged, steps, failures, progressed, stuck, took);
    }

    /**
     * Runs passes until converged, stuck (conflicts nobody but the user can clear), or the deadline.
     * Sleeps only while every remaining step waits on backoff, so it never busy-loops.
     */
    public boolean convergeUntil(Instant deadline) {
        while (true) {
            PassResult r = pass();
            if (r.converged()) return true;
            if (r.stuck()) return false;
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) return false;
            if (!r.progressed()) {
                Instant wake = backoff.nextRetry().filter(t -> t.isBefore(deadline)).orElse(deadline);
                long ms = Math.max(50, Math.min(Duration.between(now, wake).toMillis(), 5_000));
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }
}
