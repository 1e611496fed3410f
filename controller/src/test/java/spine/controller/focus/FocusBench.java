package spine.controller.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;
import spine.drivers.sway.SwayProcess;
import spine.drivers.sway.SwayDriver;
import spine.drivers.sway.SwaySocket;
import spine.model.focus.Window;

/**
 * The switch-latency benchmark of docs/BENCHMARKS.md (not run by CI; {@code scripts/bench.sh focus}): from
 * {@code spine focus} returning until the background persona's cgroup says {@code frozen 1}, the foreground's
 * {@code frozen 0} and sway's focused window carries the foreground's mark, over N switches between two foot personas
 * with busy shells; against the same switch done the podman way ({@code podman pause}, {@code podman unpause}, an IPC
 * focus) on two plain containers under a second sway, in the same run.
 */
class FocusBench {
    private static final int N = Integer.getInteger("focus.switches", 200);

    @Test
    void switchLatency() throws Exception {
        Path root = PodmanHarness.scratch("bench");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path run = Files.createTempDirectory(Path.of("/tmp"), "sb");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        var podman = new PodmanHarness().with("SPINE_RUN", run.toString());
        podman.reset();
        Files.writeString(root.resolve("world.yaml"), """
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://compositor"}
                spec: {process: sway}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://work"}
                spec: {image: "localhost/spine/foot:1", command: ["foot", "-a", "work", "sh", "-c", "while :; do :; done"], state: running, display: true}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://games"}
                spec: {image: "localhost/spine/foot:1", command: ["foot", "-a", "games", "sh", "-c", "while :; do :; done"], state: running, display: true}
                """);
        var pb = podman.spineProcess(root, "run", "--resync", "1h").redirectErrorStream(true).redirectOutput(root.resolve("daemon.out").toFile());
        pb.environment().put("SPINE_SWAY_CONFIG", "/dev/null");
        Process daemon = pb.start();
        try {
            for (int i = 0; i < 300 && !Files.exists(root.resolve("spine/control.sock")); i++) Thread.sleep(100);
            var r = podman.spine(root, "apply", "-f", root.resolve("world.yaml").toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            List<Long> spine;
            try (SwaySocket ipc = SwaySocket.connect(run.resolve("compositor/ipc.sock"), Duration.ofSeconds(5))) {
                var sway = new SwayDriver(ipc);
                for (int i = 0; i < 200 && sway.observe().windows().stream().filter(w -> w.marks().size() == 1).count() < 2; i++) Thread.sleep(50);
                spine = switches(podman, root, sway, 10, List.of());
                spine = switches(podman, root, sway, N, spine);
            }
            List<Long> viaPodman = podmanWay(podman, run);
            System.out.println("Gate E switch, spine focus returned -> converged (us): " + summary(spine));
            System.out.println("Gate E switch, podman pause + podman unpause + IPC focus (us): " + summary(viaPodman));
        } finally {
            daemon.destroy();
            daemon.waitFor(30, TimeUnit.SECONDS);
            podman.podman("rm", "-f", "-t", "0", "bench-a", "bench-b");
            podman.reset();
        }
    }

    private static List<Long> switches(PodmanHarness podman, Path root, SwayDriver sway, int n, List<Long> keep) throws Exception {
        var out = new ArrayList<Long>();
        String[][] ways = {{"p://games", "p__work", "p__games"}, {"p://work", "p__games", "p__work"}};
        var cgroups = java.util.Map.of("p__work", FocusIT.cgroupOf(podman, "p__work"), "p__games", FocusIT.cgroupOf(podman, "p__games"));
        for (int i = 0; i < n; i++) {
            String[] w = ways[i % 2];
            var r = podman.spine(root, "focus", w[0]);
            long t0 = System.nanoTime();
            assertThat(r.exit()).as(r.toString()).isZero();
            Path bg = cgroups.get(w[1]), fg = cgroups.get(w[2]);
            while (true) {
                boolean frozen = Files.readString(bg.resolve("cgroup.events")).contains("frozen 1");
                boolean thawed = Files.readString(fg.resolve("cgroup.events")).contains("frozen 0");
                if (frozen && thawed && sway.observe().focused().map(Window::marks).orElse(List.of()).contains(w[0])) break;
                if (System.nanoTime() - t0 > 30_000_000_000L) throw new AssertionError("switch to " + w[0] + " did not converge in 30 s");
            }
            out.add((System.nanoTime() - t0) / 1000);
        }
        return n == 10 && keep.isEmpty() ? List.of() : out;
    }

    /** The same switch the podman way: two plain foot containers under a sway of our own. */
    private static List<Long> podmanWay(PodmanHarness podman, Path run) throws Exception {
        Path dir = run.resolve("bench-sway");
        int uid = 61999;
        var c = SwayProcess.spawn(new SwayProcess.Launch(SwayProcess.Launch.dropTo(uid, Optional.empty()), List.of("/usr/bin/sway", "-c", "/dev/null"),
                dir, uid, SwayProcess.Launch.headless()), new spine.drivers.exec.ProcessCommandRunner(java.util.Map.of()));
        try (SwaySocket ipc = SwaySocket.connect(awaitIpc(c), Duration.ofSeconds(5))) {
            for (String n : List.of("bench-a", "bench-b")) {
                var r = podman.podman("run", "-d", "--name", n, "--network", "none", "-v", c.wayland() + ":/run/wayland/wayland-1",
                        "-e", "XDG_RUNTIME_DIR=/run/wayland", "-e", "WAYLAND_DISPLAY=wayland-1", "localhost/spine/foot:1",
                        "foot", "-a", n, "sh", "-c", "while :; do :; done");
                assertThat(r.ok()).as(r.stderr()).isTrue();
            }
            var sway = new SwayDriver(ipc);
            for (int i = 0; i < 200 && sway.observe().windows().size() < 2; i++) Thread.sleep(50);
            for (Window w : sway.observe().windows()) sway.command("[con_id=" + w.conId() + "] mark --add " + w.appId());
            podman.podman("pause", "bench-b");
            var out = new ArrayList<Long>();
            String[][] ways = {{"bench-a", "bench-b"}, {"bench-b", "bench-a"}};
            for (int i = 0; i < 20; i++) {
                String[] w = ways[i % 2];
                long t0 = System.nanoTime();
                assertThat(podman.podman("pause", w[0]).ok()).isTrue();
                assertThat(podman.podman("unpause", w[1]).ok()).isTrue();
                assertThat(sway.command("[con_mark=\"" + w[1] + "\"] focus").ok()).isTrue();
                out.add((System.nanoTime() - t0) / 1000);
            }
            podman.podman("unpause", "bench-a");
            podman.podman("unpause", "bench-b");
            return out;
        } finally {
            c.stop(Duration.ofSeconds(2));
        }
    }

    private static Path awaitIpc(SwayProcess c) {
        assertThat(c.await(Duration.ofSeconds(20))).isInstanceOf(SwayProcess.Readiness.Ready.class);
        return c.ipc();
    }

    private static String summary(List<Long> us) {
        var s = new ArrayList<>(us);
        Collections.sort(s);
        return "n=" + s.size() + " p50=" + s.get(s.size() / 2) + " p99=" + s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1))
                + " max=" + s.get(s.size() - 1);
    }
}
