package spine.controller.focus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import spine.controller.state.ControlSocket;
import spine.controller.state.SpineRoot;
import spine.drivers.sway.SwayProcess;
import spine.drivers.sway.SwayDriver;
import spine.drivers.sway.SwaySocket;
import spine.drivers.sway.SwayTree;
import spine.model.focus.Window;

/**
 * The Gate E switch benchmark, run inside the VM by {@code GateEVmBench} (its class file is copied in and run on the
 * image's own JRE next to spine.jar, with the flags of /usr/bin/spine). The spine way: the request {@code spine focus}
 * sends, over the control socket; the clock starts when the answer is back (the command returning, without its JVM
 * start) and stops when the background persona's cgroup says {@code frozen 1}, the foreground's {@code frozen 0}
 * (looked at every 0.5 ms) and sway has said, in a {@code window} event on a subscribed connection of its own, that
 * the focused window carries the foreground's mark (the event's arrival is the time). The benchmark never asks sway
 * during a switch: a {@code get_tree} of its own would queue at sway beside bay0's commands and time itself. After each
 * switch, off the clock, one {@code get_tree} checks that the focused window really is the foreground's. The podman
 * way: {@code podman pause}, {@code podman unpause} and an IPC focus, on two foot containers of its own under a second
 * sway, so bay0 does not undo them.
 * <p>
 * {@code VmFocusBench SWITCHES PODMAN_SWITCHES}; the two display personas must be running and marked.
 */
public final class VmFocusBench {
    private static final Path IPC = Path.of("/run/spine/compositor/ipc.sock");
    private static final Duration BOUND = Duration.ofSeconds(60);

    private VmFocusBench() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]), viaPodman = Integer.parseInt(args[1]);
        var root = new SpineRoot(SpineRoot.DEFAULT);
        Map<String, Path> cgroups = Map.of("p://work", cgroupOf("p__work"), "p://games", cgroupOf("p__games"));
        var answered = new ArrayList<Long>();
        var converged = new ArrayList<Long>();
        var focusEvents = new FocusEvents();
        try (SwaySocket ipc = SwaySocket.connect(IPC, Duration.ofSeconds(10)); SwaySocket events = SwaySocket.connect(IPC, Duration.ofSeconds(10))) {
            var sway = new SwayDriver(ipc);
            events.subscribe("[\"window\"]");
            Thread.ofPlatform().daemon().name("sway-events").start(() -> focusEvents.readFrom(events));
            for (int i = 0; i < n + 10; i++) {
                String fg = i % 2 == 0 ? "p://games" : "p://work", bg = i % 2 == 0 ? "p://work" : "p://games";
                long a0 = System.nanoTime();
                ObjectNode reply;
                try (ControlSocket.Client c = ControlSocket.connect(root).orElseThrow(() -> new IllegalStateException("no converger answers"))) {
                    reply = c.request(JsonNodeFactory.instance.objectNode().put("op", "focus").put("persona", fg), Duration.ofSeconds(10));
                }
                long t0 = System.nanoTime();
                if (reply.has("error")) throw new IllegalStateException("focus " + fg + ": " + reply);
                long frozen = 0, focused = 0;
                while (frozen == 0 || focused == 0) {
                    if (frozen == 0 && events(cgroups.get(bg)).contains("frozen 1") && events(cgroups.get(fg)).contains("frozen 0")) frozen = System.nanoTime();
                    if (focused == 0) focused = focusEvents.since(a0, fg);
                    if (System.nanoTime() - t0 > BOUND.toNanos()) throw new IllegalStateException("switch to " + fg + " did not converge in " + BOUND);
                    if (frozen == 0 || focused == 0) Thread.sleep(0, 500_000);
                }
                long t1 = Math.max(frozen, focused);
                Optional<Window> shown = sway.observe().focused(); // off the clock: the event's word checked against the tree
                if (!shown.map(Window::marks).orElse(List.of()).contains(fg)) throw new IllegalStateException("sway's focused window is " + shown + ", not " + fg + "'s");
                if (i >= 10) { // the first ten warm the JIT and the caches
                    answered.add((t0 - a0) / 1000);
                    converged.add((Math.max(t1, t0) - t0) / 1000);
                }
            }
        }
        System.out.println("Gate E VM switch, spine focus answered -> converged (us): " + summary(converged));
        System.out.println("Gate E VM, control socket answer to a focus request, connect included (us): " + summary(answered));
        System.out.println("Gate E VM switch, podman pause + podman unpause + IPC focus (us): " + summary(podmanWay(viaPodman)));
    }

    /** sway's focus events as they arrive: when, and the marks of the window that got the focus. */
    private static final class FocusEvents {
        private record Focus(long at, List<String> marks) {}

        private final List<Focus> seen = new ArrayList<>();

        void readFrom(SwaySocket events) {
            try {
                while (true) {
                    SwaySocket.Frame f = events.nextEvent();
                    long at = System.nanoTime();
                    SwayTree.WindowEvent e = SwayTree.event(f.payload());
                    if (!e.change().equals("focus")) continue;
                    synchronized (seen) {
                        seen.add(new Focus(at, e.window().marks()));
                    }
                }
            } catch (IOException e) {
                if (events.isOpen()) System.out.println("Gate E VM, sway event connection failed: " + e.getMessage());
            }
        }

        /** When the first focus event since {@code after} that gave the focus to a window marked {@code mark} arrived, else 0. */
        long since(long after, String mark) {
            synchronized (seen) {
                for (Focus f : seen) if (f.at() >= after && f.marks().contains(mark)) return f.at();
                return 0;
            }
        }
    }

    private static String events(Path cgroup) throws IOException {
        return Files.readString(cgroup.resolve("cgroup.events"));
    }

    /** The cgroup directory of a container's main process. */
    private static Path cgroupOf(String container) throws IOException, InterruptedException {
        String pid = run("/usr/bin/podman", "inspect", "--format", "{{.State.Pid}}", container).strip();
        for (String line : Files.readAllLines(Path.of("/proc", pid, "cgroup"))) {
            if (line.startsWith("0::")) return Path.of("/sys/fs/cgroup" + line.substring(3));
        }
        throw new IllegalStateException("no cgroup v2 line for " + container + " (pid " + pid + ")");
    }

    /** The same switch the podman way: two foot containers, not Spine's, under a second sway. */
    private static List<Long> podmanWay(int n) throws Exception {
        Path dir = Path.of("/run/spine/bench-sway");
        int uid = 63844; // spine-compositor in the image's /etc/passwd, as the compositor itself
        var c = SwayProcess.spawn(new SwayProcess.Launch(SwayProcess.Launch.dropTo(uid, Optional.of("spine-compositor")),
                List.of("/usr/bin/sway", "-c", "/dev/null"), dir, uid, SwayProcess.Launch.headless()), new spine.drivers.exec.ProcessCommandRunner(java.util.Map.of()));
        var out = new ArrayList<Long>();
        try {
            if (!(c.await(Duration.ofSeconds(60)) instanceof SwayProcess.Readiness.Ready)) throw new IllegalStateException("bench sway not ready");
            for (String name : List.of("bench-a", "bench-b")) {
                run("/usr/bin/podman", "run", "-d", "--name", name, "--network", "none", "-v", c.wayland() + ":/run/wayland/wayland-1",
                        "-e", "XDG_RUNTIME_DIR=/run/wayland", "-e", "WAYLAND_DISPLAY=wayland-1", "-e", "LANG=C.UTF-8",
                        "localhost/spine/foot:1", "foot", "-a", name, "sh", "-c", "while :; do :; done");
            }
            try (SwaySocket ipc = SwaySocket.connect(c.ipc(), Duration.ofSeconds(10))) {
                var sway = new SwayDriver(ipc);
                long deadline = System.nanoTime() + BOUND.toNanos();
                while (sway.observe().windows().size() < 2) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the bench containers' windows did not appear");
                    Thread.sleep(100);
                }
                for (Window w : sway.observe().windows()) sway.command("[con_id=" + w.conId() + "] mark --add " + w.appId());
                run("/usr/bin/podman", "pause", "bench-b");
                for (int i = 0; i < n + 2; i++) {
                    String fg = i % 2 == 0 ? "bench-b" : "bench-a", bg = i % 2 == 0 ? "bench-a" : "bench-b";
                    long t0 = System.nanoTime();
                    run("/usr/bin/podman", "pause", bg);
                    run("/usr/bin/podman", "unpause", fg);
                    if (!sway.command("[con_mark=\"" + fg + "\"] focus").ok()) throw new IllegalStateException("focus " + fg + " failed");
                    if (i >= 2) out.add((System.nanoTime() - t0) / 1000);
                }
            }
        } finally {
            run("/usr/bin/podman", "rm", "-f", "-t", "0", "bench-a", "bench-b");
            c.stop(Duration.ofSeconds(5));
        }
        return out;
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        return out;
    }

    private static String summary(List<Long> us) {
        var s = new ArrayList<>(us);
        Collections.sort(s);
        return "n=" + s.size() + " p50=" + s.get(s.size() / 2) + " p99=" + s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1))
                + " max=" + s.get(s.size() - 1);
    }
}
