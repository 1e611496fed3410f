package spine.controller.log;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Where log lines go: stderr from a threshold up, and every line to the root's spine.log once the state
 * package has opened it. The JDK's System.Logger is the one logging API in Spine, and its backend is
 * necessarily process-wide, so this is the single piece of global mutable state; Main configures it once.
 */
public final class LogOutput {
    private static final int EARLY_LINES = 10_000;
    private static volatile Level stderrThreshold = Level.INFO;
    /** Until a file sink exists (PID 1 before persist is up), lines wait here, so none is lost. */
    private static final java.util.ArrayDeque<String> early = new java.util.ArrayDeque<>();
    private static volatile Consumer<String> file = null;
    private static volatile Clock clock = Clock.systemUTC();

    private LogOutput() {}

    public static void stderrFrom(Level threshold) {
        stderrThreshold = threshold;
    }

    public static void toFile(Consumer<String> sink) {
        synchronized (early) {
            early.forEach(sink);
            early.clear();
            file = sink;
        }
    }

    static void write(Level level, String component, String message) {
        String line = clock.instant() + " " + word(level) + " " + component + " " + message;
        if (level.getSeverity() >= stderrThreshold.getSeverity()) System.err.println(line);
        Consumer<String> sink = file;
        if (sink != null) {
            sink.accept(line);
            return;
        }
        synchronized (early) {
            if (file != null) {
                file.accept(line);
            } else {
                if (early.size() == EARLY_LINES) early.removeFirst();
                early.addLast(line);
            }
        }
    }

    /** INFO and up; the JDK logs some internals at DEBUG (ProcessBuilder prints a stack trace per start). */
    static boolean enabled(Level level) {
        return level.getSeverity() >= Level.INFO.getSeverity();
    }

    private static String word(Level level) {
        return switch (level) {
            case ALL, TRACE, DEBUG -> "DEBUG";
            case INFO -> "INFO";
            case WARNING -> "WARN";
            case ERROR, OFF -> "ERROR";
        };
    }
}
