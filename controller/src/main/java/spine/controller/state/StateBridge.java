package spine.controller.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The handoff's state bridge: typed functions for everything PID 1 keeps under the root. Callers bound each
 * call with a timeout (a dead disk must give a dirty boot, never a hang); these functions just do the I/O,
 * writing files whole (temp file, fsync, rename) so a power cut leaves the old or the new, never half.
 */
public final class StateBridge {
    private static final int SEED_BYTES = 512;

    private final SpineRoot root;

    public StateBridge(SpineRoot root) {
        this.root = root;
    }

    public SpineRoot root() {
        return root;
    }

    public void prepare() throws StateException {
        root.ensureDir();
    }

    public Optional<byte[]> readEntropySeed() throws IOException {
        Path f = root.dir().resolve("entropy.seed");
        if (!Files.exists(f)) return Optional.empty();
        byte[] b = Files.readAllBytes(f);
        return b.length == 0 ? Optional.empty() : Optional.of(b);
    }

    /** Synchronized: a first boot writes its fresh seed beside the boot, and a shutdown may write one meanwhile. */
    public synchronized void writeEntropySeed(byte[] seed) throws IOException {
        writeWhole(root.dir().resolve("entropy.seed"), seed);
    }

    public static int seedBytes() {
        return SEED_BYTES;
    }

    public Optional<Instant> readLastGoodTime() throws IOException {
        Path f = root.dir().resolve("last-good-time");
        if (!Files.exists(f)) return Optional.empty();
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(Files.readString(f).trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public void writeLastGoodTime(Instant t) throws IOException {
        writeWhole(root.dir().resolve("last-good-time"), (t.getEpochSecond() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public void appendGenesisLog(List<String> lines) throws IOException {
        var sb = new StringBuilder();
        for (String l : lines) sb.append(l).append('\n');
        try (SuspendInhibit.Mark flushing = SuspendInhibit.hold();
             FileChannel ch = FileChannel.open(root.dir().resolve("genesis.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(false);
        }
    }

    /** Every genesis line persisted so far, oldest first (every boot's); empty before the first boot wrote one. */
    public List<String> genesisLog() throws IOException {
        Path f = root.dir().resolve("genesis.log");
        return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
    }

    /** spine.log's lines, the rotated file's first (a boot's lines may straddle the rotation); none when there is none. */
    public List<String> spineLog() throws IOException {
        var out = new java.util.ArrayList<String>();
        for (Path f : List.of(root.logFile().resolveSibling("spine.log.1"), root.logFile())) {
            if (Files.exists(f)) out.addAll(SpecFiles.logLines(f));
        }
        return out;
    }

    /** Writes a marker under the root and reads it back: the persist check of validate. */
    public boolean markerRoundTrip(String content) throws IOException, StateException {
        prepare();
        Path f = root.dir().resolve("validate.marker");
        writeWhole(f, content.getBytes(StandardCharsets.UTF_8));
        return Files.readString(f).equals(content);
    }

    /** Appends one line to validate.log: the log check of validate. */
    public void appendValidateLog(String line) throws IOException, StateException {
        prepare();
        try (FileChannel ch = FileChannel.open(root.dir().resolve("validate.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(false);
        }
    }

    public IntentStore openDatabase(Clock clock) throws StateException {
        return IntentStore.open(root, clock);
    }

    /** Records that this shutdown flushed everything; the next boot reads and clears it. */
    public void markCleanShutdown(Instant at) throws IOException {
        try (SuspendInhibit.Mark flushing = SuspendInhibit.hold()) {
            writeWhole(root.dir().resolve("clean-shutdown"), (at + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Whether the previous shutdown was clean, clearing the mark so that a crash before the next clean shutdown
     * reads as unclean. A first boot has no mark and counts as unclean: nothing is autostarted on a machine Spine
     * has never shut down.
     */
    public boolean takeCleanShutdown() throws IOException {
        Path f = root.dir().resolve("clean-shutdown");
        boolean clean = Files.exists(f);
        Files.deleteIfExists(f);
        if (clean) {
            try (FileChannel dir = FileChannel.open(root.dir(), StandardOpenOption.READ)) {
                dir.force(true); // the deletion must reach the disk before anything that could crash
            }
        }
        return clean;
    }

    /**
     * On a dirty boot, podman's storage goes to tmpfs: writes a storage.conf for that under {@code runDir} and
     * returns its path (for CONTAINERS_STORAGE_CONF).
     */
    public static Path writeVolatileStorageConf(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path conf = runDir.resolve("storage.conf");
        writeWhole(conf, """
                # Written by bay0 on a dirty boot: /persist is unavailable, so container storage is volatile (degraded).
                [storage]
                driver = "overlay"
                graphroot = "/run/containers/graph"
                runroot = "/run/containers/storage"
                """.getBytes(StandardCharsets.UTF_8));
        return conf;
    }

    /** Writes the boot record that {@code spine get boot} and validate read. It lives on tmpfs: it is about this boot. */
    public static void writeBootRecord(Path runDir, String json) throws IOException {
        Files.createDirectories(runDir);
        writeWhole(runDir.resolve("boot.json"), json.getBytes(StandardCharsets.UTF_8));
    }

    public static Optional<String> readBootRecord(Path runDir) throws IOException {
        Path f = runDir.resolve("boot.json");
        return Files.exists(f) ? Optional.of(Files.readString(f)) : Optional.empty();
    }

    private static void writeWhole(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
