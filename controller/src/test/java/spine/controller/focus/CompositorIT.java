package spine.controller.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import spine.drivers.sway.SwayProcess;
import spine.drivers.sway.SwayDriver;
import spine.drivers.sway.SwaySocket;
import spine.model.StepResult;
import spine.model.focus.Screen;

/**
 * The compositor driver against a real sway 1.7 (headless, pixman) run as an unprivileged uid, as bay0 runs it:
 * ready only when both sockets are served by the process it spawned; a socket planted by another process is refused
 * with both pids; a SIGTERM that sway ignores while starting is followed by SIGKILL.
 */
class CompositorIT {
    private static final int UID = 61999;
    private Path dir;
    private SwayProcess sway;

    @BeforeEach
    void setUp() throws IOException {
        assertThat(Path.of("/usr/bin/sway")).as("sway (scripts/host-setup.sh installs it)").isExecutable();
        Path parent = Files.createTempDirectory(Path.of("/tmp"), "sway");
        // as /run/spine: the compositor's uid must be able to reach its own directory
        Files.setPosixFilePermissions(parent, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        dir = parent.resolve("compositor");
    }

    @AfterEach
    void tearDown() {
        if (sway != null) sway.stop(Duration.ofSeconds(1));
    }

    private SwayProcess.Launch launch(List<String> argv) {
        return new SwayProcess.Launch(SwayProcess.Launch.dropTo(UID, Optional.empty()), argv, dir, UID, SwayProcess.Launch.headless());
    }

    @Test
    void readyWhenSwayServesBothSocketsThenDrivable() throws IOException {
        sway = SwayProcess.spawn(launch(List.of("/usr/bin/sway", "-c", "/dev/null")), new spine.drivers.exec.ProcessCommandRunner(java.util.Map.of()));
        long t0 = System.nanoTime();
        SwayProcess.Readiness r = sway.await(Duration.ofSeconds(20));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r).as("readiness after " + ms + " ms").isEqualTo(new SwayProcess.Readiness.Ready(sway.pid(), "1.7"));
        System.out.println("sway ready " + ms + " ms after spawn"); // BENCHMARKS quotes it
        assertThat(Files.getAttribute(dir, "unix:mode")).isEqualTo(040700);
        assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(UID);

        try (SwaySocket ipc = SwaySocket.connect(sway.ipc(), Duration.ofSeconds(5))) {
            assertThat(ipc.peerPid()).isEqualTo(sway.pid());
            var driver = new SwayDriver(ipc);
            assertThat(driver.command("workspace \"p://work\"")).isInstanceOf(StepResult.Ok.class);
            Screen s = driver.observe();
            assertThat(s.visibleWorkspace()).contains("p://work");
            assertThat(s.windows()).isEmpty();
            assertThat(driver.command("[con_mark=\"p://nobody\"] focus")).isInstanceOf(StepResult.Failed.class);
        }
    }

    @Test
    void aSocketServedByAnotherProcessIsRefusedAndWaitedOut() throws Exception {
        // "sway" that serves nothing; the test plants a Wayland socket of its own where sway's would be
        sway = SwayProcess.spawn(launch(List.of("/bin/sleep", "30")), new spine.drivers.exec.ProcessCommandRunner(java.util.Map.of()));
        try (AFUNIXServerSocket planted = AFUNIXServerSocket.newInstance()) {
            planted.bind(AFUNIXSocketAddress.of(sway.wayland()));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) planted.accept().close();
                } catch (IOException e) {
                    // closed
                }
            });
            SwayProcess.Readiness r = sway.await(Duration.ofMillis(500));
            assertThat(r).isInstanceOfSatisfying(SwayProcess.Readiness.Refused.class, x -> assertThat(x.why())
                    .contains("served by pid " + ProcessHandle.current().pid()).contains("not by the compositor bay0 spawned"));
            assertThat(sway.alive()).isTrue();
        }
        assertThat(SwayProcess.served(sway.wayland(), sway.pid())).isInstanceOf(SwayProcess.Readiness.Waiting.class);
    }

    @Test
    void aSigtermThatIsIgnoredIsFollowedBySigkill() throws IOException {
        // as sway does before it finished starting: a compositor that ignores SIGTERM
        sway = SwayProcess.spawn(launch(List.of("/bin/sh", "-c", "trap '' TERM; touch \"$XDG_RUNTIME_DIR/trapped\"; while :; do sleep 1; done")), new spine.drivers.exec.ProcessCommandRunner(java.util.Map.of()));
        // stop only once the trap is set: a SIGTERM before it would kill the shell at once and prove nothing
        for (int i = 0; i < 200 && !Files.exists(dir.resolve("trapped")); i++) sleep(25);
        assertThat(dir.resolve("trapped")).exists();
        long t0 = System.nanoTime();
        sway.stop(Duration.ofMillis(500));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(sway.alive()).isFalse();
        assertThat(ms).as("stop took ms").isBetween(450L, 6_000L);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
