package spine.model.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spine.model.ContainerState;
import spine.model.Fixtures;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.Labels;
import spine.model.NetworkMode;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Spec;
import spine.model.Step;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;

/**
 * Walks {@code focus/<case>/}: {@code input.json} holds the desired focus, each persona (in intent or not, running or
 * not, its freezer files) and the screen sway showed; {@code plan.txt} the steps, one per line. Then the steps are
 * applied to a small stateful world (freezer files, windows, the visible workspace, focus) and the next plan must be
 * empty. {@code -Dgolden.update=true} rewrites plan.txt and fails.
 */
class FocusGoldenTest {
    private static final Path ROOT = Path.of("src/test/resources/focus");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> focusCases() throws IOException {
        return Fixtures.cases(ROOT, 8, FocusGoldenTest::check);
    }

    /** The world a case describes, mutable so the plan can be applied to it. */
    private static final class World {
        Optional<ResourceId> focus;
        final List<Spec> specs = new ArrayList<>();
        final List<ObservedContainer> containers = new ArrayList<>();
        final TreeMap<ResourceId, TreeMap<String, String>> cgroups = new TreeMap<>();
        Optional<String> visible = Optional.empty();
        List<Window> windows = new ArrayList<>();
        boolean compositor;

        DesiredState desired() { return DesiredState.of(specs); }
        ObservedState observed() { return ObservedState.of(containers); }

        KernelState kernel() {
            var map = new TreeMap<ResourceId, CgroupView>();
            cgroups.forEach((id, files) -> map.put(id, new CgroupView(id, "c-" + id.label(), 100, "/libpod_parent/libpod-" + id.label(),
                    files, Optional.empty())));
            return new KernelState(map, Optional.empty(), List.of(), List.of());
        }

        Optional<Screen> screen() {
            return compositor ? Optional.of(new Screen(visible, windows)) : Optional.empty();
        }

        FocusPlanner.Result plan() {
            return FocusPlanner.plan(focus, desired(), observed(), kernel(), screen());
        }

        void apply(Step step) {
            switch (step) {
                case Step.Freeze s -> {
                    cgroups.get(s.target()).put("cgroup.freeze", "1");
                    cgroups.get(s.target()).put("cgroup.events", "populated 1\nfrozen 1");
                }
                case Step.Thaw s -> {
                    cgroups.get(s.target()).put("cgroup.freeze", "0");
                    cgroups.get(s.target()).put("cgroup.events", "populated 1\nfrozen 0");
                }
                case Step.ShowWorkspace s -> visible = Optional.of(s.workspace());
                case Step.MarkWindow s -> windows = Windows.marked(windows, s);
                case Step.FocusWindow s -> {
                    assertThat(frozen(s.target())).as("focus sent to frozen " + s.target()).isFalse();
                    windows = Windows.focused(windows, s);
                }
                default -> throw new AssertionError("not a focus step: " + step);
            }
        }

        boolean frozen(ResourceId id) {
            var files = cgroups.get(id);
            return files != null && "1".equals(files.get("cgroup.freeze"));
        }
    }

    private static World load(Path input) throws IOException {
        JsonNode in = JSON.readTree(input.toFile());
        var w = new World();
        w.focus = in.hasNonNull("focus") ? Optional.of(ResourceId.fromUri(in.get("focus").asText()).orElseThrow()) : Optional.empty();
        in.get("personas").properties().forEach(e -> {
            ResourceId id = ResourceId.fromUri(e.getKey()).orElseThrow();
            JsonNode p = e.getValue();
            if (p.path("intent").asBoolean(true)) {
                w.specs.add(new Persona(id, "localhost/spine/foot:1", List.of(), new TreeMap<>(), RunState.RUNNING, Optional.empty(),
                        false, true, NetworkMode.NONE));
            }
            String state = p.path("container").asText("running");
            if (!state.equals("none")) {
                var labels = new TreeMap<String, String>();
                labels.put(Labels.NAME, id.toString());
                labels.put(Labels.KIND, Kind.PERSONA.cliName());
                w.containers.add(new ObservedContainer("c-" + id.label(), id.containerName(), ContainerState.fromPodman(state),
                        "localhost/spine/foot:1", labels, Optional.empty(), 100));
                if (state.equals("running")) {
                    var files = new TreeMap<String, String>();
                    String freeze = p.path("freeze").asText("0");
                    files.put("cgroup.freeze", freeze);
                    files.put("cgroup.events", "populated 1\nfrozen " + p.path("frozen").asText(freeze));
                    w.cgroups.put(id, files);
                }
            }
        });
        JsonNode screen = in.get("screen");
        if (screen != null && !screen.isNull()) {
            w.compositor = true;
            w.visible = Optional.ofNullable(screen.path("visible").asText(null));
            for (JsonNode n : screen.path("windows")) w.windows.add(Windows.of(n));
        }
        return w;
    }

    private static void check(Path dir) throws IOException {
        World world = load(dir.resolve("input.json"));
        FocusPlanner.Result r = world.plan();
        var lines = new ArrayList<String>();
        r.note().ifPresent(n -> lines.add("note -- " + n));
        r.steps().forEach(s -> lines.add(s.target() + " " + s.verb() + " -- " + s.reason()));
        Fixtures.golden(dir.resolve("plan.txt"), lines);

        for (Step s : r.steps()) world.apply(s);
        assertThat(world.plan().steps()).as("plan after applying " + dir.getFileName()).isEmpty();
        world.focus.filter(f -> world.desired().specs().containsKey(f)).ifPresent(f -> {
            world.cgroups.forEach((id, files) -> assertThat(world.frozen(id)).as(id + " frozen").isEqualTo(!id.equals(f)));
        });
    }
}
