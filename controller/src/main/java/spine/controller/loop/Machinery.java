package spine.controller.loop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

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

    /** Starts the governor for this loop: it wakes the loop when its level moves. */
    public GovernorLoop startGovernor(Reconciler reconciler, ControlLoop loop, java.time.Duration period, java.time.Clock clock) {
        var g = new GovernorLoop(sysfs, reconciler::lastKernel, loop::wake, period, spine.model.governor.Thresholds.defaults(), clock);
        governor = Optional.of(g);
        return g.start();
    }

    /** Stops the broker and the governor. */
    public void close() {
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

    @Override
    public Observation observe() {
        return podman.observe();
    }

    @Override
    public StepResult apply(Step step) {
        return switch (step) {
            case Step.RunContainer s -> {
                Optional<String> why = prepare(s.target(), s.container().umbilical());
                yield why.isPresent() ? new StepResult.Failed(why.get(), true) : podman.apply(s);
            }
            case Step.StartContainer s -> {
                Optional<String> why = prepare(s.target(), true);
                yield why.isPresent() ? new StepResult.Failed(why.get(), true) : podman.apply(s);
            }
            case Step.StopContainer s -> podman.apply(s);
            case Step.PauseContainer s -> podman.apply(s);
            case Step.UnpauseContainer s -> podman.apply(s);
            case Step.RemoveContainer s -> podman.apply(s);
            case Step.WriteCgroup s -> sysfs.apply(s);
            case Step.SetOomScoreAdj s -> sysfs.apply(s);
            case Step.DrainUmbilical s -> broker.map(b -> b.drain(s.target(), s.deadline()))
                    .orElseGet(() -> new StepResult.Ok("no broker in this process; nothing to drain"));
            case Step.Freeze s -> sysfs.apply(s);
            case Step.Thaw s -> sysfs.apply(s);
            case Step.ShowWorkspace s -> windows(s);
            case Step.MarkWindow s -> windows(s);
            case Step.FocusWindow s -> windows(s);
        };
    }

    /** A window step goes to the compositor's sway connection; without one it waits (the planner plans none then). */
    private StepResult windows(Step s) {
        return sway.map(d -> d.apply(s)).orElseGet(() -> new StepResult.Failed("no compositor connection in this process", true));
    }

    /** The compositor's sway driver, set while a compositor is ready and connected. */
    public void sway(Optional<spine.drivers.sway.SwayDriver> driver) {
        sway = driver;
    }

    /**
     * The host directories a container mounts, made before it runs or starts; the reason when they cannot be. The run
     * directory is a tmpfs, gone after a reboot, while stopped containers that mount from it stay in podman's storage:
     * a start needs its mount sources back first, or podman refuses with "no such file or directory". A tenant's
     * directory and uid come from its name; a start makes a persona's umbilical directory whether or not it mounts one
     * (an empty directory costs nothing, and the step does not carry the spec).
     */
    private Optional<String> prepare(ResourceId id, boolean umbilical) {
        SocketDirs dirs = podman.sockets();
        try {
            if (id.kind() == Kind.TENANT) {
                Path dir = RunDirs.tenant(dirs, id, Tenant.uidOf(id));
                LOG.log(System.Logger.Level.INFO, "tenant socket directory target={0} dir={1} uid={2} mode=0700", id, dir, Tenant.uidOf(id));
            } else if (umbilical) {
                RunDirs.persona(dirs, id);
            }
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.of("cannot prepare the socket directory of " + id + " under " + dirs.run() + ": " + e);
        }
    }

    @Override
    public KernelState observe(ObservedState observed) {
        KernelState k = sysfs.observe(observed);
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
        Optional<spine.drivers.sway.SwayDriver> d = sway;
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
