package spine.controller.pid1;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import spine.drivers.exec.CommandRunner;
import spine.drivers.kernel.Kernel;

/** What bay0 offers on the console after init complete: in the image, a respawned busybox shell on the serial line. */
interface Console {
    /** Starts serving; {@code env} is what typed commands need to see (podman's storage, the spine root). */
    void start(Map<String, String> env);

    /** Stops serving, at shutdown. */
    void stop();

    /** A busybox login shell on ttyS0 (or /dev/console), respawned when it exits; its processes are reaped by the JDK. */
    final class SerialShell implements Console {
        private static final System.Logger LOG = System.getLogger("bay0");

        private final Kernel kernel;
        private final CommandRunner runner;
        private volatile boolean stopped;
        private volatile Process shell;

        /** {@code runner} starts the shell, registered with the children PID 1's reaper leaves to the JDK. */
        SerialShell(Kernel kernel, CommandRunner runner) {
            this.kernel = kernel;
            this.runner = runner;
        }

        @Override
        public void start(Map<String, String> env) {
            String tty = kernel.exists("/dev/ttyS0") ? "/dev/ttyS0" : "/dev/console";
            Thread.ofPlatform().daemon().name("console-shell").start(() -> {
                while (!stopped) {
                    try {
                        var shellEnv = new java.util.TreeMap<>(System.getenv());
                        shellEnv.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
                        shellEnv.put("HOME", "/");
                        shellEnv.put("TERM", "vt100");
                        shellEnv.put("PS1", "spine# ");
                        shellEnv.putAll(env);
                        shell = runner.start(List.of("/bin/sh", "-c", "exec /bin/setsid -c /bin/sh -l <" + tty + " >" + tty + " 2>&1"), shellEnv);
                        LOG.log(System.Logger.Level.INFO, "console shell started tty={0} pid={1}", tty, shell.pid());
                        int code = shell.waitFor();
                        LOG.log(System.Logger.Level.INFO, "console shell exited code={0}; respawning", code);
                        Thread.sleep(1_000);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "console shell failed to start error=\"{0}\"", e.getMessage());
                        try {
                            Thread.sleep(5_000);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void stop() {
            stopped = true;
            Process sh = shell;
            if (sh != null) sh.destroy();
        }
    }
}
