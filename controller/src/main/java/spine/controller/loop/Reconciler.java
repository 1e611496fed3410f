package spine.controller.loop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import spine.controller.state.IntentStore;
import spine.controller.state.Intents;
import spine.controller.state.FocusRow;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.drivers.ContainerRuntime;
import spine.model.CrashLoop;
import spine.model.DesiredContainer;
import spine.model.DesiredState;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Phase;
import spine.model.Plan;
import spine.model.PlanComposer;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.PlanPhase;
import spine.controller.state.ImageLoads;
import spine.model.image.AppImagePlanner;
import spine.model.image.ImageCollector;
import spine.model.kernel.KernelState;

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
    private final KernelSide kernel;
    private volatile Optional<Instant> nextCrashTry = Optional.empty();
    private volatile KernelState lastKernel = KernelState.empty();
    private volatile List<String> unenforceable = List.of();
    private volatile boolean notReadBackNoted;
    private volatile Optional<String> focusNote = Optional.empty();
    private volatile Optional<ObservedState> lastObserved = Optional.empty();
    private final FocusPass focus;
    private volatile Optional<Runnable> focusHandOff = Optional.empty();

    private volatile java.util.function.ObjIntConsumer<String> onFailedExit = (image, code) -> { };

    public Reconciler(IntentStore store, ContainerRuntime runtime, Executor executor, BackoffTracker backoff,
                      Metrics metrics, Clock clock, KernelSide kernel) {
        this.store = store;
        this.runtime = runtime;
        this.executor = executor;
        this.backoff = backoff;
        this.metrics = metrics;
        this.clock = clock;
        this.kernel = kernel;
        this.focus = new FocusPass(store, kernel, executor);
    }

    /** Without a kernel side: containers only. */
    public Reconciler(IntentStore store, ContainerRuntime runtime, Executor executor, BackoffTracker backoff,
                      Metrics metrics, Clock clock) {
        this(store, runtime, executor, backoff, metrics, clock, KernelSide.NONE);
    }

    /**
     * {@code listener} hears of each container that exited by itself with a failure: the image it ran and its exit code
     * (bay0 checks its built-in images on it: crun reports an exec that failed inside the container, an emptied
     * binary, as exit code 1 after a start that succeeded).
     */
    public void onFailedExit(java.util.function.ObjIntConsumer<String> listener) {
        onFailedExit = listener;
    }

    /**
     * With a focus thread (a lasting converger): full passes plan focus steps but hand them to it instead of running
     * them, so freezers and windows have one writer and a switch never waits behind {@code podman ps}.
     */
    public void handFocusTo(Runnable focusThread) {
        focusHandOff = Optional.of(focusThread);
    }

    /** Puts the calling thread on the UI path: the focus thread must not queue behind the personas it freezes. */
    void uiPath(String what) {
        kernel.uiPath(0, what);
    }

    /** What the last pass read from the kernel. */
    public KernelState lastKernel() {
        return lastKernel;
    }

    /** Envelope values the last pass found this kernel cannot enforce, each with its resource, file and reason. */
    public List<String> unenforceable() {
        return unenforceable;
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
        // an apply on trial past its deadline without --confirm: the kept intent comes back before anything is planned
        for (String line : store.trial().revertIfDue(clock.instant())) {
            LOG.log(System.Logger.Level.WARNING, "apply on trial reverted pass={0} {1}", passId, line);
        }
        Intents.Loaded loaded = store.intents().load();
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
        Instant now = clock.instant();
        Judged j = judge(desired, obs.state(), now, passId);
        lastObserved = Optional.of(j.observed());
        Set<ResourceId> blocked = new TreeSet<>(backoff.blocked(now, desired.generations()));
        blocked.addAll(j.held());
        Plan runnable = j.plan().without(blocked);
        if (focusHandOff.isPresent() && runnable.steps().stream().anyMatch(s -> s.phase() == PlanPhase.FOCUS)) {
            // the focus thread switches (one writer of freezers and windows); this pass counts them as pending
            runnable = new Plan(runnable.steps().stream().filter(s -> s.phase() != PlanPhase.FOCUS).toList(), runnable.conflicts());
            focusHandOff.get().run();
        }
        Plan plan = j.plan();
        LOG.log(System.Logger.Level.INFO, "pass planned pass={0} resources={1} containers={2} steps={3} deferred={4} conflicts={5}",
                passId, desired.specs().size(), obs.state().containers().size(), runnable.steps().size(),
                plan.steps().size() - runnable.steps().size(), plan.conflicts().size());
        for (Plan.Conflict c : plan.conflicts()) {
            LOG.log(System.Logger.Level.WARNING, "conflict pass={0} target={1} reason=\"{2}\"", passId, c.target(), c.reason());
        }

        List<Executor.Outcome> outcomes = executor.execute(runnable, passId);
        int failures = 0;
        var okTargets = new TreeMap<ResourceId, Boolean>();
        var permanent = new TreeSet<ResourceId>();
        for (Executor.Outcome o : outcomes) {
            boolean ok = o.result() instanceof StepResult.Ok;
            okTargets.merge(o.target(), ok, Boolean::logicalAnd);
            if (o.result() instanceof StepResult.Failed f && !f.retryable()) permanent.add(o.target());
            if (!ok) failures++;
        }
        okTargets.forEach((id, ok) -> {
            if (ok) backoff.succeeded(id);
            else if (permanent.contains(id)) backoff.failedUntilChanged(id, desired.generation(id), now);
            else backoff.failed(id, now);
        });
        plan = afterLoads(plan, desired, outcomes, passId);
        collect(j.collect(), passId);
        recordSettled(desired, j.observed(), plan, j.exited(), passId);
        kernel.settled(desired, j.observed());

        boolean converged = plan.steps().isEmpty() && plan.conflicts().isEmpty();
        if (!converged && failures == 0 && runnable.steps().size() == plan.steps().size() && plan.conflicts().isEmpty()) {
            // Every step worked: look once more, so "converged" says what is true after this pass, not before it.
            converged = convergedNow(desired, passId);
        }
        boolean progressed = okTargets.containsValue(true);
        // Nothing this loop can do now will help: a conflict for the user, a crash loop waiting out its back-off or
        // an exit its policy keeps, a failure that waits for the spec to change. An apply reports it and returns.
        Set<ResourceId> waiting = new TreeSet<>(j.held());
        waiting.addAll(backoff.untilChanged(desired.generations(), now));
        boolean stuck = !converged && !progressed && plan.without(waiting).steps().isEmpty();
        String result = converged ? "converged" : failures > 0 ? "failed" : stuck ? "waiting" : "pending";
        return finish(passId, t0, result, converged, outcomes.size(), failures, progressed, stuck);
    }

    /**
     * The plan for this pass with exits judged: a created container left "starting" by a dead converger is a half
     * state; an exit its restart policy keeps is settled (code 0) or held (any other code); a crash-looping one is
     * held until its next try. Crash records are written only when they change, so a waiting resource costs no commits.
     */
    private record Judged(ObservedState observed, Plan plan, Set<ResourceId> held, Set<ResourceId> exited,
                          ImageCollector.Result collect) {}

    private Judged judge(DesiredState desired, ObservedState raw, Instant now, String passId) throws StateException {
        SortedMap<ResourceId, Status> statuses = store.statuses().all();
        var starting = new TreeSet<ResourceId>();
        var known = new TreeMap<ResourceId, CrashLoop.Known>();
        statuses.forEach((id, st) -> {
            if (st.phase() == Phase.STARTING) starting.add(id);
            known.put(id, new CrashLoop.Known(st.phase(), st.crash()));
        });
        if (!starting.isEmpty()) {
            // This process holds the converger lock and no step is in flight between passes: a converger died mid-step.
            LOG.log(System.Logger.Level.INFO, "starts left half done by a stopped converger pass={0} targets={1}", passId, starting);
        }
        ObservedState observed = raw.interrupted(starting);
        var settled = new TreeSet<ResourceId>();
        var held = new TreeSet<ResourceId>();
        Optional<Instant> next = Optional.empty();
        for (var v : CrashLoop.judge(desired, observed, known, now).entrySet()) {
            ResourceId id = v.getKey();
            CrashLoop.Verdict verdict = v.getValue();
            CrashLoop.Record r = verdict.record();
            switch (verdict) {
                case CrashLoop.Verdict.Restart x -> { }
                case CrashLoop.Verdict.Wait x -> {
                    held.add(id);
                    Instant t = r.nextTry().orElseThrow();
                    if (next.isEmpty() || t.isBefore(next.get())) next = Optional.of(t);
                }
                case CrashLoop.Verdict.StayExited x -> (x.finished() ? settled : held).add(id);
            }
            Status was = statuses.get(id);
            Phase phase = verdict.phase().orElse(was.phase());
            if (!r.equals(was.crash()) || phase != was.phase()) {
                LOG.log(System.Logger.Level.INFO, "exited by itself pass={0} target={1} code={2} phase={3} restarts={4} crashes={5} next_try={6}",
                        passId, id, r.exitCode().orElse(-1), verdict.phase().map(Phase::word).orElse("restart"),
                        r.restarts(), r.crashes(), r.nextTry().map(Instant::toString).orElse("-"));
                store.statuses().setCrash(id, phase, r);
                int code = r.exitCode().orElse(0);
                ObservedContainer c = observed.spine().get(id);
                if (code != 0 && c != null) onFailedExit.accept(c.image(), code);
            }
        }
        nextCrashTry = next;
        var exited = new TreeSet<>(settled);
        exited.addAll(held);
        KernelState k = kernel.observe(observed);
        lastKernel = k;
        Optional<ResourceId> focus = store.focus().get().map(FocusRow.Focus::persona);
        PlanComposer.Composed c = PlanComposer.compose(new PlanComposer.Inputs(desired, observed, settled, k, kernel.throttles(desired),
                kernel.compositor(), focus, kernel.screen(observed), images(desired)));
        note(c, passId);
        return new Judged(observed, c.plan(), held, exited, c.imageMarks());
    }

    /**
     * What the Images need decided: podman's image names (one {@code podman images}, asked only when intent holds an
     * Image) and each Image's recorded load.
     */
    private AppImagePlanner.Inputs images(DesiredState desired) throws StateException {
        List<ImageLoads.Given> given = store.imageLoads().given();
        if (desired.images().isEmpty() && given.isEmpty()) return AppImagePlanner.Inputs.NONE;
        var loaded = new TreeMap<ResourceId, AppImagePlanner.Loaded>();
        var errors = new TreeMap<ResourceId, String>();
        store.imageLoads().all().forEach((name, l) -> {
            ResourceId id = ResourceId.image(name);
            if (l.sha256().isPresent() && l.imageId().isPresent()) loaded.put(id, new AppImagePlanner.Loaded(l.sha256().get(), l.imageId().get()));
            l.lastError().ifPresent(e -> errors.put(id, e));
        });
        var gave = given.stream().map(g -> new ImageCollector.Given(g.imageId(), ResourceId.image(g.name()), g.ref(),
                g.unreferencedSince().map(Instant::parse))).toList();
        return new AppImagePlanner.Inputs(runtime.imageIds(), loaded, errors, gave, clock.instant(), imageGrace);
    }

    private volatile Duration imageGrace = AppImagePlanner.DEFAULT_GRACE;

    /** How long an image a load gave stays once nothing references it (SPINE_IMAGE_GRACE; 10 min by default). */
    public void imageGrace(Duration grace) {
        imageGrace = grace;
    }

    /**
     * The image collection after the plan, outside convergence: the marks written, each removal due run (a removed
     * or vanished image's row goes; one podman keeps, because a container uses it, waits out another grace).
     */
    private void collect(ImageCollector.Result c, String passId) throws StateException {
        var marks = new TreeMap<String, Optional<String>>();
        c.marks().forEach((id, since) -> marks.put(id, since.map(Instant::toString)));
        var gone = new java.util.ArrayList<>(c.forget());
        for (Step.RemoveImage r : c.removals()) {
            Optional<String> failed = executor.inOrder(List.of(r), passId, false);
            if (failed.isEmpty()) gone.add(r.imageId());
            else marks.put(r.imageId(), Optional.of(clock.instant().toString()));
        }
        store.imageLoads().collected(marks, gone);
    }

    /** Logs what the plan could not do, each time it changes: envelopes not enforced or not read back, focus waiting. */
    private void note(PlanComposer.Composed c, String passId) {
        if (!c.unenforceable().equals(unenforceable)) {
            c.unenforceable().forEach(u -> LOG.log(System.Logger.Level.WARNING, "envelope not enforceable pass={0} {1}", passId, u));
        }
        unenforceable = c.unenforceable();
        if (!c.notReadBack().isEmpty() && !notReadBackNoted) {
            notReadBackNoted = true;
            LOG.log(System.Logger.Level.INFO, "envelope files not in cgroup v2 on this host (cgroup v1 enforces them; not read back) pass={0} {1}",
                    passId, c.notReadBack());
        }
        if (!c.focusNote().equals(focusNote)) c.focusNote().ifPresent(n -> LOG.log(System.Logger.Level.WARNING, "focus pass={0} {1}", passId, n));
        focusNote = c.focusNote();
    }

    /**
     * A focus switch without podman, from the last pass's observation ({@link FocusPass}); returns whether it ran steps.
     * Holds this reconciler's monitor, as a pass does, so the two never run at once.
     */
    public synchronized boolean focusPass() {
        return focus.run(lastObserved);
    }

    /** The earliest moment a deferred step may run: a failure's back-off, a crash loop's next try, an apply trial's deadline. */
    public Optional<Instant> nextRetry() {
        Optional<Instant> trial;
        try {
            trial = store.trial().current().map(t -> Instant.parse(t.deadline()));
        } catch (StateException e) {
            trial = Optional.empty();
        }
        return java.util.stream.Stream.of(backoff.nextRetry(), nextCrashTry, trial).flatMap(Optional::stream).min(Instant::compareTo);
    }

    private boolean convergedNow(DesiredState desired, String passId) throws StateException {
        ContainerRuntime.Observation again = runtime.observe();
        if (!again.ok()) return false;
        Judged j = judge(desired, again.state(), clock.instant(), passId);
        lastObserved = Optional.of(j.observed());
        if (!j.plan().steps().isEmpty()) return false;
        recordSettled(desired, j.observed(), j.plan(), j.exited(), passId);
        return j.plan().conflicts().isEmpty();
    }

    /**
     * A container that waited for an Image whose load failed in this very pass waits for that reason, not for a load
     * that was about to run when the plan was made: what its status and the apply's report then say.
     */
    private static Plan afterLoads(Plan plan, DesiredState desired, List<Executor.Outcome> outcomes, String passId) {
        var failed = new TreeMap<String, String>(); // ref -> why its load failed
        for (Executor.Outcome o : outcomes) {
            if (o.step() instanceof Step.LoadImage l && o.result() instanceof StepResult.Failed f) failed.put(l.image().ref(), f.reason());
        }
        if (failed.isEmpty()) return plan;
        var conflicts = plan.conflicts().stream().map(c -> {
            DesiredContainer d = desired.containers().get(c.target());
            String why = d == null ? null : failed.get(d.spec().image());
            if (why == null) return c;
            var now = new Plan.Conflict(c.target(), AppImagePlanner.notLoaded(d.spec().image(), why));
            LOG.log(System.Logger.Level.WARNING, "conflict pass={0} target={1} reason=\"{2}\"", passId, now.target(), now.reason());
            return now;
        }).toList();
        return new Plan(plan.steps(), conflicts);
    }

    /** Resources with nothing left to do are settled: their phase is what podman shows, at their current generation. */
    private void recordSettled(DesiredState desired, ObservedState observed, Plan plan, Set<ResourceId> exited, String passId)
            throws StateException {
        var pending = new TreeSet<ResourceId>(exited); // an exit's phase (crashloop, exited) was recorded by its verdict
        plan.steps().forEach(s -> pending.add(s.step().target()));
        Map<ResourceId, String> conflicts = new TreeMap<>();
        plan.conflicts().forEach(c -> conflicts.put(c.target(), c.reason()));
        for (Map.Entry<ResourceId, DesiredContainer> e : desired.containers().entrySet()) {
            ResourceId id = e.getKey();
            if (pending.contains(id) || conflicts.containsKey(id)) continue;
            store.statuses().set(id, observed.phaseOf(id), e.getValue().generation(), Optional.empty());
        }
        desired.compositor().filter(c -> !pending.contains(c.id())).ifPresent(c -> {
            boolean up = kernel.compositor().map(spine.model.focus.ObservedCompositor::ready).orElse(false);
            try {
                store.statuses().set(c.id(), up ? Phase.RUNNING : Phase.STOPPED, desired.generation(c.id()), Optional.empty());
            } catch (StateException e) {
                LOG.log(System.Logger.Level.ERROR, "status write failed pass={0} target={1} error=\"{2}\"", passId, c.id(), e.getMessage());
            }
        });
        for (Map.Entry<ResourceId, String> c : conflicts.entrySet()) {
            if (desired.specs().containsKey(c.getKey())) {
                store.statuses().set(c.getKey(), observed.phaseOf(c.getKey()), -1, Optional.of(c.getValue()));
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
                Instant wake = nextRetry().filter(t -> t.isBefore(deadline)).orElse(deadline);
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
