package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.model.CrashLoop.Known;
import spine.model.CrashLoop.Record;
import spine.model.CrashLoop.Verdict;

/** Crash-loop back-off decided purely: Kubernetes' ladder, podman's restart policies, and what survives a restart. */
class CrashLoopTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    private static ObservedContainer.Exit exit(int code, Instant started, Duration ran) {
        return new ObservedContainer.Exit(code, started, started.plus(ran));
    }

    @Test
    void theLadderIsTenSecondsDoublingToFiveMinutes() {
        assertThat(List.of(0, 1, 2, 3, 4, 5, 6, 7, 30).stream().map(CrashLoop::delay).map(Duration::toSeconds))
                .containsExactly(0L, 10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
    }

    @Test
    void eachCrashWaitsLongerAndTheRecordCarriesOver() {
        Record r = Record.none();
        Instant t = T0;
        for (int crash = 1; crash <= 7; crash++) {
            var e = exit(3, t, Duration.ofSeconds(1));
            Verdict v = CrashLoop.decide(RestartPolicy.ALWAYS, r, e, 1, e.exitedAt());
            assertThat(v).isInstanceOf(Verdict.Wait.class);
            r = v.record();
            assertThat(r.crashes()).isEqualTo(crash);
            assertThat(r.restarts()).isEqualTo(crash);
            assertThat(r.exitCode()).isEqualTo(OptionalInt.of(3));
            assertThat(r.nextTry()).contains(e.exitedAt().plus(CrashLoop.delay(crash)));
            // the same exit judged again (another pass, or after a restart of spine run) is the same decision
            assertThat(CrashLoop.decide(RestartPolicy.ALWAYS, r, e, 1, e.exitedAt().plusSeconds(5)).record()).isEqualTo(r);
            Verdict due = CrashLoop.decide(RestartPolicy.ALWAYS, r, e, 1, r.nextTry().orElseThrow());
            assertThat(due).isInstanceOf(Verdict.Restart.class);
            assertThat(due.record()).isEqualTo(r);
            t = r.nextTry().orElseThrow();
        }
        assertThat(r.nextTry().orElseThrow()).isEqualTo(t);
    }

    @Test
    void tenMinutesOfGoodRunningResetTheLadder() {
        Record looping = new Record(6, 6, OptionalInt.of(1), Optional.of(T0), Optional.of(T0.plusSeconds(300)), 1);
        var longRun = exit(0, T0.plusSeconds(300), CrashLoop.GOOD_RUN);
        Verdict v = CrashLoop.decide(RestartPolicy.ALWAYS, looping, longRun, 1, longRun.exitedAt());
        assertThat(v).isInstanceOf(Verdict.Restart.class);
        assertThat(v.record().crashes()).isZero();
        assertThat(v.record().restarts()).isEqualTo(7);
        var crashAgain = exit(1, longRun.exitedAt(), Duration.ofSeconds(2));
        assertThat(CrashLoop.decide(RestartPolicy.ALWAYS, v.record(), crashAgain, 1, crashAgain.exitedAt()).record().nextTry())
                .contains(crashAgain.exitedAt().plus(CrashLoop.FIRST));
    }

    @Test
    void policiesDecideWhetherAnExitIsRestarted() {
        var ok = exit(0, T0, Duration.ofSeconds(1));
        var bad = exit(3, T0, Duration.ofSeconds(1));
        assertThat(CrashLoop.decide(RestartPolicy.NEVER, Record.none(), bad, 1, T0.plusSeconds(60))).isInstanceOf(Verdict.StayExited.class);
        assertThat(CrashLoop.decide(RestartPolicy.NEVER, Record.none(), ok, 1, T0.plusSeconds(60))).isInstanceOf(Verdict.StayExited.class);
        assertThat(CrashLoop.decide(RestartPolicy.ON_FAILURE, Record.none(), ok, 1, T0.plusSeconds(60))).isInstanceOf(Verdict.StayExited.class);
        assertThat(CrashLoop.decide(RestartPolicy.ON_FAILURE, Record.none(), bad, 1, T0.plusSeconds(60))).isInstanceOf(Verdict.Restart.class);
        assertThat(CrashLoop.decide(RestartPolicy.ALWAYS, Record.none(), ok, 1, T0.plusSeconds(60))).isInstanceOf(Verdict.Restart.class);
        Verdict stay = CrashLoop.decide(RestartPolicy.NEVER, Record.none(), bad, 1, T0);
        assertThat(stay.record().exitCode()).isEqualTo(OptionalInt.of(3));
        assertThat(stay.record().nextTry()).isEmpty();
    }

    @Test
    void aNewGenerationStartsAfresh() {
        Record looping = new Record(6, 6, OptionalInt.of(1), Optional.of(T0), Optional.of(T0.plusSeconds(300)), 1);
        var e = exit(1, T0.plusSeconds(400), Duration.ofSeconds(1));
        Verdict v = CrashLoop.decide(RestartPolicy.ALWAYS, looping, e, 2, e.exitedAt());
        assertThat(v.record().crashes()).isEqualTo(1);
        assertThat(v.record().generation()).isEqualTo(2);
    }

    /** Only exits Spine did not cause are judged: it stopped a container itself when the status said stopped. */
    @Test
    void judgesOnlyExitsOfContainersSpineLastSawUp() {
        var crash = new Persona(ResourceId.persona("crash"), "img", List.of("false"), new TreeMap<>(), RunState.RUNNING,
                Optional.empty(), false, false, NetworkMode.NONE, RestartPolicy.ALWAYS);
        var stopped = new Persona(ResourceId.persona("stopped"), "img", List.of("false"), new TreeMap<>(), RunState.RUNNING,
                Optional.empty(), false, false, NetworkMode.NONE, RestartPolicy.ALWAYS);
        DesiredState desired = DesiredState.of(List.of(crash, stopped));
        var observed = ObservedState.of(List.of(exited(crash, desired), exited(stopped, desired)));
        Map<ResourceId, Known> known = Map.of(crash.id(), new Known(Phase.RUNNING, Record.none()),
                stopped.id(), new Known(Phase.STOPPED, Record.none()));
        assertThat(CrashLoop.judge(desired, observed, known, T0.plusSeconds(2)).keySet()).containsExactly(crash.id());
        assertThat(CrashLoop.judge(desired.with(List.of(crash.withState(RunState.STOPPED))), observed, known, T0)).isEmpty();
    }

    private static ObservedContainer exited(Persona p, DesiredState desired) {
        var labels = new TreeMap<String, String>();
        labels.put(Labels.NAME, p.id().toString());
        labels.put(Labels.KIND, "persona");
        labels.put(Labels.SPEC_HASH, desired.containers().get(p.id()).spec().specHash());
        return new ObservedContainer("id-" + p.id().label(), p.id().containerName(), ContainerState.EXITED, "img", labels,
                Optional.of(exit(1, T0, Duration.ofSeconds(1))));
    }
}
