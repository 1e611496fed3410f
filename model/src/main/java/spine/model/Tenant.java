package spine.model;

import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A spine-owned service: {@code kind: Tenant}, named {@code sys://<label>}, always without network. Its volumes, like
 * a persona's, keep its files on the state root across recreates.
 */
public record Tenant(ResourceId id, String image, List<String> command, SortedMap<String, String> env,
                     Optional<String> envelope, String socket, RunState state, List<Volume> volumes) implements Spec {
    public Tenant {
        if (id.kind() != Kind.TENANT) throw new IllegalArgumentException("not a tenant name: " + id);
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(env));
        volumes = List.copyOf(volumes);
    }

    /** Without volumes. */
    public Tenant(ResourceId id, String image, List<String> command, SortedMap<String, String> env, Optional<String> envelope,
                  String socket, RunState state) {
        this(id, image, command, env, envelope, socket, state, List.of());
    }

    /** The first uid of the range tenants run as; see {@link #uid()}. */
    public static final int UID_BASE = 61000;
    public static final int UID_RANGE = 4000;

    /**
     * The unprivileged uid this tenant runs as and that owns its socket directory: {@link #UID_BASE} plus the CRC-32 of
     * its label modulo {@link #UID_RANGE}, so it is the same on every machine and across reboots without a table.
     * Two tenants that land on one uid are a planner conflict, never a shared uid.
     */
    public int uid() {
        return uidOf(id);
    }

    /** {@link #uid()} from the name alone: a step that starts an existing container knows no more than that. */
    public static int uidOf(ResourceId tenant) {
        var crc = new java.util.zip.CRC32();
        crc.update(tenant.label().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return UID_BASE + (int) (crc.getValue() % UID_RANGE);
    }
}
