package spine.controller.loop;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import spine.drivers.sysfs.SysfsDriver;
import spine.model.DesiredState;
import spine.model.governor.Governor;
import spine.model.governor.Sample;
import spine.model.governor.Thresholds;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;
import spine.model.kernel.Pressure;
import spine.model.kernel.Throttle;

/**
 * The governor's clock (handoff {@code thermal.rs}): every period it reads PSI and thermal through the sysfs driver,
 * lets the pure {@link Governor} decide, and when the level moves it logs the decision and wakes the loop, which
 * writes the throttles as steps. Without PSI ({@code psi=1} missing) it decides on thermal alone.
 */
public final class GovernorLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("governor");
    private static final int HISTORY = 32;
    /** How often it samples: three windows of this make a decision. */
    public static final Duration PERIOD = Duration.ofSeconds(3);

    /** A change of level with its time, for {@code spine get governor}. */
    public record Change(Instant at, int from, int to, String reason) {}

    private final SysfsDriver sysfs;
    private final Supplier<KernelState> lastKernel;
    private final Runnable wake;
    private final Duration period;
    private final Thresholds thresholds;
    private final Clock clock;
    private final Deque<Change> changes = new ArrayDeque<>();
    private volatile Governor.State state = Governor.State.CALM;
    private volatile Optional<Sample> last = Optional.empty();
    private volatile boolean stopping;
    private Thread thread;

    public GovernorLoop(SysfsDriver sysfs, Supplier<KernelState> lastKernel, Runnable wake, Duration period,
                        Thresholds thresholds, Clock clock) {
        this.sysfs = sysfs;
        this.lastKernel = lastKernel;
        this.wake = wake;
        this.period = period;
        this.thresholds = thresholds;
        this.clock = clock;
    }

    public GovernorLoop start() {
        thread = Thread.ofPlatform().daemon().name("governor").start(this::run);
        LOG.log(System.Logger.Level.INFO, "governor started period_ms={0} thresholds={1}", period.toMillis(), thresholds);
        return this;
    }

    private void run() {
        while (!stopping) {
            try {
                tick();
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "governor tick threw: a bug", e);
            }
        }
    }

    /** One sample and decision; public for tests that drive it by hand. */
    public void tick() {
        Pressure psi = sysfs.pressureNow().orElse(Pressure.NONE);
        KernelState k = lastKernel.get();
        // pressure inside the cgroups the governor throttles is its own doing, not a reason to throttle more
        double self = 0;
        if (state.level() > 0) {
            CgroupView ai = k.cgroups().get(Governor.AI);
            if (ai != null) self = ai.file("memory.pressure").flatMap(t -> Pressure.avg10(t, "some")).orElse(0.0);
        }
        Sample x = new Sample(clock.instant(), psi.cpuSome(), psi.memorySome(), psi.ioSome(), sysfs.hottestNow(), self);
        last = Optional.of(x);
        // level 4 (background personas) waits for focus (Gate E): until then no persona is background
        Governor.Decision d = Governor.step(state, x, thresholds, Governor.MAX_LEVEL - 1);
        Governor.State before = state;
        state = d.state();
        d.change().ifPresent(why -> {
            LOG.log(System.Logger.Level.WARNING, "governor: {0}", why);
            synchronized (changes) {
                changes.addFirst(new Change(x.at(), before.level(), state.level(), why));
                while (changes.size() > HISTORY) changes.removeLast();
            }
            wake.run();
        });
    }

    /** The throttles the current level means for this intent. Background personas join with focus (Gate E). */
    public List<Throttle> throttles(DesiredState desired) {
        return Governor.throttles(state, desired, Set.of(), Runtime.getRuntime().availableProcessors());
    }

    public Governor.State state() {
        return state;
    }

    public ObjectNode json() {
        ObjectNode j = JsonNodeFactory.instance.objectNode();
        Governor.State s = state;
        j.put("level", s.level()).put("reason", s.reason()).put("periodMs", period.toMillis());
        last.ifPresent(x -> {
            ObjectNode n = j.putObject("sample");
            n.put("at", x.at().toString()).put("cpuSome", x.cpuSome()).put("memorySome", x.memorySome())
                    .put("ioSome", x.ioSome()).put("throttledMemorySome", x.throttledMemorySome());
            x.hottestC().ifPresent(t -> n.put("hottestC", t));
        });
        ArrayNode list = j.putArray("changes");
        synchronized (changes) {
            changes.forEach(c -> list.addObject().put("at", c.at().toString()).put("from", c.from()).put("to", c.to())
                    .put("reason", c.reason()));
        }
        return j;
    }

    @Override
    public void close() {
        stopping = true;
        if (thread != null) thread.interrupt();
    }
}
