package spine.model.focus;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import spine.model.ResourceId;

/** What the compositor shows: the workspace on the output and every toplevel window, in tree order. */
public record Screen(Optional<String> visibleWorkspace, List<Window> windows) {
    public Screen {
        windows = List.copyOf(windows);
    }

    /** The window that has keyboard focus, if any. */
    public Optional<Window> focused() {
        return windows.stream().filter(Window::focused).findFirst();
    }

    /** The windows of one persona. */
    public List<Window> of(ResourceId persona) {
        return windows.stream().filter(w -> w.owner().equals(Optional.of(persona))).toList();
    }

    /** This screen with each window's owner resolved from its client's pid. */
    public Screen owned(Function<Long, Optional<ResourceId>> ownerOfPid) {
        return new Screen(visibleWorkspace, windows.stream().map(w -> w.withOwner(ownerOfPid.apply(w.pid()))).toList());
    }

    /** The workspace and mark a persona's windows carry: its name, {@code p://work}. */
    public static String workspaceOf(ResourceId persona) {
        return persona.toString();
    }
}
