package spine.controller.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private final Optional<DiskQuotas> quotas;

    public Volumes(SpineRoot root) {
        this(root.volumeDirs(), Optional.empty());
    }

    private Volumes(VolumeDirs dirs, Optional<DiskQuotas> quotas) {
        this.dirs = dirs;
        this.quotas = quotas;
    }

    /** These volumes bounded by the kernel where persist enforces project quotas (a volume's size; else accounted). */
    public Volumes withQuotas(DiskQuotas q) {
        return new Volumes(dirs, Optional.of(q));
    }

    /** Whether a volume's {@code size} is enforced here: persist mounted with project quotas. */
    public boolean sizesEnforced() {
        return quotas.isPresent() && quotas.get().enforced(existing(dirs.root()));
    }

    private static Path existing(Path p) {
        while (p != null && !Files.exists(p)) p = p.getParent();
        return p == null ? Path.of("/") : p;
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
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir);
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                    made = true;
                } catch (IOException | UnsupportedOperationException e) {
                    throw new StateException("cannot make volume " + v.name() + " of " + owner + " at " + dir + ": " + e.getMessage()
                            + "; check the disk", e);
                }
            }
            // every time, before the container runs: a size the spec changed is the kernel's bound at once
            if (quotas.isPresent() && quotas.get().enforced(dir)) {
                Optional<String> why = quotas.get().limit(dir, v.size().orElse(0L));
                if (why.isPresent()) {
                    throw new StateException("cannot bound volume " + v.name() + " of " + owner + " to "
                            + v.size().map(b -> b + " bytes").orElse("its project") + ": " + why.get());
                }
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
                            out.add(new OnDisk(owner.get(), v.getFileName().toString(), v, used(v)));
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
            return Files.isDirectory(dir) ? java.util.OptionalLong.of(used(dir)) : java.util.OptionalLong.empty();
        } catch (IOException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** One volume's directory, when it is on disk. */
    public Optional<Path> dirIfPresent(ResourceId owner, String name) {
        Path dir = dirs.dir(owner, name);
        return ResourceId.isLabel(name) && Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Optional.of(dir) : Optional.empty();
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

    /** The bytes {@code dir} holds: its project's record where it has one (no walk), else its files' sizes. */
    private long used(Path dir) throws IOException {
        if (quotas.isPresent()) {
            var q = quotas.get().bytes(dir);
            if (q.isPresent()) return q.getAsLong();
        }
        return DiskQuotas.filesBytes(dir);
    }
}
