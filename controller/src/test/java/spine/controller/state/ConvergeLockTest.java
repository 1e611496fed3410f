package spine.controller.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who holds the converge lock is read from /proc/locks, never by taking the lock. */
class ConvergeLockTest {
    private static final Path LOCKS = Path.of("/proc/locks");

    @TempDir
    Path dir;

    @Test
    void theHolderIsNamedWhileItHoldsTheLockAndNobodyAfter() throws StateException {
        var root = new SpineRoot(dir);
        assertThat(ConvergeLock.holder(root, LOCKS)).as("no lock file yet").isEmpty();
        try (ConvergeLock held = ConvergeLock.tryAcquire(root, "test converger").orElseThrow()) {
            assertThat(ConvergeLock.holder(root, LOCKS)).isEqualTo(OptionalLong.of(ProcessHandle.current().pid()));
        }
        assertThat(ConvergeLock.holder(root, LOCKS)).isEmpty();
    }

    @Test
    void aProbeNeitherTakesTheLockNorRewritesTheHoldersLine() throws StateException, IOException {
        var root = new SpineRoot(dir);
        ConvergeLock.tryAcquire(root, "spine run").orElseThrow().close();
        String line = Files.readString(root.lockFile());
        assertThat(ConvergeLock.holder(root, LOCKS)).isEmpty();
        assertThat(Files.readString(root.lockFile())).isEqualTo(line);
    }

    @Test
    void aWaitersLineIsNotTheHolderAndAnUnreadableListCountsAsFree() throws StateException, IOException {
        var root = new SpineRoot(dir);
        ConvergeLock.tryAcquire(root, "spine run").orElseThrow().close();
        long dev = (Long) Files.getAttribute(root.lockFile(), "unix:dev"), ino = (Long) Files.getAttribute(root.lockFile(), "unix:ino");
        String id = String.format("%02x:%02x:%d", (dev >>> 8) & 0xfff, dev & 0xff, ino);
        Path recorded = dir.resolve("locks");
        Files.writeString(recorded, "1: POSIX  ADVISORY  WRITE 4242 " + id + " 0 EOF\n1: -> POSIX  ADVISORY  WRITE 4343 " + id + " 0 EOF\n"
                + "2: FLOCK  ADVISORY  WRITE 99 fe:00:1 0 EOF\n");
        assertThat(ConvergeLock.holder(root, recorded)).isEqualTo(OptionalLong.of(4242));
        Files.writeString(recorded, "1: -> POSIX  ADVISORY  WRITE 4343 " + id + " 0 EOF\n");
        assertThat(ConvergeLock.holder(root, recorded)).isEmpty();
        assertThat(ConvergeLock.holder(root, dir.resolve("missing"))).isEmpty();
    }
}
