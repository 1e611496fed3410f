package spine.model;

/**
 * The lifecycle phase in the status table. The -ing phases are committed before the podman call and
 * replaced after it, so a crash always leaves a half state that boot-time convergence can find.
 */
public enum Phase {
    STOPPED, STARTING, RUNNING, PAUSING, PAUSED, STOPPING,
    /** Exited by itself and waiting for its crash-loop back-off ({@link CrashLoop}). */
    CRASHLOOP,
    /** Exited by itself and kept exited by its restart policy. */
    EXITED;

    public boolean isHalf() {
        return this == STARTING || this == PAUSING || this == STOPPING;
    }

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Phase fromWord(String w) {
        return valueOf(w.toUpperCase(java.util.Locale.ROOT));
    }

    /** The settled phase that matches a desired run state. */
    public static Phase settled(RunState s) {
        return switch (s) {
            case STOPPED -> STOPPED;
            case RUNNING -> RUNNING;
            case PAUSED -> PAUSED;
        };
    }
}
