package spine.drivers.podman;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import spine.drivers.ContainerRuntime;
import spine.drivers.SocketDirs;
import spine.drivers.VolumeDirs;
import spine.drivers.exec.CommandResult;
import spine.drivers.exec.CommandRunner;
import spine.model.ContainerSpec;
import spine.model.ContainerState;
import spine.model.Envelope;
import spine.model.Labels;
import spine.model.NetworkMode;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.Volume;

/**
 * The only component that changes containers. Observes with a single {@code podman ps -a --format json};
 * what exists is read from podman's labels, never from the database.
 */
public final class PodmanDriver implements ContainerRuntime {
    /** Per-call bounds. A stop also gets its grace period on top of {@code change}. */
    public record Timeouts(Duration observe, Duration run, Duration change, Duration remove) {
        public static Timeouts defaults() {
            return new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(60));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger("bay0");

    private final CommandRunner runner;
    private final List<String> podman;
    private final Timeouts timeouts;
    private final SocketDirs sockets;
    private final Optional<VolumeDirs> volumes;
    private final Optional<LayerLimit> layers;
    private final PodmanCli cli;

    public PodmanDriver(CommandRunner runner, List<String> podman, Timeouts timeouts, SocketDirs sockets) {
        this(runner, podman, timeouts, sockets, Optional.empty(), Optional.empty());
    }

    private PodmanDriver(CommandRunner runner, List<String> podman, Timeouts timeouts, SocketDirs sockets,
                         Optional<VolumeDirs> volumes, Optional<LayerLimit> layers) {
        this.runner = runner;
        this.podman = List.copyOf(podman);
        this.timeouts = timeouts;
        this.sockets = sockets;
        this.volumes = volumes;
        this.layers = layers;
        this.cli = new PodmanCli(runner, podman, timeouts);
    }

    /** The same driver with the host's volume directories: without them, a container with volumes does not run. */
    public PodmanDriver withVolumes(VolumeDirs dirs) {
        return new PodmanDriver(runner, podman, timeouts, sockets, Optional.of(dirs), layers);
    }

    /**
     * The same driver bounding each new container's writable layer: it creates the container, has {@code limit} bound
     * the layer podman made, then starts it (one {@code podman run -d} without it).
     */
    public PodmanDriver withLayerLimit(LayerLimit limit) {
        return new PodmanDriver(runner, podman, timeouts, sockets, volumes, Optional.of(limit));
    }

    /** With sockets under {@link SocketDirs#DEFAULT}. */
    public PodmanDriver(CommandRunner runner, List<String> podman, Timeouts timeouts) {
        this(runner, podman, timeouts, new SocketDirs(SocketDirs.DEFAULT));
    }

    /** The runner every process of this driver starts through (the compositor's too: one seam, one reaper registry). */
    public CommandRunner runner() {
        return runner;
    }

    public SocketDirs sockets() {
        return sockets;
    }

    @Override
    public Observation observe() {
        CommandResult r = runner.run(argv("ps", "-a", "--format", "json"), timeouts.observe());
        if (!r.ok()) return new Observation(null, "podman ps failed: " + r.summary());
        try {
            return new Observation(parsePs(r.stdout()), null);
        } catch (IOException | RuntimeException e) {
            return new Observation(null, "podman ps printed JSON Spine cannot read: " + e.getMessage());
        }
    }

    @Override
    public StepResult apply(Step step) {
        return step instanceof Step.ContainerStep c ? apply(c)
                : new StepResult.Failed("a " + step.verb() + " step is not podman's; the loop routes it elsewhere (a bug)", false);
    }

    private StepResult apply(Step.ContainerStep step) {
        String name = step.target().containerName();
        return switch (step) {
            case Step.RunContainer s -> run(s);
            case Step.StartContainer s -> {
                boundBeforeStart(List.of(name));
                yield result(runner.run(argv("start", name), timeouts.change()));
            }
            case Step.StopContainer s -> result(runner.run(argv("stop", "-t", Long.toString(s.grace().toSeconds()), name),
                    timeouts.change().plus(s.grace())));
            case Step.PauseContainer s -> result(runner.run(argv("pause", name), timeouts.change()));
            case Step.UnpauseContainer s -> result(runner.run(argv("unpause", name), timeouts.change()));
            case Step.RemoveContainer s -> remove(name);
        };
    }

    /**
     * One {@code podman start A B ...}. Podman starts them one after another in that process, prints each name it
     * started and goes on past a failure; a name it cannot find fails the whole call before anything starts. So a
     * container not printed is started again alone, for its own answer; after a timeout it is not (podman hangs).
     */
    @Override
    public Map<ResourceId, StepResult> startAll(List<Step.StartContainer> steps) {
        if (steps.size() < 2) return ContainerRuntime.super.startAll(steps);
        var argv = argv("start");
        steps.forEach(s -> argv.add(s.target().containerName()));
        boundBeforeStart(argv.subList(argv.size() - steps.size(), argv.size()));
        CommandResult r = runner.run(argv, timeouts.change().multipliedBy(steps.size()));
        var printed = new HashSet<>(List.of(r.stdout().strip().split("\n")));
        var results = new LinkedHashMap<ResourceId, StepResult>();
        for (Step.StartContainer s : steps) {
            String name = s.target().containerName();
            if (printed.contains(name)) results.put(s.target(), new StepResult.Ok(name));
            else if (r.timedOut()) results.put(s.target(), result(r));
            else results.put(s.target(), apply(s));
        }
        return results;
    }

    /**
     * {@code podman run -d}. The planner runs only where podman lists no container of that name, so "name is already
     * in use" while podman's database does not know the name means container storage still holds it: a
     * {@code podman run} killed halfway (a killed CLI, a power cut). The name is Spine's by the grammar, so that
     * leftover is removed from storage and the run tried once more. A container podman does know is never touched.
     */
    private StepResult run(Step.RunContainer s) {
        if (!s.container().volumes().isEmpty() && volumes.isEmpty()) {
            return new StepResult.Failed(s.target() + " has volumes, and this process knows no state root to keep them under", false);
        }
        List<String> argv = layers.isPresent() ? containerArgs(s.container(), s.generation(), "create")
                : runArgs(s.container(), s.generation());
        CommandResult first = runner.run(argv, timeouts.run());
        if (first.ok()) return boundAndStarted(s, result(first));
        if (!first.stderr().contains("is already in use")) return result(first);
        String name = s.target().containerName();
        CommandResult known = runner.run(argv("container", "exists", name), timeouts.observe());
        if (known.timedOut() || known.exit() != 1) return result(first); // 0: podman knows it; the next pass plans for it
        int tries = 1;
        CommandResult cleared = runner.run(argv("rm", "--storage", name), timeouts.remove());
        for (; busyShm(cleared) && tries < BUSY_TRIES; tries++) {
            pause(tries);
            cleared = runner.run(argv("rm", "--storage", name), timeouts.remove());
        }
        if (!cleared.ok() && !noSuchContainer(cleared)) return result(cleared);
        StepResult again = boundAndStarted(s, result(runner.run(argv, timeouts.run())));
        String note = tries == 1 ? "" : "; " + busyNote(tries);
        return again instanceof StepResult.Ok ok
                ? new StepResult.Ok(ok.detail() + " (removed a leftover in container storage that held the name" + note + ")")
                : again;
    }

    /**
     * After a {@code podman create}: the layer bounded, then the start (podman's {@code --storage-opt size} takes
     * only XFS). A layer the kernel could not bound still starts (the disk's reserve keeps bay0 safe from it), with
     * the reason in the step's detail and the log.
     */
    private StepResult boundAndStarted(Step.RunContainer s, StepResult created) {
        if (layers.isEmpty() || !(created instanceof StepResult.Ok)) return created;
        String name = s.target().containerName();
        CommandResult upper = runner.run(argv("inspect", "--type", "container", "--format", "{{.GraphDriver.Data.UpperDir}}", name),
                timeouts.observe());
        String dir = upper.stdout().strip();
        Optional<String> why = !upper.ok() ? Optional.of("podman inspect failed: " + upper.summary())
                : !dir.startsWith("/") ? Optional.of("podman named no upper directory (" + dir + ")")
                : layers.get().bound(Path.of(dir).getParent());
        why.ifPresent(w -> LOG.log(System.Logger.Level.WARNING, "layer not bounded target={0} why={1}", s.target(), w));
        StepResult started = result(runner.run(argv("start", name), timeouts.run()));
        return why.isPresent() && started instanceof StepResult.Ok ok
                ? new StepResult.Ok(ok.detail() + " (its writable layer is not bounded: " + why.get() + ")") : started;
    }

    /**
     * {@code podman rm -f}, idempotent: a name podman's database does not know may still be held in container
     * storage by a {@code podman run} that a power cut interrupted (the next run then fails with "name is already
     * in use"), so that leftover is removed with {@code rm --storage}; nothing left at all counts as removed.
     */
    private StepResult remove(String name) {
        for (int attempt = 1; ; attempt++) {
            CommandResult r = runner.run(argv("rm", "-f", "-t", "5", name), timeouts.remove());
            if (busyShm(r) && attempt < BUSY_TRIES) {
                pause(attempt);
                continue;
            }
            if (r.ok() || !noSuchContainer(r)) return attempt == 1 ? result(r) : afterBusy(result(r), attempt);
            CommandResult leftover = runner.run(argv("rm", "--storage", name), timeouts.remove());
            if (busyShm(leftover) && attempt < BUSY_TRIES) {
                pause(attempt);
                continue;
            }
            if (leftover.ok()) return afterBusy(new StepResult.Ok("removed a leftover in container storage"), attempt);
            return noSuchContainer(leftover) ? afterBusy(new StepResult.Ok("already gone"), attempt) : result(leftover);
        }
    }

    /**
     * A {@code podman run} killed just after it mounted the container's /dev/shm leaves that mount alive a moment in
     * a process that is still going away, and rm cannot unlink the mount point: "unlinkat .../userdata/shm: device or
     * resource busy" (KilledApplyIT, about one round in eight). Seen gone within a second; rm is tried again then.
     */
    static final int BUSY_TRIES = 4;

    static boolean busyShm(CommandResult r) {
        return !r.ok() && r.stderr().contains("/userdata/shm: device or resource busy");
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(250L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static StepResult afterBusy(StepResult r, int attempt) {
        if (attempt == 1 || !(r instanceof StepResult.Ok ok)) return r;
        String note = busyNote(attempt);
        return new StepResult.Ok(ok.detail().isBlank() ? note : ok.detail() + " (" + note + ")");
    }

    private static String busyNote(int attempt) {
        return "rm found the container's /dev/shm busy " + (attempt - 1) + (attempt == 2 ? " time" : " times") + " first";
    }

    private static boolean noSuchContainer(CommandResult r) {
        return r.stderr().contains("no such container");
    }

    /** The probe container validate times the freezer with, apart from the Step set. */
    public PodmanProbe probe() {
        return new PodmanProbe(cli);
    }

    /** podman's image verbs, over the same runner, podman and timeouts: what bay0's placement of built-in images uses. */
    public PodmanImages images() {
        return new PodmanImages(cli);
    }

    /** The full id of a running container, asked live (the umbilical's peer checks); empty when it does not run. */
    public Optional<String> runningId(String name) {
        CommandResult r = runner.run(argv("inspect", "--type", "container", "--format", "{{.Id}} {{.State.Running}}", name),
                timeouts.observe());
        if (!r.ok()) return Optional.empty();
        String[] f = r.stdout().strip().split(" ");
        return f.length == 2 && f[1].equals("true") && f[0].matches("[0-9a-f]{64}") ? Optional.of(f[0]) : Optional.empty();
    }

    /**
     * Each Spine container's writable layer directory (podman's {@code overlay/<layer>}, the parent of its upper
     * directory), by container name: what validate weighs. Empty when podman does not answer.
     */
    public Map<String, Path> layerDirs() {
        CommandResult names = runner.run(argv("ps", "-a", "--filter", "label=" + Labels.NAME, "--format", "{{.Names}}"), timeouts.observe());
        List<String> list = names.ok() ? names.stdout().lines().map(String::strip).filter(n -> !n.isEmpty()).toList() : List.of();
        return layerDirs(list);
    }

    /** The writable layer directory of each named container that podman knows, in one {@code podman inspect}. */
    private Map<String, Path> layerDirs(List<String> names) {
        var out = new TreeMap<String, Path>();
        if (names.isEmpty()) return out;
        var a = argv("inspect", "--type", "container", "--format", "{{.Name}} {{.GraphDriver.Data.UpperDir}}");
        a.addAll(names);
        CommandResult r = runner.run(a, timeouts.observe());
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.strip().split(" ", 2);
            if (f.length == 2 && f[1].startsWith("/")) out.put(f[0], Path.of(f[1]).getParent());
        }
        return out;
    }

    /**
     * Where layers are bounded, each container's layer again before it starts (idempotent, one inspect for all): a
     * power cut between a create and its start left that layer unbounded, and the next pass only starts it.
     */
    private void boundBeforeStart(List<String> names) {
        if (layers.isEmpty()) return;
        for (var e : layerDirs(names).entrySet()) {
            layers.get().bound(e.getValue()).ifPresent(w -> LOG.log(System.Logger.Level.WARNING,
                    "layer not bounded container={0} why={1}", e.getKey(), w));
        }
    }

    /** The network mode podman gave a container ({@code none}, {@code private}, ...); empty when it does not exist. */
    public Optional<String> networkMode(String name) {
        CommandResult r = runner.run(argv("inspect", "--type", "container", "--format", "{{.HostConfig.NetworkMode}}", name),
                timeouts.observe());
        return r.ok() ? Optional.of(r.stdout().strip()) : Optional.empty();
    }

    /** {@code podman run -d} with Spine's labels and the envelope's flags. */
    public List<String> runArgs(ContainerSpec spec, long generation) {
        return containerArgs(spec, generation, "run", "-d");
    }

    /** {@code podman VERB...} (run -d, or create) with Spine's labels and the envelope's flags. */
    private List<String> containerArgs(ContainerSpec spec, long generation, String... verb) {
        // never a pull: there is no registry, and podman would spend the whole timeout retrying one
        var a = argv(verb);
        a.addAll(List.of("--pull", "never", "--name", spec.id().containerName()));
        label(a, Labels.NAME, spec.id().toString());
        label(a, Labels.KIND, spec.id().kind().cliName());
        label(a, Labels.SPEC_HASH, spec.specHash());
        label(a, Labels.GENERATION, Long.toString(generation));
        if (spec.display()) label(a, Labels.DISPLAY, "true");
        a.add("--network");
        a.add(spec.network() == NetworkMode.PRIVATE ? "private" : "none");
        Envelope e = spec.limits();
        e.cpuMax().ifPresent(c -> { a.add("--cpus"); a.add(c.toPlainString()); });
        e.cpuWeight().ifPresent(w -> { a.add("--cpu-shares"); a.add(Long.toString(cpuShares(w))); });
        e.memoryMax().ifPresent(m -> { a.add("--memory"); a.add(Long.toString(m)); });
        if (e.memoryMax().isPresent() && e.swapMax().isPresent()) {
            // podman's --memory-swap is memory plus swap, not swap alone
            a.add("--memory-swap");
            a.add(Long.toString(e.memoryMax().get() + e.swapMax().get()));
        }
        e.oomScoreAdj().ifPresent(o -> { a.add("--oom-score-adj"); a.add(Integer.toString(o)); });
        // always: an envelope without a pids limit means the kernel's max (EnvelopeFiles), and podman's own default
        // (2048) would be drift the loop rewrites after every start of the container, one extra pass per boot
        a.add("--pids-limit");
        a.add(e.pidsMax().map(String::valueOf).orElse("-1"));
        if (e.noNewPrivileges()) { a.add("--security-opt"); a.add("no-new-privileges"); }
        spec.uid().ifPresent(u -> { a.add("--user"); a.add(u + ":" + u); });
        spec.socket().ifPresent(sock -> {
            a.add("--volume");
            a.add(sockets.tenantDir(spec.id()) + ":" + java.nio.file.Path.of(sock).getParent() + ":rw");
        });
        if (spec.id().kind() == spine.model.Kind.PERSONA) {
            // every persona can veto disruption (an upgrade) by creating updates.lock here, as balena's update locks
            a.add("--volume");
            a.add(sockets.lockDir(spec.id()) + ":" + SocketDirs.LOCK_DIR_IN_CONTAINER + ":rw");
        }
        if (spec.umbilical()) {
            a.add("--volume");
            a.add(sockets.umbilicalDir(spec.id()) + ":" + java.nio.file.Path.of(SocketDirs.UMBILICAL_IN_CONTAINER).getParent() + ":ro");
        }
        if (spec.display()) {
            // the socket file alone: the directory also holds sway's IPC socket, which would give the persona the compositor
            a.add("--volume");
            a.add(sockets.waylandSocket() + ":" + SocketDirs.DISPLAY_DIR_IN_CONTAINER + "/" + SocketDirs.DISPLAY_NAME + ":rw");
            a.add("--env");
            a.add("XDG_RUNTIME_DIR=" + SocketDirs.DISPLAY_DIR_IN_CONTAINER);
            a.add("--env");
            a.add("WAYLAND_DISPLAY=" + SocketDirs.DISPLAY_NAME);
        }
        for (Volume v : spec.volumes()) {
            // the state package made the directory; the volume outlives this container, its recreates and the boot repair
            Path dir = volumes.orElseThrow(() -> new IllegalStateException("no volume directories")).dir(spec.id(), v.name());
            a.add("--volume");
            a.add(dir + ":" + v.path() + (v.readOnly() ? ":ro" : ":rw"));
        }
        spec.env().forEach((k, v) -> { a.add("--env"); a.add(k + "=" + v); });
        a.add(spec.image());
        a.addAll(spec.command());
        return a;
    }

    /**
     * cgroup v2 cpu.weight (1..10000) to the cpu.shares podman takes (2..262144). Rounded up so that runc's
     * own conversion back, 1 + (shares - 2) * 9999 / 262142, gives exactly the weight asked for.
     */
    static long cpuShares(int weight) {
        return 2 + Math.ceilDiv((long) (weight - 1) * 262142, 9999);
    }

    public static ObservedState parsePs(String json) throws IOException {
        JsonNode root = JSON.readTree(json.isBlank() ? "[]" : json);
        if (!root.isArray()) throw new IOException("expected a JSON array from podman ps");
        var out = new ArrayList<ObservedContainer>();
        for (JsonNode c : root) {
            JsonNode names = c.path("Names");
            String name = names.isArray() && !names.isEmpty() ? names.get(0).asText() : names.asText();
            var labels = new TreeMap<String, String>();
            Iterator<Map.Entry<String, JsonNode>> it = c.path("Labels").fields();
            while (it.hasNext()) {
                var e = it.next();
                labels.put(e.getKey(), e.getValue().asText());
            }
            ContainerState state = ContainerState.fromPodman(c.path("State").asText());
            out.add(new ObservedContainer(c.path("Id").asText(), name, state, c.path("Image").asText(), labels, exit(c, state),
                    c.path("Pid").asLong(0)));
        }
        return ObservedState.of(out);
    }

    /** A container that ran and ended: podman reports unix seconds, and a negative ExitedAt for "never exited". */
    private static Optional<ObservedContainer.Exit> exit(JsonNode c, ContainerState state) {
        long started = c.path("StartedAt").asLong(0), exited = c.path("ExitedAt").asLong(0);
        if ((state != ContainerState.EXITED && state != ContainerState.STOPPED) || started <= 0 || exited < started) {
            return Optional.empty();
        }
        return Optional.of(new ObservedContainer.Exit(c.path("ExitCode").asInt(0), Instant.ofEpochSecond(started),
                Instant.ofEpochSecond(exited)));
    }

    /** podman 4.3: "Error: localhost/nope:1: image not known". */
    private static final Pattern UNKNOWN_IMAGE = Pattern.compile("(?:Error: )?(\\S+): image not known");

    private static StepResult result(CommandResult r) {
        if (r.ok()) {
            String id = r.stdout().strip();
            return new StepResult.Ok(id.length() > 12 ? id.substring(0, 12) : id);
        }
        String why = r.summary();
        if (why.contains("image not known") || why.contains("no such image")) {
            Matcher m = UNKNOWN_IMAGE.matcher(why);
            return new StepResult.Failed((m.find() ? "image " + m.group(1) : why) + " is not in local storage and there is no"
                    + " registry: provide it with an Image spec (docs/OPERATIONS.md, \"Apps\")", false);
        }
        return new StepResult.Failed(why, !why.contains("invalid reference format"));
    }

    private List<String> argv(String... args) {
        return cli.argv(args);
    }

    private static void label(List<String> a, String k, String v) {
        a.add("--label");
        a.add(k + "=" + v);
    }
}
