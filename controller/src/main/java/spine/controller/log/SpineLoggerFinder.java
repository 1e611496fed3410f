package spine.controller.log;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * Backend for {@link System#getLogger}: one line per event, {@code ts level component message key=value...}.
 * Parameters fill {0}, {1}... by plain substitution: no MessageFormat, so numbers never gain grouping commas.
 */
public final class SpineLoggerFinder extends System.LoggerFinder {
    @Override
    public Logger getLogger(String name, Module module) {
        return new SpineLogger(name);
    }

    static String substitute(String format, Object... params) {
        if (params == null || params.length == 0) return format;
        var sb = new StringBuilder(format.length() + 32);
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            int close = c == '{' ? format.indexOf('}', i) : -1;
            if (close > i + 1) {
                try {
                    int idx = Integer.parseInt(format.substring(i + 1, close));
                    if (idx >= 0 && idx < params.length) {
                        sb.append(params[idx]);
                        i = close;
                        continue;
                    }
                } catch (NumberFormatException ignored) {
                    // not a placeholder; copy it as it is
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private record SpineLogger(String name) implements Logger {
        @Override
        public String getName() { return name; }

        @Override
        public boolean isLoggable(Level level) { return LogOutput.enabled(level); }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (!isLoggable(level)) return;
            String text = msg;
            if (thrown != null) {
                var sw = new java.io.StringWriter();
                thrown.printStackTrace(new java.io.PrintWriter(sw));
                text = msg + " error=\"" + thrown + "\"\n" + sw;
            }
            LogOutput.write(level, name, text);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) LogOutput.write(level, name, substitute(format, params));
        }

        @Override
        public void log(Level level, Supplier<String> msgSupplier) {
            if (isLoggable(level)) LogOutput.write(level, name, msgSupplier.get());
        }
    }
}
