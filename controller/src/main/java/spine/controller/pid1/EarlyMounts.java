package spine.controller.pid1;

import java.io.IOException;

import spine.drivers.kernel.Syscalls;

/** The kernel filesystems PID 1 mounts before anything else: /proc first, then sysfs, /dev, /run, /tmp and cgroup2. */
final class EarlyMounts {
    private static final System.Logger LOG = System.getLogger("bay0");
    private static final int EBUSY = 16;

    private final BootContext boot;

    EarlyMounts(BootContext boot) {
        this.boot = boot;
    }

    /** /proc alone: oom_score_adj and the command line need it before anything else happens. */
    void proc() {
        mount("proc", "/proc", "proc", Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC, null);
    }

    void rest() {
        mount("sysfs", "/sys", "sysfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC, null);
        mount("devtmpfs", "/dev", "devtmpfs", Syscalls.MS_NOSUID, "mode=0755");
        mount("devpts", "/dev/pts", "devpts", Syscalls.MS_NOSUID | Syscalls.MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666");
        mount("tmpfs", "/dev/shm", "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=1777"); // podman's shm locks
        mount("tmpfs", "/run", "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=0755");
        mount("tmpfs", "/tmp", "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=1777");
        mount("cgroup2", "/sys/fs/cgroup", "cgroup2", Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC, null);
    }

    private void mount(String source, String target, String type, long flags, String data) {
        try {
            boot.kernel().mkdirs(target);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "mkdir failed path={0} error=\"{1}\"", target, e.getMessage());
        }
        Syscalls.Result r = boot.sys().mount(source, target, type, flags, data);
        if (!r.ok() && r.errno() != EBUSY) boot.genesis().line("mount " + type + " on " + target + " failed: " + r);
    }
}
