package spine.drivers;

import java.nio.file.Path;

import spine.model.ResourceId;

/**
 * Where the host keeps the sockets it shares with containers, under one run directory ({@code /run/spine} on a
 * device). A tenant's directory is bind-mounted at the directory of its {@code socket:} path and belongs to the
 * tenant's uid alone; a persona with {@code umbilical: true} gets its own directory, holding the socket the broker
 * listens on, mounted at {@code /run/spine}. Nothing here is continuity: it is rebuilt at every boot.
 */
public record SocketDirs(Path run) {
    public static final Path DEFAULT = Path.of("/run/spine");
    /** Where a persona finds the umbilical, inside its container. */
    public static final String UMBILICAL_IN_CONTAINER = "/run/spine/umbilical.sock";

    public SocketDirs {
        run = run.toAbsolutePath().normalize();
    }

    public Path tenantDir(ResourceId tenant) {
        return run.resolve("tenant").resolve(tenant.containerName());
    }

    /** The tenant's socket as the host sees it: its directory plus the file name of its {@code socket:} path. */
    public Path tenantSocket(ResourceId tenant, String socketInContainer) {
        return tenantDir(tenant).resolve(Path.of(socketInContainer).getFileName().toString());
    }

    /** The compositor's private runtime directory: its Wayland and IPC sockets (0700, its uid's). */
    public Path compositorDir() {
        return run.resolve("compositor");
    }

    /** The one file a persona with a display gets: the Wayland socket, never the directory (its IPC socket is there). */
    public Path waylandSocket() {
        return compositorDir().resolve("wayland-1");
    }

    /** Where a persona with a display finds the Wayland socket: {@code XDG_RUNTIME_DIR} and {@code WAYLAND_DISPLAY}. */
    public static final String DISPLAY_DIR_IN_CONTAINER = "/run/wayland";
    public static final String DISPLAY_NAME = "wayland-1";

    /**
     * A persona's busy-lock directory (issue 12), mounted read-write at {@link #LOCK_DIR_IN_CONTAINER} in every persona:
     * while {@link #BUSY_LOCK} exists there, the persona vetoes disruption (an upgrade waits, or needs --force).
     */
    public Path lockDir(ResourceId persona) {
        return run.resolve("locks").resolve(persona.containerName());
    }

    public static final String LOCK_DIR_IN_CONTAINER = "/run/spine-lock";
    public static final String BUSY_LOCK = "updates.lock";

    public Path umbilicalDir(ResourceId persona) {
        return run.resolve("umbilical").resolve(persona.containerName());
    }

    public Path umbilicalSocket(ResourceId persona) {
        return umbilicalDir(persona).resolve("umbilical.sock");
    }
}
