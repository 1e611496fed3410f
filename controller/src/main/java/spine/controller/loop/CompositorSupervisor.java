package spine.controller.loop;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import spine.drivers.SocketDirs;
import spine.drivers.exec.CommandRunner;
import spine.drivers.kernel.Syscalls;
import spine.drivers.sway.SwayDriver;
import spine.drivers.sway.SwayProcess;
import spine.drivers.sway.SwaySocket;
import spine.drivers.sway.SwayTree;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.Compositor;
import spine.model.Kind;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.Tenant;
import spine.model.focus.ObservedCompositor;
import spine.model.focus.Screen;

/**
 * The compositor's supervision, for a lasting converger: sway spawned as its own uid in {@code <run>/compositor},
 * ready only when its sockets are served by the process spawned (SO_PEERCRED), one IPC connection for commands
 * (reconnected after a request that failed halfway, its peer checked again) and one for window events, each of which
 * wakes the loop; the windows it shows, each owned by the persona whose container its client runs in; and whether a
 * persona with a display may start now. Machinery routes the compositor's steps and the window steps here.
 */
final class CompositorSupervisor {
    private static final System.Logger LOG = System.getLogger("loop");

    private final SocketDirs sockets;
    private final SysfsDriver sysfs;
    private final Syscalls syscalls;
    private final CommandRunner runner;
    private volatile Optional<SwayDriver> sway = Optional.empty();
    private volatile Optional<Running> compositor = Optional.empty();
    private volatile Optional<Screen> lastScreen = Optional.empty();
    /** Held while the command connection to sway is replaced (not the monitor, which a spawn holds for seconds). */
    private final Object reconnecting = new Object();
    private volatile Runnable onWindowEvent = () -> { };
    /** Where sway and its configuration are: set by whoever makes the supervisor (the image's, or a test's). */
    private volatile String swayBinary = "/usr/bin/sway";
    private volatile String swayConfig = "";

    CompositorSupervisor(SocketDirs sockets, SysfsDriver sysfs, Syscalls syscalls, CommandRunner runner) {
        this.runner = runner;
        this.sockets = sockets;
        this.sysfs = sysfs;
        this.syscalls = syscalls;
    }

    /** What the last pass saw of the windows ({@code spine get focus}). */
    Optional<Screen> lastScreen() {
        return lastScreen;
    }

    /**
     * Why a persona with a display may not run or start now, if it may not: podman mounts whatever serves the
     * Wayland socket's path at that moment, so the path must be served (SO_PEERCRED) by the sway this converger
     * spawned. Anything else there (a socket planted while sway restarts, a stale one) would get the persona's
     * windows and input; the persona waits instead, and the refusal is logged.
     */
    Optional<String> displayNotServed(ResourceId persona) {
        Path wayland = sockets.waylandSocket();
        Optional<Running> r = compositor;
        if (r.isEmpty() || !r.get().process().alive()) {
            return Optional.of("the compositor is not ready (this converger runs no sway); a persona with a display waits for it");
        }
        return switch (SwayProcess.served(wayland, r.get().process().pid())) {
            case SwayProcess.Readiness.Ready ready -> Optional.empty();
            case SwayProcess.Readiness.Waiting w ->
                    Optional.of("the compositor is not ready (" + w.why() + "); a persona with a display waits for it");
            case SwayProcess.Readiness.Refused x -> {
                LOG.log(System.Logger.Level.WARNING, "display refused target={0}: {1}", persona, x.why());
                yield Optional.of(x.why() + "; " + persona + " waits for the compositor's own socket");
            }
        };
    }

    /** How long sway may take to serve both sockets (20-50 ms natively, seconds under emulation). */
    private static final Duration READY_BOUND = Duration.ofSeconds(20);
    /** The system user the image's /etc/passwd names for the compositor's uid (busybox su needs a name). */
    static final String COMPOSITOR_USER = "spine-compositor";

    /**
     * Spawns sway in {@code <run>/compositor} and waits until it is ready; then connects the sway driver (one
     * connection for commands) and subscribes to window events on a second one, each of which wakes the loop. Not
     * ready in time, or a socket served by another process: the process is stopped and the step fails (back-off, then
     * a fresh spawn in an emptied directory).
     */
    synchronized StepResult spawn(Step.SpawnCompositor s, boolean lasting) {
        if (!lasting) {
            // sway would outlive this command as an orphan nobody watches: only bay0 or spine run owns it
            return new StepResult.Failed("the compositor is spawned by a lasting converger (bay0 or spine run), not by a one-shot command", false);
        }
        stop(Duration.ofSeconds(2));
        int uid = Tenant.uidOf(s.target());
        Path dir = sockets.run().resolve("compositor");
        var launch = new SwayProcess.Launch(
                SwayProcess.Launch.dropTo(uid, Optional.of(COMPOSITOR_USER)),
                swayConfig.isEmpty() ? List.of(swayBinary) : List.of(swayBinary, "-c", swayConfig), dir, uid,
                s.backend() == Compositor.Backend.HEADLESS ? SwayProcess.Launch.headless() : java.util.Map.of());
        SwayProcess c;
        try {
            c = SwayProcess.spawn(launch, runner);
        } catch (IOException e) {
            return new StepResult.Failed("cannot spawn sway in " + dir + ": " + e.getMessage(), true);
        }
        // the compositor is the UI: it draws and answers bay0's focus steps ahead of the personas' busy loops
        uiPriority((int) c.pid(), "compositor pid=" + c.pid());
        long t0 = System.nanoTime();
        var r = c.await(READY_BOUND);
        if (!(r instanceof SwayProcess.Readiness.Ready ready)) {
            c.stop(Duration.ofSeconds(2));
            return new StepResult.Failed("compositor not ready: " + switch (r) {
                case SwayProcess.Readiness.Waiting w -> w.why();
                case SwayProcess.Readiness.Refused x -> x.why();
                default -> r.toString();
            }, true);
        }
        try {
            var commands = SwaySocket.connect(c.ipc(), Duration.ofSeconds(5));
            var events = SwaySocket.connect(c.ipc(), Duration.ofSeconds(5));
            if (commands.peerPid() != c.pid() || events.peerPid() != c.pid()) {
                commands.close();
                events.close();
                c.stop(Duration.ofSeconds(2));
                return new StepResult.Failed("the IPC socket changed hands after readiness; not using it", true);
            }
            events.subscribe("[\"window\"]");
            compositor = Optional.of(new Running(c, s.backend(), commands, events));
            sway = Optional.of(new SwayDriver(commands));
            Thread.ofPlatform().daemon().name("sway-events").start(() -> windowEvents(events));
        } catch (IOException e) {
            c.stop(Duration.ofSeconds(2));
            return new StepResult.Failed("cannot connect to sway's IPC socket " + c.ipc() + ": " + e.getMessage(), true);
        }
        return new StepResult.Ok("sway " + ready.version() + " pid " + c.pid() + " ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** Each window event (a new window, a focus change, a close) wakes the loop, which marks and places windows. */
    private void windowEvents(SwaySocket events) {
        try {
            while (true) {
                var f = events.nextEvent();
                var e = SwayTree.event(f.payload());
                LOG.log(System.Logger.Level.DEBUG, "sway window event change={0} con={1} pid={2}", e.change(), e.window().conId(), e.window().pid());
                if (!e.change().equals("title")) onWindowEvent.run();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "sway window events ended: {0}", e.getMessage());
            onWindowEvent.run(); // the compositor may be gone: let the loop look
        }
    }

    /** What wakes the loop on a window event. */
    void onWindowEvent(Runnable wake) {
        onWindowEvent = wake;
    }

    synchronized void stop(Duration grace) {
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
    Optional<ObservedCompositor> observe() {
        Optional<Running> r = compositor;
        if (r.isEmpty()) return Optional.empty();
        if (!r.get().process().alive()) {
            LOG.log(System.Logger.Level.WARNING, "compositor pid={0} is gone", r.get().process().pid());
            return Optional.of(new ObservedCompositor(r.get().process().pid(), r.get().backend(), false));
        }
        return Optional.of(new ObservedCompositor(r.get().process().pid(), r.get().backend(), sway.isPresent()));
    }

    private record Running(SwayProcess process, Compositor.Backend backend,
                           SwaySocket commands, SwaySocket events) {}

    /** Where sway and its configuration are: the image's by default; tests point elsewhere. */
    void sway(String binary, String config) {
        swayBinary = binary;
        swayConfig = config;
    }

    /** The pid of the sway this process spawned, while it lives (its cgroup is read with the personas'). */
    java.util.OptionalLong pid() {
        Optional<Running> r = compositor;
        return r.isPresent() && r.get().process().alive() ? java.util.OptionalLong.of(r.get().process().pid()) : java.util.OptionalLong.empty();
    }

    /**
     * Puts one task on the UI path (the focus thread, sway) at {@link Syscalls#UI_NICE}, so it
     * does not queue behind the personas' busy loops; {@code tid} 0 is the calling thread. A refusal is logged, not fatal.
     */
    void uiPriority(int tid, String what) {
        var nice = syscalls.setPriority(tid, Syscalls.UI_NICE);
        LOG.log(nice.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "{0} nice={1}: {2}", what,
                Syscalls.UI_NICE, nice);
    }

    /** A window step goes to the compositor's sway connection; without one it waits (the planner plans none then). */
    StepResult windows(Step.WindowStep s) {
        return connected().map(d -> d.apply(s)).orElseGet(() -> new StepResult.Failed("no compositor connection in this process", true));
    }

    /**
     * The sway driver on the command connection. A request that failed halfway (sway hung past the read timeout)
     * closes that connection, since a late reply would be read as the next request's; the next use connects again to
     * the same sway, its SO_PEERCRED pid checked as at spawn. Empty while that fails (the window steps wait).
     */
    private Optional<SwayDriver> connected() {
        Optional<Running> r = compositor;
        if (r.isEmpty() || sway.isEmpty() || r.get().commands().isOpen()) return sway;
        // not the monitor of spawn and stop, which a spawn holds for up to READY_BOUND: a focus pass must not wait that long
        synchronized (reconnecting) {
            return reconnect(r.get());
        }
    }

    private Optional<SwayDriver> reconnect(Running r) {
        if (compositor.isEmpty() || compositor.get() != r) return sway; // spawned, stopped or reconnected meanwhile
        if (r.commands().isOpen()) return sway;
        var c = r.process();
        if (!c.alive()) return Optional.empty();
        try {
            var commands = SwaySocket.connect(c.ipc(), Duration.ofSeconds(5));
            if (commands.peerPid() != c.pid()) {
                LOG.log(System.Logger.Level.WARNING, "sway IPC reconnect refused: {0} is served by pid {1}, not by sway pid {2}",
                        c.ipc(), commands.peerPid(), c.pid());
                commands.close();
                return Optional.empty();
            }
            compositor = Optional.of(new Running(c, r.backend(), commands, r.events()));
            sway = Optional.of(new SwayDriver(commands));
            LOG.log(System.Logger.Level.INFO, "sway IPC reconnected pid={0} (the last request failed halfway)", c.pid());
            return sway;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "sway IPC reconnect failed pid={0} error=\"{1}\"", c.pid(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The compositor's windows, each owned by the persona whose container its client pid runs in: sway reports the
     * host pid, {@code /proc/PID/cgroup} names {@code libpod-<id>}, and the id is a Spine container's. A sway that
     * does not answer gives no screen this pass (the window steps wait; freezing goes on).
     */
    Optional<Screen> screen(ObservedState observed) {
        Optional<SwayDriver> d = connected();
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
                if (e.getKey().kind() == Kind.PERSONA && ObservedContainer.runsIn(cg.get(), id)) return Optional.of(e.getKey());
            }
        } catch (IOException e) {
            // the client exited since sway listed it
        }
        return Optional.empty();
    }
}
