package spine.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A resource's semantic name. The grammar, not a prefix, keeps kinds apart:
 * <pre>
 *   persona  := "p://"   label      container name "p__"   label
 *   tenant   := "sys://" label      container name "sys__" label
 *   envelope := label
 *   image    := label
 *   label    := [a-z] [a-z0-9-]{0,30}, not ending in "-"
 * </pre>
 * A label never holds "_" or ":", so the container name splits at its first "__" into exactly one
 * scheme and one label: the mapping is a bijection, and no persona can take a tenant's name.
 */
public record ResourceId(Kind kind, String label) implements Comparable<ResourceId> {
    private static final Pattern LABEL = Pattern.compile("[a-z](?:[a-z0-9-]{0,29}[a-z0-9])?");

    public ResourceId {
        java.util.Objects.requireNonNull(kind, "kind");
        if (label == null || !isLabel(label)) {
            throw new IllegalArgumentException("invalid label \"" + label + "\"; " + LABEL_RULE);
        }
    }

    public static final String LABEL_RULE =
            "a label is 1-31 characters of a-z, 0-9 and '-', starts with a letter and does not end with '-'";

    public static boolean isLabel(String s) {
        return s != null && LABEL.matcher(s).matches();
    }

    public static ResourceId persona(String label) { return new ResourceId(Kind.PERSONA, label); }

    public static ResourceId tenant(String label) { return new ResourceId(Kind.TENANT, label); }

    public static ResourceId envelope(String label) { return new ResourceId(Kind.ENVELOPE, label); }

    public static ResourceId image(String label) { return new ResourceId(Kind.IMAGE, label); }

    /** Parses a name of the given kind, or explains why it is not one. */
    public static Result parse(Kind kind, String name) {
        if (name == null || name.isEmpty()) {
            return new Result(null, "name is empty; " + example(kind));
        }
        for (Kind other : Kind.values()) {
            if (other != kind && !other.scheme().isEmpty() && name.startsWith(other.scheme())) {
                return new Result(null, "%s name \"%s\" uses the %s scheme; %s".formatted(
                        kind.cliName(), name, other.scheme(), example(kind)));
            }
        }
        if (!name.startsWith(kind.scheme())) {
            return new Result(null, "%s name \"%s\" lacks the %s scheme; %s".formatted(
                    kind.cliName(), name, kind.scheme(), example(kind)));
        }
        String label = name.substring(kind.scheme().length());
        if (!isLabel(label)) {
            return new Result(null, "%s name \"%s\" has an invalid label; %s".formatted(kind.cliName(), name, LABEL_RULE));
        }
        return new Result(new ResourceId(kind, label), null);
    }

    private static String example(Kind kind) {
        return switch (kind) {
            case PERSONA -> "personas must be p://<label>, e.g. p://work";
            case TENANT -> "tenants must be sys://<label>, e.g. sys://ai";
            case ENVELOPE -> "envelopes are a bare label, e.g. small";
            case IMAGE -> "images are a bare label, e.g. notes";
        };
    }

    /** Outcome of {@link #parse}: exactly one of id and error is set. */
    public record Result(ResourceId id, String error) {
        public boolean ok() { return id != null; }

        public ResourceId orThrow() {
            if (id == null) throw new IllegalArgumentException(error);
            return id;
        }
    }

    /** The podman container name; only tenants and personas have one. */
    public String containerName() {
        if (!kind.runsAsContainer()) throw new IllegalStateException(kind + " " + label + " never runs as a container");
        return kind.containerPrefix() + label;
    }

    /** The inverse of {@link #containerName()}; empty for any name outside the grammar. */
    public static Optional<ResourceId> fromContainerName(String containerName) {
        if (containerName == null) return Optional.empty();
        for (Kind k : Kind.values()) {
            if (k.runsAsContainer() && containerName.startsWith(k.containerPrefix())) {
                String label = containerName.substring(k.containerPrefix().length());
                return isLabel(label) ? Optional.of(new ResourceId(k, label)) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The inverse of {@link #toString()} for container kinds: "p://work" or "sys://ai". */
    public static Optional<ResourceId> fromUri(String uri) {
        if (uri == null) return Optional.empty();
        for (Kind k : Kind.values()) {
            if (k.runsAsContainer() && uri.startsWith(k.scheme())) {
                String label = uri.substring(k.scheme().length());
                return isLabel(label) ? Optional.of(new ResourceId(k, label)) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    @Override
    public int compareTo(ResourceId o) {
        int c = kind.compareTo(o.kind);
        return c != 0 ? c : label.compareTo(o.label);
    }

    /** The semantic name as users write it: "p://work", "sys://ai" or "small". */
    @Override
    public String toString() {
        return kind.scheme() + label;
    }
}
