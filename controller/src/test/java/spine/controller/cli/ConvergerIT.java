package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * The shaded jar as separate processes against real podman: spine run takes the work of concurrent CLI
 * commands over the control socket, refuses peers outside root/spine, and no two convergers ever overlap.
 */
class ConvergerIT {
    private static final Path JAR = PodmanHarness.JAR;
    private static PodmanHarness podman;

    private Path root;
    private Process daemon;

    @BeforeAll
    static void harness() throws IOException {
        podman = new PodmanHarness();
    }

    @BeforeEach
    void setUp() throws IOException {
        podman.reset();
        root = PodmanHarness.scratch("root");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() throws Exception {
        PodmanHarness.stopConverger(daemon);
    }

    private ProcessBuilder spine(Map<String, String> extraEnv, String... args) {
        var pb = podman.spineProcess(root, args);
        pb.environment().putAll(extraEnv);
        return pb;
    }

    private static String run(ProcessBuilder pb, int expectExit) throws Exception {
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", pb.command()) + "\n" + out).isEqualTo(expectExit);
        return out;
    }

    private Path persona(String name) throws IOException {
        Path f = root.resolve(name + ".yaml");
        Files.writeString(f, """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://%s"}
                spec:
                  image: localhost/spine/busybox:1
                  command: ["sleep", "600"]
                  state: running
                """.formatted(name));
        return f;
    }

    private void startDaemon() throws Exception {
        daemon = podman.startConverger(root);
    }

    @Test
    void concurrentAppliesAreHandedToSpineRun() throws Exception {
        startDaemon();
        var procs = new ArrayList<Process>();
        for (String n : List.of("one", "two", "three")) {
            procs.add(spine(Map.of(), "apply", "-v", "-f", persona(n).toString()).redirectErrorStream(true).start());
        }
        for (Process p : procs) {
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("handing the apply to spine run").contains("phase=running");
        }
        assertThat(podman.containers()).containsOnlyKeys("p__one", "p__two", "p__three");
        assertThat(podman.containers().values()).allMatch(s -> s.endsWith(" running"));

        assertThat(run(spine(Map.of(), "metrics"), 0)).contains("spine_passes_total{result=\"converged\"}",
                "spine_steps_total{kind=\"run\",result=\"ok\"} 3", "spine_pass_duration_seconds_count");
        assertThat(run(spine(Map.of(), "run"), ExitCode.UNAVAILABLE)).contains("another converger");
    }

    @Test
    void controlSocketRefusesPeersOutsideRootAndGroupSpine() throws Exception {
        startDaemon();
        Files.setPosixFilePermissions(root.resolve("spine"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("spine/control.sock"), PosixFilePermissions.fromString("rw-rw-rw-"));
        // nobody must be able to read the jar wherever the checkout lives, so it runs a world-readable copy
        Path jar = Files.copy(JAR, root.resolve("spine.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        var argv = new ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
        for (String a : spine(Map.of(), "metrics").command()) argv.add(a.equals(JAR.toString()) ? jar.toString() : a);
        String out = run(new ProcessBuilder(argv).directory(root.toFile()), ExitCode.UNAVAILABLE);
        assertThat(out).contains("permission denied");
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains("control peer refused uid=65534");
        assertThat(run(spine(Map.of(), "metrics"), 0)).contains("spine_passes_total");
    }

    @Test
    void twoConvergersNeverOverlap() throws Exception {
        // A podman that takes its time, so the two commands would overlap if the lock let them.
        Path slow = root.resolve("slow-podman");
        Files.writeString(slow, "#!/bin/sh\nsleep 0.7\nexec podman \"$@\"\n");
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = Map.of("SPINE_PODMAN", slow.toString());
        var procs = new ArrayList<Process>();
        procs.add(spine(env, "apply", "-f", persona("left").toString()).redirectErrorStream(true).start());
        procs.add(spine(env, "apply", "-f", persona("right").toString()).redirectErrorStream(true).start());
        procs.add(spine(env, "reconcile", "--once").redirectErrorStream(true).start());
        for (Process p : procs) {
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isIn(0, 1); // reconcile --once may see the other apply unfinished
        }
        List<String> events = new ArrayList<>();
        Pattern lockLine = Pattern.compile("converger lock (acquired|released) holder=.* pid=(\\d+)");
        for (String line : Files.readAllLines(root.resolve("spine/spine.log"))) {
            Matcher m = lockLine.matcher(line);
            if (m.find()) events.add(m.group(1) + " " + m.group(2));
        }
        assertThat(events).hasSizeGreaterThanOrEqualTo(6);
        for (int i = 0; i < events.size(); i += 2) {
            assertThat(events.get(i)).as("event %d of %s", i, events).startsWith("acquired");
            assertThat(events.get(i + 1)).as("event %d of %s", i + 1, events)
                    .isEqualTo("released " + events.get(i).substring("acquired ".length()));
        }
        assertThat(Files.readString(root.resolve("spine/spine.log"))).doesNotContain("already in use");
        assertThat(podman.containers()).containsOnlyKeys("p__left", "p__right");
    }
}
