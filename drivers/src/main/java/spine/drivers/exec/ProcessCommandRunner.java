package spine.drivers.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs real processes. Every command logs a line before and after, captures stdout and stderr, and is
 * killed with its whole process tree when its timeout passes, so a hung podman never hangs Spine.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private static final Logger LOG = System.getLogger("exec");
    private static final int MAX_CAPTURE = 16 << 20;
    private static final Duration DRAIN = Duration.ofSeconds(2);

    private final Map<String, String> environment;
    private final ChildProcesses children;

    public ProcessCommandRunner(Map<String, String> environment) {
        this(environment, new ChildProcesses());
    }

    /** {@code children} is shared with PID 1's reaper, which must not take the exit status of these processes. */
    public ProcessCommandRunner(Map<String, String> environment, ChildProcesses children) {
        this.environment = Map.copyOf(environment);
        this.children = children;
    }

    /** Registered with the same children as {@link #run}: PID 1's reaper leaves its exit status to the JDK. */
    @Override
    public Process start(List<String> argv, Map<String, String> env) throws IOException {
        var pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        LOG.log(Level.INFO, "process starting argv=\"{0}\"", String.join(" ", argv));
        Process p = children.start(pb);
        LOG.log(Level.INFO, "process started pid={0} argv=\"{1}\"", p.pid(), String.join(" ", argv));
        return p;
    }

    @Override
    public CommandResult run(List<String> argv, Duration timeout) {
        return execute(argv, timeout, null);
    }

    /**
     * The feeder writes stdin on a virtual thread while this one waits out the timeout: a process that stops reading
     * cannot hold the caller past it (the kill breaks the feeder's pipe). An abort kills the process tree before the
     * input ends, so it never sees its end.
     */
    @Override
    public CommandResult feed(List<String> argv, Duration timeout, Feeder feeder) {
        return execute(argv, timeout, feeder);
    }

    /** One command, its stdin closed at once ({@code feeder} null) or written by the feeder; see {@link #feed}. */
    private CommandResult execute(List<String> argv, Duration timeout, Feeder feeder) {
        String cmd = String.join(" ", argv);
        LOG.log(Level.INFO, "command starting argv=\"{0}\" timeout_ms={1}" + (feeder == null ? "" : " stdin=fed"), cmd, timeout.toMillis());
        long start = System.nanoTime();
        Process p;
        try {
            var pb = new ProcessBuilder(argv);
            pb.environment().putAll(environment);
            p = children.start(pb.redirectInput(ProcessBuilder.Redirect.PIPE));
            if (feeder == null) p.getOutputStream().close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "command failed to start argv=\"{0}\" error=\"{1}\"", cmd, e.getMessage());
            return new CommandResult(127, "", e.getMessage(), Duration.ofNanos(System.nanoTime() - start), false);
        }
        var out = new Capture(p.getInputStream());
        var err = new Capture(p.getErrorStream());
        var abort = new java.util.concurrent.atomic.AtomicReference<String>();
        Thread writer = feeder == null ? null : Thread.ofVirtual().name("feed").start(() -> {
            // every abort kills the process before the close of its stdin, which would give it its end of input
            try (var stdin = new java.io.BufferedOutputStream(p.getOutputStream(), 1 << 16)) {
                boolean end;
                try {
                    end = feeder.feed(stdin);
                } catch (IOException | RuntimeException e) {
                    abort.set(String.valueOf(e.getMessage()));
                    kill(p);
                    return;
                }
                if (!end) {
                    abort.set("the caller ended it");
                    kill(p);
                }
            } catch (IOException e) {
                // the close's flush failed: the process stopped reading (it exited); its exit code and stderr say why
            }
        });
        boolean finished;
        try {
            if (writer != null) writer.join(timeout);
            finished = p.waitFor(Math.max(0, timeout.toMillis() - Duration.ofNanos(System.nanoTime() - start).toMillis()),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            kill(p);
            try {
                if (writer != null) writer.join(DRAIN);
                p.waitFor(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        CommandResult result = abort.get() != null
                ? new CommandResult(CommandResult.ABORTED, out.text(), "aborted before its input ended: " + abort.get() + "\n" + err.text(), took, false)
                : new CommandResult(finished ? p.exitValue() : -1, out.text(), err.text(), took, !finished);
        if (result.aborted()) {
            LOG.log(Level.WARNING, "command aborted argv=\"{0}\" ms={1} why=\"{2}\"", cmd, took.toMillis(), oneLine(abort.get()));
        } else if (result.timedOut()) {
            LOG.log(Level.WARNING, "command timed out argv=\"{0}\" ms={1} stderr=\"{2}\"", cmd, took.toMillis(), oneLine(result.stderr()));
        } else if (result.exit() != 0) {
            LOG.log(Level.WARNING, "command finished argv=\"{0}\" exit={1} ms={2} stderr=\"{3}\"", cmd, result.exit(),
                    took.toMillis(), oneLine(result.stderr()));
        } else {
            LOG.log(Level.INFO, "command finished argv=\"{0}\" exit=0 ms={1}", cmd, took.toMillis());
        }
        return result;
    }

    /**
     * Kills the process and every process below it. The tree is read first and the process killed before its children:
     * killed the other way round, a shell would see its child die and run its next command (a fed {@code sh -c 'cat;
     * echo done'} printed "done" so), and once the process is gone its children are no longer found below it.
     */
    private static void kill(Process p) {
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    private static String oneLine(String s) {
        String t = s.strip().replace('\n', '|').replace("\"", "'");
        return t.length() > 400 ? t.substring(0, 400) + "..." : t;
    }

    /** Reads one stream on a virtual thread; a grandchild holding the pipe open cannot block the caller. */
    private static final class Capture {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Capture(InputStream in) {
            thread = Thread.ofVirtual().name("capture").start(() -> {
                byte[] chunk = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(chunk)) >= 0) {
                        synchronized (buf) {
                            if (buf.size() < MAX_CAPTURE) buf.write(chunk, 0, Math.min(n, MAX_CAPTURE - buf.size()));
                        }
                    }
                } catch (IOException ignored) {
                    // the process died or was killed; what was read so far is what we report
                }
            });
        }

        String text() {
            try {
                thread.join(DRAIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
