package spine.drivers.exec;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The seam through which every process starts: run argv, bounded by a timeout. Tests replay recorded output through it. */
@FunctionalInterface
public interface CommandRunner {
    CommandResult run(List<String> argv, Duration timeout);

    /**
     * Starts a process that lasts (the compositor) with exactly {@code env}, its stderr merged into its stdout; the
     * caller owns it. A runner that replays recordings starts none.
     */
    default Process start(List<String> argv, Map<String, String> env) throws IOException {
        throw new IOException("this command runner starts no lasting process: " + argv);
    }
}
