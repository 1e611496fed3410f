package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.PodmanHarness;
import spine.controller.image.Candidate;
import spine.controller.image.ImageVerifyTest;
import spine.controller.image.Signing;

/**
 * Busy-locks with real podman: every persona gets a writable /run/spine-lock; while one holds updates.lock there,
 * {@code spine upgrade} waits out --wait and is refused naming it, --force goes on (and says so), and once the persona
 * lets go an upgrade passes without it.
 */
class BusyLockIT {
    private static final Path REPO = PodmanHarness.REPO;
    private static final Path KEYS = Path.of("src/test/resources/upgrade");
    private static PodmanHarness podman;

    @TempDir Path root;
    @TempDir Path dir;
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ALWAYS) Path run;

    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
    }

    @BeforeEach
    void clean() {
        podman.reset();
        podman.with("SPINE_RUN", run.toString());
    }

    private Path candidate(String name, String version) throws Exception {
        return spine.controller.image.Candidates.publish(dir, name, version);
    }

    private PodmanHarness.Result upgrade(Path manifest, String... more) {
        var argv = new java.util.ArrayList<>(java.util.List.of("upgrade", manifest.toString(), "--stage-only", "--trust", KEYS.toString(),
                "--contract", REPO.resolve("images/contract.yaml").toString(), "--running", "0.1.0"));
        argv.addAll(java.util.List.of(more));
        return podman.spine(root, argv.toArray(String[]::new));
    }

    @Test
    void aPersonaHoldingItsBusyLockVetoesAnUpgradeUntilForcedOrReleased() throws Exception {
        Path spec = Files.writeString(dir.resolve("work.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://work"}
                spec:
                  image: localhost/spine/busybox:1
                  command: ["sh", "-c", "touch /run/spine-lock/updates.lock; trap 'exit 0' TERM; while :; do sleep 1; done"]
                  state: running
                """);
        PodmanHarness.Result applied = podman.spine(root, "apply", "-f", spec.toString(), "--timeout", "90s");
        assertThat(applied.exit()).as(applied.toString()).isZero();
        Path lock = run.resolve("locks/p__work/updates.lock");
        for (int i = 0; i < 100 && !Files.exists(lock); i++) Thread.sleep(100);
        assertThat(lock).as("written inside the container, seen on the host").exists();

        long t0 = System.nanoTime();
        PodmanHarness.Result vetoed = upgrade(candidate("a", "0.2.0"), "--wait", "2s");
        assertThat(vetoed.exit()).as(vetoed.toString()).isEqualTo(ExitCode.PENDING);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("it waited out --wait").isGreaterThanOrEqualTo(2000);
        assertThat(vetoed.err()).startsWith("spine: refused (busy): p://work held /run/spine-lock/updates.lock for all of --wait 2s");
        assertThat(root.resolve("spine/slots")).doesNotExist();

        PodmanHarness.Result forced = upgrade(candidate("a", "0.2.0"), "--wait", "0s", "--force");
        assertThat(forced.exit()).as(forced.toString()).isZero();
        assertThat(forced.err()).contains("--force: going on although p://work hold their busy-lock");
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains("upgrade busy-locks overridden by --force");

        assertThat(podman.podman("exec", "p__work", "rm", "/run/spine-lock/updates.lock").ok()).isTrue();
        PodmanHarness.Result free = upgrade(candidate("b", "0.3.0"), "--wait", "0s");
        assertThat(free.exit()).as(free.toString()).isZero();
        assertThat(free.out()).contains("in slot B");
    }
}
