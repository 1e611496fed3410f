package spine.controller.pid1;

import java.time.Duration;
import java.util.function.Consumer;

import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/**
 * The hardware watchdog as a trial boot's last resort (issue 12): a trial kernel that wedges, or a candidate whose
 * bay0 never starts, cannot run the trial's own deadline, but a watchdog nobody feeds resets the machine, and the
 * known-good boot after the reset nacks the candidate. Armed right before the kexec into a candidate (it keeps counting
 * across the kexec: the image loads the watchdog core with {@code stop_on_reboot=0}), armed again by the trial's bay0
 * once its modules are loaded (the driver's probe stops it), disarmed when the candidate is promoted; a failed trial
 * reboots anyway. A machine without {@code /dev/watchdog} goes on without one and says so.
 */
final class TrialWatchdog {
    private static final System.Logger LOG = System.getLogger("bay0");
    static final String DEVICE = "/dev/watchdog";

    private final Kernel kernel;
    private final Syscalls sys;
    private final Duration timeout;
    private final Consumer<String> say;

    TrialWatchdog(Kernel kernel, Syscalls sys, Duration timeout, Consumer<String> say) {
        this.kernel = kernel;
        this.sys = sys;
        this.timeout = timeout;
        this.say = say;
    }

    /** Starts (or restarts) the countdown; {@code why} names the moment, for the log. */
    void arm(String why) {
        String dev = kernel.path(DEVICE).toString();
        LOG.log(System.Logger.Level.INFO, "watchdog arm starting device={0} seconds={1} why=\"{2}\"", dev, timeout.toSeconds(), why);
        Syscalls.Result r = sys.watchdogArm(dev, (int) timeout.toSeconds());
        LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "watchdog arm done result={0}", r);
        say.accept(r.ok() ? "watchdog armed for " + r.value() + " s (" + why + ")"
                : "no hardware watchdog (" + DEVICE + ": " + r + "): a kernel that wedges now needs a reset by hand");
    }

    /** The trial is judged: the countdown stops. */
    void disarm() {
        String dev = kernel.path(DEVICE).toString();
        LOG.log(System.Logger.Level.INFO, "watchdog disarm starting device={0}", dev);
        Syscalls.Result r = sys.watchdogDisarm(dev);
        LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "watchdog disarm done result={0}", r);
        if (!r.ok()) say.accept("watchdog not disarmed (" + r + "): the machine may reset, but what it waited for is recorded already");
    }
}
