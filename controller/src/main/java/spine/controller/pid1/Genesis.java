package spine.controller.pid1;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Genesis lines: the boot's milestones on the console, each with its uptime, e.g.
 * {@code [    2.417] bay0: mounted proc/sys/dev}. Kept in memory until persist can take them.
 */
final class Genesis {
    private static final System.Logger LOG = System.getLogger("bay0");
    private final PrintStream console;
    private final DoubleSupplier uptime;
    private final List<String> lines = new ArrayList<>();

    Genesis(PrintStream console, DoubleSupplier uptime) {
        this.console = console;
        this.uptime = uptime;
    }

    synchronized void line(String text) {
        double now = uptime.getAsDouble();
        String l = String.format(java.util.Locale.ROOT, "[%9.3f] bay0: %s", now, text);
        lines.add(l);
        console.println(l);
        console.flush();
        // the same milestone in spine.log, where lines carry the wall clock: `spine boot timeline` lines up the boot's
        // steps (wall clock) with its milestones (uptime) through it
        LOG.log(System.Logger.Level.INFO, "genesis uptime={0} {1}", String.format(java.util.Locale.ROOT, "%.3f", now), text);
    }

    synchronized List<String> drain() {
        var out = List.copyOf(lines);
        lines.clear();
        return out;
    }
}
