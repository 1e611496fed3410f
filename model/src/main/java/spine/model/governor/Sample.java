package spine.model.governor;

import java.time.Instant;
import java.util.OptionalDouble;

/**
 * One reading the governor decides on: machine-wide PSI {@code avg10} figures, the hottest thermal zone, and the
 * memory pressure inside the cgroups the governor itself throttles ({@code throttledMemorySome}), which it must not
 * count as a reason to throttle more.
 */
public record Sample(Instant at, double cpuSome, double memorySome, double ioSome, OptionalDouble hottestC,
                     double throttledMemorySome) {
    /** Memory pressure the rest of the machine feels: the machine's figure less what throttling caused. */
    public double foreignMemorySome() {
        return Math.max(0, memorySome - throttledMemorySome);
    }
}
