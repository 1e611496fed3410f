package spine.drivers.sysfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import spine.model.Compositor;
import spine.model.ContainerState;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;
import spine.model.kernel.Pressure;
import spine.model.kernel.ThermalZone;

/**
 * The one reader and writer of cgroup v2 and {@code /proc} tunables. Every path resolves under an injected root
 * ({@code /} on a device, a tree recorded from the VM in tests). A container's cgroup comes from
 * {@code /proc/PID/cgroup} of its main pid (the {@code 0::} line), never from a guessed path, and must name the
 * container's id; on a hybrid host the cgroup2 tree lives at {@code /sys/fs/cgroup/unified}.
 */
public final class SysfsDriver {
    /** The interface files read back for every container. */
    public static final List<String> FILES = List.of("cpu.max", "cpu.weight", "cpu.stat", "cpu.pressure", "memory.max",
            "memory.high", "memory.swap.max", "memory.pressure", "pids.max", "cgroup.freeze", "cgroup.events", "cgroup.controllers");

    private final Path root;

    public SysfsDriver(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The cgroup2 mount under the root: {@code /sys/fs/cgroup} on a pure v2 machine, its {@code unified} child on a hybrid one. */
    public Path cgroupMount() {
        Path v2 = root.resolve("sys/fs/cgroup");
        return Files.exists(v2.resolve("cgroup.controllers")) ? v2 : v2.resolve("unified");
    }

    public KernelState observe(ObservedState podman) {
        return observe(podman, OptionalLong.empty());
    }

    /** Every running container's cgroup, and the compositor's when {@code compositorPid} names its process. */
    public KernelState observe(ObservedState podman, OptionalLong compositorPid) {
        var problems = new ArrayList<String>();
        var cgroups = views(podman, false, FILES, true, problems);
        Optional<CgroupView> compositor = compositorPid.isPresent() ? compositor(compositorPid.getAsLong(), problems) : Optional.empty();
        Optional<Pressure> psi = pressure(problems);
        return new KernelState(cgroups, psi, thermal(problems), problems, compositor, oomScoreFloor());
    }

    /** CAP_SYS_RESOURCE, bit 24 of {@code CapEff}. */
    private static final long CAP_SYS_RESOURCE = 1L << 24;

    /** {@link #oomScoreFloor()}, read once: a process's capabilities do not change while it runs. */
    private volatile Integer oomScoreFloor;

    /**
     * The lowest oom_score_adj this process may write: any without CAP_SYS_RESOURCE is refused below 0 (EACCES), as in
     * a container sandbox that withholds it from root. Unreadable status counts as capable: a refused write says why.
     */
    int oomScoreFloor() {
        Integer known = oomScoreFloor;
        if (known == null) oomScoreFloor = known = readOomScoreFloor();
        return known;
    }

    private int readOomScoreFloor() {
        return read(root.resolve("proc/self/status")).flatMap(s -> s.lines().filter(l -> l.startsWith("CapEff:")).findFirst())
                .map(l -> {
                    try {
                        return (Long.parseUnsignedLong(l.substring("CapEff:".length()).strip(), 16) & CAP_SYS_RESOURCE) != 0;
                    } catch (NumberFormatException e) {
                        return true;
                    }
                })
                .map(capable -> capable ? KernelState.OOM_MIN : 0).orElse(KernelState.OOM_MIN);
    }

    /** The cgroup the compositor's process is in now, whatever it is: the planner moves it into its own. */
    private Optional<CgroupView> compositor(long pid, List<String> problems) {
        try {
            Optional<String> cg = cgroupPath(pid);
            if (cg.isEmpty()) {
                problems.add(Compositor.ID + ": /proc/" + pid + "/cgroup has no cgroup v2 line");
                return Optional.empty();
            }
            return Optional.of(view(Compositor.ID, "", pid, cg.get(), FILES, true));
        } catch (IOException e) {
            problems.add(Compositor.ID + ": cannot read the cgroup of pid " + pid + ": " + e);
            return Optional.empty();
        }
    }

    /** The freezer files alone of each running persona: what a focus switch plans from, in a few reads each. */
    public KernelState freezers(ObservedState podman) {
        var problems = new ArrayList<String>();
        return new KernelState(views(podman, true, FREEZER_FILES, false, problems), Optional.empty(), List.of(), problems);
    }

    private static final List<String> FREEZER_FILES = List.of("cgroup.freeze", "cgroup.events");

    /** {@code files} (and oom_score_adj when asked) of each running container's cgroup, or of the personas' alone. */
    private TreeMap<ResourceId, CgroupView> views(ObservedState podman, boolean personasOnly, List<String> files, boolean oomScore,
                                                  List<String> problems) {
        var cgroups = new TreeMap<ResourceId, CgroupView>();
        for (Map.Entry<ResourceId, ObservedContainer> e : podman.spine().entrySet()) {
            ObservedContainer c = e.getValue();
            if (personasOnly && e.getKey().kind() != spine.model.Kind.PERSONA) continue;
            if (c.pid() <= 0 || (c.state() != ContainerState.RUNNING && c.state() != ContainerState.PAUSED)) continue;
            try {
                cgroupOf(e.getKey(), c, files, oomScore).ifPresentOrElse(v -> cgroups.put(e.getKey(), v),
                        () -> problems.add(e.getKey() + ": /proc/" + c.pid() + "/cgroup does not name container " + c.id()));
            } catch (IOException ex) {
                // the container may have exited since podman listed it; the next pass looks again
                problems.add(e.getKey() + ": cannot read its cgroup: " + ex);
            }
        }
        return cgroups;
    }

    private Optional<CgroupView> cgroupOf(ResourceId id, ObservedContainer c, List<String> which, boolean oomScore) throws IOException {
        Optional<String> path = cgroupPath(c.pid());
        if (path.isEmpty()) return Optional.empty();
        // The limits sit on the container's own cgroup (libpod-<id>); a runtime may put the pid one level below.
        String cg = path.get();
        String mark = ObservedContainer.cgroupName(c.id());
        int at = cg.indexOf(mark);
        if (c.id().isEmpty() || at < 0) return Optional.empty();
        int end = cg.indexOf('/', at);
        cg = end < 0 ? cg : cg.substring(0, end);
        return Optional.of(view(id, c.id(), c.pid(), cg, which, oomScore));
    }

    /** {@code which} files of cgroup {@code cg}, and the pid's oom_score_adj when asked. */
    private CgroupView view(ResourceId id, String containerId, long pid, String cg, List<String> which, boolean oomScore) {
        Path dir = cgroupMount().resolve(cg.substring(1));
        var files = new TreeMap<String, String>();
        for (String f : which) read(dir.resolve(f)).ifPresent(v -> files.put(f, v));
        Optional<Integer> oom = oomScore ? read(root.resolve("proc").resolve(Long.toString(pid)).resolve("oom_score_adj"))
                .flatMap(SysfsDriver::integer) : Optional.empty();
        return new CgroupView(id, containerId, pid, cg, files, oom);
    }

    /** The cgroup2 path of a pid ({@code 0::/path}), or empty when it has none. */
    public Optional<String> cgroupPath(long pid) throws IOException {
        String text = Files.readString(root.resolve("proc").resolve(Long.toString(pid)).resolve("cgroup"), StandardCharsets.UTF_8);
        return text.lines().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst();
    }

    private Optional<Pressure> pressure(List<String> problems) {
        Optional<String> cpu = read(root.resolve("proc/pressure/cpu")), mem = read(root.resolve("proc/pressure/memory")),
                io = read(root.resolve("proc/pressure/io"));
        if (cpu.isEmpty() || mem.isEmpty() || io.isEmpty()) {
            problems.add("no pressure stall information in /proc/pressure; boot the kernel with psi=1");
            return Optional.empty();
        }
        return Optional.of(new Pressure(Pressure.avg10(cpu.get(), "some").orElse(0.0),
                Pressure.avg10(mem.get(), "some").orElse(0.0), Pressure.avg10(mem.get(), "full").orElse(0.0),
                Pressure.avg10(io.get(), "some").orElse(0.0)));
    }

    /** Machine-wide pressure now, for the governor; empty without PSI. */
    public Optional<Pressure> pressureNow() {
        return pressure(new ArrayList<>());
    }

    /** The hottest thermal zone now, in °C. */
    public java.util.OptionalDouble hottestNow() {
        return thermal(new ArrayList<>()).stream().mapToDouble(ThermalZone::celsius).max();
    }

    private List<ThermalZone> thermal(List<String> problems) {
        var out = new ArrayList<ThermalZone>();
        Path dir = root.resolve("sys/class/thermal");
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> zones = Files.newDirectoryStream(dir, "thermal_zone*")) {
            for (Path z : zones) {
                Optional<Integer> milli = read(z.resolve("temp")).flatMap(SysfsDriver::integer);
                if (milli.isEmpty()) continue; // a zone whose sensor cannot be read right now
                out.add(new ThermalZone(z.getFileName().toString(), read(z.resolve("type")).orElse("?"), milli.get() / 1000.0));
            }
        } catch (IOException e) {
            problems.add("cannot list " + dir + ": " + e.getMessage());
        }
        out.sort(java.util.Comparator.comparing(ThermalZone::name));
        return out;
    }

    /** Network interfaces other than {@code lo} that are up in this namespace ({@code IFF_UP} in their flags). */
    public List<String> interfacesUp() throws IOException {
        var out = new ArrayList<String>();
        Path dir = root.resolve("sys/class/net");
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ifs = Files.newDirectoryStream(dir)) {
            for (Path i : ifs) {
                String name = i.getFileName().toString();
                if (name.equals("lo")) continue;
                Optional<String> flags = read(i.resolve("flags"));
                if (flags.isPresent() && (Long.decode(flags.get()) & 1) != 0) out.add(name);
            }
        }
        out.sort(null);
        return out;
    }

    /** This process's own oom_score_adj (PID 1 sets -1000 first thing, so the kernel never picks it to kill). */
    public StepResult ownOomScoreAdj(int value) {
        return write(root.resolve("proc/self/oom_score_adj"), Integer.toString(value));
    }

    /** Applies a kernel step: the file must exist (a write never creates one). */
    public StepResult apply(Step.KernelStep step) {
        return switch (step) {
            case Step.WriteCgroup s -> write(cgroupMount().resolve(s.cgroup().substring(1)).resolve(s.file()), s.value());
            case Step.SetOomScoreAdj s -> write(root.resolve("proc").resolve(Long.toString(s.pid())).resolve("oom_score_adj"),
                    Integer.toString(s.value()));
            case Step.MoveToCgroup s -> move(s.pid(), s.cgroup());
            case Step.Freeze s -> freezer(s.cgroup(), true, FREEZE_BOUND);
            case Step.Thaw s -> freezer(s.cgroup(), false, FREEZE_BOUND);
        };
    }

    /** The controllers an envelope needs: cpu.max and cpu.weight, memory.max, pids.max. */
    static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");

    /**
     * Moves process {@code pid} into {@code cgroup}: makes the directory when missing, enables each of
     * {@link #CONTROLLERS} that the parent has for its children (a hybrid host's cgroup v2 has none, which the
     * envelope check reports as unenforceable), then writes the pid to {@code cgroup.procs}. A controller that could
     * not be enabled fails the step after the move, so the log says which.
     */
    private StepResult move(long pid, String cgroup) {
        Path dir = cgroupMount().resolve(cgroup.substring(1));
        Path parent = dir.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            return new StepResult.Failed("cannot make " + dir + ": " + e.getMessage(), true);
        }
        List<String> available = read(parent.resolve("cgroup.controllers")).map(c -> List.of(c.split("\\s+"))).orElse(List.of());
        List<String> delegated = read(parent.resolve("cgroup.subtree_control")).map(c -> List.of(c.split("\\s+"))).orElse(List.of());
        var enabled = new ArrayList<String>();
        var refused = new ArrayList<String>();
        for (String c : CONTROLLERS) {
            if (!available.contains(c)) continue;
            if (delegated.contains(c) || write(parent.resolve("cgroup.subtree_control"), "+" + c) instanceof StepResult.Ok) {
                enabled.add(c);
            } else {
                refused.add(c);
            }
        }
        StepResult moved = write(dir.resolve("cgroup.procs"), Long.toString(pid));
        if (moved instanceof StepResult.Failed) return moved;
        if (!refused.isEmpty()) {
            return new StepResult.Failed("pid " + pid + " moved to " + dir + ", but " + parent.resolve("cgroup.subtree_control")
                    + " refused +" + String.join(" +", refused), true);
        }
        return new StepResult.Ok("pid " + pid + " in " + dir + " controllers=" + (enabled.isEmpty() ? "none" : String.join(",", enabled)));
    }

    /** How long a freeze or thaw may take to show in {@code cgroup.events} before the step fails. */
    public static final java.time.Duration FREEZE_BOUND = java.time.Duration.ofSeconds(2);

    /**
     * Writes {@code cgroup.freeze} and waits until {@code cgroup.events} says the cgroup is (no longer) frozen: the
     * kernel freezes asynchronously, and a focus switch that went on before the background persona stopped would
     * give the foreground a CPU it still shares. Polls every millisecond (a freeze takes 0.2 ms natively).
     */
    public StepResult freezer(String cgroup, boolean freeze, java.time.Duration bound) {
        Path dir = cgroupMount().resolve(cgroup.substring(1));
        StepResult wrote = write(dir.resolve("cgroup.freeze"), freeze ? "1" : "0");
        if (wrote instanceof StepResult.Failed) return wrote;
        String want = freeze ? "frozen 1" : "frozen 0";
        long t0 = System.nanoTime(), deadline = t0 + bound.toNanos();
        while (true) {
            Optional<String> events = read(dir.resolve("cgroup.events"));
            if (events.isEmpty()) return new StepResult.Failed(dir.resolve("cgroup.events") + " is gone (the container went away)", true);
            if (events.get().lines().anyMatch(want::equals)) {
                return new StepResult.Ok(dir.getFileName() + " " + want + " after " + (System.nanoTime() - t0) / 1000 + " us");
            }
            if (System.nanoTime() > deadline) {
                return new StepResult.Failed(dir.resolve("cgroup.events") + " did not say " + want + " within " + bound.toMillis() + " ms", true);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new StepResult.Failed("interrupted waiting for " + want, true);
            }
        }
    }

    private static StepResult write(Path file, String value) {
        try {
            Files.writeString(file, value + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return new StepResult.Ok(file + "=" + value);
        } catch (NoSuchFileException e) {
            return new StepResult.Failed(file + " does not exist (the container went away, or this kernel lacks the controller)", true);
        } catch (IOException e) {
            return new StepResult.Failed("cannot write " + value + " to " + file + ": " + e.getMessage(), true);
        }
    }

    private static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p, StandardCharsets.UTF_8).strip());
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> integer(String s) {
        try {
            return Optional.of(Integer.parseInt(s.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
