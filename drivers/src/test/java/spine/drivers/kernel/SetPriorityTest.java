package spine.drivers.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** setpriority(2) through java.lang.foreign, read back from the kernel's own /proc/PID/stat. */
class SetPriorityTest {
    /** Field 19 of /proc/PID/stat, after the command name in parentheses. */
    private static int nice(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }

    @Test
    void setsTheNiceValueOfAnotherTask() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(nice(p.pid())).isZero();
            Syscalls.Result r = Syscalls.linux().setPriority((int) p.pid(), 7); // lowering priority needs no privilege
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(nice(p.pid())).isEqualTo(7);
            assertThat(Syscalls.linux().setPriority(Integer.MAX_VALUE, 7).errno()).as("no such task").isEqualTo(3); // ESRCH
        } finally {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
