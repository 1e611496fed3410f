package spine.controller.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import spine.drivers.kernel.Syscalls;

/**
 * State sync runs at I/O priority best effort, level 0 (ioprio_set through java.lang.foreign): SQLite commits, the
 * genesis log and the clean-shutdown mark must not queue behind a persona's bulk writes. ioprio is per task and a new
 * thread or child inherits its creator's, so setting it on every task of the process once, early, covers the threads
 * that flush later; podman and its children inherit it too (their writes are the machine's state as well).
 */
public final class IoPriority {
    private static final System.Logger LOG = System.getLogger("state");
    public static final int BEST_EFFORT_0 = Syscalls.IOPRIO_CLASS_BE << Syscalls.IOPRIO_CLASS_SHIFT;

    private IoPriority() {}

    /** Sets best effort 0 on every task under {@code tasks} ({@code /proc/self/task}); returns how many took it. */
    public static int stateSync(Syscalls sys, Path tasks) {
        int ok = 0, failed = 0;
        Syscalls.Result last = null;
        try (DirectoryStream<Path> d = Files.newDirectoryStream(tasks)) {
            for (Path t : d) {
                int tid;
                try {
                    tid = Integer.parseInt(t.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                Syscalls.Result r = sys.ioprioSet(Syscalls.IOPRIO_WHO_PROCESS, tid, BEST_EFFORT_0);
                if (r.ok()) ok++;
                else {
                    failed++;
                    last = r;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "ioprio not set: cannot list {0}: {1}", tasks, e.getMessage());
            return 0;
        }
        LOG.log(failed == 0 ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "ioprio best-effort level 0 for state sync tasks={0} failed={1}{2}", ok, failed, last == null ? "" : " error=" + last);
        return ok;
    }
}
