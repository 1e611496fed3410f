package spine.model;

/** The podman labels that mark a container as Spine's. What exists is read from these, never from the DB. */
public final class Labels {
    public static final String NAME = "io.spine.name";
    public static final String KIND = "io.spine.kind";
    public static final String SPEC_HASH = "io.spine.spec-hash";
    public static final String GENERATION = "io.spine.generation";
    /** On a persona with {@code display: true}: its container mounts the compositor's Wayland socket at each start. */
    public static final String DISPLAY = "io.spine.display";

    private Labels() {}
}
