package spine.controller.pid1;

import java.io.IOException;
import java.util.Map;

import spine.drivers.exec.ChildProcesses;
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
        private final ChildProcesses children;
        private volatile boolean stopped;
        private volatile Process shell;

        SerialShell(Kernel kernel, ChildProcesses children) {
            this.kernel = kernel;
            this.children = children;
        }

        @Override
        public void start(Map<String, String> env) {
            String tty = kernel.exists("/dev/ttyS0") ? "/dev/ttyS0" : "/dev/console";
            Thread.ofPlatform().daemon().name("console-shell").start(() -> {
                while (!stopped) {
                    try {
                        var pb = new ProcessBuilder("/bin/sh", "-c", "exec /bin/setsid -c /bin/sh -l <" + tty + " >" + tty + " 2>&1");
                        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
                        pb.environment().put("HOME", "/");
                        pb.environment().put("TERM", "vt100");
                        pb.environment().put("PS1", "spine# ");
                        pb.environment().putAll(env);
                        shell = children.start(pb);
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
