package spine.model.governor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import spine.model.DesiredContainer;
import spine.model.DesiredState;
import spine.model.Envelope;
import spine.model.Kind;
import spine.model.ResourceId;
import spine.model.kernel.EnvelopeFiles;
import spine.model.kernel.Throttle;

/**
 * The PSI/thermal governor's decisions, pure. A level says how much is taken, in the order of sacrifice:
 * <ol>
 *   <li>the AI tenant's {@code cpu.max} halved,</li>
 *   <li>quartered,</li>
 *   <li>and its {@code memory.high} set to three quarters of its {@code memory.max},</li>
 *   <li>then background personas' {@code cpu.max} halved (a persona is background once focus exists, Gate E).</li>
 * </ol>
 * bay0 and the compositor are never on the list. The level rises one step after {@link Thresholds#windows()} hot
 * samples in a row and falls one step after as many cool ones. Memory pressure counts only net of the pressure
 * inside throttled cgroups, and never raises the level once {@code memory.high} is set: the throttle that causes
 * memory pressure must not ratchet itself further.
 */
public final class Governor {
    public static final int MAX_LEVEL = 4;
    public static final ResourceId AI = ResourceId.tenant("ai");

    /** The level, the runs of hot and cool samples, and the reason of the last change. */
    public record State(int level, int hot, int cool, String reason) {
        public static final State CALM = new State(0, 0, 0, "no pressure seen yet");
    }

    /** The next state; {@code change} is the log line when the level moved. */
    public record Decision(State state, Optional<String> change) {}

    private Governor() {}

    public static Decision step(State s, Sample x, Thresholds t, int maxLevel) {
        Optional<String> hot = hot(s, x, t);
        boolean cool = x.cpuSome() < t.cpuLow() && x.foreignMemorySome() < t.memoryLow()
                && (x.hottestC().isEmpty() || x.hottestC().getAsDouble() < t.coolC());
        if (hot.isPresent()) {
            int run = s.hot() + 1;
            if (run >= t.windows() && s.level() < maxLevel) {
                String why = hot.get() + " for " + run + " windows -> level " + (s.level() + 1);
                return new Decision(new State(s.level() + 1, 0, 0, why), Optional.of(why));
            }
            return new Decision(new State(s.level(), run, 0, s.reason()), Optional.empty());
        }
        if (cool && s.level() > 0) {
            int run = s.cool() + 1;
            if (run >= t.windows()) {
                String why = String.format(Locale.ROOT, "pressure fell: psi cpu some avg10=%.1f < %.0f, memory %.1f < %.0f for %d windows -> level %d",
                        x.cpuSome(), t.cpuLow(), x.foreignMemorySome(), t.memoryLow(), run, s.level() - 1);
                return new Decision(new State(s.level() - 1, 0, 0, why), Optional.of(why));
            }
            return new Decision(new State(s.level(), 0, run, s.reason()), Optional.empty());
        }
        return new Decision(new State(s.level(), 0, 0, s.reason()), Optional.empty());
    }

    private static Optional<String> hot(State s, Sample x, Thresholds t) {
        if (x.cpuSome() > t.cpuHigh()) {
            return Optional.of(String.format(Locale.ROOT, "psi cpu some avg10=%.1f > %.0f", x.cpuSome(), t.cpuHigh()));
        }
        if (x.hottestC().isPresent() && x.hottestC().getAsDouble() > t.hotC()) {
            return Optional.of(String.format(Locale.ROOT, "thermal %.1f C > %.0f", x.hottestC().getAsDouble(), t.hotC()));
        }
        if (s.level() < 3 && x.foreignMemorySome() > t.memoryHigh()) {
            return Optional.of(String.format(Locale.ROOT, "psi memory some avg10=%.1f (%.1f outside throttled cgroups) > %.0f",
                    x.memorySome(), x.foreignMemorySome(), t.memoryHigh()));
        }
        return Optional.empty();
    }

    /**
     * The throttles a level means for this intent: what each targeted file should hold instead of its envelope's
     * value, each with the decision's reason. {@code background} are the personas that may be slowed at level 4.
     */
    public static List<Throttle> throttles(State s, DesiredState desired, Set<ResourceId> background, int cpuCount) {
        var out = new ArrayList<Throttle>();
        String why = "governor: " + s.reason();
        DesiredContainer ai = desired.containers().get(AI);
        boolean released = s.reason().startsWith("pressure fell");
        if (ai != null && released) {
            // the envelope's own values, carrying the release as their reason; once written, nothing is planned
            Envelope e = ai.spec().limits();
            String base = e.cpuMax().map(EnvelopeFiles::cpuMax).orElse("max " + EnvelopeFiles.PERIOD_USEC);
            if (s.level() == 0) out.add(new Throttle(AI, "cpu.max", base, why + " -> " + AI + " cpu.max back to " + quota(base)));
            if (s.level() < 3) out.add(new Throttle(AI, "memory.high", "max", why + " -> " + AI + " memory.high back to max"));
        }
        if (s.level() == 0) return out;
        if (ai != null) {
            Envelope e = ai.spec().limits();
            String base = e.cpuMax().map(EnvelopeFiles::cpuMax).orElse("max " + EnvelopeFiles.PERIOD_USEC);
            String cut = EnvelopeFiles.scaledCpuMax(base, s.level() == 1 ? 0.5 : 0.25, cpuCount);
            out.add(new Throttle(AI, "cpu.max", cut, why + " -> " + AI + " cpu.max " + quota(base) + "->" + quota(cut)));
            if (s.level() >= 3 && e.memoryMax().isPresent()) {
                long high = e.memoryMax().get() / 4 * 3;
                out.add(new Throttle(AI, "memory.high", Long.toString(high), why + " -> " + AI + " memory.high max->" + high));
            }
        }
        if (s.level() >= 4) {
            for (ResourceId id : background) {
                DesiredContainer p = desired.containers().get(id);
                if (p == null || id.kind() != Kind.PERSONA) continue;
                String base = p.spec().limits().cpuMax().map(EnvelopeFiles::cpuMax).orElse("max " + EnvelopeFiles.PERIOD_USEC);
                out.add(new Throttle(id, "cpu.max", EnvelopeFiles.scaledCpuMax(base, 0.5, cpuCount),
                        why + " -> background " + id + " cpu.max halved"));
            }
        }
        return out;
    }

    private static String quota(String cpuMax) {
        return cpuMax.split(" ")[0];
    }
}
