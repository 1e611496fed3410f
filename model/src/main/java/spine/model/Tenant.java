package spine.model;

import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** A spine-owned service: {@code kind: Tenant}, named {@code sys://<label>}, always without network. */
public record Tenant(ResourceId id, String image, List<String> command, SortedMap<String, String> env,
                     Optional<String> envelope, String socket, RunState state) implements Spec {
    public Tenant {
        if (id.kind() != Kind.TENANT) throw new IllegalArgumentException("not a tenant name: " + id);
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(env));
    }
}
