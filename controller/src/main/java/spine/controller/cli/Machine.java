package spine.controller.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import spine.controller.loop.BackoffTracker;
import spine.controller.loop.Executor;
import spine.controller.loop.Metrics;
import spine.controller.loop.Reconciler;
import spine.controller.log.LogOutput;
import spine.controller.state.IntentStore;
import spine.controller.state.LogFile;
import spine.controller.state.StateException;
import spine.controller.state.SpineRoot;
import spine.controller.loop.Machinery;
import spine.drivers.ContainerRuntime;
import spine.drivers.SocketDirs;
import spine.drivers.kernel.HostFile;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.drivers.sysfs.SysfsDriver;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.podman.PodmanDriver;

/** What a command runs against: the root, podman, the clock and the terminal. Built once per process. */
record Machine(SpineRoot root, Clock clock, Map<String, String> env, PrintStream out, PrintStream err, int parallelism) {
    static final String PODMAN_ENV = "SPINE_PODMAN";
    /** Where the sockets shared with containers live ({@code /run/spine} by default; tests use a short temporary path). */
    static final String RUN_ENV = "SPINE_RUN";

    /** Sends every log line to {@code <root>/spine/spine.log} from now on; the caller closes it. */
    LogFile openLog() throws StateException {
        LogFile log = LogFile.open(root);
        LogOutput.toFile(log);
        return log;
    }

    /** The run directory: {@code SPINE_RUN}, else {@code /run/spine} (bay0's boot record, the shared sockets). */
    java.nio.file.Path runDir() {
        return java.nio.file.Path.of(env.getOrDefault(RUN_ENV, SocketDirs.DEFAULT.toString()));
    }

    /** The machine's own /proc and /etc (the peer's groups, the lock holders, the trust keys, sway's config). */
    Kernel host() {
        return new Kernel(java.nio.file.Path.of("/"));
    }

    /** The system calls of this process: the CLI is an entry point, and hands them on from here. */
    Syscalls syscalls() {
        return Syscalls.linux();
    }

    ContainerRuntime runtime() {
        return podman();
    }

    PodmanDriver podman() {
        String podman = env.getOrDefault(PODMAN_ENV, "podman");
        // podman's own configuration variables follow the command's environment (tests select their storage this way)
        var podmanEnv = new java.util.TreeMap<String, String>();
        env.forEach((k, v) -> {
            if (k.startsWith("CONTAINERS_")) podmanEnv.put(k, v);
        });
        PodmanDriver driver = new PodmanDriver(new ProcessCommandRunner(podmanEnv), List.of(podman),
                PodmanDriver.Timeouts.defaults(), new SocketDirs(runDir())).withVolumes(root.volumeDirs());
        return quotas().enforced(root.path()) ? driver.withLayerLimit(quotas()::boundLayer) : driver;
    }

    /** The kernel's disk quotas on the state root's filesystem (docs/ARCHITECTURE.md "Disk"). */
    spine.controller.state.DiskQuotas quotas() {
        return new spine.controller.state.DiskQuotas(syscalls(), host().path(HostFile.MOUNTS));
    }

    /** podman, the kernel and (for a lasting converger) the umbilical broker. */
    Machinery machinery(boolean serving) {
        PodmanDriver podman = podman();
        var sysfs = new SysfsDriver(java.nio.file.Path.of("/"));
        Machinery m = new Machinery(podman, sysfs, serving ? java.util.Optional.of(spine.controller.umbilical.Broker.serving(podman, sysfs)) : java.util.Optional.empty(), syscalls());
        // where sway and its configuration are (the image's by default; tests on a build host point elsewhere)
        return m.volumes(new spine.controller.state.Volumes(root).withQuotas(quotas()))
                .sway(env.getOrDefault("SPINE_SWAY", "/usr/bin/sway"), env.getOrDefault("SPINE_SWAY_CONFIG", host().path(HostFile.SWAY_CONFIG).toString()));
    }

    Reconciler reconciler(Machinery machinery, IntentStore store, Metrics metrics) throws UsageException {
        var r = new Reconciler(store, machinery, new Executor(machinery, store, metrics, parallelism), new BackoffTracker(),
                metrics, clock, machinery);
        String grace = env.get("SPINE_IMAGE_GRACE");
        if (grace != null) r.imageGrace(Args.duration("SPINE_IMAGE_GRACE", grace));
        return r;
    }
}
