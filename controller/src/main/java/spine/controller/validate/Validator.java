package spine.controller.validate;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import spine.controller.pid1.Bounded;
import spine.controller.state.StateBridge;
import spine.drivers.exec.CommandResult;
import spine.drivers.kernel.Kernel;
import spine.drivers.podman.PodmanDriver;
import spine.model.Tenant;

/**
 * {@code bay0 --validate} / {@code spine validate}: a non-destructive health check with a hard time budget.
 * Each check is freezer, umbilical, persist or log; the verdict is the worst of them.
 */
public final class Validator {
    private static final System.Logger LOG = System.getLogger("validate");
    private static final Duration WINDOW = Duration.ofMillis(300);
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(2);

    /** The verdict, every check, and how long validate took. */
    public record Report(Check.Verdict verdict, List<Check> checks, Duration took) {}

    private final PodmanDriver podman;
    private final Kernel kernel;
    private final StateBridge state;
    private final Optional<Tenant> ai;
    private final Optional<Boolean> cleanBoot;
    private final String probeImage;
    private final Clock clock;

    /**
     * @param ai        the configured AI tenant, if any (its socket is what the umbilical check connects to)
     * @param cleanBoot this boot's clean flag when bay0 booted the machine; empty in host mode
     */
    public Validator(PodmanDriver podman, Kernel kernel, StateBridge state, Optional<Tenant> ai, Optional<Boolean> cleanBoot,
                     String probeImage, Clock clock) {
        this.podman = podman;
        this.kernel = kernel;
        this.state = state;
        this.ai = ai;
        this.cleanBoot = cleanBoot;
        this.probeImage = probeImage;
        this.clock = clock;
    }

    public Report run(Duration budget) {
        long t0 = System.nanoTime();
        Instant deadline = clock.instant().plus(budget);
        var checks = new ArrayList<Check>();
        checks.add(within("freezer", deadline, this::freezer));
        checks.add(within("umbilical", deadline, this::umbilical));
        checks.add(within("persist", deadline, this::persist));
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
        CommandResult run = podman.runProbe(name, probeImage, List.of("sh", "-c", "while :; do :; done"));
        try {
            if (!run.ok()) return Check.red("freezer", "cannot start probe container: " + run.summary());
            long pid = podman.pidOf(name);
            if (pid <= 0) return Check.red("freezer", "probe container has no pid");
            long burn = ticksOver(pid);
            if (burn <= 0) return Check.red("freezer", "probe did not burn CPU before the freeze");
            long f0 = System.nanoTime();
            CommandResult pause = podman.pause(name);
            long freezeMs = (System.nanoTime() - f0) / 1_000_000;
            if (!pause.ok()) return Check.red("freezer", "freeze failed: " + pause.summary());
            long frozen = ticksOver(pid);
            long t0 = System.nanoTime();
            CommandResult unpause = podman.unpause(name);
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
            podman.removeNow(name);
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
        try {
            long f0 = System.nanoTime();
            boolean froze = kernel.setFrozen(cgroup.get(), true, IO_TIMEOUT);
            long freezeUs = (System.nanoTime() - f0) / 1_000;
            long frozen = ticksOver(pid);
            long t0 = System.nanoTime();
            boolean thawed = kernel.setFrozen(cgroup.get(), false, IO_TIMEOUT);
            long thawUs = (System.nanoTime() - t0) / 1_000;
            facts.put("directFreezeUs", freezeUs);
            facts.put("directThawUs", thawUs);
            facts.put("directTicksFrozen", frozen);
            if (!froze || !thawed) LOG.log(System.Logger.Level.WARNING, "direct cgroup.freeze did not settle within {0} ms", IO_TIMEOUT.toMillis());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "direct cgroup.freeze failed error=\"{0}\"", e.getMessage());
        }
    }

    private long ticksOver(long pid) throws InterruptedException {
        long a = kernel.cpuTicks(pid);
        Thread.sleep(WINDOW);
        long b = kernel.cpuTicks(pid);
        return a < 0 || b < 0 ? -1 : b - a;
    }

    private Check umbilical() {
        if (ai.isEmpty()) return Check.yellow("umbilical", "no AI tenant configured (sys://ai)");
        Path socket = Path.of(ai.get().socket());
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return Check.green("umbilical", "connected to " + socket, Map.of());
        } catch (IOException e) {
            return Check.red("umbilical", "cannot connect to " + socket + ": " + e.getMessage());
        }
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
