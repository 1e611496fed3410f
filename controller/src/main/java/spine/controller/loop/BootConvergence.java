package spine.controller.loop;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import spine.controller.state.IntentStore;
import spine.controller.state.Intents;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.drivers.ContainerRuntime;
import spine.model.ContainerState;
import spine.model.DesiredState;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.boot.BootHolds;
import spine.model.boot.BootRepair;

/**
 * Runs before the loop at every boot: decides this boot's holds, repairs every half state and ghost the way
 * {@link BootRepair} decides, and reports what it did. Each repair's podman steps run first, through the
 * {@link Executor} (logged, counted, a failure in the status), and its status is set to stopped only after they
 * worked, so a crash during the repair leaves it for the next boot to redo.
 */
public final class BootConvergence {
    private static final System.Logger LOG = System.getLogger("boot");

    /** What a boot found and did: the boot report. */
    public record Report(boolean cleanBoot, boolean lastShutdownClean, SortedMap<BootRepair.Kind, Integer> repairs,
                         int failed, int foreign, SortedMap<ResourceId, String> holds, String integrity, Duration took) {
        public int repaired() {
            return repairs.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** One line for genesis.log and the console: flags, every count (zeros too) and the DB check. */
        public String line() {
            var sb = new StringBuilder("boot report: last_shutdown=").append(lastShutdownClean ? "clean" : "unclean")
                    .append(" boot=").append(cleanBoot ? "clean" : "dirty")
                    .append(" repairs=").append(repaired());
            repairs.forEach((k, n) -> sb.append(' ').append(k.word()).append('=').append(n));
            sb.append(" failed=").append(failed).append(" foreign_untouched=").append(foreign)
                    .append(" held=").append(holds.size()).append(" db=").append(integrity)
                    .append(" ms=").append(took.toMillis());
            return sb.toString();
        }

        public ObjectNode json() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("lastShutdownClean", lastShutdownClean).put("cleanBoot", cleanBoot).put("repairs", repaired());
            ObjectNode counts = o.putObject("repaired");
            repairs.forEach((k, n) -> counts.put(k.word(), n));
            o.put("failed", failed).put("foreignUntouched", foreign).put("dbIntegrity", integrity).put("ms", took.toMillis());
            ObjectNode held = o.putObject("held");
            holds.forEach((id, why) -> held.put(id.toString(), why));
            return o;
        }
    }

    private final IntentStore store;
    private final ContainerRuntime runtime;
    private final Executor executor;
    private volatile Optional<ContainerRuntime.Observation> untouched = Optional.empty();

    /** Its steps go through an {@link Executor} over {@code runtime}: logged, counted in {@code metrics}, failures in the status. */
    public BootConvergence(IntentStore store, ContainerRuntime runtime, Metrics metrics) {
        this.store = store;
        this.runtime = runtime;
        this.executor = new Executor(runtime, store, metrics, 1);
    }

    /**
     * Records this boot's holds. Needs only the database, so it runs before anything waits on podman: the loop
     * must never start a persona this boot holds back.
     */
    public SortedMap<ResourceId, String> hold(boolean cleanBoot, boolean lastShutdownClean) throws StateException {
        Intents.Loaded loaded = store.intents().load();
        SortedMap<ResourceId, String> holds = BootHolds.decide(loaded.desired(), cleanBoot, lastShutdownClean);
        store.holds().replace(holds);
        holds.forEach((id, why) -> LOG.log(System.Logger.Level.INFO, "held stopped this boot name={0} reason=\"{1}\"", id, why));
        return holds;
    }

    /** One repair attempt; empty when podman could not be observed (the caller retries, the loop waits). */
    public Optional<Report> repair(boolean cleanBoot, boolean lastShutdownClean, SortedMap<ResourceId, String> holds)
            throws StateException {
        long t0 = System.nanoTime();
        ContainerRuntime.Observation obs = runtime.observe();
        if (!obs.ok()) {
            LOG.log(System.Logger.Level.WARNING, "boot repair cannot observe podman error=\"{0}\"", obs.error());
            return Optional.empty();
        }
        DesiredState desired = store.intents().load().desired();
        var recorded = new TreeMap<ResourceId, Phase>();
        for (Map.Entry<ResourceId, Status> e : store.statuses().all().entrySet()) recorded.put(e.getKey(), e.getValue().phase());
        BootRepair.Plan plan = BootRepair.plan(recorded, desired.specs().keySet(), obs.state());
        untouched = plan.actions().isEmpty() ? Optional.of(obs) : Optional.empty();
        int failed = 0;
        for (BootRepair.Action a : plan.actions()) {
            Phase was = recorded.get(a.target());
            LOG.log(System.Logger.Level.INFO, "boot repair name={0} kind={1} recorded={2} steps={3} why=\"{4}\"", a.target(),
                    a.kind().word(), was == null ? "-" : was.word(), a.steps().stream().map(Step::verb).toList(), a.kind().why());
            Optional<String> error = executor.inOrder(a.steps(), "boot-repair", a.setStopped());
            if (error.isPresent()) {
                failed++;
                LOG.log(System.Logger.Level.WARNING, "boot repair failed name={0} kind={1} error=\"{2}\"; the loop retries from what podman shows",
                        a.target(), a.kind().word(), error.get());
                continue;
            }
            if (a.setStopped()) store.statuses().set(a.target(), Phase.STOPPED, -1, Optional.empty());
            LOG.log(System.Logger.Level.INFO, "boot repair done name={0} kind={1} now={2}", a.target(), a.kind().word(),
                    a.setStopped() ? "stopped" : "removed");
        }
        String integrity = store.integrityCheck();
        if (!"ok".equals(integrity)) LOG.log(System.Logger.Level.ERROR, "state db integrity_check failed result=\"{0}\"", integrity);
        Report report = new Report(cleanBoot, lastShutdownClean, plan.counts(), failed, plan.foreign(), holds,
                integrity, Duration.ofNanos(System.nanoTime() - t0));
        LOG.log(System.Logger.Level.INFO, report.line());
        return Optional.of(report);
    }

    /**
     * The last repair's observation of podman when that repair changed nothing, so it is still what podman shows unless
     * somebody else changed it since: the loop's first pass may start from it instead of asking podman again.
     */
    public Optional<ContainerRuntime.Observation> untouchedObservation() {
        return untouched;
    }

    /**
     * The other end of a power cycle: at a clean shutdown, once the loop has stopped, stops every running or
     * paused Spine container in parallel and records it stopped. Returns how many stopped.
     */
    public int stopAll() throws StateException, InterruptedException {
        ContainerRuntime.Observation obs = runtime.observe();
        if (!obs.ok()) {
            LOG.log(System.Logger.Level.WARNING, "shutdown cannot observe podman error=\"{0}\"", obs.error());
            return 0;
        }
        var threads = new ArrayList<Thread>();
        var stopped = new AtomicInteger();
        var intent = store.intents().load().desired().specs().keySet();
        obs.state().spine().forEach((id, c) -> {
            if (c.state().isDown()) return;
            threads.add(Thread.ofVirtual().name("stop-" + id.containerName()).start(() -> {
                var steps = new ArrayList<Step>();
                if (c.state() == ContainerState.PAUSED) steps.add(new Step.UnpauseContainer(id, "shutdown: thaw before stopping"));
                steps.add(new Step.StopContainer(id, BootRepair.GRACE, "shutdown"));
                Optional<String> error = executor.inOrder(steps, "shutdown", intent.contains(id));
                if (error.isPresent()) {
                    LOG.log(System.Logger.Level.WARNING, "shutdown stop failed name={0} error=\"{1}\"", id, error.get());
                    return;
                }
                stopped.incrementAndGet();
                try {
                    if (intent.contains(id)) store.statuses().set(id, Phase.STOPPED, -1, Optional.empty());
                } catch (StateException e) {
                    LOG.log(System.Logger.Level.WARNING, "shutdown status not recorded name={0} error=\"{1}\"", id, e.getMessage());
                }
            }));
        });
        for (Thread t : threads) t.join();
        LOG.log(System.Logger.Level.INFO, "shutdown stopped containers count={0}", stopped.get());
        return stopped.get();
    }
}
