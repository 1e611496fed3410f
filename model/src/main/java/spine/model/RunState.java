package spine.model;

/** The state a user asks for. The in-between phases (starting, stopping, ...) are {@link Phase}s, never intents. */
public enum RunState {
    STOPPED, RUNNING, PAUSED;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
