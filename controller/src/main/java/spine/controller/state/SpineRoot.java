package spine.controller.state;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import spine.drivers.VolumeDirs;

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

    /** Where the volumes live: {@code <root>/volumes}, beside the state directory, never inside it. */
    public VolumeDirs volumeDirs() {
        return new VolumeDirs(root.resolve("volumes"));
    }

    /** Removes a directory and everything in it; nothing when it is not there. A link is removed, never followed. */
    static void removeTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
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
