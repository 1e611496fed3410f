package spine.controller.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The placement marks of the built-in images, {@code <root>/spine/images.placed}: one line per image name, "name id
 * when how", written only after the image's files were flushed to disk, so a mark means the image is whole. A file
 * rather than a table: it is read and written by bay0's placement thread alone, and an older Spine booted after a
 * rollback opens the database as it left it. Each write replaces the file whole (a temporary file, fsynced, renamed,
 * the directory fsynced), so a power cut leaves the old marks or the new ones.
 *
 * <p>Also where a container's own files go before a torn image is removed with the containers built on it:
 * {@code <root>/spine/saved/}.
 */
public final class ImageMarks {
    private static final System.Logger LOG = System.getLogger("state");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** One image name's mark: the image id placed under it, when, and how (loaded, reloaded, verified, tagged). */
    public record Mark(String ref, String id, String at, String how) {}

    private final SpineRoot root;

    public ImageMarks(SpineRoot root) {
        this.root = root;
    }

    private Path file() {
        return root.dir().resolve("images.placed");
    }

    /** Every mark by name; none when nothing was placed yet. A line that does not parse is skipped, and logged. */
    public synchronized SortedMap<String, Mark> read() throws StateException {
        var out = new TreeMap<String, Mark>();
        if (!Files.exists(file())) return out;
        try {
            for (String line : Files.readAllLines(file(), StandardCharsets.UTF_8)) {
                String[] f = line.strip().split(" ");
                if (f.length == 4) out.put(f[0], new Mark(f[0], f[1], f[2], f[3]));
                else if (!line.isBlank()) LOG.log(System.Logger.Level.WARNING, "image mark skipped file={0} line=\"{1}\"", file(), line);
            }
            return out;
        } catch (IOException e) {
            throw new StateException("cannot read " + file() + ": " + e.getMessage(), e);
        }
    }

    /** Adds or replaces these marks, durably, before it returns. */
    public synchronized void mark(Collection<Mark> marks) throws StateException {
        SortedMap<String, Mark> all = read();
        for (Mark m : marks) {
            if (m.ref().contains(" ") || m.id().contains(" ") || m.how().contains(" ")) throw new IllegalArgumentException("mark with a space: " + m);
            all.put(m.ref(), m);
        }
        write(all);
    }

    /** Removes the marks of these names, durably: done before an image is removed to be loaded again. */
    public synchronized void unmark(Collection<String> refs) throws StateException {
        SortedMap<String, Mark> all = read();
        if (!all.keySet().removeAll(refs)) return;
        write(all);
    }

    private void write(SortedMap<String, Mark> marks) throws StateException {
        var text = new StringBuilder();
        marks.values().forEach(m -> text.append(m.ref()).append(' ').append(m.id()).append(' ').append(m.at()).append(' ')
                .append(m.how()).append('\n'));
        root.ensureDir();
        Path tmp = root.dir().resolve(".images.placed.tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) out.write(b);
                out.force(true);
            }
            Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(root.dir(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new StateException("cannot write " + file() + ": " + e.getMessage() + "; check the disk", e);
        }
    }

    /**
     * Where container {@code name}'s own files are saved before its torn image is removed: a new path under
     * {@code <root>/spine/saved/} (the directory made, mode 0700), named by the container and {@code now}.
     */
    public Path savedChanges(String name, Instant now) throws StateException {
        if (!name.matches("[A-Za-z0-9_.-]+")) throw new IllegalArgumentException("not a container name: " + name);
        Path dir = root.dir().resolve("saved");
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new StateException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return dir.resolve(name + "-" + STAMP.format(now) + ".tar");
    }
}
