package spine.drivers.kernel;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * procfs, sysfs, /dev and /lib/modules, every path resolved under an injected root so tests can point it
 * at a recorded tree. Reads here are quick kernel files; anything that can hang on a device (the persist
 * superblock) is bounded by its caller.
 */
public final class Kernel {
    private final Path root;

    public Kernel(Path root) {
        this.root = root;
    }

    /** The root every path resolves under ({@code /} on a device). */
    public Path root() {
        return root;
    }

    private Path at(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    /** Seconds since boot, from /proc/uptime. */
    public double uptime() {
        try {
            return Double.parseDouble(Files.readString(at("/proc/uptime")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The kernel command line as the kernel shows it, or "" without /proc. */
    public String cmdlineText() {
        try {
            return Files.readString(at("/proc/cmdline")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** The kernel command line as key=value pairs (a bare word maps to ""). */
    public Map<String, String> cmdline() {
        var out = new LinkedHashMap<String, String>();
        try {
            for (String w : Files.readString(at("/proc/cmdline")).trim().split("\\s+")) {
                if (w.isEmpty()) continue;
                int eq = w.indexOf('=');
                out.put(eq < 0 ? w : w.substring(0, eq), eq < 0 ? "" : w.substring(eq + 1));
            }
        } catch (IOException ignored) {
            // no /proc yet: no options, so defaults apply
        }
        return out;
    }

    public String release() throws IOException {
        return Files.readString(at("/proc/sys/kernel/osrelease")).trim();
    }

    /** The uid this process runs as (the JDK has no getuid; /proc/self belongs to it); -1 when it cannot be read. */
    public long ownUid() {
        try {
            return ((Number) Files.getAttribute(at("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** /proc/PID/status of a process (its supplementary groups). */
    public Path status(long pid) {
        return at("/proc/" + pid + "/status");
    }

    /** One of the machine's own files Spine reads by name, under this root. */
    public Path path(HostFile file) {
        return at(file.absolute());
    }

    public void mkdirs(String absolute) throws IOException {
        Files.createDirectories(at(absolute));
    }

    /** Block devices by name (vda, sda, ...) from /sys/block. */
    public List<String> blockDevices() {
        var out = new ArrayList<String>();
        try (Stream<Path> s = Files.list(at("/sys/block"))) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        } catch (IOException ignored) {
            // no sysfs or no block devices: none to offer
        }
        return out;
    }

    /** The driver behind a block device, such as virtio_blk. */
    public Optional<String> blockDriver(String dev) {
        Path link = at("/sys/block/" + dev + "/device/driver");
        try {
            return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The ext2/3/4 volume label of a block device, read from its superblock; empty if it is not ext. May block on a bad disk. */
    public Optional<String> extLabel(String dev) throws IOException {
        try (var f = new RandomAccessFile(at("/dev/" + dev).toFile(), "r")) {
            byte[] sb = new byte[1024];
            f.seek(1024);
            f.readFully(sb);
            int magic = (sb[0x38] & 0xff) | (sb[0x39] & 0xff) << 8;
            if (magic != 0xEF53) return Optional.empty();
            int len = 0;
            while (len < 16 && sb[0x78 + len] != 0) len++;
            return Optional.of(new String(sb, 0x78, len, StandardCharsets.UTF_8));
        }
    }

    /** modules.dep as module path to its dependencies, paths relative to /lib/modules/<release>. */
    public Map<String, List<String>> moduleDeps(String release) throws IOException {
        return spine.model.boot.ModuleOrder.parseDeps(Files.readString(at("/lib/modules/" + release + "/modules.dep")));
    }

    public String modulePath(String release, String relative) {
        return at("/lib/modules/" + release + "/" + relative).toString();
    }

    /** CPU time (user plus system) a process has used, in clock ticks, from /proc/<pid>/stat; -1 if it is gone. */
    public long cpuTicks(long pid) {
        try {
            String stat = Files.readString(at("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Zombie children of {@code parent}, from /proc/<pid>/stat. */
    /** The cgroup v2 directory of a process ({@code 0::/path} in /proc/PID/cgroup); empty on cgroup v1 or when gone. */
    public Optional<String> cgroupV2Of(long pid) {
        try {
            for (String line : Files.readAllLines(at("/proc/" + pid + "/cgroup"))) {
                if (line.startsWith("0::/") && Files.exists(at("/sys/fs/cgroup" + line.substring(3) + "/cgroup.freeze"))) {
                    return Optional.of(line.substring(3));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    public List<Integer> zombieChildren(long parent) {
        var out = new ArrayList<Integer>();
        try (Stream<Path> s = Files.list(at("/proc"))) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    // comm may hold spaces and parentheses: the fields after the last ')' are fixed
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == parent) out.add(Integer.parseInt(name));
                } catch (IOException | RuntimeException ignored) {
                    // the process went away while we looked
                }
            }
        } catch (IOException ignored) {
            // no /proc: nothing to scan
        }
        return out;
    }

    public Path path(String absolute) {
        return at(absolute);
    }

    public boolean exists(String absolute) {
        return Files.exists(at(absolute));
    }

    /** The console for genesis lines: /dev/console, or stdout when it cannot be opened. */
    public java.io.PrintStream console() {
        try {
            return new java.io.PrintStream(new java.io.FileOutputStream(at("/dev/console").toFile(), true), true,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return System.out;
        }
    }

    /**
     * The modules /etc/spine/modules wants (the image recipe writes it), in its order, each with the parameters its
     * line gives after the name ({@code watchdog stop_on_reboot=0}) as finit_module(2) takes them, or "".
     */
    public Map<String, String> wantedModules() {
        var out = new LinkedHashMap<String, String>();
        try {
            for (String l : Files.readAllLines(at("/etc/spine/modules"))) {
                String t = l.trim();
                if (t.isEmpty() || t.startsWith("#")) continue;
                String[] f = t.split("\\s+", 2);
                out.put(f[0], f.length > 1 ? f[1] : "");
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Images built into the system: "ref path" lines of /usr/share/spine/images/images.txt. */
    public Map<String, String> bundledImages() {
        var out = new LinkedHashMap<String, String>();
        try {
            for (String l : Files.readAllLines(at("/usr/share/spine/images/images.txt"))) {
                String[] f = l.trim().split("\\s+");
                if (f.length == 2) out.put(f[0], at(f[1]).toString());
            }
        } catch (IOException ignored) {
            // an image without bundled container images: nothing to load
        }
        return out;
    }

    /** Random bytes from the kernel (never blocks once the pool is up, and /dev/urandom never blocks). */
    public byte[] random(int n) throws IOException {
        try (var in = Files.newInputStream(at("/dev/urandom"))) {
            return in.readNBytes(n);
        }
    }
}
