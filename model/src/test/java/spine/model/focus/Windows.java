package spine.model.focus;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import spine.model.ResourceId;
import spine.model.Step;

/** sway as the golden tests' worlds play it: a window read from a case, and what a mark or a focus step does. */
public final class Windows {
    private Windows() {}

    /** {@code {"con":5,"pid":1201,"app":"foot","marks":["p://work"],"workspace":"p://work","focused":true,"owner":"p://work"}} */
    public static Window of(JsonNode n) {
        var marks = new ArrayList<String>();
        n.path("marks").forEach(m -> marks.add(m.asText()));
        return new Window(n.get("con").asLong(), n.get("pid").asLong(), n.path("app").asText(""), marks,
                n.get("workspace").asText(), n.path("focused").asBoolean(false),
                n.hasNonNull("owner") ? ResourceId.fromUri(n.get("owner").asText()) : java.util.Optional.empty());
    }

    /** The window the step names, marked and moved to its workspace. */
    public static List<Window> marked(List<Window> windows, Step.MarkWindow s) {
        return windows.stream().map(w -> {
            if (w.conId() != s.conId()) return w;
            var marks = new ArrayList<>(w.marks());
            if (!marks.contains(s.mark())) marks.add(s.mark());
            return new Window(w.conId(), w.pid(), w.appId(), marks, s.workspace(), w.focused(), w.owner());
        }).toList();
    }

    /** The first window with the step's mark focused, every other not. */
    public static List<Window> focused(List<Window> windows, Step.FocusWindow s) {
        boolean[] first = {true};
        return windows.stream().map(w -> {
            boolean f = first[0] && w.marks().contains(s.mark());
            if (f) first[0] = false;
            return new Window(w.conId(), w.pid(), w.appId(), w.marks(), w.workspace(), f, w.owner());
        }).toList();
    }
}
