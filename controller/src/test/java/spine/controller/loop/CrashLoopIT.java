package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * A persona whose command exits at once, on real podman and SQLite. Without a crash-loop back-off, {@code spine run}
 * restarted it about five times a second (306 podman calls in 30 s). Now: apply reports the truth and exits 1, the
 * daemon restarts it after 10 s and then 20 s, the back-off survives a restart of the daemon, and restart: never
 * keeps its container exited with the exit code shown.
 */
class CrashLoopIT {
    private static PodmanHarness podman;

    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
    }

    @AfterAll
    static void cleanUp() {
        podman.reset();
    }

    private static long starts(Path root, String container) throws Exception {
        return Files.readString(root.resolve("spine/spine.log")).lines()
                .filter(l -> l.contains("exec command starting") && l.contains("podman start " + container)).count();
    }

    private static JsonNode status(Path root, String name) throws Exception {
        PodmanHarness.Result r = podman.spine(root, "get", "persona", name, "-o", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        return new ObjectMapper().readTree(r.out()).get(0).path("status");
    }

    @Test
    void crashingPersonaBacksOffAcrossRestartsAndNeverStaysExited() throws Exception {
        Path root = PodmanHarness.scratch("crash");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path spec = Files.writeString(root.resolve("crash.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://crash"}
                spec: {image: localhost/spine/busybox:1, command: ["sh", "-c", "exit 3"], state: running}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://once"}
                spec: {image: localhost/spine/busybox:1, command: ["sh", "-c", "exit 3"], state: running, restart: never}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://fine"}
                spec: {image: localhost/spine/busybox:1, command: ["sleep", "600"], state: running}
                ---
                """);
        long t0 = System.nanoTime();
        PodmanHarness.Result apply = podman.spine(root, "apply", "-f", spec.toString());
        long applyMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(apply.exit()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("p://crash", "phase=crashloop exit=3 restarts=1")
                .contains("phase=exited exit=3").containsPattern("p://fine +created +phase=running");
        assertThat(applyMs).as("apply returns once the crash is known, not at its 120 s timeout").isLessThan(60_000);

        // the daemon for 25 s: the first restart waits 10 s after the exit, the second 20 s after that one
        Process run = podman.spineProcess(root, "run").redirectErrorStream(true).redirectOutput(root.resolve("run.out").toFile()).start();
        Thread.sleep(25_000);
        run.destroy();
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long restarts = starts(root, "p__crash");
        assertThat(restarts).as("restarts of p__crash in 25 s of spine run").isBetween(1L, 2L);
        assertThat(starts(root, "p__once")).as("restart: never").isZero();

        JsonNode crash = status(root, "p://crash");
        assertThat(crash.path("phase").asText()).isEqualTo("crashloop");
        assertThat(crash.path("lastExitCode").asInt()).isEqualTo(3);
        assertThat(crash.path("restarts").asInt()).isEqualTo(1 + (int) restarts);
        Instant next = Instant.parse(crash.path("nextTry").asText());
        assertThat(next).as("the back-off grows: the next try is in the future").isAfter(Instant.now());

        // a new converger (as after a reboot of bay0) keeps the back-off: no restart before the next try
        PodmanHarness.Result again = podman.spine(root, "reconcile", "--once");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(starts(root, "p__crash")).as("restarts after a new converger's pass").isEqualTo(restarts);
        assertThat(status(root, "p://crash").path("restarts").asInt()).isEqualTo(crash.path("restarts").asInt());

        JsonNode once = status(root, "p://once");
        assertThat(once.path("phase").asText()).isEqualTo("exited");
        assertThat(once.path("lastExitCode").asInt()).isEqualTo(3);
        assertThat(podman.containers().get("p__once")).endsWith(" exited");
        assertThat(podman.containers().get("p__fine")).endsWith(" running");
        PodmanHarness.Result table = podman.spine(root, "get");
        assertThat(table.out()).contains("p://crash is crash-looping: exited (code 3)", "p://once exited (code 3)");
    }
}
