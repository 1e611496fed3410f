package spine.drivers.sway;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spine.model.Step;
import spine.model.StepResult;
import spine.model.focus.Screen;

/**
 * Observes sway's windows and applies the window steps over one {@link SwayIpc} connection. Every command is a
 * criteria-scoped {@code RUN_COMMAND} whose answer sway sends after applying it: that answer is the acknowledgement
 * a focus switch waits for before it freezes anything.
 */
public final class SwayDriver {
    private static final System.Logger LOG = System.getLogger("sway");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SwayIpc ipc;

    public SwayDriver(SwayIpc ipc) {
        this.ipc = ipc;
    }

    /** The windows and the visible workspace, owners not yet resolved: one {@code get_tree}. */
    public Screen observe() throws IOException {
        return SwayTree.parse(ipc.send(SwayIpc.GET_TREE, ""));
    }

    /** {@code human_readable} of {@code GET_VERSION}, e.g. "1.7". */
    public String version() throws IOException {
        return JSON.readTree(ipc.send(SwayIpc.GET_VERSION, "")).path("human_readable").asText("?");
    }

    public StepResult apply(Step.WindowStep step) {
        return switch (step) {
            case Step.ShowWorkspace s -> command("workspace " + quote(s.workspace()));
            case Step.MarkWindow s -> command("[con_id=" + s.conId() + "] mark --add " + quote(s.mark())
                    + ", move container to workspace " + quote(s.workspace()));
            case Step.FocusWindow s -> command("[con_mark=" + quote(s.mark()) + "] focus");
        };
    }

    /** Runs one command line; sway answers one result per command, each with {@code success} and maybe an error. */
    public StepResult command(String line) {
        LOG.log(System.Logger.Level.DEBUG, "sway command \"{0}\"", line);
        String answer;
        try {
            answer = ipc.send(SwayIpc.RUN_COMMAND, line);
        } catch (IOException e) {
            return new StepResult.Failed("sway IPC: " + e.getMessage(), true);
        }
        try {
            JsonNode results = JSON.readTree(answer);
            for (JsonNode r : results) {
                if (!r.path("success").asBoolean(false)) {
                    return new StepResult.Failed("sway refused \"" + line + "\": " + r.path("error").asText("no reason given"), true);
                }
            }
            return new StepResult.Ok("sway: " + line);
        } catch (IOException e) {
            return new StepResult.Failed("sway answered \"" + line + "\" with something not JSON: " + answer, true);
        }
    }

    /** A sway string argument: double-quoted, with backslash and quote escaped. */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
