package spine.controller.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The two A/B upgrade slots under {@code /persist/spine/slots} (issue 12): each holds one candidate's kernel, image
 * and signed manifest. Staging is all or nothing across a power cut: the slot's record goes first, the files are
 * copied into a temporary directory and checked against the hashes the signature covers while they are copied (what
 * was checked is what is staged, even if the source changes meanwhile), fsynced, then renamed into place and the
 * directory fsynced; only then does the caller record the slot as staged. A cut at any moment leaves the running
 * image and the other slot untouched, and at worst a temporary directory the next staging removes.
 */
public final class Slots {
    private static final System.Logger LOG = System.getLogger("state");
    public static final List<String> NAMES = List.of("A", "B");

    /** One file to stage: where it is now, the name it gets in the slot, and the SHA-256 and size it must have. */
    public record Artifact(Path source, String name, String sha256, long size) {}

    private final SpineRoot root;

    public Slots(SpineRoot root) {
        this.root = root;
    }

    /** The directory of slot {@code name}, whether or not it holds anything. */
    public Path dir(String name) {
        return root.slots().resolve(name);
    }

    /**
     * The slot a new candidate goes to: never the one holding the candidate this machine runs, else an empty one, else
     * one whose candidate never passed its trial, else the one a power-on does not boot (not the last promoted), else A.
     * Pure; {@code records} are the database's.
     */
    public static String choose(List<UpgradeRecords.Slot> records, Optional<String> runningHash) {
        for (String n : NAMES) if (records.stream().noneMatch(r -> r.name().equals(n))) return n;
        // the slot this machine runs from: when both hold the running candidate (staged twice), the promoted one is kept
        Optional<String> running = runningHash.flatMap(h -> records.stream().filter(r -> r.hash().equals(h))
                .sorted(java.util.Comparator.comparing((UpgradeRecords.Slot r) -> r.state() != UpgradeRecords.SlotState.GOOD))
                .map(UpgradeRecords.Slot::name).findFirst());
        var free = records.stream().filter(r -> !running.equals(Optional.of(r.name()))).toList();
        Optional<String> bootedAtPowerOn = UpgradeRecords.promoted(records).map(UpgradeRecords.Slot::name);
        return free.stream().filter(r -> r.state() != UpgradeRecords.SlotState.GOOD).map(UpgradeRecords.Slot::name).findFirst()
                .or(() -> free.stream().map(UpgradeRecords.Slot::name).filter(n -> !bootedAtPowerOn.equals(Optional.of(n))).findFirst())
                .orElse(free.isEmpty() ? "A" : free.getFirst().name());
    }

    /**
     * The candidate this boot runs, from its kernel command line: {@code spine.trial=HASH} (a trial boot) or
     * {@code spine.slot=HASH} (a promoted slot booted at power-on); empty for the boot loader's own image.
     */
    public static Optional<String> runningHash(String cmdline) {
        return java.util.Arrays.stream(cmdline.trim().split("\\s+"))
                .filter(w -> w.startsWith(TRIAL_OPTION + "=") || w.startsWith(SLOT_OPTION + "="))
                .map(w -> w.substring(w.indexOf('=') + 1)).filter(h -> !h.isEmpty()).reduce((a, b) -> b);
    }

    /** {@link #runningHash} of this machine's kernel command line ({@code /proc/cmdline}); empty when it cannot be read. */
    public static Optional<String> runningHashOf(Path cmdlineFile) {
        try {
            return runningHash(Files.readString(cmdlineFile));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The kernel command line options that name the candidate a kexec'd boot runs. */
    public static final String TRIAL_OPTION = "spine.trial", SLOT_OPTION = "spine.slot";

    /** The signed manifest's name in a slot, beside the artifacts it names: a slot is a candidate directory itself. */
    public static final String MANIFEST = "manifest.json";

    /**
     * Copies {@code artifacts} and the signed manifest into slot {@code name}, replacing what it held. The caller has
     * already removed the slot's record ({@link UpgradeRecords#forgetSlot}) and records it as staged after this returns.
     *
     * @throws IOException when a copy differs from its hash or size (nothing is left in the slot then), or the disk fails
     */
    public Path stage(String name, List<Artifact> artifacts, byte[] manifest) throws IOException {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("no slot " + name);
        var names = new java.util.HashSet<String>(List.of(MANIFEST));
        for (Artifact a : artifacts) {
            if (a.name().contains("/") || a.name().startsWith(".") || !names.add(a.name())) {
                throw new IOException("artifact name " + a.name() + " cannot be a file of its own in a slot");
            }
        }
        Path slots = Files.createDirectories(root.slots());
        try (var old = Files.list(slots)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith(".")).toList()) SpineRoot.removeTree(p); // a cut staging's leftovers
        }
        Path tmp = Files.createDirectory(slots.resolve("." + name + ".staging"));
        long t0 = System.nanoTime();
        try {
            for (Artifact a : artifacts) copy(a, tmp.resolve(a.name()));
            try (FileChannel out = FileChannel.open(tmp.resolve(MANIFEST), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(manifest);
                while (b.hasRemaining()) out.write(b);
                out.force(true);
            }
            fsync(tmp);
            Path target = dir(name);
            if (Files.exists(target)) SpineRoot.removeTree(target);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            fsync(slots);
            LOG.log(System.Logger.Level.INFO, "upgrade slot staged slot={0} files={1} ms={2}", name, artifacts.size(), (System.nanoTime() - t0) / 1_000_000);
            return target;
        } catch (IOException | RuntimeException e) {
            SpineRoot.removeTree(tmp);
            throw e;
        }
    }

    private static void copy(Artifact a, Path to) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        try (InputStream in = Files.newInputStream(a.source());
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                size += n;
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) out.write(b);
            }
            out.force(true);
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (size != a.size() || !got.equals(a.sha256())) {
            throw new IOException(a.source() + " changed since it was checked: " + size + " bytes with sha256 " + got + ", the signed manifest says "
                    + a.size() + " bytes with " + a.sha256());
        }
    }

    private static void fsync(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        }
    }

    /** A SHA-256 digest: the state package's one (slots, persona bundles). */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
