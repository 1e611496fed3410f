package spine.controller.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import spine.model.ResourceId;

/**
 * Where an imported persona lands on the state root: a staging directory under {@code <root>/spine/import/} that
 * {@link PersonaBundle#extract} fills, then renames into place (same filesystem: each rename is atomic). What a
 * {@code --replace} displaces is moved under {@code <root>/spine/attic/<time>/}, never deleted: a person's data is
 * removed only by a command that names it ({@code spine delete volume}).
 */
public final class PersonaLanding {
    /** What was moved, to move back if the apply that follows refuses the specs. */
    public record Moved(Path from, Path to) {}

    private final SpineRoot root;
    private final Path staging;
    private final List<Moved> moved = new ArrayList<>();

    private PersonaLanding(SpineRoot root, Path staging) {
        this.root = root;
        this.staging = staging;
    }

    /** A new, empty staging directory's place (not made yet: {@link PersonaBundle#extract} makes it). */
    public static PersonaLanding begin(SpineRoot root, Instant now) {
        return new PersonaLanding(root, root.dir().resolve("import").resolve(now.toEpochMilli() + "-" + ProcessHandle.current().pid()));
    }

    public Path staging() {
        return staging;
    }

    /**
     * Every leftover staging directory of an import that was killed (its process is gone: the name ends in its pid):
     * removed, since nothing in it had landed.
     */
    public static int clearLeftovers(SpineRoot root) throws StateException {
        Path dir = root.dir().resolve("import");
        if (!Files.isDirectory(dir)) return 0;
        int n = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                long pid = name.matches("[0-9]+-[0-9]+") ? Long.parseLong(name.substring(name.indexOf('-') + 1)) : -1;
                if (pid > 0 && ProcessHandle.of(pid).isPresent()) continue; // an import running now
                SpineRoot.removeTree(p);
                n++;
            }
        } catch (IOException e) {
            throw new StateException("cannot clear " + dir + ": " + e.getMessage(), e);
        }
        return n;
    }

    /** The volumes already on disk for {@code owner} among {@code names}. */
    public List<String> existingVolumes(ResourceId owner, List<String> names) {
        return names.stream().filter(n -> Files.exists(root.volumeDirs().dir(owner, n))).toList();
    }

    /** Where the image archive of Image {@code name} lands: {@code <root>/images/NAME.oci.tar}. */
    public Path imagePath(String name) {
        return root.path().resolve("images").resolve(name + ".oci.tar");
    }

    /** Whether a file other than one with {@code sha256} is at the image's place. */
    public boolean imageDiffers(String name, String sha256) throws StateException {
        Path p = imagePath(name);
        if (!Files.exists(p)) return false;
        try (var in = Files.newInputStream(p)) {
            var sha = Slots.sha256();
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
            return !java.util.HexFormat.of().formatHex(sha.digest()).equals(sha256);
        } catch (IOException e) {
            throw new StateException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Moves the staged image archive to its place (an identical one there stays); what it displaces goes to the attic. */
    public Path landImage(String name, String sha256, Instant now) throws StateException {
        Path to = imagePath(name);
        if (Files.exists(to) && !imageDiffers(name, sha256)) return to;
        try {
            Files.createDirectories(to.getParent());
            if (Files.exists(to)) toAttic(to, "images/" + to.getFileName(), now);
            move(staging.resolve("image.tar"), to);
            return to;
        } catch (IOException e) {
            throw new StateException("cannot put the image archive at " + to + ": " + e.getMessage(), e);
        }
    }

    /** Moves each staged volume of {@code owner} to its place; one already there goes to the attic first. */
    public List<Path> landVolumes(ResourceId owner, List<String> names, Instant now) throws StateException {
        var displaced = new ArrayList<Path>();
        for (String name : names) {
            Path to = root.volumeDirs().dir(owner, name);
            try {
                Files.createDirectories(to.getParent());
                if (Files.exists(to)) displaced.add(toAttic(to, "volumes/" + owner.containerName() + "/" + name, now));
                move(staging.resolve("volumes").resolve(name), to);
            } catch (IOException e) {
                throw new StateException("cannot put volume " + name + " of " + owner + " at " + to + ": " + e.getMessage(), e);
            }
        }
        return displaced;
    }

    /** Writes the specs to apply (the Image's archive at its landed place) into the staging directory. */
    public Path writeSpecs(String yaml) throws StateException {
        Path p = staging.resolve("import.yaml");
        try {
            Files.writeString(p, yaml);
            return p;
        } catch (IOException e) {
            throw new StateException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    /** Undoes every move this landing made, newest first: the apply refused the specs. */
    public void undo() {
        for (Moved m : moved.reversed()) {
            try {
                Files.move(m.to(), m.from(), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                System.getLogger("cli").log(System.Logger.Level.WARNING, "import undo failed from={0} to={1} error={2}", m.to(), m.from(), e.getMessage());
            }
        }
        moved.clear();
    }

    /** Removes the staging directory (what is left in it was not landed). */
    public void finish() throws StateException {
        try {
            if (Files.exists(staging)) SpineRoot.removeTree(staging);
        } catch (IOException e) {
            throw new StateException("cannot remove " + staging + ": " + e.getMessage(), e);
        }
    }

    private Path toAttic(Path p, String rel, Instant now) throws IOException {
        Path to = root.dir().resolve("attic").resolve(Long.toString(now.toEpochMilli())).resolve(rel);
        Files.createDirectories(to.getParent());
        move(p, to);
        return to;
    }

    private void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        moved.add(new Moved(from, to));
    }

}
