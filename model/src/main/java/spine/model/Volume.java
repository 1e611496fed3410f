package spine.model;

import java.util.List;
import java.util.Optional;

/**
 * A directory of a persona's that outlives its container: Spine's, on persist, bind-mounted at {@code path} inside the
 * container. A recreate, a stop, the boot repair, a reboot, an upgrade or a rollback leaves it as it is; only
 * {@code spine delete volume} removes it.
 */
public record Volume(String name, String path, Optional<Long> size, boolean readOnly) {
    /** What Spine itself mounts into a container, which a volume may neither hide nor sit inside. */
    public static final List<String> RESERVED = List.of("/run/spine", "/run/spine-lock", "/run/wayland");

    public Volume {
        if (!ResourceId.isLabel(name)) throw new IllegalArgumentException("not a volume name: " + name);
        if (refusal(path).isPresent()) throw new IllegalArgumentException(refusal(path).get());
    }

    /** Why {@code path} cannot hold a volume, if it cannot: what to write instead. */
    public static Optional<String> refusal(String path) {
        if (!path.startsWith("/")) return Optional.of("must be an absolute path inside the container, e.g. /home/user");
        for (String part : path.substring(1).split("/", -1)) {
            if (part.equals("..") || part.equals(".") || (part.isEmpty() && !path.equals("/"))) {
                return Optional.of("must be a plain absolute path, without \".\", \"..\", \"//\" or a trailing \"/\"");
            }
        }
        for (String mount : RESERVED) {
            if (path.equals(mount) || mount.startsWith(path.equals("/") ? "/" : path + "/") || path.startsWith(mount + "/")) {
                return Optional.of("would " + (path.startsWith(mount + "/") ? "sit inside " : "hide ") + mount
                        + ", which Spine mounts there; choose another path, e.g. /home/user");
            }
        }
        return Optional.empty();
    }
}
