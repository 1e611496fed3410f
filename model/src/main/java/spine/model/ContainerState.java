package spine.model;

/** Container states as podman reports them in {@code podman ps -a --format json}. */
public enum ContainerState {
    CREATED, RUNNING, PAUSED, EXITED, STOPPED, STOPPING, REMOVING, UNKNOWN,
    /** Not a podman state: created, but the start that a killed converger left half done (see {@link ObservedState#interrupted}). */
    INTERRUPTED;

    public static ContainerState fromPodman(String s) {
        if (s == null) return UNKNOWN;
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "created", "configured", "initialized" -> CREATED;
            case "running" -> RUNNING;
            case "paused" -> PAUSED;
            case "exited" -> EXITED;
            case "stopped" -> STOPPED;
            case "stopping" -> STOPPING;
            case "removing" -> REMOVING;
            default -> UNKNOWN;
        };
    }

    /** Neither up nor cleanly down: a container caught mid-transition, which Spine replaces rather than trusts. */
    public boolean isHalfState() {
        return this == STOPPING || this == REMOVING || this == UNKNOWN || this == INTERRUPTED;
    }

    /** Down, but startable as it is. */
    public boolean isDown() {
        return this == CREATED || this == EXITED || this == STOPPED;
    }

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
