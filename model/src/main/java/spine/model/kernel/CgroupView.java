package spine.model.kernel;

import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.ResourceId;

/**
 * One container as the kernel enforces it: its cgroup v2 directory (from {@code /proc/PID/cgroup} of its main pid,
 * never guessed), the interface files that exist there with their trimmed contents, and the main pid's
 * {@code oom_score_adj}. A file missing from {@code files} does not exist on this kernel. The compositor, a host
 * process, has a view too, with an empty {@code containerId}.
 */
public record CgroupView(ResourceId id, String containerId, long pid, String cgroup, SortedMap<String, String> files,
                         Optional<Integer> oomScoreAdj) {
    public CgroupView {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }

    public Optional<String> file(String name) {
        return Optional.ofNullable(files.get(name));
    }

    /** {@code cgroup.events} says {@code frozen 1}. */
    public boolean frozen() {
        return file("cgroup.events").map(e -> e.lines().anyMatch("frozen 1"::equals)).orElse(false);
    }

    /** {@code usage_usec} from {@code cpu.stat}, or -1. */
    public long cpuUsageUsec() {
        return file("cpu.stat").flatMap(s -> s.lines().filter(l -> l.startsWith("usage_usec "))
                .map(l -> l.substring("usage_usec ".length()).strip()).findFirst())
                .map(v -> {
                    try {
                        return Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        return -1L;
                    }
                }).orElse(-1L);
    }
}
