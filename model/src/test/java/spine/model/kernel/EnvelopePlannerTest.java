package spine.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.model.Compositor;
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

    /** sys://compositor with the envelope ui: sway, a host process bay0 spawned, gets its own cgroup and its limits. */
    private static DesiredState withCompositor(String state) {
        SpecParser.Result r = SpecParser.parse("c.yaml", """
                apiVersion: spine/v1
                kind: Envelope
                metadata: {name: ui}
                spec: {cpu: {weight: 400}, memory: {max: 512Mi}, oomScoreAdj: -500, pidsMax: 512}
                ---
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://compositor"}
                spec: {process: sway, envelope: ui, state: %s}
                """.formatted(state));
        assertThat(r.errors()).isEmpty();
        return DesiredState.of(r.specs().stream().map(SpecParser.Located::spec).toList());
    }

    private static KernelState sway(String cgroup, Map<String, String> files, int oom) {
        return sway(cgroup, files, oom, KernelState.OOM_MIN);
    }

    private static KernelState sway(String cgroup, Map<String, String> files, int oom, int floor) {
        var v = new CgroupView(Compositor.ID, "", 77, cgroup, new TreeMap<>(files), Optional.of(oom));
        return new KernelState(new TreeMap<>(), Optional.empty(), List.of(), List.of(), Optional.of(v), floor);
    }

    private static Map<String, String> swayEnforced() {
        var f = new TreeMap<String, String>();
        f.put("cgroup.controllers", "cpu memory pids");
        f.put("cpu.max", "max 100000");
        f.put("cpu.weight", "400");
        f.put("memory.max", "536870912");
        f.put("memory.high", "max");
        f.put("pids.max", "512");
        return f;
    }

    @Test
    void theCompositorIsMovedIntoItsOwnCgroupBeforeAnyLimitIsWritten() {
        EnvelopePlanner.Result r = EnvelopePlanner.plan(withCompositor("running"), ObservedState.empty(),
                sway("/", Map.of("cgroup.controllers", "cpuset cpu io memory pids"), 0), List.of());
        assertThat(r.steps()).extracting(s -> s.step()).containsExactly(new Step.MoveToCgroup(Compositor.ID, 77, Compositor.CGROUP,
                "sway pid 77 is in cgroup /; its envelope lives in " + Compositor.CGROUP));
    }

    @Test
    void inItsCgroupTheCompositorGetsItsEnvelopeAndThenNeedsNothing() {
        var fresh = new TreeMap<String, String>(Map.of("cgroup.controllers", "cpu memory pids", "cpu.max", "max 100000",
                "cpu.weight", "100", "memory.max", "max", "memory.high", "max", "pids.max", "max"));
        EnvelopePlanner.Result r = EnvelopePlanner.plan(withCompositor("running"), ObservedState.empty(),
                sway(Compositor.CGROUP, fresh, 0), List.of());
        assertThat(r.steps()).extracting(s -> s.step()).containsExactly(
                new Step.WriteCgroup(Compositor.ID, Compositor.CGROUP, "cpu.weight", "400", "drift: cpu.weight is '100' in the kernel, intent '400'"),
                new Step.WriteCgroup(Compositor.ID, Compositor.CGROUP, "memory.max", "536870912", "drift: memory.max is 'max' in the kernel, intent '536870912'"),
                new Step.WriteCgroup(Compositor.ID, Compositor.CGROUP, "pids.max", "512", "drift: pids.max is 'max' in the kernel, intent '512'"),
                new Step.SetOomScoreAdj(Compositor.ID, 77, -500, "drift: oom_score_adj is 0 in the kernel, intent -500"));
        assertThat(r.unenforceable()).isEmpty();
        EnvelopePlanner.Result done = EnvelopePlanner.plan(withCompositor("running"), ObservedState.empty(),
                sway(Compositor.CGROUP, swayEnforced(), -500), List.of());
        assertThat(done.steps()).isEmpty();
        assertThat(done.unenforceable()).isEmpty();
        assertThat(done.notReadBack()).isEmpty();
    }

    @Test
    void withoutControllersTheCompositorsLimitsAreUnenforceableNotElsewhere() {
        // a hybrid host: cgroup v2 has no controllers, and nothing in cgroup v1 limits a process bay0 spawned
        EnvelopePlanner.Result r = EnvelopePlanner.plan(withCompositor("running"), ObservedState.empty(),
                sway(Compositor.CGROUP, Map.of("cgroup.controllers", "", "cgroup.freeze", "0"), -500), List.of());
        assertThat(r.steps()).isEmpty();
        assertThat(r.notReadBack()).isEmpty();
        assertThat(r.unenforceable()).containsExactly(
                "sys://compositor cpu.weight 400: cgroup v2 has no cpu controller in /spine.compositor on this host",
                "sys://compositor memory.max 536870912: cgroup v2 has no memory controller in /spine.compositor on this host",
                "sys://compositor pids.max 512: cgroup v2 has no pids controller in /spine.compositor on this host");
    }

    @Test
    void aCompositorWantedStoppedOrWithoutAProcessIsLeftAlone() {
        assertThat(EnvelopePlanner.plan(withCompositor("stopped"), ObservedState.empty(), sway("/", Map.of(), 0), List.of()).steps())
                .isEmpty();
        assertThat(EnvelopePlanner.plan(withCompositor("running"), ObservedState.empty(), KernelState.empty(), List.of()).steps())
                .isEmpty();
    }

    @Test
    void anOomScoreBelowWhatThisProcessMayWriteIsUnenforceableNotRetriedForever() {
        // root without CAP_SYS_RESOURCE (a container sandbox): the kernel refuses a negative oom_score_adj with EACCES
        EnvelopePlanner.Result r = EnvelopePlanner.plan(withCompositor("running"), ObservedState.empty(),
                sway(Compositor.CGROUP, swayEnforced(), 0, 0), List.of());
        assertThat(r.steps()).isEmpty();
        assertThat(r.unenforceable()).containsExactly(
                "sys://compositor oom_score_adj -500: below 0 needs CAP_SYS_RESOURCE, which this process lacks (it is 0)");
    }
}
