package spine.model;

/**
 * The kinds of resource. Declaration order is the order of names: tenants, personas, envelopes, images. Envelopes and
 * images are bare labels, told apart by their kind.
 */
public enum Kind {
    TENANT("Tenant", "tenant", "sys://", "sys__"),
    PERSONA("Persona", "persona", "p://", "p__"),
    ENVELOPE("Envelope", "envelope", "", null),
    IMAGE("Image", "image", "", null);

    private final String yamlKind;
    private final String cliName;
    private final String scheme;
    private final String containerPrefix;

    Kind(String yamlKind, String cliName, String scheme, String containerPrefix) {
        this.yamlKind = yamlKind;
        this.cliName = cliName;
        this.scheme = scheme;
        this.containerPrefix = containerPrefix;
    }

    /** The {@code kind:} value in a spec document. */
    public String yamlKind() { return yamlKind; }

    /** The word used on the command line and in {@code io.spine.kind}. */
    public String cliName() { return cliName; }

    /** The URI scheme of a name, such as {@code p://}; empty for envelopes, which have bare labels. */
    public String scheme() { return scheme; }

    /** The podman name prefix, or null for kinds that never become containers. */
    public String containerPrefix() { return containerPrefix; }

    public boolean runsAsContainer() { return containerPrefix != null; }

    public static java.util.Optional<Kind> fromYaml(String kind) {
        for (Kind k : values()) if (k.yamlKind.equals(kind)) return java.util.Optional.of(k);
        return java.util.Optional.empty();
    }

    public static java.util.Optional<Kind> fromCli(String word) {
        for (Kind k : values()) if (k.cliName.equals(word) || (k.cliName + "s").equals(word)) return java.util.Optional.of(k);
        return java.util.Optional.empty();
    }
}
