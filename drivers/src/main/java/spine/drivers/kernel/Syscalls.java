package spine.drivers.kernel;

/**
 * Every system call Spine makes, behind one interface: {@link #linux()} is the real one (java.lang.foreign and
 * libc), and a unit test boots bay0 against a fake. Each call returns a {@link Result} carrying errno; none throws
 * for a failed call.
 */
public interface Syscalls {
    /** A call's return value and, when it failed, errno. */
    record Result(long value, int errno) {
        public boolean ok() { return value >= 0; }

        @Override
        public String toString() {
            return ok() ? "ok(" + value + ")" : "errno " + errno + " (" + Errno.name(errno) + ")";
        }
    }

    long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384;
    int RB_AUTOBOOT = 0x01234567, RB_HALT_SYSTEM = 0xcdef0123, RB_POWER_OFF = 0x4321fedc, RB_KEXEC = 0x45584543;
    int WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000;
    int IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_SHIFT = 13;
    /** The nice value of the UI path: the focus thread and the compositor (docs/OPERATIONS.md). */
    int UI_NICE = -10;

    static Syscalls linux() {
        return LinuxSyscalls.INSTANCE;
    }

    /** mount(2). {@code data} may be null. */
    Result mount(String source, String target, String fstype, long flags, String data);

    /**
     * Arms the hardware watchdog {@code device} (e.g. /dev/watchdog): opens it (which starts it), sets its timeout to
     * {@code seconds} (WDIOC_SETTIMEOUT), pings it and closes it without the magic character, so it keeps counting
     * with nobody feeding it: unless someone arms it again or disarms it within the timeout, the machine resets.
     * Returns the timeout the driver took.
     */
    Result watchdogArm(String device, int seconds);

    /** Stops the hardware watchdog {@code device}: opens it and closes it with the magic character 'V'. */
    Result watchdogDisarm(String device);

    /** Loads a kernel module from a file with finit_module(2). */
    Result finitModule(String path, String params);

    /**
     * kexec_file_load(2): loads {@code kernel} and {@code initrd} with {@code cmdline} as the kernel to boot at the next
     * reboot(2) with RB_KEXEC. Loads only; nothing happens until that call.
     */
    Result kexecFileLoad(String kernel, String initrd, String cmdline);

    /** reboot(2) with RB_POWER_OFF, RB_AUTOBOOT, RB_HALT_SYSTEM or RB_KEXEC; returns only on failure. */
    Result reboot(int how);

    void sync();

    /**
     * syncfs(2) of the filesystem holding {@code path} (opened O_RDONLY|O_DIRECTORY for the call): what a placement
     * of an image waits for before it marks the image placed, since podman writes its layers without fsync.
     */
    Result syncfs(String path);

    /**
     * ioprio_set(2): {@code ioprio_set(IOPRIO_WHO_PROCESS, tid, IOPRIO_CLASS_BE << 13 | 0)} puts one task in best
     * effort, level 0, the highest I/O priority short of realtime. {@code who} 0 is the calling thread.
     */
    Result ioprioSet(int which, int who, int ioprio);

    /**
     * setpriority(2) with PRIO_PROCESS for one task: on Linux the nice value is per thread, so {@code tid} is a thread
     * id (a process's pid names its main thread) and 0 the calling thread. Raising priority needs CAP_SYS_NICE.
     */
    Result setPriority(int tid, int nice);

    /** Peeks whether child {@code pid} has exited, without reaping it: waitid(P_PID, pid, WEXITED|WNOHANG|WNOWAIT). */
    boolean hasExited(int pid);

    /**
     * Blocks until some child has exited, and returns its pid without reaping it: waitid(P_ALL, 0, WEXITED|WNOWAIT).
     * Fails with ECHILD (10) at once when there is no child at all.
     */
    Result waitAnyExited();

    /** Reaps child {@code pid} if it has exited: waitpid(pid, &status, WNOHANG). Returns the pid, 0, or an error. */
    Result reap(int pid);

    /** Makes this process adopt orphaned descendants, as PID 1 does (used where Spine is not PID 1, such as tests). */
    Result setSubreaper(boolean on);

    /** Credits {@code seed} to the kernel's entropy pool: ioctl(RNDADDENTROPY) on /dev/urandom. */
    Result addEntropy(byte[] seed, int entropyBits);

    /** Sets CLOCK_REALTIME. */
    Result setRealtime(long epochSeconds, long nanos);

    /** Seconds since boot (CLOCK_BOOTTIME): works before /proc is mounted, unlike /proc/uptime. */
    double uptime();

    /**
     * The project id of a directory or regular file (ioctl FS_IOC_FSGETXATTR; the id is the result's value). Opened
     * O_NOFOLLOW|O_NONBLOCK, so a link fails (ELOOP) and a fifo does not block.
     */
    Result projectOf(String path);

    /**
     * Puts a directory or regular file in project {@code project} (ioctl FS_IOC_FSSETXATTR), a directory with the
     * inherit flag, so what is made in it later is in the project too. EOPNOTSUPP on a filesystem without projects.
     */
    Result setProject(String path, int project);

    /**
     * The block hard limit of {@code project} on the filesystem holding {@code path}, in bytes (0: none), with
     * quotactl_fd(Q_SETQUOTA, PRJQUOTA). ESRCH when project quotas are off there.
     */
    Result setProjectLimit(String path, int project, long bytes);

    /** The bytes {@code project} holds on the filesystem holding {@code path} (quotactl_fd Q_GETQUOTA, PRJQUOTA). */
    Result projectBytes(String path, int project);
}
