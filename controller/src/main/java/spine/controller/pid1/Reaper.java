package spine.controller.pid1;

import java.time.Duration;
import java.util.List;

import spine.drivers.exec.ChildProcesses;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/**
 * Reaps orphans re-parented to PID 1 (or to a subreaper) so they never pile up as zombies. It never takes the
 * exit status of a process the JVM started itself: each zombie child is peeked with waitid(WNOWAIT), and only
 * pids that no java.lang.Process owns are reaped. Polls every 100 ms, so a zombie lives at most about that long.
 */
final class Reaper {
    private static final System.Logger LOG = System.getLogger("reaper");
    static final Duration PERIOD = Duration.ofMillis(100);

    private final Kernel kernel;
    private final Syscalls sys;
    private final ChildProcesses children;
    private final long self = ProcessHandle.current().pid();
    private volatile long reaped;

    Reaper(Kernel kernel, Syscalls sys, ChildProcesses children) {
        this.kernel = kernel;
        this.sys = sys;
        this.children = children;
    }

    Thread start() {
        return Thread.ofPlatform().daemon().name("reaper").start(() -> {
            while (true) {
                try {
                    reapOnce();
                    Thread.sleep(PERIOD);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "reaper pass failed: a bug", e);
                }
            }
        });
    }

    /** One sweep; returns how many zombies it reaped. */
    int reapOnce() {
        List<Integer> zombies = kernel.zombieChildren(self);
        if (zombies.isEmpty()) return 0;
        return children.exclusively(() -> {
            int n = 0;
            for (int pid : zombies) {
                if (children.owns(pid) || !sys.hasExited(pid)) continue;
                if (sys.reap(pid).value() == pid) n++;
            }
            if (n > 0) {
                reaped += n;
                LOG.log(System.Logger.Level.DEBUG, "reaped orphans count={0} total={1}", n, reaped);
            }
            return n;
        });
    }

    long reaped() {
        return reaped;
    }
}
