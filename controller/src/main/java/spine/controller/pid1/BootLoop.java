package spine.controller.pid1;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicInteger;

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
import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;
import spine.controller.state.StateException;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.Phase;
import spine.model.ResourceId;

/**
 * Everything that needs podman, after init complete, on its own thread, so a hung podman never holds up boot: the
 * converger lock, this boot's holds (database only), the boot repair (retried until podman answers), the boot report,
 * the built-in images, then the loop with the control socket, exactly as {@code spine run} serves them.
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

    void start(Optional<IntentStore> store, SpineRoot root, boolean clean, boolean lastShutdownClean) {
        thread = Thread.ofPlatform().name("converge").start(() -> {
            try {
                if (store.isEmpty()) {
                    genesis.line("boot report: state db unavailable; nothing to converge");
                    flush.run();
                    loadImages(true);
                    return;
                }
                converge(store.get(), root, clean, lastShutdownClean);
            } catch (StateException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "convergence stopped", e);
                genesis.line("convergence stopped: " + e.getMessage() + "; the shell and spine validate still work");
                flush.run();
            }
        });
    }

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

    private void converge(IntentStore db, SpineRoot root, boolean clean, boolean lastShutdownClean)
            throws StateException {
        // Taken first and held for good: a CLI command run from the shell during the repair must wait for the
        // loop's socket rather than converge by itself on a podman that may hang.
        try (ConvergeLock held = convergerLock(root)) {
            if (held == null) return; // shutting down
            var boot = new BootConvergence(db, podman);
            SortedMap<ResourceId, String> holds = boot.hold(clean, lastShutdownClean);
            // The built-in images do not depend on the repair, nor it on them (it stops, removes and marks, never
            // creates): both are podman calls of a second or more under TCG, so they run side by side, and the loop
            // starts once both are done. When podman does not answer yet (hung at boot), the images are looked at again
            // once the repair got its answers.
            var imagesSeen = new java.util.concurrent.atomic.AtomicBoolean();
            Thread images = Thread.ofPlatform().daemon().name("boot-images").start(() -> imagesSeen.set(loadImages(false)));
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
            joinImages(images);
            // a podman that did not answer then (hung at boot) answers now, since the repair got its answers: look again
            if (!imagesSeen.get() && !stopping) loadImages(true);
            runLoop(db, root, clean && lastShutdownClean);
        }
    }

    /** Waits for the built-in images (each podman call in it is bounded), or for shutdown. */
    private void joinImages(Thread images) {
        try {
            while (!stopping && !images.join(Duration.ofSeconds(1))) {
                // loading: a first boot's archives take seconds under TCG; each load has its own timeout
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private void runLoop(IntentStore db, SpineRoot root, boolean autostart) throws StateException {
        var metrics = new Metrics();
        Machinery machinery = Machinery.serving(podman, sysfs);
        var reconciler = new Reconciler(db, machinery, new Executor(machinery, db, metrics, parallel), new BackoffTracker(), metrics,
                clock, machinery);
        ControlLoop l = new ControlLoop(reconciler, Duration.ofSeconds(30), clock);
        machinery.startGovernor(reconciler, l, GovernorLoop.PERIOD, clock);
        machinery.onWindowEvent(l::wakeFocus);
        try (machinery; ControlSocket.Server server = ControlSocket.bind(root,
                req -> pid1Requests.apply(req).orElseGet(() -> ControlProtocol.answer(req, l, metrics, db, machinery)))) {
            loop = l;
            if (stopping) return;
            genesis.line("loop started (tenants and " + (autostart ? "autostart personas" : "no personas") + " start now)");
            flush.run();
            // the milestone the boot-to-running benchmark reads: everything this boot wants is up
            l.awaitConverged(Duration.ofMinutes(30)).thenAccept(ok -> {
                genesis.line(ok ? "converged after boot: running=" + running(db) : "not converged 30 min after boot; spine get shows why");
                flush.run();
                // judged on its own thread: validate takes seconds, and a failed trial's shutdown stops this loop
                trial.ifPresent(t -> Thread.ofPlatform().name("trial").start(() -> t.converged(ok)));
            });
            l.run();
        }
    }

    /**
     * Loads the images built into the system into podman storage when they are missing. Before the loop, so the
     * first pass finds them; podman is slow under emulation and never holds up boot. Refs that share one archive (the
     * AI and tools images are the same rootfs) are one load: the archive names the first, the others are tags of it.
     * One {@code podman images} call sees them all; when it fails, {@code perImage} asks for each image instead, else
     * nothing is done and false returned (beside the boot repair, podman may not answer yet: the caller asks again).
     */
    private boolean loadImages(boolean perImage) {
        var loaded = new AtomicInteger();
        var namedBy = new java.util.HashMap<String, String>();
        Optional<java.util.Set<String>> present = podman.imageRefs();
        if (present.isEmpty() && !perImage) {
            LOG.log(System.Logger.Level.WARNING, "built-in images not checked yet: podman images did not answer; again after the boot repair");
            return false;
        }
        kernel.bundledImages().forEach((ref, archive) -> {
            String first = namedBy.putIfAbsent(archive, ref);
            if (present.map(p -> p.contains(ref)).orElseGet(() -> podman.imageExists(ref))) {
                LOG.log(System.Logger.Level.INFO, "image present ref={0}", ref);
                return;
            }
            if (first != null) {
                var t = podman.tag(first, ref);
                if (t.ok()) loaded.incrementAndGet();
                LOG.log(t.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "image tag ref={0} of={1} ok={2} ms={3}{4}",
                        ref, first, t.ok(), t.took().toMillis(), t.ok() ? "" : " error=\"" + t.summary() + "\"");
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
                sys.sync();
                return true;
            });
            LOG.log(System.Logger.Level.INFO, "images flushed to disk ms={0}", (System.nanoTime() - t0) / 1_000_000);
        }
        return present.isPresent();
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
}
