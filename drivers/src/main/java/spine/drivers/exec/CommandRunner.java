package spine.drivers.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The seam through which every process starts: run argv, bounded by a timeout. Tests replay recorded output through it. */
@FunctionalInterface
public interface CommandRunner {
    CommandResult run(List<String> argv, Duration timeout);

    /**
     * Writes a process's standard input: returns true to end it (the process reads its end), false to abort, when
     * the runner kills the process before it sees the end.
     */
    @FunctionalInterface
    interface Feeder {
        boolean feed(OutputStream stdin) throws IOException;
    }

    /**
     * Runs argv with {@code feeder} writing its standard input, bounded by {@code timeout} as {@link #run} is. When the
     * feeder aborts (returns false or throws), the process is killed before its input ends and the result says
     * {@code aborted}: a reader that acts only at the end of its input (podman load) then does nothing. A runner that
     * replays recordings feeds a sink and replays.
     */
    default CommandResult feed(List<String> argv, Duration timeout, Feeder feeder) {
        try {
            if (!feeder.feed(OutputStream.nullOutputStream())) return CommandResult.aborted(argv, "the caller ended it");
        } catch (IOException e) {
            return CommandResult.aborted(argv, e.getMessage());
        }
        return run(argv, timeout);
    }

    /**
     * Starts a process that lasts (the compositor) with exactly {@code env}, its stderr merged into its stdout; the
     * caller owns it. A runner that replays recordings starts none.
     */
    default Process start(List<String> argv, Map<String, String> env) throws IOException {
        throw new IOException("this command runner starts no lasting process: " + argv);
    }
}
