package spine.model.image;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides what becomes of each built-in image (an archive in the system image that bay0 places into podman's storage)
 * from what podman has, the placement marks and what this boot already did. Pure: the caller asks podman and the
 * state package, and acts.
 *
 * <p>Placement is journaled: an image counts as placed only once its files are durable (load, syncfs of the storage,
 * then the mark). podman writes layers without fsync, so a power cut between the load and the flush can leave files
 * empty; an image without its mark may be such a one and is never trusted. An image no container uses is removed and
 * loaded again; one that containers use is checked against the digest list the build made of its files first, since
 * removing it removes them. A container start that fails the way a torn image fails, or a container that exits by
 * itself with a failure (crun reports an exec of an emptied file so), makes the image suspect, which is checked the
 * same way. Each image is checked and reloaded at most once a boot, so a failure that is the spec's own
 * (a command that does not exist) never turns into a loop.
 */
public final class PlacementPlanner {
    private PlacementPlanner() {}

    /** A built-in image: the name it is loaded under, its archive, and the other names it carries (tags of it). */
    public record Builtin(String ref, String archive, List<String> tags) {
        public Builtin {
            tags = List.copyOf(tags);
        }

        /** The digest list the build wrote beside the archive: {@code sha256sum} lines of every regular file. */
        public String digests() {
            return archive + ".sha256";
        }
    }

    /**
     * What is known when deciding. {@code present}: podman's name to image id; {@code marks}: the placement marks, name
     * to the id placed; {@code users}: for an image id, the containers built on it (needed only for an image that is
     * present and not marked, or suspect); {@code suspects}: names a failed start made suspect; {@code checked} and
     * {@code reloaded}: names this boot already checked against their digests, or reloaded.
     */
    public record Inputs(Map<String, String> present, Map<String, String> marks, Map<String, List<String>> users,
                         Set<String> suspects, Set<String> checked, Set<String> reloaded) {
        public Inputs {
            present = Map.copyOf(present);
            marks = Map.copyOf(marks);
            users = Map.copyOf(users);
            suspects = Set.copyOf(suspects);
            checked = Set.copyOf(checked);
            reloaded = Set.copyOf(reloaded);
        }

        /** At boot: nothing suspect, nothing done yet. */
        public static Inputs atBoot(Map<String, String> present, Map<String, String> marks, Map<String, List<String>> users) {
            return new Inputs(present, marks, users, Set.of(), Set.of(), Set.of());
        }
    }

    /** What to do with one built-in image; {@code reason} is logged and shown by {@code spine get images}. */
    public sealed interface Decision permits Keep, Load, Reload, Verify, Mark, GiveUp {
        String ref();

        String reason();
    }

    /** Placed and marked: nothing to do. */
    public record Keep(String ref, String id, String reason) implements Decision {}

    /** Not in podman's storage: load it, flush, mark. */
    public record Load(String ref, String reason) implements Decision {}

    /**
     * Torn, or not known to be whole: remove it (and the containers built on it: {@code users}, whose own files are
     * saved first), load it again, flush, mark. The loop makes those containers anew.
     */
    public record Reload(String ref, String id, List<String> users, String reason) implements Decision {
        public Reload {
            users = List.copyOf(users);
        }
    }

    /** Check its files against the build's digest list, then ask {@link #afterCheck}. */
    public record Verify(String ref, String id, String reason) implements Decision {}

    /** Whole (its files match the digests): mark it placed. */
    public record Mark(String ref, String id, String reason) implements Decision {}

    /** Left as it is, and why: this boot already checked or reloaded it once. */
    public record GiveUp(String ref, String reason) implements Decision {}

    public static Decision decide(Builtin image, Inputs in) {
        String ref = image.ref();
        String id = in.present().get(ref);
        if (id == null) return new Load(ref, "not in podman's storage");
        if (in.suspects().contains(ref)) {
            if (in.reloaded().contains(ref)) {
                return new GiveUp(ref, "reloaded once this boot already; a start on it still fails: not again until the next boot");
            }
            if (in.checked().contains(ref)) {
                return new GiveUp(ref, "its files matched the build's digests this boot; the failure is the container's own (check its command)");
            }
            return new Verify(ref, id, "a container on it failed as on a torn image (a failed start, or an exit by itself)");
        }
        if (id.equals(in.marks().get(ref))) return new Keep(ref, id, "placed and marked");
        List<String> users = in.users().getOrDefault(id, List.of());
        String unmarked = in.marks().containsKey(ref) ? "its mark names another image" : "present without its placement mark";
        if (users.isEmpty()) {
            return new Reload(ref, id, List.of(), unmarked + " (a placement a power cut may have torn); no container uses it");
        }
        return new Verify(ref, id, unmarked + ", and containers use it: " + String.join(", ", users));
    }

    /** After the check: {@code whole} when every file matched; {@code detail} says what did not. */
    public static Decision afterCheck(Builtin image, String id, boolean whole, String detail, Inputs in) {
        String ref = image.ref();
        if (whole) return new Mark(ref, id, "its files match the build's digests");
        if (in.reloaded().contains(ref)) return new GiveUp(ref, "torn again after a reload this boot (" + detail + "); not again until the next boot");
        return new Reload(ref, id, in.users().getOrDefault(id, List.of()), "torn: " + detail);
    }

    /**
     * Whether a failed container start reads as a torn image: the runtime found no executable where the image has one,
     * or one the kernel could not execute (an emptied file), or a missing shared library. A spec naming a command that
     * does not exist reads the same; the check that follows tells the two apart.
     */
    public static boolean suggestsTornImage(String startError) {
        String e = startError.toLowerCase(Locale.ROOT);
        return e.contains("executable file") && e.contains("not found")
                || e.contains("exec format error")
                || e.contains("error while loading shared libraries")
                || e.contains("no such file or directory") && (e.contains("exec") || e.contains("interpreter"));
    }
}
