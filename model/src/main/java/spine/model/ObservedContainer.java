package spine.model;

import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** One container as podman reports it. */
public record ObservedContainer(String id, String name, ContainerState state, String image,
                                SortedMap<String, String> labels) {
    public ObservedContainer {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
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
