package spine.controller.pid1;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import spine.controller.image.Candidate;
import spine.controller.log.LogOutput;
import spine.controller.loop.BootConvergence;
import spine.controller.loop.Metrics;
import spine.controller.state.DiskQuotas;
import spine.controller.state.IntentStore;
import spine.controller.state.IoPriority;
import spine.controller.state.LogFile;
import spine.controller.state.Slots;
import spine.controller.state.SpineRoot;
import spine.controller.state.StateBridge;
import spine.controller.state.SuspendInhibit;
import spine.controller.state.UpgradeRecords;
import spine.drivers.exec.ChildProcesses;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.StepResult;
import spine.drivers.SocketDirs;
import spine.drivers.kernel.HostFile;
import spine.drivers.podman.PodmanDriver;

/**
 * bay0: Spine as PID 1. Brings the machine up in a fixed order, printing a genesis line at each milestone, and never
 * hangs on storage: every survival read has a hard timeout, and a dead or absent disk gives a dirty boot that carries
 * on with a volatile root. PID 1 must never exit, so every path ends in reboot(2).
 * <p>
 * The parts have their own classes: {@link BootOptions}, {@link EarlyMounts}, {@link ModuleLoader}, {@link PersistDisk},
 * {@link EntropyAndClock}, {@link BootRecord}, {@link BootLoop} (everything that needs podman), {@link Console}, and
 * shutdown and panic here. Every path resolves under the {@link Kernel}'s root and every system call goes through
 * {@link Syscalls}, so {@code Bay0Test} boots it against a fake kernel in a temporary directory.
 */
public final class Bay0 {
    private static final System.Logger LOG = System.getLogger("bay0");
    static final String RUN_DIR = "/run/spine";
    static final String VOLATILE_ROOT = "/run/spine/volatile";

    private final Kernel kernel;
    private final Syscalls sys;
    private final Clock clock;
    private final String version;
    private final Signals signals;
    private final ChildProcesses children = new ChildProcesses();
    private final Console console;
    private Genesis genesis;
    private BootOptions options;
    private volatile StateBridge state;
    private volatile IntentStore store;
    private volatile boolean shuttingDown;
    private volatile BootLoop bootLoop;
    private volatile PodmanDriver podman;
    private boolean lastShutdownClean;

    /** PID 1 in the image: the real kernel, its system calls and signals, and a shell on the serial console. */
    public static Bay0 pid1(Kernel kernel, Clock clock, String version) {
        return new Bay0(kernel, Syscalls.linux(), clock, version, Signals.jdk(), null);
    }

    /** {@code console} null means the serial shell. */
    Bay0(Kernel kernel, Syscalls sys, Clock clock, String version, Signals signals, Console console) {
        this.kernel = kernel;
        this.sys = sys;
        this.clock = clock;
        this.version = version;
        this.signals = signals;
        this.console = console == null ? new Console.SerialShell(kernel, new ProcessCommandRunner(Map.of(), children)) : console;
    }

    /** Runs PID 1. Never returns. */
    public void run() {
        bootOrPanic();
        // The loop runs on its own thread; PID 1's main thread only idles (signals and the reaper have threads too).
        while (true) {
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException ignored) {
                // PID 1 does not stop for interrupts
            }
        }
    }

    /** The boot sequence; any exception is a panic that syncs and calls reboot(2) as {@code spine.panic=} says. */
    void bootOrPanic() {
        genesis = new Genesis(kernel.console(), sys::uptime);
        // The console carries genesis lines and warnings; every log line goes to spine.log once there is a root.
        LogOutput.stderrFrom(System.Logger.Level.WARNING);
        try {
            boot();
        } catch (Throwable t) {
            panic(t);
        }
    }

    private void boot() throws IOException {
        genesis.line("starting (" + version + ")");
        var context = new BootContext(kernel, sys, clock, genesis);
        var mounts = new EarlyMounts(context);
        // oom_score_adj comes first, and needs /proc: the kernel must never pick PID 1 to kill
        mounts.proc();
        if (new SysfsDriver(kernel.root()).ownOomScoreAdj(-1000) instanceof StepResult.Failed f) {
            genesis.line("oom_score_adj -1000 failed: " + f.reason());
        }
        mounts.rest();
        IoPriority.stateSync(sys, kernel.path(HostFile.OWN_TASKS)); // before the threads that flush state exist
        options = BootOptions.from(kernel.cmdline(), genesis::line);
        genesis.line("mounted proc/sys/dev");
        signals.install(() -> shutdown(Syscalls.RB_POWER_OFF, "SIGTERM"), () -> shutdown(Syscalls.RB_AUTOBOOT, "SIGINT"));
        new Reaper(sys, children).start();
        new ModuleLoader(context).load(options.moduleTimeout());

        boolean clean = new PersistDisk(context, options).mount();
        state = new StateBridge(new SpineRoot(kernel.path(clean ? PersistDisk.MOUNT_POINT : VOLATILE_ROOT)));
        Bounded.Outcome<Boolean> prepared = Bounded.call("prepare", options.writeTimeout(), () -> {
            state.prepare();
            return true;
        });
        if (!prepared.ok() && clean) {
            genesis.line("persist not writable (" + prepared.failure() + ") -> dirty boot");
            clean = false;
            state = new StateBridge(new SpineRoot(kernel.path(VOLATILE_ROOT)));
            Bounded.call("prepare-volatile", Duration.ofSeconds(5), () -> {
                state.prepare();
                return true;
            });
        }
        Map<String, String> podmanEnv = new TreeMap<>();
        if (clean) {
            new EntropyAndClock(context, options).restore(state);
            Bounded.Outcome<Boolean> last = Bounded.call("clean-shutdown", options.writeTimeout(), state::takeCleanShutdown);
            lastShutdownClean = last.value().orElse(false);
            genesis.line(lastShutdownClean ? "last shutdown clean" : "last shutdown unclean (crash, power loss or first boot)");
        } else {
            Bounded.Outcome<Path> conf = Bounded.call("volatile-storage", options.writeTimeout(),
                    () -> StateBridge.writeVolatileStorageConf(kernel.path(RUN_DIR)));
            conf.value().ifPresent(p -> podmanEnv.put("CONTAINERS_STORAGE_CONF", p.toString()));
            genesis.line("container storage on tmpfs (degraded)");
        }
        Bounded.call("log-open", options.survivalTimeout(), () -> LogFile.open(state.root())).value().ifPresent(LogOutput::toFile);

        genesis.line("state db open/migrate (" + state.root().path() + ")");
        long t0 = System.nanoTime();
        // Bounded like every persist access; a first-boot migration under emulation takes seconds, not minutes.
        Bounded.Outcome<IntentStore> db = Bounded.call("db-open", options.dbTimeout(), () -> state.openDatabase(clock));
        if (db.ok()) {
            store = db.value().get();
            genesis.line("state db ready schema=" + IntentStore.SCHEMA_VERSION + " ms=" + (System.nanoTime() - t0) / 1_000_000);
        } else {
            genesis.line("state db unavailable (" + db.failure() + ")" + (clean ? " -> dirty boot" : ""));
            clean = false;
        }
        var record = new BootRecord(kernel.path(RUN_DIR));
        java.util.function.Consumer<String> sayUpgrade = line -> {
            genesis.line(line);
            record.upgrade(line);
        };
        var watchdog = new TrialWatchdog(kernel, sys, options.trialWatchdog(), sayUpgrade);
        Optional<UpgradeBoot> upgradeBoot = Optional.ofNullable(store).map(s -> new UpgradeBoot(kernel, sys, s.upgrades(),
                new Slots(state.root()), version, genesis, () -> shutdown(Syscalls.RB_KEXEC, "upgrade"), watchdog));
        UpgradeStart upgrade = upgrades(upgradeBoot, watchdog, sayUpgrade);
        if (upgrade.bootPromoted()) {
            // nothing runs yet: the clean shutdown only flushes state, then the promoted candidate's kernel starts
            shutdown(Syscalls.RB_KEXEC, "the promoted candidate runs instead of this image");
            return;
        }
        Optional<Trial> trial = upgrade.trial();
        record.init(clean, lastShutdownClean, state.root().path(), clock.instant().toString(), version, sys.uptime());
        genesis.line("init complete" + (clean ? "" : " (dirty boot)"));
        flushGenesis();

        var quotas = new DiskQuotas(sys, kernel.path(HostFile.MOUNTS));
        PodmanDriver driver = new PodmanDriver(new ProcessCommandRunner(podmanEnv, children), List.of(options.podman()),
                PodmanDriver.Timeouts.defaults(), new SocketDirs(kernel.path(RUN_DIR))).withVolumes(state.root().volumeDirs());
        // each container's writable layer bounded where persist enforces project quotas (docs/ARCHITECTURE.md "Disk")
        podman = quotas.enforced(state.root().path()) ? driver.withLayerLimit(quotas::boundLayer) : driver;
        bootLoop = new BootLoop(context, this::flushGenesis, record, podman, trial, options.parallel(),
                req -> upgradeBoot.flatMap(u -> u.answer(req)));
        // before the shell: the boot's first podman calls start while bay0 is the only process that could make any
        bootLoop.start(Optional.ofNullable(store), state.root(), clean, lastShutdownClean);
        var shellEnv = new TreeMap<>(podmanEnv); // commands typed there see the same storage and root as bay0
        shellEnv.put("SPINE_ROOT", state.root().path().toString());
        shellEnv.put("SPINE_RUN", kernel.path(RUN_DIR).toString());
        console.start(shellEnv);
    }

    /** What the upgrade records ask of this boot: judge a trial, or stop here and boot the promoted candidate instead. */
    private record UpgradeStart(Optional<Trial> trial, boolean bootPromoted) {
        static final UpgradeStart ORDINARY = new UpgradeStart(Optional.empty(), false);
    }

    /**
     * Upgrades at boot: a trial boot ({@code spine.trial=}) starts judging its candidate; any other boot turns a slot
     * left in trial (never promoted) into a NACK entry, said here; then a promoted slot's own boot ({@code spine.slot=})
     * says it is up, and a boot from the boot loader hands over to the candidate promoted last. Without the database a
     * trial cannot be judged, so the machine goes back to the known-good image, whose boot nacks it.
     */
    private UpgradeStart upgrades(Optional<UpgradeBoot> upgradeBoot, TrialWatchdog watchdog, java.util.function.Consumer<String> say) {
        IntentStore db = store;
        Optional<String> hash = options.trial();
        if (db == null) {
            hash.ifPresent(h -> {
                say.accept("trial of " + Trial.shortHash(h) + ": no state database to judge it -> rebooting into the known-good image");
                Thread.ofPlatform().name("trial-reboot").start(() -> shutdown(Syscalls.RB_AUTOBOOT, "trial without a database"));
            });
            return UpgradeStart.ORDINARY;
        }
        if (hash.isEmpty()) {
            Bounded.Outcome<UpgradeRecords.Settled> settled = Bounded.call("settle-trials", options.writeTimeout(), () -> db.upgrades().settleTrials());
            settled.value().ifPresent(st -> {
                st.nacked().forEach(n -> say.accept("upgrade: candidate " + Trial.shortHash(n.hash()) + " (version " + n.version() + ") nacked: "
                        + n.reason()));
                st.restaged().forEach(t -> say.accept("upgrade: candidate " + Trial.shortHash(t.hash()) + " (version " + t.version()
                        + ") was never booted (the machine stopped before the kexec into it); slot " + t.name() + " staged again"));
            });
            UpgradeBoot u = upgradeBoot.orElseThrow();
            // signature and sha256 of the slot's ~70 MB, then kexec_file_load: seconds under TCG, bounded all the same
            Bounded.Outcome<Boolean> promoted = Bounded.call("promoted-slot", POWER_ON_CHECK, () -> {
                if (options.slot().isEmpty()) return u.atPowerOn(say);
                u.booted(options.slot().get(), say);
                return false;
            });
            if (!promoted.ok()) say.accept("upgrade: the promoted slot was not looked at (" + promoted.failure() + "); this image runs");
            return new UpgradeStart(Optional.empty(), promoted.value().orElse(false));
        }
        var runner = new ProcessCommandRunner(Map.of("SPINE_ROOT", state.root().path().toString(), "SPINE_RUN", kernel.path(RUN_DIR).toString()), children);
        Bounded.Outcome<Optional<Trial>> begun = Bounded.call("trial", TRIAL_BEGIN, () -> Trial.begin(hash.get(), db.upgrades(),
                options.trialDeadline(), say, this::flushGenesis, () -> Trial.validate(runner, options.cli()),
                () -> Thread.ofPlatform().name("trial-reboot").start(() -> shutdown(Syscalls.RB_AUTOBOOT, "trial failed")),
                slot -> Candidate.readSigned(new Slots(state.root()).dir(slot.name()).resolve(Slots.MANIFEST), kernel.path(UpgradeBoot.TRUST))
                        instanceof Candidate.Verdict.Accepted a && a.manifest().allowYellow(), watchdog));
        if (!begun.ok()) say.accept("trial of " + Trial.shortHash(hash.get()) + " not begun (" + begun.failure() + "); the next boot nacks it");
        return new UpgradeStart(begun.value().flatMap(t -> t), false);
    }

    /**
     * The bound on a trial's start: two small writes, the slot's signed manifest read (the JDK's Ed25519 classes load
     * for the first time here, seconds under a loaded TCG) and the watchdog armed. A trial that does not begin is not
     * judged, and the watchdog brings the machine back.
     */
    static final Duration TRIAL_BEGIN = Duration.ofSeconds(30);

    /** The bound on a power-on's look at the promoted slot (its check and kexec_file_load). */
    static final Duration POWER_ON_CHECK = Duration.ofSeconds(120);

    void flushGenesis() {
        List<String> lines = genesis.drain();
        StateBridge s = state;
        if (s == null || options == null) return;
        Bounded.Outcome<Boolean> r = Bounded.call("genesis-log", options.writeTimeout(), () -> {
            s.appendGenesisLog(lines);
            return true;
        });
        if (!r.ok()) LOG.log(System.Logger.Level.WARNING, "genesis.log not written reason={0}", r.failure());
    }

    /**
     * SIGTERM or SIGINT: stop the loop (so nothing restarts) and the containers, flush seed, time, database and
     * genesis.log, then mark the shutdown clean, last, and call reboot(2). Every step is bounded.
     */
    synchronized void shutdown(int how, String why) {
        if (shuttingDown) return;
        shuttingDown = true;
        genesis.line("shutdown (" + why + "): flushing state");
        console.stop();
        stopContainers();
        StateBridge s = state;
        if (s != null) {
            Duration t = Duration.ofSeconds(2);
            Bounded.call("seed-at-shutdown", t, () -> {
                s.writeEntropySeed(kernel.random(StateBridge.seedBytes()));
                return true;
            });
            Bounded.call("time-at-shutdown", t, () -> {
                s.writeLastGoodTime(clock.instant());
                return true;
            });
            IntentStore db = store;
            if (db != null) Bounded.call("db-checkpoint", Duration.ofSeconds(5), () -> {
                db.close();
                return true;
            });
            // last, after everything else is flushed: only a shutdown that got this far counts as clean
            Bounded.Outcome<Boolean> marked = Bounded.call("mark-clean", t, () -> {
                s.markCleanShutdown(clock.instant());
                return true;
            });
            if (!marked.ok()) LOG.log(System.Logger.Level.WARNING, "clean-shutdown mark not written reason={0}", marked.failure());
            genesis.line("shutdown: state flushed; " + switch (how) {
                case Syscalls.RB_POWER_OFF -> "powering off";
                case Syscalls.RB_KEXEC -> "kexec into the candidate";
                default -> "rebooting";
            });
            flushGenesis();
        }
        // the call site a suspend path shares: no flush may be half done when the machine stops
        genesis.line("shutdown: " + SuspendInhibit.awaitClear(how == Syscalls.RB_POWER_OFF ? "power-off" : how == Syscalls.RB_KEXEC ? "kexec" : "reboot",
                Duration.ofSeconds(2)));
        sys.sync();
        Syscalls.Result r = sys.reboot(how);
        LOG.log(System.Logger.Level.ERROR, "reboot(2) failed result={0}", r);
    }

    /**
     * A clean shutdown stops the loop, then Spine's containers with a short grace, so their programs get SIGTERM and
     * their status reads stopped. Bounded: what does not stop in time is killed by the power-off and repaired at boot.
     */
    private void stopContainers() {
        BootLoop l = bootLoop;
        if (l != null) l.stop(Duration.ofSeconds(10));
        IntentStore db = store;
        PodmanDriver p = podman;
        if (db == null || p == null) return;
        Bounded.Outcome<Integer> stopped = Bounded.call("stop-containers", Duration.ofSeconds(20),
                () -> new BootConvergence(db, p, new Metrics()).stopAll());
        genesis.line("shutdown: containers stopped " + (stopped.ok() ? "count=" + stopped.value().get() : "(" + stopped.failure() + ")"));
    }

    private void panic(Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "PANIC", t);
        String policy = options == null ? "halt" : options.panicPolicy();
        genesis.line("PANIC: " + t + " -> " + policy);
        flushGenesis();
        sys.sync();
        sys.reboot(options == null ? Syscalls.RB_HALT_SYSTEM : options.panicReboot());
    }
}
