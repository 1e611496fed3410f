package spine.drivers.podman;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import spine.drivers.exec.CommandResult;
import spine.drivers.exec.CommandRunner;
import spine.model.AppImage;
import spine.model.Step;
import spine.model.StepResult;

/**
 * podman's image verbs, apart from the container steps: what storage holds, loading an archive, naming, removing and
 * checking an image against a digest list, and saving a container's own files before its image is removed. Used by
 * bay0's placement of the built-in images and by the Images' loads; it never pulls (there is no registry).
 */
public final class PodmanImages {
    /** What a check of an image's files against a digest list found; {@code detail} names what did not match. */
    public record Check(boolean whole, String detail) {}

    private static final int DETAIL_LINES = 5;
    /** A container's own files can be large; their copy onto persist gets longer than any podman call. */
    private static final Duration SAVE_BOUND = Duration.ofMinutes(10);

    private final CommandRunner runner;
    private final PodmanCli cli;
    private final PodmanDriver.Timeouts timeouts;

    PodmanImages(PodmanCli cli) {
        this.cli = cli;
        this.runner = cli.runner();
        this.timeouts = cli.timeouts();
    }

    /**
     * Every name:tag in storage with its full image id, from one {@code podman images} call (a podman start is a third
     * of a second under TCG, so a boot with four built-in images asks once, not four times); empty when podman did not
     * answer.
     */
    public Optional<Map<String, String>> present() {
        return listed(false);
    }

    /**
     * As {@link #present}, and every image without a name too, under {@code sha256:ID} (podman's own way to name an
     * image by id): an app's old image loses its name when the ref moves on, and is still in storage to be collected.
     */
    public Optional<Map<String, String>> presentWithUnnamed() {
        return listed(true);
    }

    private Optional<Map<String, String>> listed(boolean unnamed) {
        CommandResult r = runner.run(argv("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"), timeouts.observe());
        if (!r.ok()) return Optional.empty();
        var out = new TreeMap<String, String>();
        for (String l : r.stdout().lines().map(String::strip).toList()) {
            String[] f = l.split(" ");
            if (f.length != 2) continue;
            if (!f[0].equals("<none>:<none>")) out.put(f[0], bareId(f[1]));
            else if (unnamed) out.put("sha256:" + bareId(f[1]), bareId(f[1]));
        }
        return Optional.of(out);
    }

    /** Image id to the names of the containers built on it, every container counted; empty when podman did not answer. */
    public Optional<Map<String, List<String>>> users() {
        CommandResult r = runner.run(argv("ps", "-a", "--no-trunc", "--format", "{{.ImageID}} {{.Names}}"), timeouts.observe());
        if (!r.ok()) return Optional.empty();
        var out = new TreeMap<String, List<String>>();
        for (String l : r.stdout().lines().map(String::strip).toList()) {
            String[] f = l.split(" ");
            if (f.length == 2) out.computeIfAbsent(bareId(f[0]), k -> new ArrayList<>()).add(f[1]);
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return Optional.of(out);
    }

    /** Loads an image archive (OCI or docker) into storage: there is never a registry pull. */
    public CommandResult load(String archive) {
        return runner.run(argv("load", "-q", "-i", archive), timeouts.run());
    }

    /**
     * An Image's load: the archive streamed into {@code podman load} with its sha256 computed on the way, the last
     * chunk held back until the hash is known; when it differs, podman is killed before its input ends and loads
     * nothing. The file is read once, and what is checked is what is loaded (no window for the file to change between).
     * Then the loaded image is named {@code ref}. Ok's detail is the image id.
     */
    public StepResult apply(Step.ImageStep step, Archives archives) {
        return switch (step) {
            case Step.LoadImage s -> load(s.image(), archives);
            case Step.RemoveImage s -> {
                // never --force: an image a container still uses stays (podman refuses), and is tried again later
                CommandResult r = runner.run(argv("rmi", s.imageId()), timeouts.remove());
                if (r.ok() || r.stderr().contains("image not known")) yield new StepResult.Ok("removed " + s.imageId());
                yield new StepResult.Failed("podman rmi " + s.imageId() + ": " + r.summary(), true);
            }
        };
    }

    /**
     * Opens an Image's archive for reading. The state package owns the files under the persist root (where archives
     * live), so the loop hands its opener in; a file that is not there, or not a regular file, throws
     * {@link java.nio.file.NoSuchFileException}.
     */
    @FunctionalInterface
    public interface Archives {
        InputStream open(Path archive) throws IOException;
    }

    private StepResult load(AppImage image, Archives archives) {
        Path archive = Path.of(image.archive());
        InputStream opened;
        try {
            opened = archives.open(archive);
        } catch (java.nio.file.NoSuchFileException e) {
            return new StepResult.Failed("archive " + archive + " is not there (or not a file); copy it there, then spine apply"
                    + " the Image again", false);
        } catch (IOException e) {
            return new StepResult.Failed("archive " + archive + " cannot be read: " + e.getMessage(), false);
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        var actual = new String[1];
        var names = new ArchiveNames();
        CommandResult r = runner.feed(argv("load", "-q"), timeouts.run().plus(LOAD_BOUND), stdin -> {
            try (InputStream in = opened) {
                byte[] held = new byte[1 << 16];
                byte[] next = new byte[1 << 16];
                int heldLen = in.readNBytes(held, 0, held.length);
                while (true) {
                    int n = in.readNBytes(next, 0, next.length);
                    if (n == 0) break;
                    sha.update(held, 0, heldLen);
                    names.update(held, 0, heldLen);
                    stdin.write(held, 0, heldLen);
                    byte[] t = held; held = next; next = t;
                    heldLen = n;
                }
                sha.update(held, 0, heldLen);
                names.update(held, 0, heldLen);
                actual[0] = HexFormat.of().formatHex(sha.digest());
                // the last chunk reaches podman only when the hash and the names are right
                if (!actual[0].equals(image.sha256()) || namesRefusal(names, image).isPresent()) return false;
                stdin.write(held, 0, heldLen);
                return true;
            }
        });
        if (actual[0] != null && !actual[0].equals(image.sha256())) {
            return new StepResult.Failed("sha256 of " + archive + " is " + actual[0] + ", the Image says " + image.sha256()
                    + "; nothing was loaded. Copy the right archive there, or put its sha256 in the spec", false);
        }
        if (actual[0] != null && namesRefusal(names, image).isPresent()) {
            return new StepResult.Failed(archive + " " + namesRefusal(names, image).get() + "; nothing was loaded", false);
        }
        if (r.aborted()) return new StepResult.Failed("reading " + archive + " failed: " + r.summary(), false);
        if (!r.ok()) {
            return new StepResult.Failed("podman load refused " + archive + ": " + r.summary()
                    + " (an OCI or docker archive, as podman save writes it, is wanted)", r.timedOut());
        }
        List<String> loaded = loadedNames(r.stdout());
        if (loaded.size() != 1) {
            return new StepResult.Failed(archive + " held " + loaded.size() + " images (" + String.join(", ", loaded)
                    + "); an Image's archive holds exactly one", false);
        }
        CommandResult id = runner.run(argv("image", "inspect", "--format", "{{.Id}}", loaded.getFirst()), timeouts.observe());
        if (!id.ok()) return new StepResult.Failed("podman cannot inspect the image it loaded: " + id.summary(), true);
        String imageId = bareId(id.stdout().strip());
        if (loaded.getFirst().equals(image.ref())) return new StepResult.Ok(imageId); // the archive named it so already
        CommandResult tagged = tag(imageId, image.ref());
        if (!tagged.ok()) return new StepResult.Failed("podman tag " + image.ref() + " failed: " + tagged.summary(), true);
        return new StepResult.Ok(imageId);
    }

    /**
     * Why the names an archive gives itself are refused: podman load would give each of them too, so only the Image's
     * own ref may be among them (a built-in's name or another app's would move).
     */
    private static java.util.Optional<String> namesRefusal(ArchiveNames names, AppImage image) {
        java.util.Optional<String> unreadable = names.refusal();
        if (unreadable.isPresent()) return java.util.Optional.of("cannot be checked: " + unreadable.get());
        List<String> other = names.names().stream().filter(n -> !n.equals(image.ref())).toList();
        if (other.isEmpty()) return java.util.Optional.empty();
        return java.util.Optional.of("names itself " + String.join(", ", other) + ", and podman load would give it that name too;"
                + " an Image's archive carries no name but its ref: podman save --format oci-archive -o FILE " + image.ref());
    }

    /** A big archive is read and written at disk speed: its load gets longer than any other podman call. */
    private static final Duration LOAD_BOUND = Duration.ofMinutes(10);

    /**
     * The names {@code podman load -q} printed: "Loaded image: NAME" per image (podman 4.3), or one line
     * "Loaded image(s): A,B"; an archive without a name gives its id.
     */
    static List<String> loadedNames(String stdout) {
        var out = new ArrayList<String>();
        for (String l : stdout.lines().map(String::strip).toList()) {
            int colon = l.indexOf(": ");
            if (!l.startsWith("Loaded image") || colon < 0) continue;
            for (String n : l.substring(colon + 2).split(",")) if (!n.isBlank()) out.add(n.strip());
        }
        return out;
    }

    /** Gives an image in storage a second name: a built-in image that shares its archive with another. */
    public CommandResult tag(String image, String ref) {
        return runner.run(argv("tag", image, ref), timeouts.change());
    }

    /**
     * Removes an image by id with every name it has, and the containers built on it ({@code --force}): only for a torn
     * image, after the caller saved those containers' own files.
     */
    public CommandResult remove(String id) {
        return runner.run(argv("rmi", "--force", id), timeouts.remove());
    }

    /**
     * Checks the files of image {@code ref} against {@code digests} ({@code sha256sum} lines the build wrote): the image
     * is mounted read-only by podman, and {@code sha256sum -c} reads it there. An image podman cannot mount is not
     * whole either.
     */
    public Check check(String ref, String digests) {
        CommandResult mount = runner.run(argv("image", "mount", ref), timeouts.change());
        String dir = mount.stdout().strip();
        if (!mount.ok() || dir.isEmpty()) return new Check(false, "podman cannot mount it: " + mount.summary());
        try {
            CommandResult sums = runner.run(List.of("sh", "-c", "cd \"$1\" && exec sha256sum -c \"$2\"", "check", dir, digests),
                    timeouts.run());
            if (sums.ok()) return new Check(true, "");
            List<String> failed = sums.stdout().lines().filter(l -> l.contains("FAILED")).toList();
            if (failed.isEmpty()) return new Check(false, "sha256sum -c failed: " + sums.summary());
            String shown = String.join("; ", failed.subList(0, Math.min(DETAIL_LINES, failed.size())));
            return new Check(false, failed.size() + " file(s) differ from the build: " + shown
                    + (failed.size() > DETAIL_LINES ? "; ..." : ""));
        } finally {
            runner.run(argv("image", "unmount", ref), timeouts.change());
        }
    }

    /**
     * Saves the files container {@code name} changed (its writable layer) as a tar archive at {@code tar}, which the
     * caller chose under the persist root. A failure (a full disk) is the caller's cue to remove nothing.
     */
    public CommandResult saveChanges(String name, String tar) {
        CommandResult upper = runner.run(argv("inspect", "--type", "container", "--format", "{{.GraphDriver.Data.UpperDir}}", name),
                timeouts.observe());
        String dir = upper.stdout().strip();
        if (!upper.ok()) return upper;
        if (dir.isEmpty() || dir.equals("<no value>")) {
            return new CommandResult(1, upper.stdout(), "podman names no writable layer for " + name, upper.took(), false);
        }
        return runner.run(List.of("tar", "-C", dir, "-cf", tar, "."), SAVE_BOUND);
    }

    /** podman prints ids with or without their algorithm: the bare hex either way. */
    private static String bareId(String id) {
        return id.startsWith("sha256:") ? id.substring("sha256:".length()) : id;
    }

    private List<String> argv(String... args) {
        return cli.argv(args);
    }
}
