package spine.model;

import java.time.Instant;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** One container as podman reports it. */
public record ObservedContainer(String id, String name, ContainerState state, String image,
                                SortedMap<String, String> labels, Optional<Exit> exit, long pid) {
    /** How a container that ran ended: its exit code, when it started and when it exited. */
    public record Exit(int code, Instant startedAt, Instant exitedAt) {}

    public ObservedContainer {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** Without a main pid (podman reports 0 for a container that is not running). */
    public ObservedContainer(String id, String name, ContainerState state, String image, SortedMap<String, String> labels,
                             Optional<Exit> exit) {
        this(id, name, state, image, labels, exit, 0);
    }

    /** A container that has not exited (or whose exit nobody recorded). */
    public ObservedContainer(String id, String name, ContainerState state, String image, SortedMap<String, String> labels) {
        this(id, name, state, image, labels, Optional.empty());
    }

    /**
     * The resource this container belongs to, when it is Spine's: its {@code io.spine.name} label parses
     * under the grammar, its {@code io.spine.kind} agrees, and its podman name is that name's container name.
     * Anything else is foreign and is never touched.
     */
    public Optional<ResourceId> spineId() {
        return ResourceId.fromUri(labels.get(Labels.NAME))
                .filter(id -> id.kind().cliName().equals(labels.get(Labels.KIND)))
                .filter(id -> id.containerName().equals(name));
    }

    /** The cgroup directory podman makes for container {@code id} ({@code libpod-<id>}): its processes and limits. */
    public static String cgroupName(String id) {
        return "libpod-" + id;
    }

    /** Whether a process whose cgroup path (from {@code /proc/PID/cgroup}) is {@code cgroup} runs in container {@code id}. */
    public static boolean runsIn(String cgroup, String id) {
        return !id.isEmpty() && cgroup.contains(cgroupName(id));
    }

    public String specHash() {
        return labels.getOrDefault(Labels.SPEC_HASH, "");
    }

    public long generation() {
        try {
            return Long.parseLong(labels.getOrDefault(Labels.GENERATION, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
