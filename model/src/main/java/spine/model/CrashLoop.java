package spine.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Crash-loop back-off, as Kubernetes does it, decided purely. An exit less than {@link #GOOD_RUN} after its start is a
 * crash: the restart waits {@link #FIRST} after the exit, doubling with each crash in a row up to {@link #MAX}; an exit
 * after a longer run is not a crash, and resets the count. The record lives in the status table, so the back-off
 * survives a restart of {@code spine run} or of bay0, and a new generation of the spec starts afresh.
 */
public final class CrashLoop {
    public static final Duration FIRST = Duration.ofSeconds(10);
    public static final Duration MAX = Duration.ofMinutes(5);
    public static final Duration GOOD_RUN = Duration.ofMinutes(10);

    /**
     * What Spine knows of a resource's exits: how often it restarted it, the crashes in a row, the last exit (code and
     * time) and the generation it was judged under, and when the next restart may run.
     */
    public record Record(int restarts, int crashes, OptionalInt exitCode, Optional<Instant> exitedAt,
                         Optional<Instant> nextTry, long generation) {
        public static Record none() {
            return new Record(0, 0, OptionalInt.empty(), Optional.empty(), Optional.empty(), 0);
        }
    }

    /** The decision for one container that exited by itself while wanted running. */
    public sealed interface Verdict {
        Record record();

        /** The phase the status table shows for it; empty for a restart, whose steps record their own phases. */
        Optional<Phase> phase();

        /** Start it now. */
        record Restart(Record record) implements Verdict {
            public Optional<Phase> phase() { return Optional.empty(); }
        }

        /** Crash-looping: start it at {@code record.nextTry()}, not before. */
        record Wait(Record record) implements Verdict {
            public Optional<Phase> phase() { return Optional.of(Phase.CRASHLOOP); }
        }

        /** The policy keeps it exited until the spec changes; with exit code 0 that is a finished job (converged). */
        record StayExited(Record record) implements Verdict {
            public Optional<Phase> phase() { return Optional.of(Phase.EXITED); }

            public boolean finished() { return record.exitCode().orElse(-1) == 0; }
        }
    }

    /** What the status table says of a resource: the phase Spine last recorded and its crash record. */
    public record Known(Phase phase, Record record) {}

    private CrashLoop() {}

    /**
     * Judges every container that exited by itself while wanted up: its spec is current (a changed spec is a
     * recreate, not a restart) and Spine last recorded it up, crash-looping or exited, so Spine did not stop it.
     * Everything else is left to the planner as before.
     */
    public static SortedMap<ResourceId, Verdict> judge(DesiredState desired, ObservedState observed,
                                                       Map<ResourceId, Known> known, Instant now) {
        var out = new TreeMap<ResourceId, Verdict>();
        SortedMap<ResourceId, ObservedContainer> ours = observed.spine();
        desired.containers().forEach((id, want) -> {
            if (want.state() == RunState.STOPPED) return;
            ObservedContainer c = ours.get(id);
            Known k = known.get(id);
            if (c == null || c.exit().isEmpty() || !c.state().isDown() || k == null) return;
            if (!c.specHash().equals(want.spec().specHash())) return;
            if (k.phase() != Phase.RUNNING && k.phase() != Phase.PAUSED && k.phase() != Phase.CRASHLOOP
                    && k.phase() != Phase.EXITED) return;
            RestartPolicy policy = desired.specs().get(id) instanceof Persona p ? p.restart() : RestartPolicy.ALWAYS;
            out.put(id, decide(policy, k.record(), c.exit().get(), want.generation(), now));
        });
        return out;
    }

    public static Duration delay(int crashes) {
        if (crashes <= 0) return Duration.ZERO;
        Duration d = FIRST.multipliedBy(1L << Math.min(crashes - 1, 20));
        return d.compareTo(MAX) > 0 ? MAX : d;
    }

    /**
     * @param before     what the status table holds (a different generation counts as nothing: the user changed the spec)
     * @param exit       the exit podman reports
     * @param generation the intent generation now
     */
    public static Verdict decide(RestartPolicy policy, Record before, ObservedContainer.Exit exit, long generation, Instant now) {
        Record base = before.generation() == generation ? before : Record.none();
        boolean seen = base.exitedAt().equals(Optional.of(exit.exitedAt())) && base.exitCode().equals(OptionalInt.of(exit.code()));
        Record r;
        if (seen) {
            r = base;
        } else if (!policy.restarts(exit.code())) {
            r = new Record(base.restarts(), base.crashes(), OptionalInt.of(exit.code()), Optional.of(exit.exitedAt()),
                    Optional.empty(), generation);
        } else {
            boolean crash = Duration.between(exit.startedAt(), exit.exitedAt()).compareTo(GOOD_RUN) < 0;
            int crashes = crash ? base.crashes() + 1 : 0;
            r = new Record(base.restarts() + 1, crashes, OptionalInt.of(exit.code()), Optional.of(exit.exitedAt()),
                    Optional.of(exit.exitedAt().plus(delay(crashes))), generation);
        }
        if (r.nextTry().isEmpty()) return new Verdict.StayExited(r);
        return now.isBefore(r.nextTry().get()) ? new Verdict.Wait(r) : new Verdict.Restart(r);
    }
}
