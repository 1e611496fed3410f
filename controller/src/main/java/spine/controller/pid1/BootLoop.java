package spine.controller.pid1;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

import spine.controller.loop.BackoffTracker;
import spine.controller.loop.BootConvergence;
import spine.controller.loop.ControlLoop;
import spine.controller.loop.ControlProtocol;
import spine.controller.loop.Executor;
import spine.controller.loop.GovernorLoop;
import spine.controller.loop.Machinery;
import spine.controller.loop.Metrics;
import spine.controller.loop.Reconciler;
import spine.controller.state.ControlSocket;
import spine.controller.state.ConvergeLock;
import spine.controller.state.ImageMarks;
import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;
import spine.controller.state.StateException;
import spine.controller.state.DiskQuotas;
import spine.controller.state.Volumes;
import spine.controller.umbilical.Broker;
import spine.drivers.ContainerRuntime;
import spine.drivers.kernel.HostFile;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;

/**
 * Everything that needs podman, after init complete, on its own thread, so a hung podman never holds up boot: the
 * converger lock, this boot's holds (database only), the boot repair (retried until podman answers), the boot report,
 * then the loop with the control socket, exactly as {@code spine run} serves them, and the built-in images when the
 * loop first needs them or after its first pass.
 */
final class BootLoop {
    private static final System.Logger LOG = System.getLogger("bay0");

    private final Kernel kernel;
    private final Syscalls sys;
    private final Clock clock;
    private final Genesis genesis;
    private final Runnable flush;
    private final BootRecord record;
    private final PodmanDriver podman;
    private final SysfsDriver sysfs;
    private final Optional<Trial> trial;
    private final java.util.function.Function<com.fasterxml.jackson.databind.node.ObjectNode,
            Optional<com.fasterxml.jackson.databind.node.ObjectNode>> pid1Requests;
    private final int parallel;
    private volatile boolean stopping;
    private volatile ControlLoop loop;
    private volatile Thread thread;

    /**
     * {@code trial}: this boot's judge of an upgrade candidate, told when the boot converged; {@code pid1Requests}:
     * the control socket's requests only PID 1 answers (the reboot into a candidate), before the loop's own;
     * {@code parallel}: the podman calls the loop runs at once.
     */
    BootLoop(BootContext boot, Runnable flush, BootRecord record, PodmanDriver podman, Optional<Trial> trial, int parallel,
             java.util.function.Function<com.fasterxml.jackson.databind.node.ObjectNode, Optional<com.fasterxml.jackson.databind.node.ObjectNode>> pid1Requests) {
        this.trial = trial;
        this.parallel = parallel;
        this.pid1Requests = pid1Requests;
        this.kernel = boot.kernel();
        this.sys = boot.sys();
        this.clock = boot.clock();
        this.genesis = boot.genesis();
        this.flush = flush;
        this.record = record;
        this.podman = podman;
        this.sysfs = new SysfsDriver(boot.kernel().root());
    }

    /**
     * Called at init complete, before the console shell starts. With a database, the boot's first look at podman
     * ({@code podman ps}, the boot repair's observation: podman's first run after a boot costs it 0.5 s more than any
     * later one under emulation) starts at once, beside the converger lock and this boot's holds. The built-in images
     * wait for the loop ({@link ImagePlacement}).
     */
    void start(Optional<IntentStore> store, SpineRoot root, boolean clean, boolean lastShutdownClean) {
        CompletableFuture<ContainerRuntime.Observation> firstLook = store.isEmpty() ? null
                : onThread("boot-look", podman::observe, e -> new ContainerRuntime.Observation(null, "podman ps: " + e));
        thread = Thread.ofPlatform().name("converge").start(() -> {
            try {
                if (store.isEmpty()) {
                    genesis.line("boot report: state db unavailable; nothing to converge");
                    flush.run();
                    builtinImages(Optional.empty()).begin();
                    return;
                }
                converge(store.get(), root, clean, lastShutdownClean, firstLook);
            } catch (StateException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "convergence stopped", e);
                genesis.line("convergence stopped: " + e.getMessage() + "; the shell and spine validate still work");
                flush.run();
            }
        });
    }

    /**
     * How long a step that creates a container waits for the built-in images at most: each load has its own timeout
     * (two minutes), and a first boot loads three archives and tags a fourth.
     */
    static final Duration IMAGES_BOUND = Duration.ofMinutes(8);

    /** Stops the loop (nothing restarts after this) and waits a bounded time for the thread. */
    void stop(Duration wait) {
        stopping = true;
        ControlLoop l = loop;
        if (l != null) l.stop();
        Thread t = thread;
        if (t == null) return;
        try {
            t.join(wait);
        } catch (InterruptedException ignored) {
            // shutdown carries on
        }
    }

    /**
     * {@code firstLook}: podman's world as it was when this boot's first podman call ran. It stands for the repair's
     * observation only when the converger lock was free at the first try: nothing but bay0 runs podman before the
     * console shell starts, and a {@code spine} command from that shell changes containers only under the lock. After
     * a wait for the lock it is stale, and the repair looks again.
     */
    private void converge(IntentStore db, SpineRoot root, boolean clean, boolean lastShutdownClean,
                          CompletableFuture<ContainerRuntime.Observation> firstLook)
            throws StateException {
        // Taken first and held for good: a CLI command run from the shell during the repair must wait for the
        // loop's socket rather than converge by itself on a podman that may hang.
        Optional<ConvergeLock> atOnce = ConvergeLock.tryAcquire(root, "bay0");
        try (ConvergeLock held = atOnce.isPresent() ? atOnce.get() : convergerLock(root)) {
            if (held == null) return; // shutting down
            // one registry for the boot repair's steps and the loop's, so `spine get metrics` sees both; made here, on the
            // convergence thread, not before `init complete` (Micrometer's classes cost tens of ms under TCG)
            var metrics = new Metrics();
            var boot = new BootConvergence(db, atOnce.isPresent() ? firstObservation(podman, firstLook) : podman, metrics);
            SortedMap<ResourceId, String> holds = boot.hold(clean, lastShutdownClean);
            Optional<BootConvergence.Report> report = boot.repair(clean, lastShutdownClean, holds);
            Duration wait = Duration.ofSeconds(2);
            while (report.isEmpty() && !stopping) {
                genesis.line("boot repair waiting for podman (no answer; retry in " + wait.toSeconds() + "s)");
                flush.run();
                sleep(wait);
                wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : wait.multipliedBy(2);
                report = boot.repair(clean, lastShutdownClean, holds);
            }
            if (report.isEmpty()) return; // shutting down
            genesis.line(report.get().line());
            flush.run();
            record.report(report.get().json(), report.get().line());
            runLoop(db, root, clean && lastShutdownClean, boot.untouchedObservation(), builtinImages(Optional.of(root)), metrics);
        }
    }

    /** {@code work} on a daemon thread of its own; a throw completes the future with {@code onThrow}'s value. */
    private static <T> CompletableFuture<T> onThread(String name, Supplier<T> work,
                                                     Function<RuntimeException, T> onThrow) {
        var f = new CompletableFuture<T>();
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.complete(onThrow.apply(e));
            }
        });
        return f;
    }

    /**
     * The boot repair's runtime: its first observation is the one already under way, the rest ask podman. A look that
     * failed is asked again at once (the repair's own retries follow).
     */
    private static ContainerRuntime firstObservation(PodmanDriver podman,
            CompletableFuture<ContainerRuntime.Observation> firstLook) {
        var used = new AtomicBoolean();
        return new ContainerRuntime() {
            @Override
            public Observation observe() {
                if (used.getAndSet(true)) return podman.observe();
                Observation o = firstLook.join(); // bounded: podman ps has its own timeout
                return o.ok() ? o : podman.observe();
            }

            @Override
            public StepResult apply(Step step) {
                return podman.apply(step);
            }
        };
    }

    /** The converger lock, waiting while a CLI command holds it; null when shutdown starts first. */
    private ConvergeLock convergerLock(SpineRoot root) throws StateException {
        boolean noted = false;
        while (!stopping) {
            Optional<ConvergeLock> lock = ConvergeLock.tryAcquire(root, "bay0");
            if (lock.isPresent()) return lock.get();
            if (!noted) LOG.log(System.Logger.Level.WARNING, "converger lock held by a CLI command; bay0 waits for it");
            noted = true;
            sleep(Duration.ofMillis(500));
        }
        return null;
    }

    /**
     * The loop, with the governor and the control socket started beside its first pass rather than before it (their
     * first use costs a few hundred ms of class loading under emulation, which the boot's autostart need not wait for).
     * A socket that cannot be bound stops the loop, as before: {@code spine} commands could not reach it.
     */
    private void runLoop(IntentStore db, SpineRoot root, boolean autostart, Optional<ContainerRuntime.Observation> seen,
                         BuiltinImages images, Metrics metrics) throws StateException {
        Machinery machinery = new Machinery(podman, sysfs, Optional.of(Broker.serving(podman, sysfs)), sys)
                .volumes(new Volumes(root).withQuotas(new DiskQuotas(sys, kernel.path(HostFile.MOUNTS)))).sway("/usr/bin/sway", kernel.path(HostFile.SWAY_CONFIG).toString());
        seen.ifPresent(machinery::seed);
        var runtime = new ImageGate(machinery, images::begin, images.placed(), IMAGES_BOUND, images::suspect);
        var reconciler = new Reconciler(db, runtime, new Executor(runtime, db, metrics, parallel), new BackoffTracker(), metrics,
                clock, machinery);
        reconciler.onFailedExit(images::exited);
        ControlLoop l = new ControlLoop(reconciler, Duration.ofSeconds(30), clock);
        machinery.onWindowEvent(l::wakeFocus);
        images.onHealed(l::wake);
        var served = new AtomicReference<ControlSocket.Server>();
        var refused = new AtomicReference<StateException>();
        Thread serve = null;
        try {
            loop = l;
            if (stopping) return;
            serve = Thread.ofPlatform().name("serve").start(() -> {
                try {
                    machinery.startGovernor(reconciler, l, GovernorLoop.PERIOD, clock);
                    served.set(ControlSocket.bind(root, kernel,
                            req -> pid1Requests.apply(req).orElseGet(() -> ControlProtocol.answer(req, l, metrics, db, machinery))));
                } catch (StateException e) {
                    refused.set(e);
                    l.stop();
                } catch (RuntimeException e) {
                    refused.set(new StateException("control socket or governor: " + e, e));
                    l.stop();
                }
            });
            genesis.line("loop started (tenants and " + (autostart ? "autostart personas" : "no personas") + " start now)");
            flush.run();
            // the built-in images, if no new container asked for them during the first pass (BuiltinImages)
            l.awaitNextPass(Duration.ofMinutes(30)).whenComplete((ok, t) -> images.begin());
            // the milestone the boot-to-running benchmark reads: everything this boot wants is up
            l.awaitConverged(Duration.ofMinutes(30)).thenAccept(ok -> {
                genesis.line(ok ? "converged after boot: running=" + running(db) : "not converged 30 min after boot; spine get shows why");
                flush.run();
                // judged on its own thread: validate takes seconds, and a failed trial's shutdown stops this loop;
                // after the built-in images are placed, since validate's probe runs on one of them
                trial.ifPresent(t -> Thread.ofPlatform().name("trial").start(() -> {
                    images.await(IMAGES_BOUND);
                    t.converged(ok);
                }));
            });
            l.run();
        } finally {
            // the socket first, so no request reaches a machinery being closed; a bind still running at shutdown
            // gets a few seconds (it takes a fraction of one)
            if (serve != null) joinQuietly(serve, Duration.ofSeconds(5));
            ControlSocket.Server s = served.get();
            if (s != null) s.close();
            machinery.close();
        }
        if (refused.get() != null) throw refused.get();
    }

    private static void joinQuietly(Thread t, Duration wait) {
        try {
            t.join(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The built-in images of this system; {@code root} is persist when there is a state database, where the placement
     * marks live and whose filesystem holds podman's storage.
     */
    private BuiltinImages builtinImages(Optional<SpineRoot> root) {
        return new BuiltinImages(kernel.bundledImages(), podman.images(), root.map(ImageMarks::new), sys,
                root.map(r -> r.path().toString()).orElse("/"), clock, line -> {
                    genesis.line(line);
                    flush.run();
                    record.images(line);
                }, () -> stopping);
    }

    private static long running(IntentStore db) {
        try {
            return db.statuses().all().values().stream().filter(st -> st.phase() == Phase.RUNNING).count();
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
}
