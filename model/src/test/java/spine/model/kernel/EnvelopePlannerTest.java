package spine.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.model.ContainerState;
import spine.model.DesiredState;
import spine.model.Labels;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.spec.SpecParser;

/** Drift repair and throttles are planned from intent and the kernel's files alone, without recreating anything. */
class EnvelopePlannerTest {
    private static final ResourceId WORK = ResourceId.persona("work");
    private static final String CG = "/libpod_parent/libpod-aaaa";

    private static DesiredState desired() {
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
                """);
        assertThat(r.errors()).isEmpty();
        return DesiredState.of(r.specs().stream().map(SpecParser.Located::spec).toList());
    }

    private static ObservedState observed(DesiredState d, ContainerState state, String hash) {
        var labels = new TreeMap<String, String>();
        labels.put(Labels.NAME, WORK.toString());
        labels.put(Labels.KIND, "persona");
        labels.put(Labels.SPEC_HASH, hash == null ? d.containers().get(WORK).spec().specHash() : hash);
        return ObservedState.of(List.of(new ObservedContainer("aaaa", "p__work", state, "img", labels, Optional.empty(), 42)));
    }

    /** The files podman writes for the envelope small, as the VM's kernel shows them. */
    private static Map<String, String> enforced() {
        var f = new TreeMap<String, String>();
        f.put("cgroup.controllers", "cpuset cpu io memory pids");
        f.put("cpu.max", "50000 100000");
        f.put("cpu.weight", "100");
        f.put("memory.max", "134217728");
        f.put("memory.high", "max");
        f.put("memory.swap.max", "0");
        f.put("pids.max", "128");
        return f;
    }

    private static KernelState kernel(Map<String, String> files, int oom) {
        var v = new CgroupView(WORK, "aaaa", 42, CG, new TreeMap<>(files), Optional.of(oom));
        return new KernelState(new TreeMap<ResourceId, CgroupView>(Map.of(WORK, v)), Optional.empty(), List.of(), List.of());
    }

    @Test
    void anEnforcedEnvelopeNeedsNothing() {
        DesiredState d = desired();
        EnvelopePlanner.Result r = EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, null), kernel(enforced(), 500), List.of());
        assertThat(r.steps()).isEmpty();
        assertThat(r.unenforceable()).isEmpty();
    }

    @Test
    void aHandWrittenLimitIsRestoredWithOldAndNewValue() {
        DesiredState d = desired();
        var files = enforced();
        files.put("cpu.max", "max 100000");
        EnvelopePlanner.Result r = EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, null), kernel(files, 0), List.of());
        assertThat(r.steps()).extracting(s -> s.step()).containsExactly(
                new Step.WriteCgroup(WORK, CG, "cpu.max", "50000 100000",
                        "drift: cpu.max is 'max 100000' in the kernel, intent '50000 100000'"),
                new Step.SetOomScoreAdj(WORK, 42, 500, "drift: oom_score_adj is 0 in the kernel, intent 500"));
    }

    @Test
    void aThrottleWinsOverTheEnvelopeAndCarriesTheGovernorsReason() {
        DesiredState d = desired();
        var t = new Throttle(WORK, "cpu.max", "25000 100000", "governor: psi cpu some avg10=63.2 > 40 for 3 windows -> level 1");
        EnvelopePlanner.Result r = EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, null), kernel(enforced(), 500), List.of(t));
        assertThat(r.steps()).singleElement().satisfies(s ->
                assertThat(s.step()).isEqualTo(new Step.WriteCgroup(WORK, CG, "cpu.max", "25000 100000", t.reason())));
        // once written, it is settled
        var files = enforced();
        files.put("cpu.max", "25000 100000");
        assertThat(EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, null), kernel(files, 500), List.of(t)).steps()).isEmpty();
    }

    @Test
    void aContainerAboutToBeRecreatedOrStoppedIsLeftAlone() {
        DesiredState d = desired();
        var files = enforced();
        files.put("cpu.max", "max 100000");
        assertThat(EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, "stale"), kernel(files, 500), List.of()).steps()).isEmpty();
        assertThat(EnvelopePlanner.plan(d, observed(d, ContainerState.EXITED, null), kernel(files, 500), List.of()).steps()).isEmpty();
    }

    @Test
    void aMissingFileIsUnenforceableOnlyWhenItsControllerIsThere() {
        DesiredState d = desired();
        var noSwap = enforced();
        noSwap.remove("memory.swap.max"); // memory controller on, but no swap accounting
        EnvelopePlanner.Result r = EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, null), kernel(noSwap, 500), List.of());
        assertThat(r.unenforceable()).singleElement().asString().contains("p://work memory.swap.max 0")
                .contains("does not exist in " + CG);

        var hybrid = new TreeMap<String, String>(Map.of("cgroup.controllers", "", "cgroup.freeze", "0"));
        EnvelopePlanner.Result h = EnvelopePlanner.plan(d, observed(d, ContainerState.RUNNING, null), kernel(hybrid, 500), List.of());
        assertThat(h.unenforceable()).isEmpty();
        assertThat(h.steps()).isEmpty();
        assertThat(h.notReadBack()).contains("p://work cpu.max", "p://work memory.max", "p://work pids.max");
    }
}
