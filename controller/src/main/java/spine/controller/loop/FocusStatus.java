package spine.controller.loop;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import spine.controller.state.IntentStore;
import spine.controller.state.FocusRow;
import spine.model.Kind;
import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;
import spine.model.focus.Window;
import spine.model.kernel.KernelState;

/**
 * {@code spine get focus} as JSON: the desired focus (who set it, when), each running persona's freezer as the kernel
 * showed it, the visible workspace and the window with keyboard focus, with its owner.
 */
public final class FocusStatus {
    private FocusStatus() {}

    /** The pid of the ready compositor in a converger's {@code focus-status} answer, or -1 without one. */
    public static long compositorPid(com.fasterxml.jackson.databind.JsonNode answer) {
        return answer.path("focus").path("observed").path("compositorPid").asLong(-1);
    }

    public static ObjectNode json(Optional<FocusRow.Focus> desired, KernelState kernel, Optional<Screen> screen,
                                  Optional<ObservedCompositor> compositor) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode want = out.putObject("desired");
        desired.ifPresentOrElse(f -> {
            want.put("persona", f.persona().toString());
            want.put("since", f.since());
            want.put("uid", f.uid());
        }, () -> want.put("persona", "none"));
        ObjectNode observed = out.putObject("observed");
        ObjectNode personas = observed.putObject("personas");
        kernel.cgroups().forEach((id, c) -> {
            if (id.kind() != Kind.PERSONA) return;
            ObjectNode p = personas.putObject(id.toString());
            p.put("frozen", c.frozen());
            p.put("cpuUsageUsec", c.cpuUsageUsec());
        });
        screen.ifPresentOrElse(s -> {
            observed.put("compositor", true);
            observed.put("visibleWorkspace", s.visibleWorkspace().orElse(""));
            Optional<Window> f = s.focused();
            observed.put("focusedWindow", f.map(w -> w.appId() + " (con " + w.conId() + ")").orElse(""));
            observed.put("focusedPersona", f.flatMap(Window::owner).map(Object::toString).orElse("none"));
            observed.put("windows", s.windows().size());
        }, () -> observed.put("compositor", false));
        compositor.filter(ObservedCompositor::ready).ifPresent(c -> observed.put("compositorPid", c.pid()));
        return out;
    }
}
