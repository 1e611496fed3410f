package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;
import spine.model.ContainerState;
import spine.model.ObservedState;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.StepResult;
import spine.model.spec.SpecParser;

/** The loop and executor against real SQLite and a stateful fake podman. */
class LoopIT {
    private static final String SPECS = """
            apiVersion: spine/v1
            kind: Tenant
            metadata: {name: "sys://ai"}
            spec: {image: img, socket: /run/spine/ai.sock}
            ---
            apiVersion: spine/v1
            kind: Persona
            metadata: {name: "p://work"}
            spec: {image: img, state: running}
            ---
            apiVersion: spine/v1
            kind: Persona
            metadata: {name: "p://games"}
            spec: {image: img, state: paused}
            """;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        volatile Instant now = Instant.parse("2026-11-21T12:00:00Z");

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    @TempDir Path dir;
    private IntentStore store;
    private FakeRuntime runtime;
    private final ManualClock clock = new ManualClock();
    private Reconciler reconciler;

    @BeforeEach
    void setUp() throws Exception {
        store = IntentStore.open(new SpineRoot(dir), clock);
        List<Spec> specs = SpecParser.parse("t.yaml", SPECS).specs().stream().map(SpecParser.Located::spec).toList();
        store.intents().apply(specs, 0);
        runtime = new FakeRuntime(ObservedState.empty());
        var metrics = new Metrics();
        reconciler = new Reconciler(store, runtime, new Executor(runtime, store, metrics, 4), new BackoffTracker(), metrics, clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    /** A loop on the real clock (backoff has to elapse) and an hour-long resync, so every pass is one we caused. */
    private ControlLoop realTimeLoop() {
        var r = new Reconciler(store, runtime, new Executor(runtime, store, new Metrics(), 4), new BackoffTracker(),
                new Metrics(), Clock.systemUTC());
        return new ControlLoop(r, Duration.ofHours(1), Clock.systemUTC());
    }

    @Test
    void convergesAndSettlesStatus() throws Exception {
        assertThat(reconciler.convergeUntil(clock.instant().plusSeconds(10))).isTrue();
        ObservedState world = runtime.world.observe();
        assertThat(world.containers().get("sys__ai").state()).isEqualTo(ContainerState.RUNNING);
        assertThat(world.containers().get("p__work").state()).isEqualTo(ContainerState.RUNNING);
        assertThat(world.containers().get("p__games").state()).isEqualTo(ContainerState.PAUSED);
        var st = store.statuses().all();
        assertThat(st.get(ResourceId.persona("games")).phase()).isEqualTo(Phase.PAUSED);
        assertThat(st.get(ResourceId.persona("work")).observedGeneration()).isEqualTo(1);
        assertThat(runtime.log.getFirst()).isEqualTo("run sys://ai"); // tenants first

        int before = runtime.log.size();
        Reconciler.PassResult again = reconciler.pass();
        assertThat(again.converged()).isTrue();
        assertThat(runtime.log).hasSize(before);
    }

    @Test
    void aContainerThatExitsByItselfWithAFailureIsToldWithItsImage() throws Exception {
        var heard = new java.util.concurrent.CopyOnWriteArrayList<String>();
        reconciler.onFailedExit((image, code) -> heard.add(image + " " + code));
        assertThat(reconciler.convergeUntil(clock.instant().plusSeconds(10))).isTrue();
        assertThat(heard).isEmpty();
        runtime.world.exitByItself("p__work", 1, clock.instant());
        clock.now = clock.now.plusSeconds(1);
        reconciler.pass();
        assertThat(heard).containsExactly("img 1");
    }

    @Test
    void commitsTheInBetweenPhaseBeforeEachCall() {
        var seen = new ArrayList<String>();
        runtime.beforeStep = step -> {
            try {
                seen.add(step.verb() + " " + step.target() + " while " + store.statuses().all().get(step.target()).phase().word());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(reconciler.convergeUntil(clock.instant().plusSeconds(10))).isTrue();
        assertThat(seen).contains("run sys://ai while starting", "run p://work while starting",
                "run p://games while starting", "pause p://games while pausing");
    }

    @Test
    void failuresBackOffAndRecover() throws Exception {
        runtime.failWith = s -> s.target().equals(ResourceId.persona("work"))
                ? new StepResult.Failed("Error: boom", true) : null;
        Reconciler.PassResult first = reconciler.pass();
        assertThat(first.failures()).isEqualTo(1);
        assertThat(store.statuses().all().get(ResourceId.persona("work")).lastError()).contains("run failed: Error: boom");
        assertThat(store.statuses().all().get(ResourceId.persona("work")).phase()).isEqualTo(Phase.STOPPED);

        // Within the backoff window the failed resource is left alone.
        reconciler.pass();
        assertThat(runtime.log.stream().filter(l -> l.startsWith("run p://work"))).hasSize(1);

        clock.now = clock.now.plusSeconds(2);
        runtime.failWith = s -> null;
        assertThat(reconciler.convergeUntil(clock.instant().plusSeconds(10))).isTrue();
        assertThat(store.statuses().all().get(ResourceId.persona("work")).lastError()).isEmpty();
        assertThat(reconciler.backoff().failures(ResourceId.persona("work"))).isZero();
    }

    @Test
    void wakeUpsCoalesceAndTheIdleLoopDoesNotSpin() throws Exception {
        var loop = new ControlLoop(reconciler, Duration.ofHours(1), Clock.systemUTC());
        Thread t = Thread.ofPlatform().start(loop::run);
        try {
            assertThat(loop.awaitConverged(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS)).isTrue();
            int settled = runtime.observations.get();
            for (int i = 0; i < 1_000; i++) loop.wake();
            Thread.sleep(500);
            int afterBurst = runtime.observations.get() - settled;
            assertThat(afterBurst).as("passes for 1,000 wake-ups").isBetween(1, 3);
            int idleStart = runtime.observations.get();
            Thread.sleep(1_000);
            assertThat(runtime.observations.get()).as("passes while idle").isEqualTo(idleStart);
        } finally {
            loop.stop();
            t.join(5_000);
        }
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aPersistentFailureNeverBusyLoops() throws Exception {
        runtime.failWith = s -> new StepResult.Failed("Error: container is busy", true);
        var realLoop = realTimeLoop();
        Thread t = Thread.ofPlatform().start(realLoop::run);
        try {
            Thread.sleep(3_500);
        } finally {
            realLoop.stop();
            t.join(5_000);
        }
        // 1 s, 2 s backoff: a handful of passes in 3.5 s, not thousands.
        assertThat(runtime.observations.get()).isBetween(2, 6);
    }

    /** retryable=false: retrying the same spec cannot help, so it waits for the spec to change (at most 5 min). */
    @Test
    void aFailureRetryingCannotHelpWaitsForTheSpecToChange() throws Exception {
        runtime.failWith = s -> s.target().equals(ResourceId.persona("work")) ? new StepResult.Failed("Error: image not known", false) : null;
        var first = reconciler.pass();
        assertThat(first.failures()).isPositive();
        int observed = runtime.observations.get();
        clock.now = clock.now.plusSeconds(60); // well past every retry of the 1 s..5 min ladder's first steps
        var second = reconciler.pass();
        assertThat(second.steps()).as("steps of a pass with the same spec").isZero();
        assertThat(second.stuck()).as("nothing the loop can do: an apply returns").isTrue();
        assertThat(reconciler.convergeUntil(clock.instant().plusSeconds(120))).isFalse();
        runtime.failWith = s -> null;
        store.intents().apply(SpecParser.parse("w.yaml", SPECS.replace("spec: {image: img, state: running}",
                "spec: {image: img2, state: running}")).specs().stream().map(SpecParser.Located::spec).toList(), 0);
        assertThat(reconciler.convergeUntil(clock.instant().plusSeconds(10))).as("a new generation is tried at once").isTrue();
        assertThat(runtime.observations.get()).isGreaterThan(observed);
    }

    @Test
    void awaitConvergedReportsFalseAtTheDeadline() throws Exception {
        runtime.failWith = s -> new StepResult.Failed("Error: nope", true);
        var loop = realTimeLoop();
        Thread t = Thread.ofPlatform().start(loop::run);
        try {
            long t0 = System.nanoTime();
            assertThat(loop.awaitConverged(Duration.ofMillis(1_500)).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        } finally {
            loop.stop();
            t.join(5_000);
        }
        assertThat(Optional.ofNullable(store.statuses().all().get(ResourceId.persona("work"))).flatMap(s -> s.lastError()))
                .hasValueSatisfying(e -> assertThat(e).contains("nope"));
        assertThat(runtime.log).isNotEmpty().allMatch(l -> l.endsWith("FAILED"));
    }

    @Test
    void awaitNextPassAnswersAfterOnePass() throws Exception {
        runtime.failWith = s -> new StepResult.Failed("Error: nope", true);
        var loop = realTimeLoop();
        Thread t = Thread.ofPlatform().start(loop::run);
        try {
            long t0 = System.nanoTime();
            assertThat(loop.awaitNextPass(Duration.ofSeconds(30)).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        } finally {
            loop.stop();
            t.join(5_000);
        }
    }
}
