package spine.model;

import java.util.regex.Pattern;

/**
 * An app's image, provided from a file (kind {@code Image}): bay0 reads {@code archive} (an OCI or docker archive),
 * checks its sha256 while reading it, loads it into podman's storage and names it {@code ref}, which personas and
 * tenants put in {@code image:}. There is no registry; this is how an app that is not built in comes to the machine.
 */
public record AppImage(ResourceId id, String archive, String sha256, String ref) implements Spec {
    /** Lowercase hex of a SHA-256, as {@code sha256sum} prints it. */
    public static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public AppImage {
        if (id.kind() != Kind.IMAGE) throw new IllegalArgumentException("not an image name: " + id);
        if (!SHA256.matcher(sha256).matches()) throw new IllegalArgumentException("not a sha256: " + sha256);
    }
}
