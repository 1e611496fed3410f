package spine.controller.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One converger at a time: an exclusive {@code flock} on {@code <root>/spine/converge.lock}, held by
 * {@code spine run} for its whole life or by a CLI command for one convergence. The kernel drops it when
 * the holder dies, so a crash never leaves the machine locked.
 */
public final class ConvergeLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("lock");

    private final Flock lock;
    private final String holder;

    private ConvergeLock(Flock lock, String holder) {
        this.lock = lock;
        this.holder = holder;
    }

    /** Takes the lock if it is free; empty when another converger holds it. */
    public static Optional<ConvergeLock> tryAcquire(SpineRoot root, String holder) throws StateException {
        root.ensureDir();
        try {
            Optional<Flock> l = Flock.tryLock(root.lockFile());
            if (l.isEmpty()) return Optional.empty();
            // Who holds it, for a human reading the file while wondering why a command waits.
            l.get().channel.truncate(0);
            l.get().channel.write(ByteBuffer.wrap((holder + " pid=" + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            LOG.log(System.Logger.Level.INFO, "converger lock acquired holder={0} pid={1}", holder, ProcessHandle.current().pid());
            return Optional.of(new ConvergeLock(l.get(), holder));
        } catch (IOException e) {
            throw new StateException("cannot lock " + root.lockFile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pid holding the lock, read from {@code /proc/locks} without taking it: a probe that took the lock for a
     * moment would make a converger starting at that moment give up, and would log and rewrite the holder line. Empty
     * when nobody holds it, when there is no lock file yet, or when {@code locks} cannot be read (the caller goes on).
     */
    public static OptionalLong holder(SpineRoot root, Path locks) {
        try {
            Path file = root.lockFile();
            if (!Files.exists(file)) return OptionalLong.empty();
            long dev = (Long) Files.getAttribute(file, "unix:dev"), ino = (Long) Files.getAttribute(file, "unix:ino");
            // /proc/locks names a file MAJOR:MINOR:INODE, major and minor in hex (glibc's split of st_dev)
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL), minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            String id = String.format("%02x:%02x:%d", major, minor, ino);
            for (String line : Files.readAllLines(locks, StandardCharsets.UTF_8)) {
                String[] f = line.strip().split("\\s+");
                // "1: POSIX  ADVISORY  WRITE 13182 fe:00:2147736 0 EOF"; a blocked waiter's line starts "1: ->"
                if (f.length >= 6 && !f[1].equals("->") && f[5].equals(id)) return OptionalLong.of(Long.parseLong(f[4]));
            }
            return OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        LOG.log(System.Logger.Level.INFO, "converger lock released holder={0} pid={1}", holder, ProcessHandle.current().pid());
        try {
            lock.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing converger lock failed error=\"{0}\"", e.getMessage());
        }
    }
}
