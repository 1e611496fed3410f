package spine.model.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.model.ContainerState;
import spine.model.DesiredState;
import spine.model.Labels;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Persona;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Spec;
import spine.model.Step;
import spine.model.spec.SpecParser;

class BootRepairTest {
    private static ObservedContainer spine(ResourceId id, ContainerState state) {
        var labels = new TreeMap<String, String>(Map.of(Labels.NAME, id.toString(), Labels.KIND, id.kind().cliName()));
        return new ObservedContainer("id-" + id.containerName(), id.containerName(), state, "img", labels);
    }

    private static ObservedContainer foreign(String name) {
        return new ObservedContainer("id-" + name, name, ContainerState.RUNNING, "img", new TreeMap<>(Map.of("app", "x")));
    }

    /** One line per action: "target kind verbs... stopped?", the way a reader checks the table in the issue. */
    private static List<String> lines(BootRepair.Plan plan) {
        var out = new ArrayList<String>();
        for (BootRepair.Action a : plan.actions()) {
            var sb = new StringBuilder(a.target() + " " + a.kind().word());
            a.steps().forEach(s -> sb.append(' ').append(s.verb()));
            if (a.setStopped()) sb.append(" ->stopped");
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void everyRowOfTheTable() {
        ResourceId missing = ResourceId.persona("missing");
        ResourceId dead = ResourceId.persona("dead");
        ResourceId alive = ResourceId.persona("alive");
        ResourceId starting = ResourceId.persona("starting");
        ResourceId startingGone = ResourceId.persona("startinggone");
        ResourceId stoppingUp = ResourceId.persona("stoppingup");
        ResourceId stoppingDown = ResourceId.persona("stoppingdown");
        ResourceId pausedFrozen = ResourceId.persona("pausedfrozen");
        ResourceId pausingUp = ResourceId.persona("pausingup");
        ResourceId stopped = ResourceId.persona("stopped");
        ResourceId ghost = ResourceId.persona("ghost");
        ResourceId tenant = ResourceId.tenant("ai");

        var recorded = new TreeMap<ResourceId, Phase>();
        recorded.put(missing, Phase.RUNNING);
        recorded.put(dead, Phase.RUNNING);
        recorded.put(alive, Phase.RUNNING);
        recorded.put(starting, Phase.STARTING);
        recorded.put(startingGone, Phase.STARTING);
        recorded.put(stoppingUp, Phase.STOPPING);
        recorded.put(stoppingDown, Phase.STOPPING);
        recorded.put(pausedFrozen, Phase.PAUSED);
        recorded.put(pausingUp, Phase.PAUSING);
        recorded.put(stopped, Phase.STOPPED);
        recorded.put(tenant, Phase.RUNNING);
        ObservedState observed = ObservedState.of(List.of(
                spine(dead, ContainerState.EXITED), spine(alive, ContainerState.RUNNING),
                spine(starting, ContainerState.CREATED), spine(stoppingUp, ContainerState.RUNNING),
                spine(stoppingDown, ContainerState.EXITED), spine(pausedFrozen, ContainerState.PAUSED),
                spine(pausingUp, ContainerState.RUNNING), spine(stopped, ContainerState.EXITED),
                spine(ghost, ContainerState.RUNNING), foreign("postgres"), foreign("p__lookalike")));

        BootRepair.Plan plan = BootRepair.plan(recorded, recorded.keySet(), observed);

        assertThat(lines(plan)).containsExactly(
                "sys://ai running_missing ->stopped",
                "p://dead running_dead ->stopped",
                "p://ghost ghost remove",
                "p://missing running_missing ->stopped",
                "p://pausedfrozen paused unpause stop ->stopped",
                "p://pausingup paused stop ->stopped",
                "p://starting starting remove ->stopped",
                "p://startinggone starting remove ->stopped",
                "p://stoppingdown stopping ->stopped",
                "p://stoppingup stopping stop ->stopped");
        assertThat(plan.foreign()).isEqualTo(2);
        assertThat(plan.counts()).containsEntry(BootRepair.Kind.RUNNING_MISSING, 2).containsEntry(BootRepair.Kind.GHOST, 1)
                .containsEntry(BootRepair.Kind.STARTING, 2).containsEntry(BootRepair.Kind.STOPPING, 2)
                .containsEntry(BootRepair.Kind.PAUSED, 2).containsEntry(BootRepair.Kind.RUNNING_DEAD, 1);
    }

    @Test
    void aStartingNameHeldByAForeignContainerIsNeverTouched() {
        ResourceId a = ResourceId.persona("a");
        BootRepair.Plan plan = BootRepair.plan(Map.of(a, Phase.STARTING), Set.of(a), ObservedState.of(List.of(foreign("p__a"))));
        assertThat(lines(plan)).containsExactly("p://a starting ->stopped");
        assertThat(plan.foreign()).isEqualTo(1);
    }

    @Test
    void aRepairedWorldNeedsNoFurtherRepair() {
        ResourceId a = ResourceId.persona("a");
        var recorded = new TreeMap<ResourceId, Phase>(Map.of(a, Phase.STOPPED));
        BootRepair.Plan plan = BootRepair.plan(recorded, Set.of(a), ObservedState.of(List.of(spine(a, ContainerState.EXITED))));
        assertThat(plan.actions()).isEmpty();
        assertThat(plan.counts().values()).allMatch(n -> n == 0);
    }

    @Test
    void stepsAreTheExecutorsOwn() {
        ResourceId a = ResourceId.persona("a");
        BootRepair.Plan plan = BootRepair.plan(Map.of(a, Phase.PAUSED), Set.of(a), ObservedState.of(List.of(spine(a, ContainerState.PAUSED))));
        assertThat(plan.actions().getFirst().steps()).hasExactlyElementsOfTypes(Step.UnpauseContainer.class, Step.StopContainer.class);
    }

    private static DesiredState desired(String yaml) {
        SpecParser.Result r = SpecParser.parse("t.yaml", yaml);
        assertThat(r.errors()).isEmpty();
        return DesiredState.of(r.specs().stream().map(SpecParser.Located::spec).toList());
    }

    private static final String SPECS = """
            apiVersion: spine/v1
            kind: Persona
            metadata: {name: "p://auto"}
            spec: {image: img, state: running, autostart: true}
            ---
            apiVersion: spine/v1
            kind: Persona
            metadata: {name: "p://manual"}
            spec: {image: img, state: running}
            ---
            apiVersion: spine/v1
            kind: Persona
            metadata: {name: "p://off"}
            spec: {image: img, state: stopped, autostart: true}
            ---
            apiVersion: spine/v1
            kind: Tenant
            metadata: {name: "sys://ai"}
            spec: {image: img, socket: /run/spine/ai.sock}
            """;

    @Test
    void holdsFollowTheShutdown() {
        DesiredState d = desired(SPECS);
        assertThat(BootHolds.decide(d, true, true)).containsOnlyKeys(ResourceId.persona("manual"));
        assertThat(BootHolds.decide(d, true, false)).containsOnlyKeys(ResourceId.persona("auto"), ResourceId.persona("manual"))
                .containsValue(BootHolds.UNCLEAN);
        assertThat(BootHolds.decide(d, false, true)).containsOnlyKeys(ResourceId.persona("auto"), ResourceId.persona("manual"))
                .containsValue(BootHolds.DIRTY);
    }

    @Test
    void aHoldWantsStoppedWithoutChangingTheSpecOrGeneration() {
        DesiredState d = desired(SPECS);
        DesiredState held = d.holding(Set.of(ResourceId.persona("auto"), ResourceId.tenant("ai")));
        Spec auto = held.specs().get(ResourceId.persona("auto"));
        assertThat(((Persona) auto).state()).isEqualTo(RunState.STOPPED);
        assertThat(held.containers().get(ResourceId.persona("auto")).spec().specHash())
                .isEqualTo(d.containers().get(ResourceId.persona("auto")).spec().specHash());
        assertThat(held.generations()).isEqualTo(d.generations());
        assertThat(held.specs().get(ResourceId.tenant("ai"))).isEqualTo(d.specs().get(ResourceId.tenant("ai")));
    }
}
