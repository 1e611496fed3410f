package spine.drivers.sway;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spine.model.focus.Screen;
import spine.model.focus.Window;

/**
 * Parses sway's {@code get_tree} answer into a {@link Screen}: every node with a client pid is a window (tiled or
 * floating), on the workspace above it; the visible workspace is the {@code current_workspace} of the output that holds
 * the focus (else of the first real output), as {@code get_workspaces} would say. One request, not two: a focus switch
 * reads the screen on the UI path, and under TCG each round trip to sway costs milliseconds.
 */
public final class SwayTree {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SwayTree() {}

    public static Screen parse(String tree) throws java.io.IOException {
        JsonNode root = JSON.readTree(tree);
        var windows = new ArrayList<Window>();
        walk(root, null, windows);
        Optional<String> visible = Optional.empty();
        for (JsonNode output : root.path("nodes")) {
            if (!output.path("type").asText().equals("output") || output.path("name").asText().equals("__i3")) continue;
            Optional<String> current = Optional.ofNullable(output.path("current_workspace").textValue());
            if (current.isEmpty()) continue;
            if (holdsFocus(output)) return new Screen(current, windows);
            if (visible.isEmpty()) visible = current;
        }
        return new Screen(visible, windows);
    }

    private static boolean holdsFocus(JsonNode node) {
        if (node.path("focused").asBoolean(false)) return true;
        for (JsonNode child : node.path("nodes")) if (holdsFocus(child)) return true;
        for (JsonNode child : node.path("floating_nodes")) if (holdsFocus(child)) return true;
        return false;
    }

    private static void walk(JsonNode node, String workspace, List<Window> out) {
        String type = node.path("type").asText();
        if (type.equals("workspace")) workspace = node.path("name").asText();
        if (node.hasNonNull("pid") && (type.equals("con") || type.equals("floating_con")) && workspace != null
                && !workspace.equals("__i3_scratch")) {
            out.add(window(node, workspace));
        }
        for (JsonNode child : node.path("nodes")) walk(child, workspace, out);
        for (JsonNode child : node.path("floating_nodes")) walk(child, workspace, out);
    }

    /** One window node, as in get_tree and in a window event's {@code container}; {@code workspace} may be unknown (""). */
    public static Window window(JsonNode node, String workspace) {
        var marks = new ArrayList<String>();
        node.path("marks").forEach(m -> marks.add(m.asText()));
        String app = node.hasNonNull("app_id") ? node.get("app_id").asText()
                : node.path("window_properties").path("class").asText("");
        return new Window(node.path("id").asLong(), node.path("pid").asLong(), app, marks, workspace,
                node.path("focused").asBoolean(false), Optional.empty());
    }

    /** A window event: what changed and the window it concerns. */
    public record WindowEvent(String change, Window window) {}

    public static WindowEvent event(String payload) throws java.io.IOException {
        JsonNode n = JSON.readTree(payload);
        return new WindowEvent(n.path("change").asText(), window(n.path("container"), ""));
    }
}
