package spine.controller.pid1;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicInteger;

import spine.controller.log.LogOutput;
import spine.controller.loop.BackoffTracker;
import spine.controller.loop.BootConvergence;
import spine.controller.loop.ControlLoop;
import spine.controller.loop.ControlProtocol;
import spine.controller.loop.Executor;
import spine.controller.loop.Metrics;
import spine.controller.loop.Reconciler;
import spine.controller.state.ControlSocket;
import spine.controller.state.ConvergeLock;
import spine.controller.state.StateException;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.controller.state.IntentStore;
import spine.controller.state.LogFile;
import spine.controller.state.SpineRoot;
import spine.controller.state.StateBridge;
import spine.drivers.exec.ChildProcesses;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.model.boot.ModuleOrder;

/**
 * bay0: Spine as PID 1. Brings the machine up in a fixed order, printing a genesis line at each milestone,
 * and never hangs on storage: every survival read has a hard timeout, and a dead or absent disk gives a
 * dirty boot that carries on with a volatile root. PID 1 must never exit, so every path ends in reboot(2).
 */
public final class Bay0 {
    private static final System.Logger LOG = System.getLogger("bay0");
    static final Path RUN_DIR = Path.of("/run/spine");
    static final Path PERSIST = Path.of("/persist");
    static final Path VOLATILE_ROOT = Path.of("/run/spine/volatile");
    static final String PERSIST_LABEL = "SPINE_PERSIST";

    private final Kernel kernel;
    private final Clock clock;
    private final String version;
    private final ChildProcesses children = new ChildProcesses();
    private Genesis genesis;
    private Options options;
    private volatile StateBridge state;
    private volatile IntentStore store;
    private volatile boolean shuttingDown;
    private volatile Process shell;
    /** podman's environment: empty normally, CONTAINERS_STORAGE_CONF pointing at tmpfs on a dirty boot. */
    private volatile java.util.Map<String, String> podmanEnv = java.util.Map.of();
    private boolean lastShutdownClean;
    private volatile PodmanDriver podman;
    private volatile ControlLoop loop;
    private volatile Thread loopThread;
    private final ObjectNode bootRecord = JsonNodeFactory.instance.objectNode();

    /**
     * Boot options from the kernel command line. Reads needed to survive get {@code spine.timeout_ms} (200 ms);
     * writes (fresh seed, last-good time, genesis.log) may take longer, since they fsync, but are bounded too.
     */
    record Options(Duration survivalTimeout, Duration mountTimeout, Duration writeTimeout, Duration dbTimeout,
                   Duration moduleTimeout, Duration deviceWait, String persistDevice, String panic, String podman) {
        static Options from(Map<String, String> cmdline, java.util.function.Consumer<String> warn) {
            return new Options(
                    millis(cmdline, "spine.timeout_ms", 200, warn),
                    // the mount replays ext4's journal after a power cut: 200 ms was not enough under TCG (Gate B soak)
                    millis(cmdline, "spine.mount_timeout_ms", 5_000, warn),
                    millis(cmdline, "spine.write_timeout_ms", 2_000, warn),
                    millis(cmdline, "spine.db_timeout_ms", 120_000, warn),
                    millis(cmdline, "spine.module_timeout_ms", 10_000, warn),
                    millis(cmdline, "spine.device_wait_ms", 3_000, warn),
                    cmdline.getOrDefault("spine.persist", "auto"),
                    cmdline.getOrDefault("spine.panic", "halt"),
                    // for diagnosis (and the hanging-podman test): another podman binary, e.g. a wrapper that traces
                    cmdline.getOrDefault("spine.podman", "/usr/bin/podman"));
        }

        /** A bad value must not stop PID 1: it gets the default and a genesis line saying so. */
        private static Duration millis(Map<String, String> cmdline, String key, long fallback,
                                       java.util.function.Consumer<String> warn) {
            String v = cmdline.get(key);
            if (v == null) return Duration.ofMillis(fallback);
            try {
                long ms = Long.parseLong(v);
                if (ms > 0) return Duration.ofMillis(ms);
            } catch (NumberFormatException ignored) {
                // reported below
            }
            warn.accept(key + "=" + v + " is not a positive number of milliseconds; using " + fallback);
            return Duration.ofMillis(fallback);
        }
    }

    public Bay0(Kernel kernel, Clock clock, String version) {
        this.kernel = kernel;
        this.clock = clock;
        this.version = version;
    }

    /** Runs PID 1. Never returns. */
    public void run() {
        PrintStream console = kernel.console();
        genesis = new Genesis(console, Syscalls::uptime);
        // The console carries genesis lines and warnings; every log line goes to spine.log once there is a root.
        LogOutput.stderrFrom(System.Logger.Level.WARNING);
        try {
            boot();
        } catch (Throwable t) {
            panic(t);
        }
        // The loop runs on its own thread; PID 1's main thread only idles (signals and the reaper have threads too).
        while (true) {
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException ignored) {
                // PID 1 does not stop for interrupts
            }
        }
    }

    private void boot() throws IOException {
        genesis.line("starting (" + version + ")");
        // oom_score_adj comes first, and needs /proc: the kernel must never pick PID 1 to kill
        mount("proc", "/proc", "proc", Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC, null);
        try {
            kernel.setOomScoreAdj(-1000);
        } catch (IOException e) {
            genesis.line("oom_score_adj -1000 failed: " + e.getMessage());
        }
        mountEarly();
        options = Options.from(kernel.cmdline(), genesis::line);
        genesis.line("mounted proc/sys/dev");
        installSignals();
        new Reaper(kernel, children).start();
        loadModules();

        boolean clean = mountPersist();
        SpineRoot root = new SpineRoot(clean ? PERSIST : VOLATILE_ROOT);
        state = new StateBridge(root);
        Bounded.Outcome<Boolean> prepared = Bounded.call("prepare", options.writeTimeout(), () -> {
            state.prepare();
            return true;
        });
        if (!prepared.ok() && clean) {
            genesis.line("persist not writable (" + prepared.failure() + ") -> dirty boot");
            clean = false;
            state = new StateBridge(new SpineRoot(VOLATILE_ROOT));
            Bounded.call("prepare-volatile", Duration.ofSeconds(5), () -> {
                state.prepare();
                return true;
            });
        }
        if (clean) {
            restoreEntropyAndClock();
            Bounded.Outcome<Boolean> last = Bounded.call("clean-shutdown", options.writeTimeout(), state::takeCleanShutdown);
            lastShutdownClean = last.value().orElse(false);
            genesis.line(lastShutdownClean ? "last shutdown clean" : "last shutdown unclean (crash, power loss or first boot)");
        } else {
            Bounded.Outcome<Path> conf = Bounded.call("volatile-storage", options.writeTimeout(),
                    () -> StateBridge.writeVolatileStorageConf(RUN_DIR));
            conf.value().ifPresent(p -> podmanEnv = java.util.Map.of("CONTAINERS_STORAGE_CONF", p.toString()));
            genesis.line("container storage on tmpfs (degraded)");
        }
        startLogFile();

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
        writeBootRecord(clean);
        genesis.line("init complete" + (clean ? "" : " (dirty boot)"));
        flushGenesis();
        startShell();
        startConvergence(clean);
    }

    /**
     * Everything that needs podman happens after init complete, on its own thread, so a hung podman never holds
     * up boot: holds (database only), the boot repair (retried until podman answers), the boot report, the
     * built-in images, then the loop with the control socket, whose first pass starts the tenants and the
     * personas this boot does not hold.
     */
    private void startConvergence(boolean clean) {
        podman = new PodmanDriver(new ProcessCommandRunner(podmanEnv, children), List.of(options.podman()),
                PodmanDriver.Timeouts.defaults());
        loopThread = Thread.ofPlatform().name("converge").start(() -> {
            try {
                converge(clean);
            } catch (StateException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "convergence stopped", e);
                genesis.line("convergence stopped: " + e.getMessage() + "; the shell and spine validate still work");
                flushGenesis();
            }
        });
    }

    private void converge(boolean clean) throws StateException {
        IntentStore db = store;
        if (db == null) {
            genesis.line("boot report: state db unavailable; nothing to converge");
            flushGenesis();
            loadImages();
            return;
        }
        // Taken first and held for good: a CLI command run from the shell during the repair must wait for the
        // loop's socket rather than converge by itself on a podman that may hang.
        try (ConvergeLock held = convergerLock()) {
            if (held == null) return; // shutting down
            var boot = new BootConvergence(db, podman);
            SortedMap<ResourceId, String> holds = boot.hold(clean, lastShutdownClean);
            Optional<BootConvergence.Report> report = boot.repair(clean, lastShutdownClean, holds);
            Duration wait = Duration.ofSeconds(2);
            while (report.isEmpty() && !shuttingDown) {
                genesis.line("boot repair waiting for podman (no answer; retry in " + wait.toSeconds() + "s)");
                flushGenesis();
                sleep(wait);
                wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : wait.multipliedBy(2);
                report = boot.repair(clean, lastShutdownClean, holds);
            }
            if (report.isEmpty()) return; // shutting down
            genesis.line(report.get().line());
            flushGenesis();
            synchronized (bootRecord) {
                bootRecord.set("report", report.get().json());
                bootRecord.put("reportLine", report.get().line());
            }
            saveBootRecord();
            loadImages();
            runLoop(db, clean);
        }
    }

    /** The converger lock, waiting while a CLI command holds it; null when shutdown starts first. */
    private ConvergeLock convergerLock() throws StateException {
        boolean noted = false;
        while (!shuttingDown) {
            Optional<ConvergeLock> lock = ConvergeLock.tryAcquire(state.root(), "bay0");
            if (lock.isPresent()) return lock.get();
            if (!noted) LOG.log(System.Logger.Level.WARNING, "converger lock held by a CLI command; bay0 waits for it");
            noted = true;
            sleep(Duration.ofMillis(500));
        }
        return null;
    }

    /** The loop and its control socket, as {@code spine run} serves them; returns when shutdown stops the loop. */
    private void runLoop(IntentStore db, boolean clean) throws StateException {
        var metrics = new Metrics();
        var reconciler = new Reconciler(db, podman, new Executor(podman, db, metrics, 4), new BackoffTracker(), metrics, clock);
        ControlLoop l = new ControlLoop(reconciler, Duration.ofSeconds(30), clock);
        try (ControlSocket.Server server = ControlSocket.bind(state.root(), req -> ControlProtocol.answer(req, l, metrics, db))) {
            loop = l;
            if (shuttingDown) return;
            genesis.line("loop started (tenants and " + (lastShutdownClean && clean ? "autostart personas" : "no personas") + " start now)");
            flushGenesis();
            // the milestone the boot-to-running benchmark reads: everything this boot wants is up
            l.awaitConverged(Duration.ofMinutes(30)).thenAccept(ok -> {
                genesis.line(ok ? "converged after boot: running=" + running(db) : "not converged 30 min after boot; spine get shows why");
                flushGenesis();
            });
            l.run();
        }
    }

    private static long running(IntentStore db) {
        try {
            return db.statuses().values().stream().filter(st -> st.phase() == Phase.RUNNING).count();
        } catch (StateException e) {
            return -1;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void mountEarly() {
        mount("sysfs", "/sys", "sysfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC, null);
        mount("devtmpfs", "/dev", "devtmpfs", Syscalls.MS_NOSUID, "mode=0755");
        mount("devpts", "/dev/pts", "devpts", Syscalls.MS_NOSUID | Syscalls.MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666");
        mount("tmpfs", "/dev/shm", "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=1777"); // podman's shm locks
        mount("tmpfs", "/run", "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=0755");
        mount("tmpfs", "/tmp", "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=1777");
        mount("cgroup2", "/sys/fs/cgroup", "cgroup2", Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC, null);
    }

    private void mount(String source, String target, String type, long flags, String data) {
        try {
            kernel.mkdirs(target);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "mkdir failed path={0} error=\"{1}\"", target, e.getMessage());
        }
        Syscalls.Result r = Syscalls.mount(source, target, type, flags, data);
        if (!r.ok() && r.errno() != 16) { // EBUSY: already mounted
            genesis.line("mount " + type + " on " + target + " failed: " + r);
        }
    }

    /** finit_module for each wanted module and its dependencies, in modules.dep order (dependencies first). */
    private void loadModules() {
        String release;
        Map<String, List<String>> deps;
        try {
            release = kernel.release();
            deps = kernel.moduleDeps(release);
        } catch (IOException e) {
            genesis.line("modules unavailable: " + e.getMessage());
            return;
        }
        ModuleOrder.Result plan = ModuleOrder.resolve(kernel.wantedModules(), deps);
        plan.unknown().forEach(name -> genesis.line("module " + name + " not in modules.dep"));
        List<String> order = plan.load();
        for (String rel : order) {
            long t0 = System.nanoTime();
            // Bounded too: a driver's probe can block in the kernel on a wedged device (virtio_blk reads the
            // partition table while loading), and PID 1 must go on without it.
            Bounded.Outcome<Syscalls.Result> load = Bounded.call("module-" + moduleName(rel), options.moduleTimeout(),
                    () -> Syscalls.finitModule(kernel.modulePath(release, rel), ""));
            if (!load.ok()) {
                genesis.line("module " + moduleName(rel) + " load " + load.failure() + "; continuing without waiting");
                continue;
            }
            Syscalls.Result r = load.value().get();
            String outcome = r.ok() ? "loaded" : r.errno() == 17 ? "already loaded" : "failed " + r;
            LOG.log(System.Logger.Level.INFO, "module {0} {1} ms={2}", moduleName(rel), outcome, (System.nanoTime() - t0) / 1_000_000);
            if (!r.ok() && r.errno() != 17) genesis.line("module " + moduleName(rel) + " " + outcome);
        }
        genesis.line("modules loaded count=" + order.size());
    }

    private static String moduleName(String relPath) {
        return ModuleOrder.name(relPath);
    }

    /** Finds the persist disk and mounts it within the survival timeout; false means a dirty boot. */
    private boolean mountPersist() {
        Optional<String> device = findPersistDevice();
        genesis.line("persist mount attempt (" + device.map(d -> "/dev/" + d).orElse("no device") + ")");
        if (device.isEmpty()) {
            genesis.line("persist timeout -> dirty boot (no virtio-blk or " + PERSIST_LABEL + " device)");
            return false;
        }
        try {
            kernel.mkdirs(PERSIST.toString());
        } catch (IOException e) {
            genesis.line("persist timeout -> dirty boot (cannot create /persist: " + e.getMessage() + ")");
            return false;
        }
        long t0 = System.nanoTime();
        Bounded.Outcome<Syscalls.Result> m = Bounded.call("mount-persist", options.mountTimeout(),
                () -> Syscalls.mount("/dev/" + device.get(), PERSIST.toString(), "ext4", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, null));
        if (!m.ok()) {
            genesis.line("persist timeout -> dirty boot (" + m.failure() + ")");
            return false;
        }
        if (!m.value().get().ok()) {
            genesis.line("persist timeout -> dirty boot (mount failed: " + m.value().get() + ")");
            return false;
        }
        genesis.line("persist mounted");
        LOG.log(System.Logger.Level.INFO, "persist mount ms={0}", (System.nanoTime() - t0) / 1_000_000);
        return true;
    }

    private Optional<String> findPersistDevice() {
        if (options.persistDevice().equals("none")) return Optional.empty();
        if (!options.persistDevice().equals("auto")) return Optional.of(options.persistDevice().replaceFirst("^/dev/", ""));
        Instant deadline = clock.instant().plus(options.deviceWait());
        while (true) {
            List<String> devs = kernel.blockDevices();
            // A labelled disk wins; otherwise the first virtio-blk disk. The label read is bounded: it touches the disk.
            for (String d : devs) {
                Bounded.Outcome<Optional<String>> label = Bounded.call("label-" + d, options.survivalTimeout(), () -> kernel.extLabel(d));
                if (label.ok() && label.value().flatMap(x -> x).filter(PERSIST_LABEL::equals).isPresent()) return Optional.of(d);
            }
            for (String d : devs) {
                if (kernel.blockDriver(d).filter("virtio_blk"::equals).isPresent() || d.startsWith("vd")) return Optional.of(d);
            }
            if (!clock.instant().isBefore(deadline)) return Optional.empty();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return Optional.empty();
            }
        }
    }

    private void restoreEntropyAndClock() {
        Duration t = options.survivalTimeout();
        Bounded.Outcome<Optional<byte[]>> seed = Bounded.call("read-seed", t, state::readEntropySeed);
        if (seed.ok() && seed.value().flatMap(x -> x).isPresent()) {
            byte[] s = seed.value().get().get();
            Syscalls.Result r = Syscalls.addEntropy(s, s.length * 8);
            LOG.log(System.Logger.Level.INFO, "entropy seed credited bytes={0} result={1}", s.length, r);
        } else {
            LOG.log(System.Logger.Level.INFO, "no entropy seed credited reason={0}", seed.ok() ? "none stored" : seed.failure());
        }
        Bounded.Outcome<Boolean> fresh = Bounded.call("write-seed", options.writeTimeout(), () -> {
            state.writeEntropySeed(kernel.random(StateBridge.seedBytes()));
            return true;
        });
        if (!fresh.ok()) LOG.log(System.Logger.Level.WARNING, "fresh entropy seed not written reason={0}", fresh.failure());

        Bounded.Outcome<Optional<Instant>> lastGood = Bounded.call("read-time", t, state::readLastGoodTime);
        Instant now = clock.instant();
        if (lastGood.ok() && lastGood.value().flatMap(x -> x).filter(now::isBefore).isPresent()) {
            Instant target = lastGood.value().get().get();
            Syscalls.Result r = Syscalls.setRealtime(target.getEpochSecond(), 0);
            genesis.line("clock was behind last-good time; set to " + target + " result=" + r);
        }
        Bounded.call("write-time", options.writeTimeout(), () -> {
            state.writeLastGoodTime(clock.instant());
            return true;
        });
    }

    private void startLogFile() {
        Bounded.Outcome<LogFile> log = Bounded.call("log-open", options.survivalTimeout(), () -> LogFile.open(state.root()));
        log.value().ifPresent(LogOutput::toFile);
    }

    private void flushGenesis() {
        List<String> lines = genesis.drain();
        Bounded.Outcome<Boolean> r = Bounded.call("genesis-log", options.writeTimeout(), () -> {
            state.appendGenesisLog(lines);
            return true;
        });
        if (!r.ok()) LOG.log(System.Logger.Level.WARNING, "genesis.log not written reason={0}", r.failure());
    }

    private void writeBootRecord(boolean clean) {
        synchronized (bootRecord) {
            bootRecord.put("clean", clean).put("degraded", !clean).put("lastShutdownClean", lastShutdownClean)
                    .put("root", state.root().path().toString()).put("bootedAt", clock.instant().toString())
                    .put("version", version).put("uptime", Syscalls.uptime());
        }
        saveBootRecord();
    }

    /** /run/spine/boot.json, read by {@code spine get boot}; rewritten when the boot report is in. */
    private void saveBootRecord() {
        String json;
        synchronized (bootRecord) {
            json = bootRecord.toString() + "\n";
        }
        Bounded.call("boot-record", Duration.ofSeconds(2), () -> {
            StateBridge.writeBootRecord(RUN_DIR, json);
            return true;
        });
    }

    /**
     * Loads the images built into the system into podman storage when they are missing. On the convergence
     * thread, before the loop, so the first pass finds them; podman is slow under emulation and never holds up boot.
     */
    private void loadImages() {
        var loaded = new AtomicInteger();
        kernel.bundledImages().forEach((ref, archive) -> {
            if (podman.imageExists(ref)) {
                LOG.log(System.Logger.Level.INFO, "image present ref={0}", ref);
                return;
            }
            var r = podman.load(archive);
            if (r.ok()) loaded.incrementAndGet();
            LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "image load ref={0} archive={1} ok={2} ms={3}{4}",
                    ref, archive, r.ok(), r.took().toMillis(), r.ok() ? "" : " error=\"" + r.summary() + "\"");
        });
        // podman writes layers without fsync; ext4's delayed allocation can leave them empty after a power cut
        // within ~30 s (seen in Gate B: "sh not found" in a container). Flush them before anything runs on them.
        if (loaded.get() > 0) {
            long t0 = System.nanoTime();
            Bounded.call("sync-images", Duration.ofSeconds(60), () -> {
                Syscalls.sync();
                return true;
            });
            LOG.log(System.Logger.Level.INFO, "images flushed to disk ms={0}", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** A busybox shell on the serial console, respawned when it exits; its processes are reaped by the JDK. */
    private void startShell() {
        String tty = kernel.exists("/dev/ttyS0") ? "/dev/ttyS0" : "/dev/console";
        Thread.ofPlatform().daemon().name("console-shell").start(() -> {
            while (!shuttingDown) {
                try {
                    var pb = new ProcessBuilder("/bin/sh", "-c", "exec /bin/setsid -c /bin/sh -l <" + tty + " >" + tty + " 2>&1");
                    pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
                    pb.environment().put("HOME", "/");
                    pb.environment().put("TERM", "vt100");
                    pb.environment().put("PS1", "spine# ");
                    pb.environment().putAll(podmanEnv); // commands typed here see the same container storage as bay0
                    pb.environment().put("SPINE_ROOT", state.root().path().toString()); // and the same root, dirty or not
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

    private void installSignals() {
        // SIGTERM powers off, SIGINT (ctrl-alt-del) reboots; both flush state first, within a bounded time.
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> shutdown(Syscalls.RB_POWER_OFF, "SIGTERM"));
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> shutdown(Syscalls.RB_AUTOBOOT, "SIGINT"));
    }

    private synchronized void shutdown(int how, String why) {
        if (shuttingDown) return;
        shuttingDown = true;
        genesis.line("shutdown (" + why + "): flushing state");
        Process sh = shell;
        if (sh != null) sh.destroy();
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
            genesis.line("shutdown: state flushed; " + (how == Syscalls.RB_POWER_OFF ? "powering off" : "rebooting"));
            List<String> lines = genesis.drain();
            Bounded.call("genesis-at-shutdown", t, () -> {
                s.appendGenesisLog(lines);
                return true;
            });
        }
        Syscalls.sync();
        Syscalls.Result r = Syscalls.reboot(how);
        LOG.log(System.Logger.Level.ERROR, "reboot(2) failed result={0}", r);
    }

    /**
     * A clean shutdown stops the loop (so nothing restarts), then stops Spine's containers with a short grace,
     * so their programs get SIGTERM and their status reads stopped. Bounded: what does not stop in time is
     * killed by the power-off and repaired at the next boot.
     */
    private void stopContainers() {
        ControlLoop l = loop;
        if (l != null) {
            l.stop();
            Thread t = loopThread;
            if (t != null) {
                try {
                    t.join(Duration.ofSeconds(10));
                } catch (InterruptedException ignored) {
                    // carry on with the shutdown
                }
            }
        }
        IntentStore db = store;
        PodmanDriver p = podman;
        if (db == null || p == null) return;
        Bounded.Outcome<Integer> stopped = Bounded.call("stop-containers", Duration.ofSeconds(20),
                () -> new BootConvergence(db, p).stopAll());
        genesis.line("shutdown: containers stopped " + (stopped.ok() ? "count=" + stopped.value().get() : "(" + stopped.failure() + ")"));
    }

    private void panic(Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "PANIC", t);
        if (genesis != null) genesis.line("PANIC: " + t + " -> " + (options == null ? "halt" : options.panic()));
        Syscalls.sync();
        String policy = options == null ? "halt" : options.panic();
        int how = switch (policy) {
            case "reboot" -> Syscalls.RB_AUTOBOOT;
            case "poweroff" -> Syscalls.RB_POWER_OFF;
            default -> Syscalls.RB_HALT_SYSTEM;
        };
        Syscalls.reboot(how);
    }
}
