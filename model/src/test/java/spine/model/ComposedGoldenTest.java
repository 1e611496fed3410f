package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;
import spine.model.focus.Window;
import spine.model.focus.Windows;
import spine.model.kernel.CgroupView;
import spine.model.kernel.EnvelopeFiles;
import spine.model.kernel.KernelState;
import spine.model.kernel.Throttle;

/**
 * Walks {@code composed/<case>/}: a whole pass's plan ({@link PlanComposer}) from {@code desired.yaml},
 * {@code observed.json} (podman's containers, as in {@code golden/}) and {@code world.json} (the kernel's files per
 * running container, the governor's throttles, the compositor, the screen, the focus and the settled exits), compared
 * with {@code plan.txt}: one step per line, then the notes. Then every step is applied to a stateful world (podman's
 * containers, cgroup files, oom scores, the compositor's process and cgroup, windows) and the plans after it must come
 * to nothing within three passes (a persona started this pass is frozen by the next). {@code -Dgolden.update=true}
 * rewrites plan.txt and fails.
 */
class ComposedGoldenTest {
    private static final Path ROOT = Path.of("src/test/resources/composed");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A new cgroup: all controllers enabled, thawed, the kernel's defaults (a case's files override them; null removes one). */
    private static final TreeMap<String, String> BASE = new TreeMap<>(java.util.Map.of("cgroup.controllers",
            "cpuset cpu io memory pids", "cgroup.freeze", "0", "cgroup.events", "populated 1\nfrozen 0", "cpu.max", "max 100000",
            "cpu.weight", "100", "memory.max", "max", "memory.high", "max", "memory.swap.max", "max", "pids.max", "max"));

    @TestFactory
    Stream<DynamicTest> composedCases() throws IOException {
        return Fixtures.cases(ROOT, 6, ComposedGoldenTest::check);
    }

    /** Everything a pass reads, mutable so a plan can be applied to it. */
    private static final class World {
        final DesiredState desired;
        final FakeWorld podman;
        final TreeMap<ResourceId, TreeMap<String, String>> files = new TreeMap<>();
        final TreeMap<ResourceId, Integer> oom = new TreeMap<>();
        final List<Throttle> throttles = new ArrayList<>();
        final Set<ResourceId> settled = new TreeSet<>();
        Optional<ResourceId> focus = Optional.empty();
        Optional<ObservedCompositor> compositor = Optional.empty();
        String compositorCgroup = "";
        TreeMap<String, String> compositorFiles = new TreeMap<>();
        int compositorOom;
        Optional<String> visible = Optional.empty();
        List<Window> windows = new ArrayList<>();

        World(DesiredState desired, ObservedState observed) {
            this.desired = desired;
            this.podman = new FakeWorld(observed);
        }

        KernelState kernel() {
            var views = new TreeMap<ResourceId, CgroupView>();
            podman.observe().spine().forEach((id, c) -> {
                if (c.state() != ContainerState.RUNNING && c.state() != ContainerState.PAUSED) return;
                views.put(id, new CgroupView(id, c.id(), 100, "/libpod_parent/libpod-" + c.id(),
                        files.computeIfAbsent(id, k -> new TreeMap<>(BASE)), Optional.ofNullable(oom.get(id))));
            });
            Optional<CgroupView> sway = compositor.map(o -> new CgroupView(Compositor.ID, "", o.pid(), compositorCgroup,
                    compositorFiles, Optional.of(compositorOom)));
            return new KernelState(views, Optional.empty(), List.of(), List.of(), sway, KernelState.OOM_MIN);
        }

        PlanComposer.Composed plan() {
            return PlanComposer.compose(new PlanComposer.Inputs(desired, podman.observe(), settled, kernel(), throttles,
                    compositor, focus, compositor.map(c -> new Screen(visible, windows))));
        }

        void apply(Step step) {
            switch (step) {
                case Step.RunContainer s -> {
                    podman.apply(s);
                    // podman sets the envelope at run: the kernel holds it from the first look
                    var f = new TreeMap<>(BASE);
                    f.putAll(EnvelopeFiles.desired(s.container().limits()));
                    files.put(s.target(), f);
                    s.container().limits().oomScoreAdj().ifPresent(v -> oom.put(s.target(), v));
                }
                case Step.RemoveContainer s -> {
                    podman.apply(s);
                    files.remove(s.target());
                    oom.remove(s.target());
                }
                case Step.ContainerStep s -> podman.apply(s);
                case Step.DrainUmbilical s -> { }
                case Step.ImageStep s -> throw new AssertionError("the composed cases hold no Image: " + s); // AppImagePlannerTest
                case Step.WriteCgroup s -> (s.target().equals(Compositor.ID) ? compositorFiles : files.get(s.target()))
                        .put(s.file(), s.value());
                case Step.SetOomScoreAdj s -> {
                    if (s.target().equals(Compositor.ID)) compositorOom = s.value();
                    else oom.put(s.target(), s.value());
                }
                case Step.MoveToCgroup s -> {
                    compositorCgroup = s.cgroup();
                    compositorFiles = new TreeMap<>(BASE);
                }
                case Step.Freeze s -> freezer(s.target(), "1");
                case Step.Thaw s -> freezer(s.target(), "0");
                case Step.SpawnCompositor s -> {
                    compositor = Optional.of(new ObservedCompositor(77, s.backend(), true));
                    compositorCgroup = "/init.scope";
                    compositorFiles = new TreeMap<>(BASE);
                    compositorOom = 0;
                    visible = Optional.empty();
                    windows = new ArrayList<>();
                }
                case Step.StopCompositor s -> compositor = Optional.empty();
                case Step.ShowWorkspace s -> visible = Optional.of(s.workspace());
                case Step.MarkWindow s -> windows = Windows.marked(windows, s);
                case Step.FocusWindow s -> {
                    assertThat(files.get(s.target()).get("cgroup.freeze")).as("focus sent to frozen " + s.target()).isEqualTo("0");
                    windows = Windows.focused(windows, s);
                }
            }
        }

        private void freezer(ResourceId id, String frozen) {
            files.get(id).put("cgroup.freeze", frozen);
            files.get(id).put("cgroup.events", "populated 1\nfrozen " + frozen);
        }
    }

    private static World load(Path dir) throws IOException {
        DesiredState desired = Fixtures.desired(dir.resolve("desired.yaml"));
        var w = new World(desired, Fixtures.observed(dir.resolve("observed.json"), desired));
        JsonNode in = JSON.readTree(dir.resolve("world.json").toFile());
        if (in.hasNonNull("focus")) w.focus = ResourceId.fromUri(in.get("focus").asText());
        in.path("settled").forEach(n -> w.settled.add(ResourceId.fromUri(n.asText()).orElseThrow()));
        in.path("cgroups").properties().forEach(e -> {
            var f = new TreeMap<>(BASE);
            e.getValue().properties().forEach(kv -> {
                if (kv.getValue().isNull()) f.remove(kv.getKey());
                else f.put(kv.getKey(), kv.getValue().asText());
            });
            w.files.put(ResourceId.fromUri(e.getKey()).orElseThrow(), f);
        });
        in.path("oom").properties().forEach(e -> w.oom.put(ResourceId.fromUri(e.getKey()).orElseThrow(), e.getValue().asInt()));
        for (JsonNode t : in.path("throttles")) {
            w.throttles.add(new Throttle(ResourceId.fromUri(t.get("target").asText()).orElseThrow(), t.get("file").asText(),
                    t.get("value").asText(), t.get("reason").asText()));
        }
        JsonNode c = in.get("compositor");
        if (c != null && !c.isNull()) {
            w.compositor = Optional.of(new ObservedCompositor(c.get("pid").asLong(),
                    Compositor.Backend.valueOf(c.get("backend").asText().toUpperCase(java.util.Locale.ROOT)), c.get("ready").asBoolean()));
            w.compositorCgroup = c.path("cgroup").asText(Compositor.CGROUP);
            c.path("files").properties().forEach(kv -> w.compositorFiles.put(kv.getKey(), kv.getValue().asText()));
            w.compositorOom = c.path("oom").asInt(0);
            w.visible = Optional.ofNullable(c.path("visible").asText(null));
            for (JsonNode n : c.path("windows")) w.windows.add(Windows.of(n));
        }
        return w;
    }

    private static List<String> lines(PlanComposer.Composed c) {
        var out = new ArrayList<>(c.plan().lines());
        c.unenforceable().forEach(n -> out.add("unenforceable -- " + n));
        c.notReadBack().forEach(n -> out.add("not read back -- " + n));
        c.focusNote().ifPresent(n -> out.add("focus -- " + n));
        return out;
    }

    private static void check(Path dir) throws IOException {
        World world = load(dir);
        PlanComposer.Composed composed = world.plan();
        Fixtures.golden(dir.resolve("plan.txt"), lines(composed));

        Plan plan = composed.plan();
        for (int pass = 1; pass <= 3 && !plan.steps().isEmpty(); pass++) {
            for (Plan.PlannedStep s : plan.steps()) world.apply(s.step());
            plan = world.plan().plan();
        }
        assertThat(plan.steps()).as("steps left after three passes of " + dir.getFileName()).isEmpty();
    }
}
