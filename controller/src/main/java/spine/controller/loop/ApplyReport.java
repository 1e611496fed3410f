package spine.controller.loop;

import java.util.SortedMap;

import spine.controller.state.Status;
import spine.model.Phase;
import spine.model.ResourceId;

/** The line {@code spine apply} prints per resource, whether the CLI stored the intent or the converger did. */
public final class ApplyReport {
    private ApplyReport() {}

    public static String line(ResourceId id, String change, SortedMap<ResourceId, Status> statuses) {
        var sb = new StringBuilder(String.format("%-8s %-24s %-9s", id.kind().cliName(), id, change));
        Status s = statuses.get(id);
        if (id.kind().runsAsContainer()) {
            sb.append(" phase=").append(s == null ? "stopped" : s.phase().word());
            if (s != null && (s.phase() == Phase.CRASHLOOP || s.phase() == Phase.EXITED)) {
                s.crash().exitCode().ifPresent(c -> sb.append(" exit=").append(c));
                sb.append(" restarts=").append(s.crash().restarts());
                s.crash().nextTry().ifPresent(t -> sb.append(" next_try=").append(t));
            }
            if (s != null) s.lastError().ifPresent(e -> sb.append(" error=\"").append(e).append('"'));
        }
        return sb.toString().stripTrailing();
    }
}
