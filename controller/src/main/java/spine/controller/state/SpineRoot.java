package spine.controller.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The writable root ({@code /persist} on a device, {@code --root DIR} or {@code SPINE_ROOT} in host mode).
 * Only this package resolves paths under it; everything else calls typed functions here.
 */
public final class SpineRoot {
    public static final Path DEFAULT = Path.of("/persist");

    private final Path root;

    public SpineRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path path() {
        return root;
    }

    Path dir() {
        return root.resolve("spine");
    }

    Path database() {
        return dir().resolve("intent.db");
    }

    Path logFile() {
        return dir().resolve("spine.log");
    }

    Path lockFile() {
        return dir().resolve("converge.lock");
    }

    Path controlSocket() {
        return dir().resolve("control.sock");
    }

    Path slots() {
        return dir().resolve("slots");
    }

    boolean hasDatabase() {
        return Files.isRegularFile(database());
    }

    /** Creates {@code <root>/spine} (mode 0750) if needed, or explains why it cannot. */
    void ensureDir() throws StateException {
        try {
            if (!Files.isDirectory(dir())) {
                Files.createDirectories(dir());
                Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwxr-x---"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new StateException("cannot create " + dir() + ": " + e.getMessage()
                    + "; check that " + root + " exists and is writable, or pass --root DIR");
        }
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
