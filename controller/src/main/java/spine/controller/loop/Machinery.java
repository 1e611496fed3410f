package spine.controller.loop;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import spine.controller.umbilical.Broker;
import spine.controller.umbilical.RunDirs;
import spine.drivers.ContainerRuntime;
import spine.drivers.SocketDirs;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.ObservedState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.Tenant;
import spine.model.kernel.KernelState;
import spine.model.kernel.Throttle;
import spine.model.focus.Screen;

/**
 * The hands of the loop behind one seam: container steps go to podman, kernel steps (envelopes, freeze, thaw) to the
 * sysfs driver, the drain to the umbilical broker, window steps to the compositor's sway connection. Before a container runs, the host directories it mounts exist: a tenant's socket
 * directory, owned by the tenant's uid alone (0700), and a persona's umbilical directory. A one-shot command has no
 * broker (nobody would listen after it exits) and no governor; {@code spine run} and bay0 have both.
 */
public final class Machinery implements ContainerRuntime, KernelSide, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("loop");

    private final PodmanDriver podman;
    private final SysfsDriver sysfs;
    private final Optional<Broker> broker;
    private volatile Optional<GovernorLoop> governor = Optional.empty();
    private volatile Optional<spine.drivers.sway.SwayDriver> sway = Optional.empty();
    private volatile KernelState lastKernel = KernelState.empty();
    private volatile Optional<Screen> lastScreen = Optional.empty();
    private volatile Optional<Running> compositor = Optional.empty();
    /** podman's last answer: a start looks up whether the container mounts the Wayland socket (its display label). */
    private volatile ObservedState lastObservation = ObservedState.empty();
    /** Held while the command connection to sway is replaced (not the monitor, which a spawn holds for seconds). */
    private final Object reconnecting = new Object();
    private volatile Runnable onWindowEvent = () -> { };
    private volatile String swayBinary = "/usr/bin/sway";
    private volatile String swayConfig = "/etc/spine/sway/config";
    /** What a step that creates a container asks for and then waits for, at most a bound (bay0's boot: its built-in images). */
    private record RunsGate(Runnable demand, CompletableFuture<?> placed, Duration bound) {}
    private volatile RunsGate runsGate = new RunsGate(() -> { }, CompletableFuture.completedFuture(null), Duration.ZERO);
    /** Told of every container start that failed: the image it ran and why (bay0 checks its built-in images on it). */
    private volatile java.util.function.BiConsumer<String, String> onStartFailure = (image, error) -> { };

    public Machinery(PodmanDriver podman, SysfsDriver sysfs, Optional<Broker> broker) {
        this.podman = podman;
        this.sysfs = sysfs;
        this.broker = broker;
    }

    /** With a broker whose peer checks ask podman, live, which container a resource runs as. */
    public static Machinery serving(PodmanDriver podman, SysfsDriver sysfs) {
        var peers = new spine.controller.umbilical.PeerCheck(sysfs, id -> podman.runningId(id.containerName()));
        return new Machinery(podman, sysfs, Optional.of(new Broker(podman.sockets(), peers, spine.controller.umbilical.Budget.defaults())));
    }

    /**
     * Until {@code placed} is done, at most {@code bound}, a step that creates a container first runs {@code demand}
     * (which begins the placing, once) and waits: bay0 places the built-in images when the loop first needs them,
     * which only a new container does (starting one that exists does not). Past the bound the step goes ahead, and a
     * missing image fails it like any podman error.
     */
    public void runsWaitFor(Runnable demand, CompletableFuture<?> placed, Duration bound) {
        runsGate = new RunsGate(demand, placed, bound);
    }

    /** {@code listener} hears each failed container start: the image's name and the failure's reason. */
    public void onStartFailure(java.util.function.BiConsumer<String, String> listener) {
        onStartFailure = listener;
    }

    /** {@code r} as it is, after telling the start-failure listener when it is a failure. */
    private StepResult started(Optional<String> image, StepResult r) {
        if (r instanceof StepResult.Failed f && image.isPresent()) onStartFailure.accept(image.get(), f.reason());
        return r;
    }

    private Optional<String> imageOf(ResourceId target) {
        return Optional.ofNullable(lastObservation.spine().get(target)).map(spine.model.ObservedContainer::image);
    }

    private void awaitRunsGate(ResourceId target) {
        RunsGate gate = runsGate;
        if (gate.placed().isDone()) return;
        gate.demand().run();
        long t0 = System.nanoTime();
        try {
            gate.placed().get(gate.bound().toMillis(), TimeUnit.MILLISECONDS);
            LOG.log(System.Logger.Level.INFO, "run waited for the built-in images target={0} ms={1}", target, (System.nanoTime() - t0) / 1_000_000);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "run goes ahead without the built-in images target={0} waited_ms={1}", target, gate.bound().toMillis());
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "run goes ahead: placing the built-in images failed target={0} error=\"{1}\"", target, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the governor for this loop: it wakes the loop when its level moves. */
    public GovernorLoop startGovernor(Reconciler reconciler, ControlLoop loop, java.time.Duration period, java.time.Clock clock) {
        var g = new GovernorLoop(sysfs, reconciler::lastKernel, loop::wake, period, spine.model.governor.Thresholds.defaults(), clock);
        governor = Optional.of(g);
        return g.start();
    }

    /** Stops the broker, the governor and the compositor. */
    public void close() {
        stopCompositor(java.time.Duration.ofSeconds(2));
        governor.ifPresent(GovernorLoop::close);
        broker.ifPresent(Broker::close);
    }

    public void governor(GovernorLoop g) {
        governor = Optional.of(g);
    }

    public Optional<GovernorLoop> governor() {
        return governor;
    }

    public Optional<Broker> broker() {
        return broker;
    }

    public SysfsDriver sysfs() {
        return sysfs;
    }

    public PodmanDriver podman() {
        return podman;
    }

    /** An observation already made, taken by the next {@link #observe()} instead of asking podman again; used once. */
    private final AtomicReference<Observation> seeded = new AtomicReference<>();

    /**
     * Hands the next {@link #observe()} an observation this process made a moment ago with nothing changed since: the
     * boot repair's, when it ran no step, for the loop's first pass (one podman call less between a boot and its
     * autostart). Level-triggered as ever: the pass looks again after any step, and every resync asks podman.
     */
    public void seed(Observation o) {
        if (o.ok()) seeded.set(o);
    }

    @Override
    public Observation observe() {
        Observation o = seeded.getAndSet(null);
        if (o != null) {
            LOG.log(System.Logger.Level.INFO, "observe: podman ps of the boot repair reused, nothing changed since (no repair step ran)");
        } else {
            o = podman.observe();
        }
        lastObservation = o.state();
        return o;
    }

    /**
     * Why a persona with a display may not run or start now, if it may not: podman mounts whatever serves the
     * Wayland socket's path at that moment, so the path must be served (SO_PEERCRED) by the sway this converger
     * spawned. Anything else there (a socket planted while sway restarts, a stale one) would get the persona's
     * windows and input; the persona waits instead, and the refusal is logged.
     */
    private Optional<String> displayNotServed(ResourceId persona) {
        Path wayland = podman.sockets().waylandSocket();
        Optional<Running> r = compositor;
        if (r.isEmpty() || !r.get().process().alive()) {
            return Optional.of("the compositor is not ready (this converger runs no sway); a persona with a display waits for it");
        }
        return switch (spine.drivers.sway.Compositor.served(wayland, r.get().process().pid())) {
            case spine.drivers.sway.Compositor.Readiness.Ready ready -> Optional.empty();
            case spine.drivers.sway.Compositor.Readiness.Waiting w ->
                    Optional.of("the compositor is not ready (" + w.why() + "); a persona with a display waits for it");
            case spine.drivers.sway.Compositor.Readiness.Refused x -> {
                LOG.log(System.Logger.Level.WARNING, "display refused target={0}: {1}", persona, x.why());
                yield Optional.of(x.why() + "; " + persona + " waits for the compositor's own socket");
            }
        };
    }

    @Override
    public StepResult apply(Step step) {
        return switch (step) {
            case Step.RunContainer s -> {
                awaitRunsGate(s.target());
                Optional<String> why = prepare(s.target(), s.container().umbilical());
                if (why.isEmpty() && s.container().display()) why = displayNotServed(s.target());
                yield why.isPresent() ? new StepResult.Failed(why.get(), true) : started(Optional.of(s.container().image()), podman.apply(s));
            }
            case Step.StartContainer s -> {
                Optional<String> why = notStartable(s);
                yield why.isPresent() ? new StepResult.Failed(why.get(), true) : started(imageOf(s.target()), podman.apply(s));
            }
            case Step.StopContainer s -> podman.apply(s);
            case Step.PauseContainer s -> podman.apply(s);
            case Step.UnpauseContainer s -> podman.apply(s);
            case Step.RemoveContainer s -> podman.apply(s);
            case Step.WriteCgroup s -> sysfs.apply(s);
            case Step.SetOomScoreAdj s -> sysfs.apply(s);
            case Step.MoveToCgroup s -> sysfs.apply(s);
            case Step.DrainUmbilical s -> broker.map(b -> b.drain(s.target(), s.deadline()))
                    .orElseGet(() -> new StepResult.Ok("no broker in this process; nothing to drain"));
            case Step.Freeze s -> sysfs.apply(s);
            case Step.Thaw s -> sysfs.apply(s);
            case Step.ShowWorkspace s -> windows(s);
            case Step.MarkWindow s -> windows(s);
            case Step.FocusWindow s -> windows(s);
            case Step.SpawnCompositor s -> spawn(s);
            case Step.StopCompositor s -> {
                stopCompositor(s.grace());
                yield new StepResult.Ok("compositor stopped");
            }
        };
    }

    /** Each start that may go ahead goes to podman in one call; the others fail as {@link #apply} would fail them. */
    @Override
    public Map<ResourceId, StepResult> startAll(List<Step.StartContainer> steps) {
        var results = new LinkedHashMap<ResourceId, StepResult>();
        var ready = new ArrayList<Step.StartContainer>();
        for (Step.StartContainer s : steps) {
            Optional<String> why = notStartable(s);
            if (why.isPresent()) results.put(s.target(), new StepResult.Failed(why.get(), true));
            else ready.add(s);
        }
        podman.startAll(ready).forEach((target, r) -> results.put(target, started(imageOf(target), r)));
        return results;
    }

    /** Why a container may not start now: its host directories could not be made, or its display is not served. */
    private Optional<String> notStartable(Step.StartContainer s) {
        Optional<String> why = prepare(s.target(), true);
        boolean display = Optional.ofNullable(lastObservation.spine().get(s.target()))
                .map(c -> "true".equals(c.labels().get(spine.model.Labels.DISPLAY))).orElse(false);
        if (why.isEmpty() && display) why = displayNotServed(s.target());
        return why;
    }

    /** How long sway may take to serve both sockets (20-50 ms natively, seconds under emulation). */
    private static final java.time.Duration READY_BOUND = java.time.Duration.ofSeconds(20);
    /** The system user the image's /etc/passwd names for the compositor's uid (busybox su needs a name). */
    static final String COMPOSITOR_USER = "spine-compositor";

    /**
     * Spawns sway in {@code <run>/compositor} and waits until it is ready; then connects the sway driver (one
     * connection for commands) and subscribes to window events on a second one, each of which wakes the loop. Not
     * ready in time, or a socket served by another process: the process is stopped and the step fails (back-off, then
     * a fresh spawn in an emptied directory).
     */
    private synchronized StepResult spawn(Step.SpawnCompositor s) {
        if (broker.isEmpty()) {
            // sway would outlive this command as an orphan nobody watches: only bay0 or spine run owns it
            return new StepResult.Failed("the compositor is spawned by a lasting converger (bay0 or spine run), not by a one-shot command", false);
        }
        stopCompositor(java.time.Duration.ofSeconds(2));
        int uid = Tenant.uidOf(s.target());
        Path dir = podman.sockets().run().resolve("compositor");
        var launch = new spine.drivers.sway.Compositor.Launch(
                spine.drivers.sway.Compositor.Launch.dropTo(uid, Optional.of(COMPOSITOR_USER)),
                List.of(swayBinary, "-c", swayConfig), dir, uid,
                s.backend() == spine.model.Compositor.Backend.HEADLESS ? spine.drivers.sway.Compositor.Launch.headless() : java.util.Map.of());
        spine.drivers.sway.Compositor c;
        try {
            c = spine.drivers.sway.Compositor.spawn(launch);
        } catch (IOException e) {
            return new StepResult.Failed("cannot spawn sway in " + dir + ": " + e.getMessage(), true);
        }
        // the compositor is the UI: it draws and answers bay0's focus steps ahead of the personas' busy loops
        uiPriority((int) c.pid(), "compositor pid=" + c.pid());
        long t0 = System.nanoTime();
        var r = c.await(READY_BOUND);
        if (!(r instanceof spine.drivers.sway.Compositor.Readiness.Ready ready)) {
            c.stop(java.time.Duration.ofSeconds(2));
            return new StepResult.Failed("compositor not ready: " + switch (r) {
                case spine.drivers.sway.Compositor.Readiness.Waiting w -> w.why();
                case spine.drivers.sway.Compositor.Readiness.Refused x -> x.why();
                default -> r.toString();
            }, true);
        }
        try {
            var commands = spine.drivers.sway.SwaySocket.connect(c.ipc(), java.time.Duration.ofSeconds(5));
            var events = spine.drivers.sway.SwaySocket.connect(c.ipc(), java.time.Duration.ofSeconds(5));
            if (commands.peerPid() != c.pid() || events.peerPid() != c.pid()) {
                commands.close();
                events.close();
                c.stop(java.time.Duration.ofSeconds(2));
                return new StepResult.Failed("the IPC socket changed hands after readiness; not using it", true);
            }
            events.subscribe("[\"window\"]");
            compositor = Optional.of(new Running(c, s.backend(), commands, events));
            sway = Optional.of(new spine.drivers.sway.SwayDriver(commands));
            Thread.ofPlatform().daemon().name("sway-events").start(() -> windowEvents(events));
        } catch (IOException e) {
            c.stop(java.time.Duration.ofSeconds(2));
            return new StepResult.Failed("cannot connect to sway's IPC socket " + c.ipc() + ": " + e.getMessage(), true);
        }
        return new StepResult.Ok("sway " + ready.version() + " pid " + c.pid() + " ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** Each window event (a new window, a focus change, a close) wakes the loop, which marks and places windows. */
    private void windowEvents(spine.drivers.sway.SwaySocket events) {
        try {
            while (true) {
                var f = events.nextEvent();
                var e = spine.drivers.sway.SwayTree.event(f.payload());
                LOG.log(System.Logger.Level.DEBUG, "sway window event change={0} con={1} pid={2}", e.change(), e.window().conId(), e.window().pid());
                if (!e.change().equals("title")) onWindowEvent.run();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "sway window events ended: {0}", e.getMessage());
            onWindowEvent.run(); // the compositor may be gone: let the loop look
        }
    }

    /** What wakes the loop on a window event. */
    public void onWindowEvent(Runnable wake) {
        onWindowEvent = wake;
    }

    private synchronized void stopCompositor(java.time.Duration grace) {
        sway = Optional.empty();
        compositor.ifPresent(r -> {
            try {
                r.commands().close();
                r.events().close();
            } catch (IOException e) {
                // closing a dead connection
            }
            r.process().stop(grace);
        });
        compositor = Optional.empty();
    }

    /** The compositor as it is now: spawned by this process and alive, with whether it is connected. */
    @Override
    public Optional<spine.model.focus.ObservedCompositor> compositor() {
        Optional<Running> r = compositor;
        if (r.isEmpty()) return Optional.empty();
        if (!r.get().process().alive()) {
            LOG.log(System.Logger.Level.WARNING, "compositor pid={0} is gone", r.get().process().pid());
            return Optional.of(new spine.model.focus.ObservedCompositor(r.get().process().pid(), r.get().backend(), false));
        }
        return Optional.of(new spine.model.focus.ObservedCompositor(r.get().process().pid(), r.get().backend(), sway.isPresent()));
    }

    private record Running(spine.drivers.sway.Compositor process, spine.model.Compositor.Backend backend,
                           spine.drivers.sway.SwaySocket commands, spine.drivers.sway.SwaySocket events) {}

    /** Where sway and its configuration are: the image's by default; tests point elsewhere. */
    public Machinery sway(String binary, String config) {
        swayBinary = binary;
        swayConfig = config;
        return this;
    }

    /**
     * Puts one task on the UI path (the focus thread, sway) at {@link spine.drivers.kernel.Syscalls#UI_NICE}, so it
     * does not queue behind the personas' busy loops; {@code tid} 0 is the calling thread. A refusal is logged, not fatal.
     */
    static void uiPriority(int tid, String what) {
        var nice = spine.drivers.kernel.Syscalls.linux().setPriority(tid, spine.drivers.kernel.Syscalls.UI_NICE);
        LOG.log(nice.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "{0} nice={1}: {2}", what,
                spine.drivers.kernel.Syscalls.UI_NICE, nice);
    }

    /** A window step goes to the compositor's sway connection; without one it waits (the planner plans none then). */
    private StepResult windows(Step s) {
        return connected().map(d -> d.apply(s)).orElseGet(() -> new StepResult.Failed("no compositor connection in this process", true));
    }

    /**
     * The sway driver on the command connection. A request that failed halfway (sway hung past the read timeout)
     * closes that connection, since a late reply would be read as the next request's; the next use connects again to
     * the same sway, its SO_PEERCRED pid checked as at spawn. Empty while that fails (the window steps wait).
     */
    private Optional<spine.drivers.sway.SwayDriver> connected() {
        Optional<Running> r = compositor;
        if (r.isEmpty() || sway.isEmpty() || r.get().commands().isOpen()) return sway;
        // not the monitor of spawn and stop, which a spawn holds for up to READY_BOUND: a focus pass must not wait that long
        synchronized (reconnecting) {
            return reconnect(r.get());
        }
    }

    private Optional<spine.drivers.sway.SwayDriver> reconnect(Running r) {
        if (compositor.isEmpty() || compositor.get() != r) return sway; // spawned, stopped or reconnected meanwhile
        if (r.commands().isOpen()) return sway;
        var c = r.process();
        if (!c.alive()) return Optional.empty();
        try {
            var commands = spine.drivers.sway.SwaySocket.connect(c.ipc(), java.time.Duration.ofSeconds(5));
            if (commands.peerPid() != c.pid()) {
                LOG.log(System.Logger.Level.WARNING, "sway IPC reconnect refused: {0} is served by pid {1}, not by sway pid {2}",
                        c.ipc(), commands.peerPid(), c.pid());
                commands.close();
                return Optional.empty();
            }
            compositor = Optional.of(new Running(c, r.backend(), commands, r.events()));
            sway = Optional.of(new spine.drivers.sway.SwayDriver(commands));
            LOG.log(System.Logger.Level.INFO, "sway IPC reconnected pid={0} (the last request failed halfway)", c.pid());
            return sway;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "sway IPC reconnect failed pid={0} error=\"{1}\"", c.pid(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The host directories a container mounts, made before it runs or starts; the reason when they cannot be. The run
     * directory is a tmpfs, gone after a reboot, while stopped containers that mount from it stay in podman's storage:
     * a start needs its mount sources back first, or podman refuses with "no such file or directory". A tenant's
     * directory and uid come from its name; a start makes a persona's busy-lock directory, and its umbilical directory whether or not it mounts one
     * (an empty directory costs nothing, and the step does not carry the spec).
     */
    private Optional<String> prepare(ResourceId id, boolean umbilical) {
        SocketDirs dirs = podman.sockets();
        try {
            if (id.kind() == Kind.TENANT) {
                Path dir = RunDirs.tenant(dirs, id, Tenant.uidOf(id));
                LOG.log(System.Logger.Level.INFO, "tenant socket directory target={0} dir={1} uid={2} mode=0700", id, dir, Tenant.uidOf(id));
            } else if (id.kind() == Kind.PERSONA) {
                RunDirs.lock(dirs, id);
                if (umbilical) RunDirs.persona(dirs, id);
            }
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.of("cannot prepare the socket directory of " + id + " under " + dirs.run() + ": " + e);
        }
    }

    @Override
    public KernelState freezers(ObservedState observed) {
        return sysfs.freezers(observed);
    }

    @Override
    public KernelState observe(ObservedState observed) {
        Optional<Running> r = compositor;
        java.util.OptionalLong sway = r.isPresent() && r.get().process().alive() ? java.util.OptionalLong.of(r.get().process().pid())
                : java.util.OptionalLong.empty();
        KernelState k = sysfs.observe(observed, sway);
        lastKernel = k;
        return k;
    }

    /**
     * The compositor's windows, each owned by the persona whose container its client pid runs in: sway reports the
     * host pid, {@code /proc/PID/cgroup} names {@code libpod-<id>}, and the id is a Spine container's. A sway that
     * does not answer gives no screen this pass (the window steps wait; freezing goes on).
     */
    @Override
    public Optional<Screen> screen(ObservedState observed) {
        Optional<spine.drivers.sway.SwayDriver> d = connected();
        if (d.isEmpty()) return Optional.empty();
        try {
            Screen s = d.get().observe().owned(pid -> ownerOf(pid, observed));
            lastScreen = Optional.of(s);
            return lastScreen;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "sway observe failed error=\"{0}\"", e.getMessage());
            lastScreen = Optional.empty();
            return lastScreen;
        }
    }

    private Optional<ResourceId> ownerOf(long pid, ObservedState observed) {
        try {
            Optional<String> cg = sysfs.cgroupPath(pid);
            if (cg.isEmpty()) return Optional.empty();
            for (var e : observed.spine().entrySet()) {
                String id = e.getValue().id();
                if (!id.isEmpty() && e.getKey().kind() == Kind.PERSONA && cg.get().contains("libpod-" + id)) return Optional.of(e.getKey());
            }
        } catch (IOException e) {
            // the client exited since sway listed it
        }
        return Optional.empty();
    }

    /** What the last pass read: the kernel's view and the compositor's windows ({@code spine get focus}). */
    public KernelState lastKernel() {
        return lastKernel;
    }

    public Optional<Screen> lastScreen() {
        return lastScreen;
    }

    @Override
    public List<Throttle> throttles(DesiredState desired) {
        return governor.map(g -> g.throttles(desired)).orElse(List.of());
    }

    /** The broker listens for every persona that asks for the umbilical and forwards to sys://ai when it should run. */
    @Override
    public void settled(DesiredState desired, ObservedState observed) {
        if (broker.isEmpty()) return;
        var personas = new TreeSet<ResourceId>();
        Optional<String> ai = Optional.empty();
        for (var spec : desired.specs().values()) {
            if (spec instanceof Persona p && p.umbilical()) personas.add(p.id());
            if (spec instanceof Tenant t && t.id().equals(Broker.AI) && t.state() != RunState.STOPPED) ai = Optional.of(t.socket());
        }
        broker.get().sync(personas, ai);
    }
}
