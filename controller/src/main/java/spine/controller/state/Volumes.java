package spine.controller.state;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import spine.drivers.VolumeDirs;
import spine.model.ResourceId;
import spine.model.Volume;

/**
 * The volumes on the state root ({@code <root>/volumes/<container>/<volume>}): made before a container that names one
 * runs, listed with the bytes they hold, removed only by {@code spine delete volume}. Nothing else here deletes: a
 * recreate, a persona's delete, the boot repair, an upgrade or a rollback leaves every volume as it is (retain, as a
 * Kubernetes PersistentVolume with {@code Retain}).
 */
public final class Volumes {
    /** One volume on disk: its owner, its name, where it is and the bytes of the files in it. */
    public record OnDisk(ResourceId owner, String name, Path dir, long bytes) {}

    private final VolumeDirs dirs;

    public Volumes(SpineRoot root) {
        this.dirs = root.volumeDirs();
    }

    public VolumeDirs dirs() {
        return dirs;
    }

    /**
     * The directory of each volume, made when missing (world-writable: the persona may run as any uid, and no other
     * container mounts it). True when any was made now.
     */
    public boolean ensure(ResourceId owner, List<Volume> volumes) throws StateException {
        boolean made = false;
        for (Volume v : volumes) {
            Path dir = dirs.dir(owner, v.name());
            if (Files.isDirectory(dir)) continue;
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                made = true;
            } catch (IOException | UnsupportedOperationException e) {
                throw new StateException("cannot make volume " + v.name() + " of " + owner + " at " + dir + ": " + e.getMessage()
                        + "; check the disk", e);
            }
        }
        return made;
    }

    /** Every volume on disk, by owner and name. */
    public List<OnDisk> list() throws StateException {
        var out = new ArrayList<OnDisk>();
        if (!Files.isDirectory(dirs.root())) return out;
        try (Stream<Path> owners = Files.list(dirs.root())) {
            for (Path o : owners.sorted().toList()) {
                Optional<ResourceId> owner = ResourceId.fromContainerName(o.getFileName().toString());
                if (owner.isEmpty() || !Files.isDirectory(o)) continue;
                try (Stream<Path> vols = Files.list(o)) {
                    for (Path v : vols.sorted().toList()) {
                        if (Files.isDirectory(v) && ResourceId.isLabel(v.getFileName().toString())) {
                            out.add(new OnDisk(owner.get(), v.getFileName().toString(), v, bytes(v)));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new StateException("cannot list the volumes under " + dirs.root() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The bytes one volume holds; empty when there is no such volume (or it cannot be read). */
    public java.util.OptionalLong bytes(ResourceId owner, String name) {
        if (!ResourceId.isLabel(name)) return java.util.OptionalLong.empty();
        Path dir = dirs.dir(owner, name);
        try {
            return Files.isDirectory(dir) ? java.util.OptionalLong.of(bytes(dir)) : java.util.OptionalLong.empty();
        } catch (IOException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** Removes one volume and every file in it; false when there was none. */
    public boolean delete(ResourceId owner, String name) throws StateException {
        if (!ResourceId.isLabel(name)) return false;
        Path dir = dirs.dir(owner, name);
        if (!Files.isDirectory(dir)) return false;
        try {
            SpineRoot.removeTree(dir);
            try (Stream<Path> left = Files.list(dir.getParent())) {
                if (left.findAny().isEmpty()) Files.delete(dir.getParent());
            }
            return true;
        } catch (IOException e) {
            throw new StateException("cannot remove volume " + name + " of " + owner + " at " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The bytes of the regular files under {@code dir} (a link is counted as itself, never followed). */
    private static long bytes(Path dir) throws IOException {
        long[] sum = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) sum[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return sum[0];
    }
}
