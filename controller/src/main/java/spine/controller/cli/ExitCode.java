package spine.controller.cli;

/** Exit codes are part of the interface (docs/OPERATIONS.md). */
public final class ExitCode {
    /** Converged; for diff, nothing would change. */
    public static final int OK = 0;
    /** Not converged by the timeout; for diff, there are changes. */
    public static final int PENDING = 1;
    /** Invalid input or usage: nothing was stored. */
    public static final int INVALID = 2;
    /** The machine cannot do it now: root not writable, database unreadable, podman missing, no daemon. */
    public static final int UNAVAILABLE = 3;

    private ExitCode() {}
}
