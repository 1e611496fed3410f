package spine.controller.state;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import spine.drivers.kernel.Syscalls;

/**
 * The kernel's bound on a directory tree: ext4 project quotas on persist. Each bounded tree (a volume, a container's
 * writable layer) is a project of its own whose id is the inode number of its top directory (unique on the filesystem
 * while the directory exists, so no table to keep), with a hard block limit. The kernel refuses a write past it with
 * EDQUOT inside the container; nothing in Java checks sizes. A container lacks CAP_SYS_RESOURCE, which would let it
 * past a quota, and overlayfs drops it from the writes to a layer (docs/ARCHITECTURE.md "Disk").
 */
public final class DiskQuotas {
    private static final System.Logger LOG = System.getLogger("bay0");
    /** A container's writable layer holds at most this share of persist: data that must grow belongs in a volume. */
    public static final int LAYER_SHARE_DIVISOR = 4;

    private final Syscalls sys;
    private final Path mounts;

    /** {@code mounts} is /proc/self/mounts (a test gives its own). */
    public DiskQuotas(Syscalls sys, Path mounts) {
        this.sys = sys;
        this.mounts = mounts;
    }

    /** Whether the filesystem holding {@code dir} enforces project quotas (mounted with prjquota). */
    public boolean enforced(Path dir) {
        return mountOptions(dir).map(o -> List.of(o.split(",")).contains("prjquota")).orElse(false);
    }

    /** The options of the mount holding {@code dir}: the longest mount point that is a prefix of its real path. */
    Optional<String> mountOptions(Path dir) {
        try {
            Path real = dir.toRealPath();
            String best = null, options = null;
            for (String line : Files.readAllLines(mounts)) {
                String[] f = line.split(" ");
                if (f.length < 4) continue;
                String point = f[1].replace("\\040", " ");
                if (real.startsWith(point) && (best == null || point.length() >= best.length())) {
                    best = point;
                    options = f[3];
                }
            }
            return Optional.ofNullable(options);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Bounds the tree at {@code dir} to {@code bytes} (0: accounted, not bounded). A tree not yet in its project is
     * put in it file by file first (a volume made before its size, a layer podman has just made); later files inherit
     * the project from their directory. The reason when the kernel refused.
     */
    public Optional<String> limit(Path dir, long bytes) {
        int project;
        try {
            project = projectId(dir);
        } catch (IOException | RuntimeException e) {
            return Optional.of("cannot read the inode of " + dir + ": " + e.getMessage());
        }
        Syscalls.Result now = sys.projectOf(dir.toString());
        if (!now.ok()) return Optional.of("cannot read the project of " + dir + ": " + now);
        if (now.value() != Integer.toUnsignedLong(project)) {
            Optional<String> why = assign(dir, project);
            if (why.isPresent()) return why;
        }
        Syscalls.Result set = sys.setProjectLimit(dir.toString(), project, bytes);
        if (!set.ok()) return Optional.of("cannot set the limit of project " + Integer.toUnsignedString(project) + " (" + dir + "): " + set);
        LOG.log(System.Logger.Level.INFO, "disk limit dir={0} project={1} bytes={2}", dir, Integer.toUnsignedString(project), bytes);
        return Optional.empty();
    }

    /** The bytes the tree at {@code dir} holds, from its project's quota record; empty when it is not in its project. */
    public OptionalLong bytes(Path dir) {
        try {
            int project = projectId(dir);
            Syscalls.Result now = sys.projectOf(dir.toString());
            if (!now.ok() || now.value() != Integer.toUnsignedLong(project)) return OptionalLong.empty();
            Syscalls.Result b = sys.projectBytes(dir.toString(), project);
            return b.ok() ? OptionalLong.of(b.value()) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** A filesystem's size and what is left of it for anyone but bay0 (statvfs f_bavail: the reserve not counted). */
    public record Space(long total, long usable) {}

    /** The space of the filesystem holding {@code dir}. */
    public static Optional<Space> space(Path dir) {
        try {
            var store = Files.getFileStore(dir);
            return Optional.of(new Space(store.getTotalSpace(), store.getUsableSpace()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The bytes the tree at {@code dir} holds: its project's record when it is in one, else the sizes of its files. */
    public long usage(Path dir) {
        OptionalLong q = bytes(dir);
        if (q.isPresent()) return q.getAsLong();
        try {
            return filesBytes(dir);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The bytes of the regular files under {@code dir} (a link is counted as itself, never followed). */
    static long filesBytes(Path dir) throws IOException {
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

    /** Bounds a container's writable layer to {@link #layerLimit} of the filesystem it is on. */
    public Optional<String> boundLayer(Path layerDir) {
        try {
            // of the directory above it: ext4's statfs inside a project answers with the project's limit
            return limit(layerDir, layerLimit(layerDir.getParent()));
        } catch (IOException e) {
            return Optional.of("cannot read the size of the filesystem holding " + layerDir + ": " + e.getMessage());
        }
    }

    /** The layer limit on this persist: a quarter of the filesystem (docs/ARCHITECTURE.md "Disk"). */
    public static long layerLimit(Path dir) throws IOException {
        return Files.getFileStore(dir).getTotalSpace() / LAYER_SHARE_DIVISOR;
    }

    private static int projectId(Path dir) throws IOException {
        long ino = ((Number) Files.getAttribute(dir, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        if (ino <= 0 || ino > 0xFFFF_FFFEL) throw new IOException("inode " + ino + " does not fit a project id");
        return (int) ino;
    }

    /** Puts every directory and regular file under {@code dir} in {@code project}; links and devices keep theirs. */
    private Optional<String> assign(Path dir, int project) {
        String[] failure = {null};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return set(d) ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    return !attrs.isRegularFile() || set(f) ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile, or unreadable: its bytes stay outside the bound
                }

                private boolean set(Path p) {
                    Syscalls.Result r = sys.setProject(p.toString(), project);
                    if (r.ok()) return true;
                    failure[0] = "cannot put " + p + " in project " + Integer.toUnsignedString(project) + ": " + r;
                    return false;
                }
            });
        } catch (IOException e) {
            return Optional.of("cannot walk " + dir + ": " + e.getMessage());
        }
        return Optional.ofNullable(failure[0]);
    }
}
