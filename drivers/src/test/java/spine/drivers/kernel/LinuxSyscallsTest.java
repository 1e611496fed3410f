package spine.drivers.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real system calls, each through the one {@code syscall(2)} downcall, checked against what the kernel reports
 * back: a mount in /proc/self/mountinfo, errno for calls that must fail before they change anything. The calls that
 * would change this machine (reboot, kexec, a realtime clock that is valid) are only driven to a kernel error here;
 * every VM boot powers off through reboot(2). setpriority, prctl and waitid have their own tests (SetPriorityTest,
 * ReaperIT). Needs root, as the build host's tests do.
 */
class LinuxSyscallsTest {
    private static final int ENOENT = 2, ECHILD = 10, EINVAL = 22;
    private final Syscalls sys = Syscalls.linux();

    @Test
    void uptimeIsTheKernelsBootClock() throws Exception {
        double proc = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertThat(sys.uptime()).isBetween(proc - 1, proc + 1);
    }

    @Test
    void mountsWhatItIsAskedToWithItsData(@TempDir Path dir) throws Exception {
        Syscalls.Result r = sys.mount("spine-test", dir.toString(), "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "size=1m,mode=0700");
        assertThat(r.ok()).as(r.toString()).isTrue();
        try {
            String line = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].equals(dir.toString())).findFirst().orElseThrow();
            assertThat(line).contains("nosuid", "nodev", " - tmpfs spine-test ", "size=1024k", "mode=700");
        } finally {
            assertThat(new ProcessBuilder("umount", dir.toString()).start().waitFor()).isZero();
        }
        assertThat(sys.mount("spine-test", dir.resolve("absent").toString(), "tmpfs", 0, null).errno()).isEqualTo(ENOENT);
    }

    @Test
    void callsThatOpenAFileReportTheOpensErrno() {
        assertThat(sys.finitModule("/nonexistent/m.ko", "").errno()).isEqualTo(ENOENT);
        assertThat(sys.kexecFileLoad("/nonexistent/vmlinuz", "/nonexistent/initrd", "quiet").errno()).isEqualTo(ENOENT);
        assertThat(sys.watchdogArm("/nonexistent/watchdog", 30).errno()).isEqualTo(ENOENT);
        assertThat(sys.watchdogDisarm("/nonexistent/watchdog").errno()).isEqualTo(ENOENT);
    }

    @Test
    void syncfsFlushesTheFilesystemOfADirectoryAndNamesWhatIsWrong(@TempDir Path dir) throws Exception {
        assertThat(sys.syncfs(dir.toString()).ok()).as(sys.syncfs(dir.toString()).toString()).isTrue();
        assertThat(sys.syncfs(dir.resolve("absent").toString()).errno()).isEqualTo(ENOENT);
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThat(sys.syncfs(file.toString()).errno()).isEqualTo(20); // ENOTDIR: it is given a directory
    }

    @Test
    void aModuleFileThatIsNotAModuleIsRefusedByTheKernel(@TempDir Path dir) throws Exception {
        Path notElf = Files.writeString(dir.resolve("m.ko"), "not a module");
        Syscalls.Result r = sys.finitModule(notElf.toString(), "");
        assertThat(r.ok()).isFalse();
        assertThat(r.errno()).as(r.toString()).isNotIn(0, ENOENT); // the open worked and the kernel read the file
    }

    @Test
    void entropyIsCreditedThroughUrandom() {
        Syscalls.Result r = sys.addEntropy(new byte[] {1, 2, 3, 4}, 0); // mixes four bytes in, credits nothing
        assertThat(r.ok()).as(r.toString()).isTrue();
    }

    @Test
    void aTimespecTheKernelRefusesLeavesTheClockAlone() {
        assertThat(sys.setRealtime(0, 1_000_000_000L).errno()).as("tv_nsec out of range").isEqualTo(EINVAL);
    }

    @Test
    void ioPriorityOfTheCallingThread() {
        Syscalls.Result r = sys.ioprioSet(Syscalls.IOPRIO_WHO_PROCESS, 0, Syscalls.IOPRIO_CLASS_BE << Syscalls.IOPRIO_CLASS_SHIFT | 4);
        assertThat(r.ok()).as(r.toString()).isTrue();
    }

    @Test
    void reapsAnExitedChildAndSaysWhenThereIsNone() throws Exception {
        assertThat(sys.reap(Integer.MAX_VALUE).errno()).as("not a child").isEqualTo(ECHILD);
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue(); // the JDK reaps it itself: no child left to reap
        assertThat(sys.reap((int) p.pid()).errno()).isEqualTo(ECHILD);
    }

    @Test
    void syncReturns() {
        sys.sync();
    }
}
