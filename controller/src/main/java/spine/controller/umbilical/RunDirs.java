package spine.controller.umbilical;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import spine.drivers.SocketDirs;
import spine.model.Kind;
import spine.model.ResourceId;
import spine.model.Tenant;

/**
 * Makes the host directories containers mount for their sockets, under the run directory (never the persist root):
 * a tenant's belongs to the tenant's uid alone (0700); a persona's umbilical directory is 0755 and holds only the
 * socket the broker listens on.
 */
public final class RunDirs {
    private RunDirs() {}

    public static Path tenant(SocketDirs dirs, ResourceId tenant, int uid) throws IOException {
        Path dir = dirs.tenantDir(tenant);
        Files.createDirectories(dir);
        Files.setAttribute(dir, "unix:uid", uid);
        Files.setAttribute(dir, "unix:gid", uid);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** A persona's busy-lock directory: sticky and world-writable like /tmp, since the persona may run as any uid. */
    public static Path lock(SocketDirs dirs, ResourceId persona) throws IOException {
        Path dir = dirs.lockDir(persona);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(dir, "unix:mode", 01777);
        return dir;
    }

    /** The personas that hold their busy-lock now ({@code updates.lock} in their lock directory), sorted. */
    public static java.util.List<String> busy(SocketDirs dirs) throws IOException {
        Path locks = dirs.run().resolve("locks");
        if (!Files.isDirectory(locks)) return java.util.List.of();
        try (var s = Files.list(locks)) {
            return s.filter(d -> Files.exists(d.resolve(SocketDirs.BUSY_LOCK))).map(d -> d.getFileName().toString())
                    .map(n -> ResourceId.fromContainerName(n).map(ResourceId::toString).orElse(n)).sorted().toList();
        }
    }

    /**
     * The host directories a container mounts, made before it runs or starts; the reason when they cannot be. The run
     * directory is a tmpfs, gone after a reboot, while stopped containers that mount from it stay in podman's storage:
     * a start needs its mount sources back first, or podman refuses with "no such file or directory". A tenant's
     * directory and uid come from its name; a persona gets its busy-lock directory, and its umbilical directory when
     * it mounts one (a start passes true: an empty directory costs nothing, and the step does not carry the spec).
     */
    public static java.util.Optional<String> prepare(SocketDirs dirs, ResourceId id, boolean umbilical) {
        try {
            if (id.kind() == Kind.TENANT) tenant(dirs, id, Tenant.uidOf(id));
            else if (id.kind() == Kind.PERSONA) {
                lock(dirs, id);
                if (umbilical) persona(dirs, id);
            }
            return java.util.Optional.empty();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return java.util.Optional.of("cannot prepare the socket directory of " + id + " under " + dirs.run() + ": " + e);
        }
    }

    public static Path persona(SocketDirs dirs, ResourceId persona) throws IOException {
        Path dir = dirs.umbilicalDir(persona);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
