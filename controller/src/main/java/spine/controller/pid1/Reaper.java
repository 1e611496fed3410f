package spine.controller.pid1;

import java.time.Duration;

import spine.drivers.exec.ChildProcesses;
import spine.drivers.kernel.Syscalls;

/**
 * Reaps orphans re-parented to PID 1 (or to a subreaper) so they never pile up as zombies. It sleeps in the kernel
 * until a child exits (waitid(P_ALL, WNOWAIT): nothing is taken), so an idle machine costs it nothing; it used to
 * scan all of /proc every 100 ms, which under emulation is real CPU in PID 1 (THREATMODEL). It never takes the exit
 * status of a process the JVM started itself: under the {@link ChildProcesses} lock it reaps only pids no
 * java.lang.Process owns, and leaves the others to the JDK, waiting a moment for it to collect them.
 */
final class Reaper {
    private static final System.Logger LOG = System.getLogger("reaper");
    private static final int ECHILD = 10;
    /** With no child at all there is nothing to block on: look again after this. */
    static final Duration NO_CHILD = Duration.ofMillis(100);
    /** A JDK child's zombie is collected by the JDK within milliseconds; until then the reaper backs off up to this. */
    private static final Duration MAX_BACKOFF = Duration.ofMillis(50);

    private final Syscalls sys;
    private final ChildProcesses children;
    private volatile long reaped;
    private volatile long wakeups;

    Reaper(Syscalls sys, ChildProcesses children) {
        this.sys = sys;
        this.children = children;
    }

    /** A daemon thread; it may stay blocked in waitid after an interrupt until the next child exits. */
    Thread start() {
        return Thread.ofPlatform().daemon().name("reaper").start(() -> {
            long backoffMs = 1;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Syscalls.Result r = sys.waitAnyExited();
                    if (!r.ok()) {
                        if (r.errno() != ECHILD) LOG.log(System.Logger.Level.WARNING, "waitid failed result={0}", r);
                        Thread.sleep(NO_CHILD);
                        continue;
                    }
                    wakeups++;
                    if (reap((int) r.value())) {
                        backoffMs = 1;
                    } else {
                        Thread.sleep(backoffMs); // the JDK's own child: it is about to collect it
                        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "reaper pass failed: a bug", e);
                }
            }
        });
    }

    /** Reaps {@code pid} unless a java.lang.Process owns it; true when it was reaped here. */
    boolean reap(int pid) {
        return children.exclusively(() -> {
            if (children.owns(pid) || sys.reap(pid).value() != pid) return false;
            reaped++;
            LOG.log(System.Logger.Level.DEBUG, "reaped orphan pid={0} total={1}", pid, reaped);
            return true;
        });
    }

    long reaped() {
        return reaped;
    }

    /**
     * How often waitid returned an exited child: the reaper's own cost, one per exit rather than one /proc scan per
     * 100 ms. (With no child at all, waitid fails at once and the reaper looks again every 100 ms: one syscall.)
     */
    long wakeups() {
        return wakeups;
    }
}
