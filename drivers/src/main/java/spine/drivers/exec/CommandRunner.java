package spine.drivers.exec;

import java.time.Duration;
import java.util.List;

/** The podman driver's seam: run argv, bounded by a timeout. Tests replay recorded output through it. */
@FunctionalInterface
public interface CommandRunner {
    CommandResult run(List<String> argv, Duration timeout);
}
