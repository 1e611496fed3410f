package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import spine.drivers.exec.ChildProcesses;
import spine.drivers.exec.CommandResult;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/**
 * The reaper on real processes. This JVM becomes a child subreaper, so orphans re-parent to it exactly as
 * they would to PID 1; 200 double-forked orphans must leave no zombie within a second of exiting, while
 * commands the JVM runs at the same time keep their true exit codes.
 */
class ReaperIT {
    private final long self = ProcessHandle.current().pid();
    private final Kernel kernel = new Kernel(Path.of("/"));

    @Test
    void reapsOrphansButNeverStealsAnExitStatus() throws Exception {
        assertThat(Syscalls.linux().setSubreaper(true).ok()).isTrue();
        var children = new ChildProcesses();
        var reaper = new Reaper(Syscalls.linux(), children);
        Thread thread = reaper.start();
        var runner = new ProcessCommandRunner(Map.of(), children);
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<Future<CommandResult>> commands = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int code = i % 7;
                commands.add(pool.submit((Callable<CommandResult>) () ->
                        runner.run(List.of("sh", "-c", "sleep 0.0$((RANDOM % 5)); exit " + code), Duration.ofSeconds(30))));
            }
            // 200 double-forked orphans: each subshell exits at once, leaving its sleep to us
            CommandResult spawn = runner.run(List.of("sh", "-c", "for i in $(seq 200); do (sleep 0.3 &) ; done"), Duration.ofSeconds(60));
            assertThat(spawn.exit()).isZero();
            for (int i = 0; i < commands.size(); i++) {
                assertThat(commands.get(i).get().exit()).as("command %d keeps its exit code", i).isEqualTo(i % 7);
            }
        }
        Thread.sleep(300 + 1_000); // the orphans' sleep, then the one second they are allowed
        assertThat(kernel.zombieChildren(self)).as("zombie children of the subreaper").isEmpty();
        assertThat(reaper.reaped()).isGreaterThanOrEqualTo(200);
        // idle, it sleeps in waitid: no wake-ups without an exiting child (the old reaper scanned /proc 10 times a second)
        long before = reaper.wakeups();
        Thread.sleep(1_000);
        assertThat(reaper.wakeups()).as("wake-ups of an idle reaper in 1 s").isEqualTo(before);
        thread.interrupt();
        new ProcessBuilder("true").start().waitFor(); // an exit wakes it to see the interrupt
        thread.join(2_000);
        assertThat(thread.isAlive()).isFalse();
        Syscalls.linux().setSubreaper(false);
    }

    @Test
    void peeksWithoutReaping() throws Exception {
        Process p = new ProcessBuilder("true").start();
        int pid = (int) p.pid();
        // The JDK reaps its own child; until it has, a peek reports exit without taking the status.
        assertThat(p.waitFor()).isZero();
        assertThat(Syscalls.linux().hasExited(pid)).isFalse(); // already collected by the JDK: nothing to peek
    }
}
