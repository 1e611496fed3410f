package spine.drivers.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.drivers.podman.PodmanDriver;

class ProcessCommandRunnerTest {
    private final ProcessCommandRunner runner = new ProcessCommandRunner(Map.of());

    @Test
    void capturesOutputAndExitCode() {
        CommandResult r = runner.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10));
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.timedOut()).isFalse();
        assertThat(r.summary()).isEqualTo("err");
    }

    @Test
    void missingBinaryIsAResultNotAnException() {
        CommandResult r = runner.run(List.of("/nonexistent/podman", "ps"), Duration.ofSeconds(5));
        assertThat(r.exit()).isEqualTo(127);
        assertThat(r.ok()).isFalse();
    }

    /** A podman that hangs, even one whose child keeps the pipes open, cannot hang Spine past its timeout. */
    @Test
    void hungPodmanIsKilledAtItsTimeout(@TempDir Path dir) throws IOException {
        Path fake = dir.resolve("podman");
        Files.writeString(fake, "#!/bin/sh\necho starting >&2\nsleep 300 &\nsleep 300\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        var timeouts = new PodmanDriver.Timeouts(Duration.ofMillis(700), Duration.ofMillis(700), Duration.ofMillis(700),
                Duration.ofMillis(700));
        var driver = new PodmanDriver(runner, List.of(fake.toString()), timeouts);
        long start = System.nanoTime();
        spine.drivers.ContainerRuntime.Observation o = driver.observe();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).startsWith("podman ps failed: timed out after");
        // the timeout, plus at most the bounded drain of the killed tree's pipes
        assertThat(took).isLessThan(Duration.ofMillis(700 + 2_000 + 1_000));
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(fake.toString())))
                .as("the fake podman was killed").isEmpty();
    }

    /** A fed process reads what the feeder wrote and its end; one the feeder aborts is killed before the end. */
    @Test
    void aFedProcessSeesItsEndOnlyWhenTheFeederEndsIt() {
        byte[] block = new byte[100_000];
        CommandResult whole = runner.feed(List.of("sh", "-c", "wc -c"), Duration.ofSeconds(10), stdin -> {
            stdin.write(block);
            return true;
        });
        assertThat(whole.ok()).isTrue();
        assertThat(whole.stdout().strip()).isEqualTo("100000");

        // an abort, after most of the input: the reader never gets to its end, so it never says it did
        CommandResult cut = runner.feed(List.of("sh", "-c", "cat > /dev/null; echo reached-the-end"), Duration.ofSeconds(10), stdin -> {
            stdin.write(block);
            stdin.flush();
            return false;
        });
        assertThat(cut.aborted()).isTrue();
        assertThat(cut.ok()).isFalse();
        assertThat(cut.stdout()).doesNotContain("reached-the-end");
        assertThat(cut.stderr()).startsWith("aborted before its input ended: the caller ended it");

        // a feeder that throws is an abort too, with its reason
        CommandResult thrown = runner.feed(List.of("sh", "-c", "cat > /dev/null; echo reached-the-end"), Duration.ofSeconds(10), stdin -> {
            throw new java.io.IOException("disk read failed");
        });
        assertThat(thrown.aborted()).isTrue();
        assertThat(thrown.stdout()).doesNotContain("reached-the-end");
        assertThat(thrown.stderr()).contains("disk read failed");
    }
}
