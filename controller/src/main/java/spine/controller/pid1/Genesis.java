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
    private final PrintStream console;
    private final DoubleSupplier uptime;
    private final List<String> lines = new ArrayList<>();

    Genesis(PrintStream console, DoubleSupplier uptime) {
        this.console = console;
        this.uptime = uptime;
    }

    synchronized void line(String text) {
        String l = String.format(java.util.Locale.ROOT, "[%9.3f] bay0: %s", uptime.getAsDouble(), text);
        lines.add(l);
        console.println(l);
        console.flush();
    }

    synchronized List<String> drain() {
        var out = List.copyOf(lines);
        lines.clear();
        return out;
    }
}
