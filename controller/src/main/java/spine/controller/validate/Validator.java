package spine.controller.validate;

import java.io.IOException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import spine.controller.pid1.Bounded;
import spine.controller.state.DiskQuotas;
import spine.controller.state.StateBridge;
import spine.controller.state.Volumes;
import spine.drivers.exec.CommandResult;
import spine.drivers.kernel.Kernel;
import spine.drivers.podman.PodmanDriver;
import spine.controller.umbilical.Broker;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.DesiredState;
import spine.model.RunState;
import spine.model.StepResult;
import spine.model.Tenant;
import spine.model.governor.Governor;
import spine.model.kernel.EnvelopePlanner;
import spine.model.kernel.KernelState;

/**
 * {@code bay0 --validate} / {@code spine validate}: a non-destructive health check with a hard time budget.
 * Each check is freezer, umbilical, network, envelopes, persist, disk or log; the verdict is the worst of them.
 */
public final class Validator {
    private static final System.Logger LOG = System.getLogger("validate");
    private static final Duration WINDOW = Duration.ofMillis(300);
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The verdict, every check, and how long validate took. */
    public record Report(Check.Verdict verdict, List<Check> checks, Duration took) {}

    /**
     * The running converger (bay0 or {@code spine run}), asked over its control socket: the umbilical probe goes
     * through its broker, the governor's level comes from it, and it is asked for a pass before drift counts.
     */
    public interface Converger {
        /** The reply to one control-socket request, or empty when no converger answers. */
        Optional<ObjectNode> ask(ObjectNode request, Duration timeout);
    }

    private final PodmanDriver podman;
    private final Kernel kernel;
    private final SysfsDriver sysfs;
    private final StateBridge state;
    private final DesiredState desired;
    private final Converger converger;
    private final Optional<Boolean> cleanBoot;
    private final String probeImage;
    private final Clock clock;
    private final DiskCheck disk;

    /**
     * @param desired   the stored intent (the AI tenant, every tenant's network, every envelope)
     * @param cleanBoot this boot's clean flag when bay0 booted the machine; empty in host mode
     */
    public Validator(PodmanDriver podman, Kernel kernel, SysfsDriver sysfs, StateBridge state, DesiredState desired,
                     Converger converger, Optional<Boolean> cleanBoot, String probeImage, Clock clock, DiskQuotas quotas) {
        this.podman = podman;
        this.kernel = kernel;
        this.sysfs = sysfs;
        this.state = state;
        this.desired = desired;
        this.converger = converger;
        this.cleanBoot = cleanBoot;
        this.probeImage = probeImage;
        this.clock = clock;
        this.disk = new DiskCheck(state.root().path(), new Volumes(state.root()).withQuotas(quotas), quotas, desired, podman::layerDirs);
    }

    public Report run(Duration budget) {
        long t0 = System.nanoTime();
        synchronized (this) {
            compositorPidAnswer = null; // each run asks the converger afresh
        }
        Instant deadline = clock.instant().plus(budget);
        var checks = new ArrayList<Check>();
        checks.add(within("freezer", deadline, this::freezer));
        checks.add(within("umbilical", deadline, this::umbilical));
        checks.add(within("compositor", deadline, this::compositor));
        checks.add(within("network", deadline, this::network));
        checks.add(within("envelopes", deadline, this::envelopes));
        checks.add(within("persist", deadline, this::persist));
        checks.add(within("disk", deadline, disk::run));
        checks.add(within("log", deadline, this::log));
        Check.Verdict verdict = checks.stream().map(Check::verdict).max(Enum::compareTo).orElse(Check.Verdict.GREEN);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.log(System.Logger.Level.INFO, "validate finished verdict={0} ms={1}", verdict, took.toMillis());
        return new Report(verdict, checks, took);
    }

    /** Runs one check under what is left of the budget; a check that overruns is RED, never a hang. */
    private Check within(String component, Instant deadline, Callable<Check> check) {
        Duration left = Duration.between(clock.instant(), deadline);
        if (left.isNegative() || left.isZero()) return Check.red(component, "skipped: validate ran out of its time budget");
        Bounded.Outcome<Check> c = Bounded.call("validate-" + component, left, check);
        Check result = c.ok() ? c.value().orElseThrow() : Check.red(component, c.failure().startsWith("timeout")
                ? "timed out after " + left.toMillis() + " ms (time budget)" : c.failure());
        LOG.log(System.Logger.Level.INFO, "validate check component={0} verdict={1} reason=\"{2}\"", component,
                result.verdict(), result.reason());
        return result;
    }

    /** Starts a CPU burner, freezes it (CPU time must stop), thaws it (CPU time must move again), removes it. */
    private Check freezer() throws InterruptedException {
        String name = "spine-validate-" + Long.toHexString(System.nanoTime());
        CommandResult run = podman.probe().run(name, probeImage, List.of("sh", "-c", "while :; do :; done"));
        try {
            if (!run.ok() && run.summary().contains("image not known")) {
                return Check.red("freezer", "probe image " + probeImage + " is not in local storage and there is no registry:"
                        + " bay0 places it at boot; on a build host, scripts/example-images.sh builds it");
            }
            if (!run.ok() && run.summary().contains("no space left on device")) {
                // the personas' part of persist is full: the disk line names who holds it; the freezer is not at fault
                return Check.yellow("freezer", "no room to start the probe container: persist is full for containers (the disk line says who holds it)");
            }
            if (!run.ok()) return Check.red("freezer", "cannot start probe container: " + run.summary());
            long pid = podman.probe().pidOf(name);
            if (pid <= 0) return Check.red("freezer", "probe container has no pid");
            long burn = ticksOver(pid);
            if (burn <= 0) return Check.red("freezer", "probe did not burn CPU before the freeze");
            long f0 = System.nanoTime();
            CommandResult pause = podman.probe().pause(name);
            long freezeMs = (System.nanoTime() - f0) / 1_000_000;
            if (!pause.ok()) return Check.red("freezer", "freeze failed: " + pause.summary());
            long frozen = ticksOver(pid);
            long t0 = System.nanoTime();
            CommandResult unpause = podman.probe().unpause(name);
            long thawMs = (System.nanoTime() - t0) / 1_000_000;
            if (!unpause.ok()) return Check.red("freezer", "thaw failed: " + unpause.summary());
            long thawed = ticksOver(pid);
            var facts = new java.util.TreeMap<String, Long>(Map.of("freezeMs", freezeMs, "thawMs", thawMs, "ticksBurning", burn,
                    "ticksFrozen", frozen, "ticksThawed", thawed));
            // one tick of slack: the sample can straddle the instant the freeze lands
            if (frozen > 1) return new Check("freezer", Check.Verdict.RED, "CPU time advanced while frozen (" + frozen + " ticks)", facts);
            if (thawed <= 0) return new Check("freezer", Check.Verdict.RED, "CPU time did not resume after thaw", facts);
            direct(pid, facts);
            return Check.green("freezer", "freeze " + freezeMs + " ms, thaw " + thawMs + " ms", facts);
        } finally {
            podman.probe().remove(name);
        }
    }

    /**
     * The same freeze and thaw by a direct cgroup.freeze write, timed until cgroup.events confirms, beside
     * podman's (the switcher's hot path will freeze this way). Informational: only on cgroup v2, and the podman
     * cycle above is what decides the verdict.
     */
    private void direct(long pid, Map<String, Long> facts) throws InterruptedException {
        Optional<String> cgroup = kernel.cgroupV2Of(pid);
        if (cgroup.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "direct cgroup.freeze not measured: no cgroup v2 freezer for pid {0}", pid);
            return;
        }
        long f0 = System.nanoTime();
        StepResult froze = sysfs.freezer(cgroup.get(), true, IO_TIMEOUT);
        long freezeUs = (System.nanoTime() - f0) / 1_000;
        long frozen = ticksOver(pid);
        long t0 = System.nanoTime();
        StepResult thawed = sysfs.freezer(cgroup.get(), false, IO_TIMEOUT);
        long thawUs = (System.nanoTime() - t0) / 1_000;
        facts.put("directFreezeUs", freezeUs);
        facts.put("directThawUs", thawUs);
        facts.put("directTicksFrozen", frozen);
        for (StepResult r : List.of(froze, thawed)) {
            if (r instanceof StepResult.Failed f) LOG.log(System.Logger.Level.WARNING, "direct cgroup.freeze failed: {0}", f.reason());
        }
    }

    private long ticksOver(long pid) throws InterruptedException {
        long a = kernel.cpuTicks(pid);
        Thread.sleep(WINDOW);
        long b = kernel.cpuTicks(pid);
        return a < 0 || b < 0 ? -1 : b - a;
    }

    /**
     * GREEN only after a real round trip through the broker: the converger connects onward with the answerer's
     * SO_PEERCRED checked against sys__ai's cgroup and sends a ping. Without a converger nobody brokers: RED.
     */
    private Check umbilical() {
        Optional<Tenant> ai = Optional.ofNullable(desired.specs().get(Broker.AI)).map(Tenant.class::cast);
        if (ai.isEmpty()) return Check.yellow("umbilical", "no AI tenant configured (sys://ai)");
        if (ai.get().state() == RunState.STOPPED) return Check.yellow("umbilical", "the AI tenant sys://ai is configured stopped");
        Optional<ObjectNode> reply = converger.ask(JSON.createObjectNode().put("op", "umbilical"), IO_TIMEOUT.multipliedBy(3));
        if (reply.isEmpty()) {
            return Check.red("umbilical", "no broker: no converger is running (bay0 or spine run), so personas have no umbilical");
        }
        if (reply.get().has("error")) return Check.red("umbilical", "no broker: " + reply.get().path("error").asText());
        JsonNode probe = reply.get().path("probe");
        return probe.path("ok").asBoolean(false)
                ? Check.green("umbilical", probe.path("reason").asText(), Map.of())
                : Check.red("umbilical", "sys://ai does not answer through the broker: " + probe.path("reason").asText());
    }

    /**
     * The compositor in intent must be served by the sway the converger spawned: its Wayland socket is connected to
     * and the SO_PEERCRED pid must be the pid the converger reports. A socket served by anything else is RED.
     */
    private Check compositor() {
        Optional<spine.model.Compositor> c = desired.compositor();
        if (c.isEmpty()) return Check.green("compositor", "no compositor in intent; nothing to check", Map.of());
        if (c.get().state() == RunState.STOPPED) return Check.green("compositor", "sys://compositor is configured stopped", Map.of());
        Optional<Long> reply = askCompositorPid();
        if (reply.isEmpty()) return Check.red("compositor", "no converger is running (bay0 or spine run), so nothing owns sway");
        long pid = reply.get();
        if (pid <= 0) return Check.red("compositor", "the converger has no ready compositor (spine get tenant shows its last error)");
        java.nio.file.Path wayland = podman.sockets().waylandSocket();
        return switch (spine.drivers.sway.SwayProcess.served(wayland, pid)) {
            case spine.drivers.sway.SwayProcess.Readiness.Ready r -> Check.green("compositor",
                    "sway pid " + pid + " serves " + wayland + " (SO_PEERCRED checked)", Map.of());
            case spine.drivers.sway.SwayProcess.Readiness.Refused x -> Check.red("compositor", x.why());
            case spine.drivers.sway.SwayProcess.Readiness.Waiting w -> Check.red("compositor", "sway pid " + pid + " does not serve its socket: " + w.why());
        };
    }

    /**
     * No interface but lo may be up where bay0 runs, and every tenant's container must have network none as podman
     * reports it. In host mode the host's interfaces are not Spine's and are only named.
     */
    private Check network() throws IOException {
        var bad = new ArrayList<String>();
        for (var spec : desired.specs().values()) {
            if (!(spec instanceof Tenant t)) continue;
            Optional<String> mode = podman.networkMode(t.id().containerName());
            if (mode.isPresent() && !mode.get().equals("none")) bad.add(t.id() + " has network " + mode.get());
        }
        List<String> up = sysfs.interfacesUp();
        if (!bad.isEmpty()) return Check.red("network", "a tenant has a network: " + String.join("; ", bad));
        if (cleanBoot.isPresent() && !up.isEmpty()) {
            return Check.red("network", "interfaces up in bay0's namespace: " + String.join(", ", up) + " (only lo may be)");
        }
        return Check.green("network", (cleanBoot.isPresent() ? "only lo is up" : "host mode: the host's interfaces ("
                + (up.isEmpty() ? "none" : String.join(", ", up)) + ") are not Spine's") + "; every tenant has network none", Map.of());
    }

    /**
     * Every running container's envelope as the kernel enforces it must match intent (with the governor's throttles).
     * Drift gets one pass of the converger to be repaired before it counts.
     */
    private Check envelopes() {
        Optional<List<String>> drift = drift();
        if (drift.isEmpty()) return Check.yellow("envelopes", "cannot observe containers: podman did not answer");
        if (!drift.get().isEmpty()) {
            converger.ask(JSON.createObjectNode().put("op", "converge").put("once", true).put("timeoutMs", 20_000), Duration.ofSeconds(25));
            drift = drift();
            if (drift.isEmpty()) return Check.yellow("envelopes", "cannot observe containers: podman did not answer");
        }
        List<String> lines = drift.get();
        List<String> drifted = lines.stream().filter(l -> l.startsWith("drift ")).toList();
        if (!drifted.isEmpty()) return Check.red("envelopes", "kernel differs from intent after a pass: " + String.join("; ", drifted));
        List<String> missing = lines.stream().filter(l -> l.startsWith("unenforceable ")).toList();
        if (!missing.isEmpty()) return Check.yellow("envelopes", "cannot enforce on this kernel: " + String.join("; ", missing));
        List<String> elsewhere = lines.stream().filter(l -> l.startsWith("elsewhere ")).map(l -> l.substring(10)).toList();
        if (!elsewhere.isEmpty()) {
            return Check.yellow("envelopes", "not read back: cgroup v2 has no controller for " + elsewhere.size()
                    + " file(s) on this host (hybrid cgroup v1 enforces them), e.g. " + elsewhere.getFirst());
        }
        boolean sway = lines.contains("ok " + spine.model.Compositor.ID);
        long n = lines.stream().filter(l -> l.startsWith("ok ")).count() - (sway ? 1 : 0);
        return Check.green("envelopes", n + " running container(s)" + (sway ? " and the compositor" : "")
                + " enforce their envelopes in the kernel", Map.of());
    }

    /** Asked once per run (the compositor and envelopes checks both need it): empty when no converger answers. */
    private Optional<Long> compositorPidAnswer;

    /** The converger's answer for the compositor's pid (-1 without a ready one); empty when no converger answers. */
    private synchronized Optional<Long> askCompositorPid() {
        if (compositorPidAnswer == null) {
            compositorPidAnswer = converger.ask(JSON.createObjectNode().put("op", "focus-status"), IO_TIMEOUT.multipliedBy(3))
                    .map(spine.controller.loop.FocusStatus::compositorPid);
        }
        return compositorPidAnswer;
    }

    /** The pid of the compositor the converger spawned, when intent wants one running and it has one. */
    private java.util.OptionalLong compositorPid() {
        if (desired.compositor().filter(c -> c.state() == RunState.RUNNING).isEmpty()) return java.util.OptionalLong.empty();
        long pid = askCompositorPid().orElse(-1L);
        return pid > 0 ? java.util.OptionalLong.of(pid) : java.util.OptionalLong.empty();
    }

    /** "drift ...", "unenforceable ..." and "ok ..." lines (the compositor's among them), or empty when podman cannot be read. */
    private Optional<List<String>> drift() {
        var obs = podman.observe();
        if (!obs.ok()) return Optional.empty();
        KernelState k = sysfs.observe(obs.state(), compositorPid());
        int level = converger.ask(JSON.createObjectNode().put("op", "governor"), IO_TIMEOUT)
                .map(r -> r.path("governor").path("level").asInt(0)).orElse(0);
        var throttles = Governor.throttles(new Governor.State(level, 0, 0, "(as the converger reports)"), desired,
                java.util.Set.of(), Runtime.getRuntime().availableProcessors());
        EnvelopePlanner.Result r = EnvelopePlanner.plan(desired, obs.state(), k, throttles);
        var out = new ArrayList<String>();
        for (var s : r.steps()) out.add("drift " + s.step().target() + " " + s.step().reason());
        for (String u : r.unenforceable()) out.add("unenforceable " + u);
        for (String u : r.notReadBack()) out.add("elsewhere " + u);
        k.cgroups().keySet().forEach(id -> out.add("ok " + id));
        k.compositor().ifPresent(v -> out.add("ok " + v.id()));
        return Optional.of(out);
    }

    private Check persist() {
        if (cleanBoot.isPresent() && !cleanBoot.get()) {
            return Check.red("persist", "dirty boot: /persist was absent or wedged, state is volatile");
        }
        String marker = "spine validate " + clock.instant();
        Bounded.Outcome<Boolean> ok = Bounded.call("validate-persist", IO_TIMEOUT, () -> state.markerRoundTrip(marker));
        if (!ok.ok()) return Check.red("persist", "marker write/read failed: " + ok.failure());
        return ok.value().orElse(false) ? Check.green("persist", "marker written and read back under " + state.root().path(), Map.of())
                : Check.red("persist", "marker read back differs from what was written");
    }

    private Check log() {
        Bounded.Outcome<Boolean> ok = Bounded.call("validate-log", IO_TIMEOUT, () -> {
            state.appendValidateLog(clock.instant() + " validate ran");
            return true;
        });
        return ok.ok() ? Check.green("log", "appended to validate.log", Map.of())
                : Check.red("log", "append to validate.log failed: " + ok.failure());
    }
}
