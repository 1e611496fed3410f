package spine.controller.state;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/** Appends log lines to {@code <root>/spine/spine.log}, rotating once to spine.log.1 past 16 MiB. */
public final class LogFile implements Consumer<String>, AutoCloseable {
    private static final long ROTATE_AT = 16L << 20;

    private final OutputStream out;
    private boolean closed;

    private LogFile(OutputStream out) {
        this.out = out;
    }

    public static LogFile open(SpineRoot root) throws StateException {
        root.ensureDir();
        try {
            if (Files.exists(root.logFile()) && Files.size(root.logFile()) > ROTATE_AT) {
                Files.move(root.logFile(), root.logFile().resolveSibling("spine.log.1"), StandardCopyOption.REPLACE_EXISTING);
            }
            return new LogFile(Files.newOutputStream(root.logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new StateException("cannot open " + root.logFile() + ": permission denied; changing intent needs root,"
                    + " or membership of group spine while spine run or bay0 serves the control socket", e);
        } catch (IOException e) {
            throw new StateException("cannot open " + root.logFile() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void accept(String line) {
        if (closed) return; // a late line after the command finished; stderr still has it if it mattered
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            System.err.println("spine: cannot write spine.log: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing left to tell: the log itself is what failed
        }
    }
}
