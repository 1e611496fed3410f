package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;
import spine.model.spec.SpecParser;

/**
 * A pass's plan composed from the container plan, the envelope writes, the compositor's steps and the focus steps:
 * kernel-side steps only for targets without a container step, the compositor's steps first, the notes passed on.
 */
class PlanComposerTest {
    private static final ResourceId WORK = ResourceId.persona("work");
    private static final ResourceId GAMES = ResourceId.persona("games");

    private static DesiredState desired(String games) {
        SpecParser.Result r = SpecParser.parse("t.yaml", """
                apiVersion: spine/v1
                kind: Envelope
                metadata: {name: small}
                spec: {cpu: {max: 0.5, weight: 100}, memory: {max: 128Mi, swapMax: 0}, oomScoreAdj: 500, pidsMax: 128}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://work"}
                spec: {image: localhost/spine/busybox:1, state: running, envelope: small}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://games"}
                spec: {image: %s, state: running, envelope: small}
                """.formatted(games));
        assertThat(r.errors()).isEmpty();
        return DesiredState.of(r.specs().stream().map(SpecParser.Located::spec).toList());
    }

    private static ObservedContainer running(DesiredState d, ResourceId id, String cid) {
        var labels = new TreeMap<String, String>();
        labels.put(Labels.NAME, id.toString());
        labels.put(Labels.KIND, "persona");
        labels.put(Labels.SPEC_HASH, d.containers().get(id).spec().specHash());
        return new ObservedContainer(cid, id.containerName(), ContainerState.RUNNING, "img", labels, Optional.empty(), 42);
    }

    /** Each persona's cgroup with a hand-written cpu.max (drift to repair) and its freezer thawed. */
    private static KernelState drifted(ResourceId... ids) {
        var views = new TreeMap<ResourceId, CgroupView>();
        for (ResourceId id : ids) {
            var f = new TreeMap<String, String>();
            f.put("cgroup.controllers", "cpuset cpu io memory pids");
            f.put("cpu.max", "max 100000");
            f.put("cpu.weight", "100");
            f.put("memory.max", "134217728");
            f.put("memory.high", "max");
            f.put("memory.swap.max", "0");
            f.put("pids.max", "128");
            f.put("cgroup.freeze", "0");
            f.put("cgroup.events", "populated 1\nfrozen 0\n");
            views.put(id, new CgroupView(id, "c-" + id.label(), 42, "/libpod_parent/libpod-c-" + id.label(), f, Optional.of(500)));
        }
        return new KernelState(views, Optional.empty(), List.of(), List.of());
    }

    private static List<String> lines(Plan p) {
        return p.steps().stream().map(s -> s.phase() + " " + s.step().target() + " " + s.step().verb()).toList();
    }

    @Test
    void kernelStepsGoOnlyToTargetsWithoutAContainerStep() {
        DesiredState stored = desired("localhost/spine/busybox:1");
        var observed = ObservedState.of(List.of(running(stored, WORK, "c-work"), running(stored, GAMES, "c-games")));
        // games' image changes: it is made anew this pass, so its drift is not repaired on the container that goes
        DesiredState d = desired("localhost/spine/busybox:2");
        var c = PlanComposer.compose(new PlanComposer.Inputs(d, observed, Set.of(), drifted(WORK, GAMES), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty()));
        List<String> plan = lines(c.plan());
        assertThat(plan).anyMatch(l -> l.startsWith("PERSONAS p://games"));
        assertThat(plan).anyMatch(l -> l.startsWith("ENVELOPES p://work write "));
        assertThat(plan).noneMatch(l -> l.startsWith("ENVELOPES p://games"));
    }

    @Test
    void theCompositorComesFirstAndFocusWaitsForIt() {
        SpecParser.Result r = SpecParser.parse("t.yaml", """
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://compositor"}
                spec: {process: sway, backend: headless}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://work"}
                spec: {image: localhost/spine/busybox:1, state: running}
                """);
        assertThat(r.errors()).isEmpty();
        DesiredState d = DesiredState.of(r.specs().stream().map(SpecParser.Located::spec).toList());
        var c = PlanComposer.compose(new PlanComposer.Inputs(d, ObservedState.empty(), Set.of(), KernelState.empty(), List.of(),
                Optional.empty(), Optional.of(WORK), Optional.empty()));
        assertThat(lines(c.plan()).getFirst()).startsWith("TENANTS sys://compositor");
        assertThat(c.plan().steps()).noneMatch(s -> s.phase() == PlanPhase.FOCUS);
    }

    @Test
    void aFocusOnAPersonaNotInIntentIsANoteNotAStep() {
        DesiredState d = desired("localhost/spine/busybox:1");
        var observed = ObservedState.of(List.of(running(d, WORK, "c-work"), running(d, GAMES, "c-games")));
        var c = PlanComposer.compose(new PlanComposer.Inputs(d, observed, Set.of(), KernelState.empty(), List.of(),
                Optional.of(new ObservedCompositor(7, spine.model.Compositor.Backend.HEADLESS, true)), Optional.of(ResourceId.persona("nobody")),
                Optional.of(new Screen(Optional.empty(), List.of()))));
        assertThat(c.focusNote()).isPresent();
        assertThat(c.plan().steps()).noneMatch(s -> s.phase() == PlanPhase.FOCUS);
    }

    @Test
    void settledExitsAreLeftAlone() {
        DesiredState d = desired("localhost/spine/busybox:1");
        var c = PlanComposer.compose(new PlanComposer.Inputs(d, ObservedState.empty(), Set.of(WORK), KernelState.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(lines(c.plan())).noneMatch(l -> l.contains("p://work")).anyMatch(l -> l.contains("p://games"));
    }
}
