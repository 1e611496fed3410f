package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;
import spine.drivers.ContainerRuntime;
import spine.model.ObservedState;
import spine.model.Phase;
import spine.model.Plan;
import spine.model.PlanPhase;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.spec.SpecParser;

/** How the executor hands steps to the runtime: starts of existing containers in batches, everything else alone. */
class ExecutorTest {
    private static final List<String> NAMES = List.of("a1", "a2", "a3", "a4", "a5", "b");

    /** Records each call the executor makes; the targets in {@code failing} fail. */
    private static final class Recording implements ContainerRuntime {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final Set<ResourceId> failing;

        Recording(Set<ResourceId> failing) {
            this.failing = failing;
        }

        @Override
        public Observation observe() {
            return new Observation(ObservedState.empty(), null);
        }

        @Override
        public StepResult apply(Step step) {
            calls.add(step.verb() + " " + step.target());
            return result(step);
        }

        @Override
        public Map<ResourceId, StepResult> startAll(List<Step.StartContainer> steps) {
            calls.add("batch " + steps.stream().map(s -> s.target().toString()).collect(Collectors.joining(" ")));
            return steps.stream().collect(Collectors.toMap(Step::target, this::result));
        }

        private StepResult result(Step step) {
            return failing.contains(step.target()) ? new StepResult.Failed("exec: no such file", true) : new StepResult.Ok("");
        }
    }

    @TempDir Path dir;
    private IntentStore store;

    @BeforeEach
    void intent() throws Exception {
        store = IntentStore.open(new SpineRoot(dir), Clock.systemUTC());
        var yaml = new StringBuilder();
        for (String n : NAMES) {
            yaml.append("""
                    apiVersion: spine/v1
                    kind: Persona
                    metadata: {name: "p://%s"}
                    spec: {image: localhost/spine/busybox:1, command: ["sleep", "100"], state: running}
                    ---
                    """.formatted(n));
        }
        SpecParser.Result parsed = SpecParser.parse("e.yaml", yaml.toString());
        assertThat(parsed.errors()).isEmpty();
        store.intents().apply(parsed.specs().stream().map(SpecParser.Located::spec).toList(), 0);
    }

    private static Plan fiveStartsAndAStop() {
        var steps = new ArrayList<Plan.PlannedStep>();
        for (String n : NAMES.subList(0, 5)) {
            steps.add(new Plan.PlannedStep(PlanPhase.PERSONAS, new Step.StartContainer(ResourceId.persona(n), "exited; want running")));
        }
        steps.add(new Plan.PlannedStep(PlanPhase.PERSONAS, new Step.StopContainer(ResourceId.persona("b"), Duration.ofSeconds(2), "want stopped")));
        return new Plan(steps, List.of());
    }

    @Test
    void startsGoInOneCallPerParallelSlotAndOtherStepsAlone() throws Exception {
        var runtime = new Recording(Set.of());
        List<Executor.Outcome> outcomes = new Executor(runtime, store, new Metrics(), 2).execute(fiveStartsAndAStop(), "t1");

        assertThat(runtime.calls).containsExactlyInAnyOrder("batch p://a1 p://a3 p://a5", "batch p://a2 p://a4", "stop p://b");
        assertThat(outcomes).hasSize(6).allMatch(o -> o.result().ok());
        assertThat(store.statuses().all().get(ResourceId.persona("a4")).phase()).isEqualTo(Phase.RUNNING);
        assertThat(store.statuses().all().get(ResourceId.persona("b")).phase()).isEqualTo(Phase.STOPPED);
    }

    @Test
    void aStartThatFailsInABatchFailsItsOwnTargetOnly() throws Exception {
        var runtime = new Recording(Set.of(ResourceId.persona("a3")));
        List<Executor.Outcome> outcomes = new Executor(runtime, store, new Metrics(), 1).execute(fiveStartsAndAStop(), "t2");

        assertThat(runtime.calls).containsExactlyInAnyOrder("batch p://a1 p://a2 p://a3 p://a4 p://a5", "stop p://b");
        assertThat(outcomes.stream().filter(o -> !o.result().ok()).map(Executor.Outcome::target)).containsExactly(ResourceId.persona("a3"));
        var a3 = store.statuses().all().get(ResourceId.persona("a3"));
        assertThat(a3.phase()).as("the phase before the failed start, not starting").isEqualTo(Phase.STOPPED);
        assertThat(a3.lastError()).hasValueSatisfying(e -> assertThat(e).contains("start failed: exec: no such file"));
        assertThat(store.statuses().all().get(ResourceId.persona("a2")).phase()).isEqualTo(Phase.RUNNING);
    }

    @Test
    void aLoneStartIsAnOrdinaryStep() {
        var runtime = new Recording(Set.of());
        var plan = new Plan(List.of(new Plan.PlannedStep(PlanPhase.PERSONAS,
                new Step.StartContainer(ResourceId.persona("a1"), "exited; want running"))), List.of());
        new Executor(runtime, store, new Metrics(), 4).execute(plan, "t3");
        assertThat(runtime.calls).containsExactly("start p://a1");
        assertThat(Executor.batches(List.of(), 4)).isEmpty();
    }
}
