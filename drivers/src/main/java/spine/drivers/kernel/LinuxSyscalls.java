package spine.drivers.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls, made through java.lang.foreign: the only class that calls native code. Each returns a result
 * value carrying errno; none throws for a failed call.
 *
 * <p>Every call goes through one downcall, libc's {@code syscall(2)} with the x86_64 call numbers and six long
 * arguments (pointers as addresses), made on the first call. A downcall handle costs its own specialised classes:
 * the seventeen the libc wrappers took cost bay0 about a second at boot under emulation, before its first line; the
 * one takes 0.28 s there, made on a thread of its own as bay0 starts (docs/BENCHMARKS.md, "Boot speed, fifth part").
 */
final class LinuxSyscalls implements Syscalls {
    static final LinuxSyscalls INSTANCE = new LinuxSyscalls();
    private static final int O_RDONLY = 0, O_WRONLY = 1, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
            O_CLOEXEC = 0x80000;
    /** x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    private static final long SYS_WRITE = 1, SYS_OPEN = 2, SYS_CLOSE = 3, SYS_IOCTL = 16, SYS_WAIT4 = 61,
            SYS_SETPRIORITY = 141, SYS_PRCTL = 157, SYS_SYNC = 162, SYS_MOUNT = 165, SYS_REBOOT = 169,
            SYS_CLOCK_SETTIME = 227, SYS_CLOCK_GETTIME = 228, SYS_WAITID = 247, SYS_IOPRIO_SET = 251,
            SYS_SYNCFS = 306, SYS_FINIT_MODULE = 313, SYS_KEXEC_FILE_LOAD = 320, SYS_QUOTACTL_FD = 443;
    /** reboot(2)'s magic numbers, which libc's wrapper passes and the raw call needs. */
    private static final long REBOOT_MAGIC1 = 0xfee1deadL, REBOOT_MAGIC2 = 672274793L;
    private static final int PRIO_PROCESS = 0;
    private static final int P_ALL = 0, P_PID = 1;
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final long RNDADDENTROPY = 0x40085203L;
    /** linux/watchdog.h: _IOWR('W', 6, int) and _IOR('W', 5, int). */
    private static final long WDIOC_SETTIMEOUT = 0xC0045706L, WDIOC_KEEPALIVE = 0x80045705L;
    private static final int CLOCK_BOOTTIME = 7;
    /** linux/fs.h: _IOR('X', 31, struct fsxattr) and _IOW('X', 32, ...), the 28-byte struct; the inherit flag. */
    private static final long FS_IOC_FSGETXATTR = 0x801c581fL, FS_IOC_FSSETXATTR = 0x401c5820L;
    private static final int FSXATTR_SIZE = 28, FSX_XFLAGS = 0, FSX_PROJID = 12, FS_XFLAG_PROJINHERIT = 0x200;
    /** linux/quota.h: QCMD(Q_SETQUOTA or Q_GETQUOTA, PRJQUOTA); struct if_dqblk (72 bytes) and its fields. */
    private static final long Q_SETQUOTA_PRJ = (0x800008L << 8) | 2, Q_GETQUOTA_PRJ = (0x800007L << 8) | 2;
    private static final int DQBLK_SIZE = 72, DQB_BHARDLIMIT = 0, DQB_CURSPACE = 16, DQB_VALID = 64, QIF_BLIMITS = 1;

    private LinuxSyscalls() {}

    /** The downcall, made when the first call needs it (class initialisation is lazy and thread safe). */
    private static final class Downcall {
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle SYSCALL = syscall();

        private static MethodHandle syscall() {
            if (!"amd64".equals(System.getProperty("os.arch"))) {
                throw new IllegalStateException("system call numbers are x86_64's; this JVM runs on " + System.getProperty("os.arch"));
            }
            Linker linker = Linker.nativeLinker();
            MemorySegment fn = linker.defaultLookup().find("syscall").orElseThrow(() -> new IllegalStateException("libc lacks syscall"));
            return linker.downcallHandle(fn, FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
        }
    }

    /** One system call's frame: the arena for its arguments and the captured errno. */
    private static final class Call implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        final MemorySegment state = arena.allocate(Downcall.CAPTURE);

        long invoke(long nr, long a1, long a2, long a3, long a4, long a5) {
            try {
                return (long) Downcall.SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("system call " + nr + " downcall failed", t);
            }
        }

        long invoke(long nr, long a1, long a2, long a3) {
            return invoke(nr, a1, a2, a3, 0L, 0L);
        }

        /** {@code r} with errno when it failed. */
        Result result(long r) {
            return new Result(r, r < 0 ? errno() : 0);
        }

        int errno() {
            return (int) Downcall.ERRNO.get(state, 0L);
        }

        /** A NUL-terminated copy of {@code s}, or 0 for null. */
        long cstr(String s) {
            return s == null ? 0L : arena.allocateFrom(s).address();
        }

        long open(String path, int flags) {
            return invoke(SYS_OPEN, cstr(path), flags, 0L);
        }

        /** open(2) of {@code path}, {@code body} with the descriptor, close(2): the body's result, or open's error. */
        Result withFd(String path, int flags, java.util.function.LongFunction<Result> body) {
            long fd = open(path, flags);
            if (fd < 0) return result(fd);
            try {
                return body.apply(fd);
            } finally {
                closeFd(fd);
            }
        }

        /** close(2), its result ignored: for a descriptor this call opened and is done with. */
        void closeFd(long fd) {
            invoke(SYS_CLOSE, fd, 0L, 0L);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** mount(2). {@code data} may be null. */
    @Override
    public Result mount(String source, String target, String fstype, long flags, String data) {
        try (Call c = new Call()) {
            return c.result(c.invoke(SYS_MOUNT, c.cstr(source), c.cstr(target), c.cstr(fstype), flags, c.cstr(data)));
        }
    }

    @Override
    public Result ioprioSet(int which, int who, int ioprio) {
        try (Call c = new Call()) {
            return c.result(c.invoke(SYS_IOPRIO_SET, which, who, ioprio));
        }
    }

    @Override
    public Result setPriority(int tid, int nice) {
        try (Call c = new Call()) {
            return c.result(c.invoke(SYS_SETPRIORITY, PRIO_PROCESS, tid, nice));
        }
    }

    /** Loads a kernel module from a file with finit_module(2). */
    @Override
    public Result finitModule(String path, String params) {
        try (Call c = new Call()) {
            long fd = c.open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) return c.result(fd);
            try {
                return c.result(c.invoke(SYS_FINIT_MODULE, fd, c.cstr(params), 0L));
            } finally {
                c.closeFd(fd);
            }
        }
    }

    @Override
    public Result watchdogArm(String device, int seconds) {
        try (Call c = new Call()) {
            long fd = c.open(device, O_WRONLY | O_CLOEXEC);
            if (fd < 0) return c.result(fd);
            try {
                MemorySegment timeout = c.arena.allocate(JAVA_INT);
                timeout.set(JAVA_INT, 0, seconds);
                long r = c.invoke(SYS_IOCTL, fd, WDIOC_SETTIMEOUT, timeout.address());
                if (r < 0) return c.result(r);
                c.invoke(SYS_IOCTL, fd, WDIOC_KEEPALIVE, c.arena.allocate(JAVA_INT).address());
                return new Result(timeout.get(JAVA_INT, 0), 0);
            } finally {
                c.closeFd(fd); // no 'V': the watchdog keeps counting
            }
        }
    }

    @Override
    public Result watchdogDisarm(String device) {
        try (Call c = new Call()) {
            long fd = c.open(device, O_WRONLY | O_CLOEXEC);
            if (fd < 0) return c.result(fd);
            Result written = c.result(c.invoke(SYS_WRITE, fd, c.cstr("V"), 1L)); // errno read before close may change it
            long closed = c.invoke(SYS_CLOSE, fd, 0L, 0L);
            if (closed < 0) return c.result(closed);
            return written.ok() ? new Result(0, 0) : written;
        }
    }

    @Override
    public Result kexecFileLoad(String kernel, String initrd, String cmdline) {
        try (Call c = new Call()) {
            long kfd = c.open(kernel, O_RDONLY | O_CLOEXEC);
            if (kfd < 0) return c.result(kfd);
            try {
                long ifd = c.open(initrd, O_RDONLY | O_CLOEXEC);
                if (ifd < 0) return c.result(ifd);
                try {
                    MemorySegment line = c.arena.allocateFrom(cmdline); // NUL-terminated; the length counts the NUL
                    return c.result(c.invoke(SYS_KEXEC_FILE_LOAD, kfd, ifd, line.byteSize(), line.address(), 0L));
                } finally {
                    c.closeFd(ifd);
                }
            } finally {
                c.closeFd(kfd);
            }
        }
    }

    /** reboot(2) with RB_POWER_OFF, RB_AUTOBOOT, RB_HALT_SYSTEM or RB_KEXEC; returns only on failure. */
    @Override
    public Result reboot(int how) {
        try (Call c = new Call()) {
            return c.result(c.invoke(SYS_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, how & 0xffffffffL));
        }
    }

    @Override
    public void sync() {
        try (Call c = new Call()) {
            c.invoke(SYS_SYNC, 0L, 0L, 0L);
        }
    }

    @Override
    public Result syncfs(String path) {
        try (Call c = new Call()) {
            long fd = c.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) return c.result(fd);
            try {
                return c.result(c.invoke(SYS_SYNCFS, fd, 0L, 0L));
            } finally {
                c.closeFd(fd);
            }
        }
    }

    /** Peeks whether child {@code pid} has exited, without reaping it: waitid(P_PID, pid, WEXITED|WNOHANG|WNOWAIT). */
    @Override
    public boolean hasExited(int pid) {
        try (Call c = new Call()) {
            MemorySegment info = c.arena.allocate(128); // siginfo_t; si_pid at offset 16, 0 while the child runs
            long r = c.invoke(SYS_WAITID, P_PID, pid, info.address(), WEXITED | WNOHANG | WNOWAIT, 0L);
            return r == 0 && info.get(JAVA_INT, 16) == pid;
        }
    }

    /** Blocks until some child has exited and returns its pid, not reaping it: waitid(P_ALL, 0, WEXITED|WNOWAIT). */
    @Override
    public Result waitAnyExited() {
        try (Call c = new Call()) {
            MemorySegment info = c.arena.allocate(128); // siginfo_t; si_pid at offset 16
            long r = c.invoke(SYS_WAITID, P_ALL, 0L, info.address(), WEXITED | WNOWAIT, 0L);
            return r < 0 ? c.result(r) : new Result(info.get(JAVA_INT, 16), 0);
        }
    }

    /** Reaps child {@code pid} if it has exited: wait4(pid, &status, WNOHANG, NULL). Returns the pid, 0, or an error. */
    @Override
    public Result reap(int pid) {
        try (Call c = new Call()) {
            MemorySegment status = c.arena.allocate(JAVA_INT);
            return c.result(c.invoke(SYS_WAIT4, pid, status.address(), WNOHANG));
        }
    }

    /** Makes this process adopt orphaned descendants, as PID 1 does (used where Spine is not PID 1, such as tests). */
    @Override
    public Result setSubreaper(boolean on) {
        try (Call c = new Call()) {
            return c.result(c.invoke(SYS_PRCTL, PR_SET_CHILD_SUBREAPER, on ? 1L : 0L, 0L));
        }
    }

    /** Credits {@code seed} to the kernel's entropy pool: ioctl(RNDADDENTROPY) on /dev/urandom. */
    @Override
    public Result addEntropy(byte[] seed, int entropyBits) {
        try (Call c = new Call()) {
            long fd = c.open("/dev/urandom", O_WRONLY | O_CLOEXEC);
            if (fd < 0) return c.result(fd);
            try {
                MemorySegment info = c.arena.allocate(8L + seed.length);
                info.set(JAVA_INT, 0, entropyBits);
                info.set(JAVA_INT, 4, seed.length);
                MemorySegment.copy(MemorySegment.ofArray(seed), 0, info, 8, seed.length);
                return c.result(c.invoke(SYS_IOCTL, fd, RNDADDENTROPY, info.address()));
            } finally {
                c.closeFd(fd);
            }
        }
    }

    /** Sets CLOCK_REALTIME. */
    @Override
    public Result setRealtime(long epochSeconds, long nanos) {
        try (Call c = new Call()) {
            MemorySegment ts = c.arena.allocate(16);
            ts.set(JAVA_LONG, 0, epochSeconds);
            ts.set(JAVA_LONG, 8, nanos);
            return c.result(c.invoke(SYS_CLOCK_SETTIME, 0L, ts.address(), 0L));
        }
    }

    @Override
    public Result projectOf(String path) {
        try (Call c = new Call()) {
            return c.withFd(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, fd -> {
                MemorySegment x = c.arena.allocate(FSXATTR_SIZE);
                long r = c.invoke(SYS_IOCTL, fd, FS_IOC_FSGETXATTR, x.address());
                return r < 0 ? c.result(r) : new Result(Integer.toUnsignedLong(x.get(JAVA_INT, FSX_PROJID)), 0);
            });
        }
    }

    @Override
    public Result setProject(String path, int project) {
        boolean dir = java.nio.file.Files.isDirectory(java.nio.file.Path.of(path), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        try (Call c = new Call()) {
            return c.withFd(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, fd -> {
                MemorySegment x = c.arena.allocate(FSXATTR_SIZE);
                long r = c.invoke(SYS_IOCTL, fd, FS_IOC_FSGETXATTR, x.address());
                if (r < 0) return c.result(r);
                x.set(JAVA_INT, FSX_PROJID, project);
                if (dir) x.set(JAVA_INT, FSX_XFLAGS, x.get(JAVA_INT, FSX_XFLAGS) | FS_XFLAG_PROJINHERIT);
                return c.result(c.invoke(SYS_IOCTL, fd, FS_IOC_FSSETXATTR, x.address()));
            });
        }
    }

    @Override
    public Result setProjectLimit(String path, int project, long bytes) {
        try (Call c = new Call()) {
            MemorySegment q = c.arena.allocate(DQBLK_SIZE);
            q.set(JAVA_LONG, DQB_BHARDLIMIT, Math.ceilDiv(bytes, 1024L)); // QIF_DQBLKSIZE: 1 KiB blocks
            q.set(JAVA_INT, DQB_VALID, QIF_BLIMITS);
            return c.withFd(path, O_RDONLY | O_CLOEXEC,
                    fd -> c.result(c.invoke(SYS_QUOTACTL_FD, fd, Q_SETQUOTA_PRJ, Integer.toUnsignedLong(project), q.address(), 0L)));
        }
    }

    @Override
    public Result projectBytes(String path, int project) {
        try (Call c = new Call()) {
            MemorySegment q = c.arena.allocate(DQBLK_SIZE);
            return c.withFd(path, O_RDONLY | O_CLOEXEC, fd -> {
                long r = c.invoke(SYS_QUOTACTL_FD, fd, Q_GETQUOTA_PRJ, Integer.toUnsignedLong(project), q.address(), 0L);
                return r < 0 ? c.result(r) : new Result(q.get(JAVA_LONG, DQB_CURSPACE), 0);
            });
        }
    }

    /** Seconds since boot (CLOCK_BOOTTIME): works before /proc is mounted, unlike /proc/uptime. */
    @Override
    public double uptime() {
        try (Call c = new Call()) {
            MemorySegment ts = c.arena.allocate(16);
            long r = c.invoke(SYS_CLOCK_GETTIME, CLOCK_BOOTTIME, ts.address(), 0L);
            return r < 0 ? -1 : ts.get(JAVA_LONG, 0) + ts.get(JAVA_LONG, 8) / 1e9;
        }
    }
}
