package spine.model.focus;

import java.util.List;
import java.util.Optional;

import spine.model.ResourceId;

/**
 * One toplevel as sway reports it in {@code get_tree}: its container id, the host pid of its client, its
 * {@code app_id}, marks, the workspace it lives on and whether it has focus. {@code owner} is the persona whose
 * container the pid runs in ({@code /proc/PID/cgroup} names it), or empty for a client of no persona.
 */
public record Window(long conId, long pid, String appId, List<String> marks, String workspace, boolean focused,
                     Optional<ResourceId> owner) {
    public Window {
        marks = List.copyOf(marks);
    }

    public Window withOwner(Optional<ResourceId> who) {
        return new Window(conId, pid, appId, marks, workspace, focused, who);
    }
}
