package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * {@code spine apply --try} with real podman and a real {@code spine run} (issue 12, Talos' try mode): a tried apply
 * is reverted by the converger at its deadline (the resource it made goes, the one it changed comes back), also when
 * the converger was restarted in between (a reboot); {@code --confirm} keeps it; without a converger it is refused.
 */
class ApplyTryIT {
    private static PodmanHarness podman;

    private Path root;
    private Process daemon;

    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
    }

    @BeforeEach
    void setUp() throws Exception {
        podman.reset();
        root = PodmanHarness.scratch("root");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() throws Exception {
        stopDaemon();
    }

    private ProcessBuilder spine(String... args) {
        return podman.spineProcess(root, args).redirectErrorStream(true);
    }

    private String run(int expectExit, String... args) throws Exception {
        Process p = spine(args).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + out).isEqualTo(expectExit);
        return out;
    }

    private void startDaemon() throws Exception {
        daemon = podman.startConverger(root);
    }

    private void stopDaemon() throws Exception {
        PodmanHarness.stopConverger(daemon);
    }

    private Path persona(String file, String name, String token) throws Exception {
        return Files.writeString(root.resolve(file), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://%s"}
                spec:
                  image: localhost/spine/busybox:1
                  command: ["sleep", "600"]
                  env: {TOKEN: "%s"}
                  state: running
                """.formatted(name, token));
    }

    private String token(String container) {
        var r = podman.podman("inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", container);
        return r.ok() ? r.stdout().lines().filter(l -> l.startsWith("TOKEN=")).findFirst().orElse("none") : "gone";
    }

    /** Polls until {@code container}'s TOKEN reads {@code want} ("gone" when it does not exist). */
    private void awaitToken(String container, String want) throws Exception {
        for (int i = 0; i < 300 && !token(container).equals(want); i++) Thread.sleep(100);
        assertThat(token(container)).as(container).isEqualTo(want);
    }

    @Test
    void aTriedApplyIsRevertedAtItsDeadlineAlsoAfterARestartAndConfirmKeepsIt() throws Exception {
        startDaemon();
        run(0, "apply", "-f", persona("work.yaml", "work", "a").toString());
        awaitToken("p__work", "TOKEN=a");

        // tried: work changed, extra made; no --confirm within 4 s
        String tried = run(0, "apply", "-f", persona("work.yaml", "work", "b").toString(), "-f", persona("extra.yaml", "extra", "x").toString(),
                "--try", "4s");
        assertThat(tried).contains("on trial until ").contains("spine apply --confirm keeps it");
        awaitToken("p__work", "TOKEN=b");
        awaitToken("p__extra", "TOKEN=x");
        awaitToken("p__extra", "gone");
        awaitToken("p__work", "TOKEN=a");
        assertThat(run(0, "history")).contains("p://extra").contains("delete");
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains("apply on trial reverted");

        // a second trial while the converger restarts in its window (a reboot): the first pass after the restart reverts it
        run(0, "apply", "-f", persona("work.yaml", "work", "c").toString(), "--try", "3s");
        awaitToken("p__work", "TOKEN=c");
        stopDaemon();
        Thread.sleep(3500);
        startDaemon();
        awaitToken("p__work", "TOKEN=a");

        // confirmed within its window: it stays past the deadline; a second confirm has nothing to keep
        long t0 = System.nanoTime();
        run(0, "apply", "-f", persona("work.yaml", "work", "d").toString(), "--try", "10s");
        assertThat(run(0, "apply", "--confirm")).startsWith("confirmed: the apply of ");
        Thread.sleep(Math.max(0, 11_000 - (System.nanoTime() - t0) / 1_000_000));
        run(0, "reconcile", "--once");
        assertThat(token("p__work")).isEqualTo("TOKEN=d");
        assertThat(run(2, "apply", "--confirm")).contains("no apply is on trial");

        // without a converger, --try is refused and nothing is stored
        stopDaemon();
        assertThat(run(3, "apply", "-f", persona("work.yaml", "work", "e").toString(), "--try", "5s"))
                .contains("--try needs a running converger");
        assertThat(run(0, "get", "persona", "p://work", "-o", "yaml")).contains("TOKEN: d");
    }
}
