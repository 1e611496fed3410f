package spine.controller.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import spine.controller.state.StateException;
import spine.controller.state.Volumes;
import spine.controller.umbilical.Broker;
import spine.controller.umbilical.RunDirs;
import spine.drivers.ContainerRuntime;
import spine.drivers.kernel.Syscalls;
import spine.controller.state.ImageArchives;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.Labels;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.Tenant;
import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;
import spine.model.governor.Thresholds;
import spine.model.kernel.KernelState;
import spine.model.kernel.Throttle;

/**
 * The hands of the loop behind one seam: container steps go to podman, kernel steps (envelopes, freeze, thaw) to the
 * sysfs driver, the drain to the umbilical broker, window steps to the compositor's supervisor. Before a container
 * runs or starts, the host directories it mounts exist ({@link RunDirs}). A one-shot command has no
 * broker (nobody would listen after it exits) and no governor; {@code spine run} and bay0 have both.
 */
public final class Machinery implements ContainerRuntime, KernelSide, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("loop");

    private final PodmanDriver podman;
    private final SysfsDriver sysfs;
    private final Optional<Broker> broker;
    private volatile Optional<GovernorLoop> governor = Optional.empty();
    private volatile KernelState lastKernel = KernelState.empty();
    private volatile Optional<Volumes> volumes = Optional.empty();
    private final CompositorSupervisor compositor;
    /** podman's last answer: a start looks up whether the container mounts the Wayland socket (its display label). */
    private volatile ObservedState lastObservation = ObservedState.empty();

    public Machinery(PodmanDriver podman, SysfsDriver sysfs, Optional<Broker> broker, Syscalls syscalls) {
        this.podman = podman;
        this.sysfs = sysfs;
        this.broker = broker;
        this.compositor = new CompositorSupervisor(podman.sockets(), sysfs, syscalls, podman.runner());
    }

    /** Starts the governor for this loop: it wakes the loop when its level moves. */
    public GovernorLoop startGovernor(Reconciler reconciler, ControlLoop loop, Duration period, java.time.Clock clock) {
        var g = new GovernorLoop(sysfs, reconciler::lastKernel, loop::wake, period, Thresholds.defaults(), clock);
        governor = Optional.of(g);
        return g.start();
    }

    /** Stops the broker, the governor and the compositor. */
    public void close() {
        compositor.stop(Duration.ofSeconds(2));
        governor.ifPresent(GovernorLoop::close);
        broker.ifPresent(Broker::close);
    }

    public Optional<GovernorLoop> governor() {
        return governor;
    }

    public Optional<Broker> broker() {
        return broker;
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

    @Override
    public StepResult apply(Step step) {
        return switch (step) {
            case Step.RunContainer s -> {
                Optional<String> why = prepare(s.target(), s.container().umbilical()).or(() -> volumesFor(s));
                if (why.isEmpty() && s.container().display()) why = compositor.displayNotServed(s.target());
                yield why.isPresent() ? new StepResult.Failed(why.get(), true) : podman.apply(s);
            }
            case Step.StartContainer s -> {
                Optional<String> why = notStartable(s);
                yield why.isPresent() ? new StepResult.Failed(why.get(), true) : podman.apply(s);
            }
            case Step.ContainerStep s -> podman.apply(s);
            case Step.KernelStep s -> sysfs.apply(s);
            case Step.ImageStep s -> podman.images().apply(s, ImageArchives::open);
            case Step.DrainUmbilical s -> broker.map(b -> b.drain(s.target(), s.deadline()))
                    .orElseGet(() -> new StepResult.Ok("no broker in this process; nothing to drain"));
            case Step.WindowStep s -> compositor.windows(s);
            // sway would outlive a one-shot command as an orphan nobody watches: only bay0 or spine run owns it
            case Step.SpawnCompositor s -> compositor.spawn(s, broker.isPresent());
            case Step.StopCompositor s -> {
                compositor.stop(s.grace());
                yield new StepResult.Ok("compositor stopped");
            }
        };
    }

    @Override
    public Optional<Map<String, String>> imageIds() {
        return podman.images().presentWithUnnamed();
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
        results.putAll(podman.startAll(ready));
        return results;
    }

    /** Why a container may not start now: its host directories could not be made, or its display is not served. */
    private Optional<String> notStartable(Step.StartContainer s) {
        Optional<String> why = prepare(s.target(), true);
        boolean display = Optional.ofNullable(lastObservation.spine().get(s.target()))
                .map(c -> "true".equals(c.labels().get(Labels.DISPLAY))).orElse(false);
        if (why.isEmpty() && display) why = compositor.displayNotServed(s.target());
        return why;
    }

    /** The volumes a container mounts, on persist, made before it runs; the reason when they cannot be. */
    private Optional<String> volumesFor(Step.RunContainer s) {
        if (s.container().volumes().isEmpty()) return Optional.empty();
        if (volumes.isEmpty()) return Optional.of(s.target() + " has volumes, and this process knows no state root to keep them under");
        try {
            if (volumes.get().ensure(s.target(), s.container().volumes())) {
                LOG.log(System.Logger.Level.INFO, "volumes made target={0} under={1}", s.target(), volumes.get().dirs().root());
            }
            return Optional.empty();
        } catch (StateException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The host directories a container mounts, made before it runs or starts (a tenant's is logged with its owner). */
    private Optional<String> prepare(ResourceId id, boolean umbilical) {
        Optional<String> why = RunDirs.prepare(podman.sockets(), id, umbilical);
        if (why.isEmpty() && id.kind() == Kind.TENANT) LOG.log(System.Logger.Level.INFO,
                "tenant socket directory target={0} dir={1} uid={2} mode=0700", id, podman.sockets().tenantDir(id), Tenant.uidOf(id));
        return why;
    }

    @Override
    public KernelState freezers(ObservedState observed) {
        return sysfs.freezers(observed);
    }

    @Override
    public KernelState observe(ObservedState observed) {
        KernelState k = sysfs.observe(observed, compositor.pid());
        lastKernel = k;
        return k;
    }

    /** What the last pass read: the kernel's view and the compositor's windows ({@code spine get focus}). */
    public KernelState lastKernel() {
        return lastKernel;
    }

    public Optional<Screen> lastScreen() {
        return compositor.lastScreen();
    }

    /**
     * The compositor's windows, each owned by the persona whose container its client pid runs in; none this pass when
     * sway does not answer (the window steps wait; freezing goes on).
     */
    @Override
    public Optional<Screen> screen(ObservedState observed) {
        return compositor.screen(observed);
    }

    /** The compositor as it is now: spawned by this process and alive, with whether it is connected. */
    @Override
    public Optional<ObservedCompositor> compositor() {
        return compositor.observe();
    }

    /** The focus thread and sway run ahead of the personas' busy loops (docs/OPERATIONS.md). */
    @Override
    public void uiPath(int tid, String what) {
        compositor.uiPriority(tid, what);
    }

    /** What wakes the loop on a window event. */
    public void onWindowEvent(Runnable wake) {
        compositor.onWindowEvent(wake);
    }

    /** Where the volumes live (the state root's); without it a container with volumes does not run. */
    public Machinery volumes(Volumes v) {
        volumes = Optional.of(v);
        return this;
    }

    /** Where sway and its configuration are: the image's by default; tests point elsewhere. */
    public Machinery sway(String binary, String config) {
        compositor.sway(binary, config);
        return this;
    }

    @Override
    public List<Throttle> throttles(DesiredState desired) {
        return governor.map(g -> g.throttles(desired)).orElse(List.of());
    }

    /** The broker listens for every persona that asks for the umbilical and forwards to sys://ai when it should run. */
    @Override
    public void settled(DesiredState desired, ObservedState observed) {
        broker.ifPresent(b -> b.follow(desired));
    }
}
