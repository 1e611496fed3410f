package spine.drivers.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls, made through java.lang.foreign and libc: the only class that calls native code. Each returns a
 * result value carrying errno; none throws for a failed call.
 */
final class LinuxSyscalls implements Syscalls {
    static final LinuxSyscalls INSTANCE = new LinuxSyscalls();
    private static final int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000;
    private static final long SYS_FINIT_MODULE = 313;
    private static final long SYS_KEXEC_FILE_LOAD = 320;
    private static final long SYS_IOPRIO_SET = 251;
    private static final long SYS_SETPRIORITY = 141;
    private static final int PRIO_PROCESS = 0;
    private static final int P_ALL = 0, P_PID = 1;
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final long RNDADDENTROPY = 0x40085203L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final MethodHandle MOUNT = handle("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** linux/watchdog.h: _IOWR('W', 6, int) and _IOR('W', 5, int). */
    private static final long WDIOC_SETTIMEOUT = 0xC0045706L, WDIOC_KEEPALIVE = 0x80045705L;
    private static final MethodHandle SYSCALL3 = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL3_INTS = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL5 = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle REBOOT = handle("reboot", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYNC = handle("sync", FunctionDescriptor.ofVoid());
    private static final MethodHandle WAITID = handle("waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle WAITPID = handle("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PRCTL = handle("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle IOCTL = handle("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOCK_SETTIME = handle("clock_settime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CLOCK_GETTIME = handle("clock_gettime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final int CLOCK_BOOTTIME = 7;

    private LinuxSyscalls() {}

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        var opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO_OPT;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc lacks " + name)), fd, opts);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** mount(2). {@code data} may be null. */
    @Override
    public Result mount(String source, String target, String fstype, long flags, String data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) MOUNT.invokeExact(st, cstr(a, source), cstr(a, target), cstr(a, fstype), flags, cstr(a, data));
            return new Result(r, r < 0 ? errno(st) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("mount downcall failed", t);
        }
    }

    @Override
    public Result ioprioSet(int which, int who, int ioprio) {
        return syscall3("ioprio_set", SYS_IOPRIO_SET, which, who, ioprio);
    }

    @Override
    public Result setPriority(int tid, int nice) {
        return syscall3("setpriority", SYS_SETPRIORITY, PRIO_PROCESS, tid, nice);
    }

    /** syscall(2) with three int arguments, errno captured. */
    private static Result syscall3(String name, long nr, int a1, int a2, int a3) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            long r = (long) SYSCALL3_INTS.invokeExact(st, nr, a1, a2, a3);
            return new Result(r, r < 0 ? errno(st) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " downcall failed", t);
        }
    }

    /** Loads a kernel module from a file with finit_module(2). */
    @Override
    public Result finitModule(String path, String params) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return new Result(fd, errno(st));
            try {
                long r = (long) SYSCALL3.invokeExact(st, SYS_FINIT_MODULE, fd, a.allocateFrom(params), 0);
                return new Result(r, r < 0 ? errno(st) : 0);
            } finally {
                int ignored = (int) CLOSE.invokeExact(st, fd);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("finit_module downcall failed", t);
        }
    }

    @Override
    public Result watchdogArm(String device, int seconds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(device), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return new Result(fd, errno(st));
            try {
                MemorySegment timeout = a.allocate(JAVA_INT);
                timeout.set(JAVA_INT, 0, seconds);
                int r = (int) IOCTL.invokeExact(st, fd, WDIOC_SETTIMEOUT, timeout);
                if (r < 0) return new Result(r, errno(st));
                int ignored = (int) IOCTL.invokeExact(st, fd, WDIOC_KEEPALIVE, a.allocate(JAVA_INT));
                return new Result(timeout.get(JAVA_INT, 0), 0);
            } finally {
                int ignored = (int) CLOSE.invokeExact(st, fd); // no 'V': the watchdog keeps counting
            }
        } catch (Throwable t) {
            throw new IllegalStateException("watchdog downcall failed", t);
        }
    }

    @Override
    public Result watchdogDisarm(String device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(device), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return new Result(fd, errno(st));
            try {
                long w = (long) WRITE.invokeExact(st, fd, a.allocateFrom("V"), 1L);
                if (w < 0) return new Result(w, errno(st));
            } finally {
                int c = (int) CLOSE.invokeExact(st, fd);
                if (c < 0) return new Result(c, errno(st));
            }
            return new Result(0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("watchdog downcall failed", t);
        }
    }

    @Override
    public Result kexecFileLoad(String kernel, String initrd, String cmdline) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int kfd = (int) OPEN.invokeExact(st, a.allocateFrom(kernel), O_RDONLY | O_CLOEXEC);
            if (kfd < 0) return new Result(kfd, errno(st));
            try {
                int ifd = (int) OPEN.invokeExact(st, a.allocateFrom(initrd), O_RDONLY | O_CLOEXEC);
                if (ifd < 0) return new Result(ifd, errno(st));
                try {
                    MemorySegment line = a.allocateFrom(cmdline); // NUL-terminated; the length counts the NUL
                    long r = (long) SYSCALL5.invokeExact(st, SYS_KEXEC_FILE_LOAD, (long) kfd, (long) ifd, line.byteSize(), line, 0L);
                    return new Result(r, r < 0 ? errno(st) : 0);
                } finally {
                    int ignored = (int) CLOSE.invokeExact(st, ifd);
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(st, kfd);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("kexec_file_load downcall failed", t);
        }
    }

    /** reboot(2) with RB_POWER_OFF, RB_AUTOBOOT, RB_HALT_SYSTEM or RB_KEXEC; returns only on failure. */
    @Override
    public Result reboot(int how) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) REBOOT.invokeExact(st, how);
            return new Result(r, r < 0 ? errno(st) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("reboot downcall failed", t);
        }
    }

    @Override
    public void sync() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            SYNC.invokeExact(st);
        } catch (Throwable t) {
            throw new IllegalStateException("sync downcall failed", t);
        }
    }

    /** Peeks whether child {@code pid} has exited, without reaping it: waitid(P_PID, pid, WEXITED|WNOHANG|WNOWAIT). */
    @Override
    public boolean hasExited(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment info = a.allocate(128); // siginfo_t
            int r = (int) WAITID.invokeExact(st, P_PID, pid, info, WEXITED | WNOHANG | WNOWAIT);
            return r == 0 && info.get(JAVA_INT, 16) == pid; // si_pid is 0 when the child is still running
        } catch (Throwable t) {
            throw new IllegalStateException("waitid downcall failed", t);
        }
    }

    /** Reaps child {@code pid} if it has exited: waitpid(pid, &status, WNOHANG). Returns the pid, 0, or an error. */
    @Override
    public Result waitAnyExited() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment info = a.allocate(128); // siginfo_t; si_pid at offset 16
            int r = (int) WAITID.invokeExact(st, P_ALL, 0, info, WEXITED | WNOWAIT);
            return r < 0 ? new Result(r, errno(st)) : new Result(info.get(JAVA_INT, 16), 0);
        } catch (Throwable t) {
            throw new IllegalStateException("waitid downcall failed", t);
        }
    }

    @Override
    public Result reap(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment status = a.allocate(JAVA_INT);
            int r = (int) WAITPID.invokeExact(st, pid, status, WNOHANG);
            return new Result(r, r < 0 ? errno(st) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("waitpid downcall failed", t);
        }
    }

    /** Makes this process adopt orphaned descendants, as PID 1 does (used where Spine is not PID 1, such as tests). */
    @Override
    public Result setSubreaper(boolean on) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) PRCTL.invokeExact(st, PR_SET_CHILD_SUBREAPER, on ? 1L : 0L);
            return new Result(r, r < 0 ? errno(st) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("prctl downcall failed", t);
        }
    }

    /** Credits {@code seed} to the kernel's entropy pool: ioctl(RNDADDENTROPY) on /dev/urandom. */
    @Override
    public Result addEntropy(byte[] seed, int entropyBits) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom("/dev/urandom"), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return new Result(fd, errno(st));
            try {
                MemorySegment info = a.allocate(8L + seed.length);
                info.set(JAVA_INT, 0, entropyBits);
                info.set(JAVA_INT, 4, seed.length);
                MemorySegment.copy(MemorySegment.ofArray(seed), 0, info, 8, seed.length);
                int r = (int) IOCTL.invokeExact(st, fd, RNDADDENTROPY, info);
                return new Result(r, r < 0 ? errno(st) : 0);
            } finally {
                int ignored = (int) CLOSE.invokeExact(st, fd);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("ioctl downcall failed", t);
        }
    }

    /** Sets CLOCK_REALTIME. */
    @Override
    public Result setRealtime(long epochSeconds, long nanos) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment ts = a.allocate(16);
            ts.set(JAVA_LONG, 0, epochSeconds);
            ts.set(JAVA_LONG, 8, nanos);
            int r = (int) CLOCK_SETTIME.invokeExact(st, 0, ts);
            return new Result(r, r < 0 ? errno(st) : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("clock_settime downcall failed", t);
        }
    }

    /** Seconds since boot (CLOCK_BOOTTIME): works before /proc is mounted, unlike /proc/uptime. */
    @Override
    public double uptime() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment ts = a.allocate(16);
            int r = (int) CLOCK_GETTIME.invokeExact(st, CLOCK_BOOTTIME, ts);
            return r < 0 ? -1 : ts.get(JAVA_LONG, 0) + ts.get(JAVA_LONG, 8) / 1e9;
        } catch (Throwable t) {
            throw new IllegalStateException("clock_gettime downcall failed", t);
        }
    }

    private static MemorySegment cstr(Arena a, String s) {
        return s == null ? MemorySegment.NULL : a.allocateFrom(s);
    }
}
