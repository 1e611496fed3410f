package spine.model;

/** {@code none} is the default and the only mode a tenant may use: there is no network in the spine. */
public enum NetworkMode {
    NONE, PRIVATE;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
