package spine.drivers.exec;

import java.time.Duration;

/** The outcome of one external command: exit code (-1 when it timed out), captured output and duration. */
public record CommandResult(int exit, String stdout, String stderr, Duration took, boolean timedOut) {
    /** Exit code of a process its caller killed before its input ended ({@link CommandRunner#feed}). */
    public static final int ABORTED = -2;

    static CommandResult aborted(java.util.List<String> argv, String why) {
        return new CommandResult(ABORTED, "", "aborted before its input ended: " + why, Duration.ZERO, false);
    }

    public boolean aborted() {
        return exit == ABORTED;
    }

    public boolean ok() {
        return !timedOut && exit == 0;
    }

    /** The last non-empty line of stderr, or a note about the timeout: short enough for a status column. */
    public String summary() {
        if (timedOut) return "timed out after " + took.toMillis() + " ms";
        String[] lines = stderr.strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return last.isEmpty() ? "exit " + exit : last;
    }
}
