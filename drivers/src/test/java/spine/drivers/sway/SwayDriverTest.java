package spine.drivers.sway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.focus.Screen;
import spine.model.focus.Window;

/**
 * Replays answers recorded from a real sway 1.7 (headless, pixman; two foot windows, see the resources' README) through
 * the driver's seam, and checks what the driver sends for each window step.
 */
class SwayDriverTest {
    private static final Path DIR = Path.of("src/test/resources/sway");

    /** A sway that answers from recordings and remembers the commands it was sent. */
    private static final class Recorded implements SwayIpc {
        final Map<Integer, String> answers;
        final List<String> commands = new ArrayList<>();
        final List<Integer> requests = new ArrayList<>();
        String commandAnswer = "[ { \"success\": true } ]";

        Recorded(Map<Integer, String> answers) {
            this.answers = answers;
        }

        public String send(int type, String payload) {
            requests.add(type);
            if (type == RUN_COMMAND) {
                commands.add(payload);
                return commandAnswer;
            }
            return answers.get(type);
        }
    }

    private static Recorded recording(String name) throws IOException {
        return new Recorded(Map.of(SwayIpc.GET_TREE, Files.readString(DIR.resolve("tree-" + name + ".json")),
                SwayIpc.GET_WORKSPACES, Files.readString(DIR.resolve("workspaces-" + name + ".json")),
                SwayIpc.GET_VERSION, "{\"human_readable\": \"1.7\", \"variant\": \"sway\", \"major\": 1}"));
    }

    @Test
    void aNewWindowAppearsUnmarkedOnTheVisibleWorkspaceWithFocus() throws IOException {
        Screen s = new SwayDriver(recording("new-window")).observe();
        assertThat(s.visibleWorkspace()).contains("1");
        assertThat(s.windows()).extracting(Window::conId, Window::appId, Window::marks, Window::workspace, Window::focused)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(7L, "games-term", List.of(), "1", true),
                        org.assertj.core.groups.Tuple.tuple(5L, "work-term", List.of("p://work"), "p://work", false));
        assertThat(s.windows()).allSatisfy(w -> assertThat(w.pid()).isPositive());
    }

    /**
     * The visible workspace comes from the tree's outputs ({@code current_workspace}), so a look at the screen is one
     * request: it must say what sway's own {@code get_workspaces} answer recorded in the same moment says.
     */
    @Test
    void oneRequestPerLookAndTheVisibleWorkspaceAgreesWithGetWorkspaces() throws IOException {
        for (String name : List.of("new-window", "two-personas")) {
            Recorded sway = recording(name);
            Screen s = new SwayDriver(sway).observe();
            assertThat(sway.requests).as(name).containsExactly(SwayIpc.GET_TREE);
            var focused = new ArrayList<String>();
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(sway.answers.get(SwayIpc.GET_WORKSPACES))
                    .forEach(ws -> { if (ws.path("focused").asBoolean()) focused.add(ws.path("name").asText()); });
            assertThat(focused).as(name).hasSize(1);
            assertThat(s.visibleWorkspace()).as(name).contains(focused.get(0));
        }
    }

    @Test
    void withoutAFocusedOutputTheFirstRealOutputsWorkspaceIsVisible() throws IOException {
        String tree = Files.readString(DIR.resolve("tree-two-personas.json")).replace("\"focused\": true", "\"focused\": false");
        assertThat(tree).doesNotContain("\"focused\": true");
        assertThat(SwayTree.parse(tree).visibleWorkspace()).contains("p://work");
    }

    @Test
    void markedWindowsOnTheirOwnWorkspaces() throws IOException {
        Screen s = new SwayDriver(recording("two-personas")).observe();
        assertThat(s.visibleWorkspace()).contains("p://work");
        assertThat(s.windows()).extracting(Window::appId, Window::workspace, Window::focused)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("work-term", "p://work", true),
                        org.assertj.core.groups.Tuple.tuple("games-term", "p://games", false));
        ResourceId work = ResourceId.fromUri("p://work").orElseThrow();
        Screen owned = s.owned(pid -> s.windows().stream().filter(w -> w.pid() == pid && w.appId().equals("work-term"))
                .findFirst().map(w -> work));
        assertThat(owned.of(work)).hasSize(1);
        assertThat(owned.focused().flatMap(Window::owner)).contains(work);
    }

    @Test
    void windowStepsBecomeCriteriaScopedCommands() throws IOException {
        Recorded sway = recording("two-personas");
        var driver = new SwayDriver(sway);
        ResourceId games = ResourceId.fromUri("p://games").orElseThrow();
        assertThat(driver.apply(new Step.ShowWorkspace(games, "p://games", "r"))).isInstanceOf(StepResult.Ok.class);
        assertThat(driver.apply(new Step.MarkWindow(games, 7, "p://games", "p://games", "r"))).isInstanceOf(StepResult.Ok.class);
        assertThat(driver.apply(new Step.FocusWindow(games, "p://games", "r"))).isInstanceOf(StepResult.Ok.class);
        assertThat(sway.commands).containsExactly("workspace \"p://games\"",
                "[con_id=7] mark --add \"p://games\", move container to workspace \"p://games\"",
                "[con_mark=\"p://games\"] focus");
        assertThat(driver.version()).isEqualTo("1.7");
    }

    @Test
    void aRefusedCommandIsAFailureWithSwaysReason() throws IOException {
        Recorded sway = recording("two-personas");
        sway.commandAnswer = "[ { \"success\": false, \"parse_error\": false, \"error\": \"No matching node.\" } ]";
        StepResult r = new SwayDriver(sway).apply(new Step.FocusWindow(ResourceId.fromUri("p://x").orElseThrow(), "p://x", "r"));
        assertThat(r).isInstanceOfSatisfying(StepResult.Failed.class, f -> {
            assertThat(f.reason()).contains("No matching node.");
            assertThat(f.retryable()).isTrue();
        });
    }

    @Test
    void recordedWindowEventsParse() throws IOException {
        List<SwayTree.WindowEvent> events = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("window-events.jsonl"))) events.add(SwayTree.event(line));
        assertThat(events).extracting(SwayTree.WindowEvent::change)
                .containsExactly("new", "title", "focus", "mark", "move", "new", "title", "focus", "mark", "move", "focus");
        assertThat(events.get(0).window().appId()).isEqualTo("work-term");
        assertThat(events.get(3).window().marks()).containsExactly("p://work");
    }

    @Test
    void framesRoundTripAndABadMagicIsRefused() throws IOException {
        byte[] wire = SwaySocket.encode(SwayIpc.GET_VERSION, "{\"x\":\"é\"}");
        SwaySocket.Frame f = SwaySocket.decode(new DataInputStream(new ByteArrayInputStream(wire)));
        assertThat(f).isEqualTo(new SwaySocket.Frame(SwayIpc.GET_VERSION, "{\"x\":\"é\"}"));
        wire[0] = 'x';
        byte[] bad = wire;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SwaySocket.decode(new DataInputStream(new ByteArrayInputStream(bad))))
                .hasMessageContaining("bad magic");
        assertThat(new String(SwaySocket.encode(0, ""), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("i3-ipc");
        assertThat(Optional.of(wire.length)).contains(6 + 8 + "{\"x\":\"é\"}".getBytes(StandardCharsets.UTF_8).length);
    }
}
