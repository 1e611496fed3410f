package spine.model.governor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

import org.junit.jupiter.api.Test;

import spine.model.DesiredState;
import spine.model.ResourceId;
import spine.model.kernel.Throttle;
import spine.model.spec.SpecParser;

/** The governor's decisions on series of samples: hysteresis, release, thermal, and no self-made ratchet. */
class GovernorTest {
    private static final Thresholds T = Thresholds.defaults();

    private static Sample cpu(double some) {
        return new Sample(Instant.EPOCH, some, 0, 0, OptionalDouble.empty(), 0);
    }

    /** Runs a series from calm and returns the level after each sample. */
    private static List<Integer> levels(List<Sample> series) {
        var out = new ArrayList<Integer>();
        Governor.State s = Governor.State.CALM;
        for (Sample x : series) {
            s = Governor.step(s, x, T, 3).state();
            out.add(s.level());
        }
        return out;
    }

    @Test
    void sustainedCpuPressureTightensOneLevelPerThreeWindowsAndHysteresisHolds() {
        var series = new ArrayList<Sample>();
        for (int i = 0; i < 3; i++) series.add(cpu(63.2));
        for (int i = 0; i < 5; i++) series.add(cpu(30)); // between low (15) and high (40): nothing moves
        for (int i = 0; i < 3; i++) series.add(cpu(70));
        for (int i = 0; i < 6; i++) series.add(cpu(2));
        assertThat(levels(series)).containsExactly(0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 0);
    }

    @Test
    void aSingleSpikeDoesNothing() {
        assertThat(levels(List.of(cpu(90), cpu(10), cpu(90), cpu(10), cpu(90)))).containsOnly(0);
    }

    @Test
    void theReasonNamesTheFigureAndTheWindows() {
        Governor.State s = Governor.State.CALM;
        Governor.Decision d = null;
        for (int i = 0; i < 3; i++) {
            d = Governor.step(s, cpu(63.2), T, 3);
            s = d.state();
        }
        assertThat(d.change()).hasValue("psi cpu some avg10=63.2 > 40 for 3 windows -> level 1");
    }

    @Test
    void memoryPressureFromItsOwnThrottleDoesNotRatchet() {
        // at level 3 memory.high squeezes the AI tenant: machine memory pressure rises, almost all of it inside
        // the throttled cgroup. Neither that nor pressure left after it may push the level further.
        Governor.State s = new Governor.State(3, 0, 0, "x");
        for (int i = 0; i < 10; i++) {
            s = Governor.step(s, new Sample(Instant.EPOCH, 10, 45, 0, OptionalDouble.empty(), 40), T, 4).state();
        }
        assertThat(s.level()).isEqualTo(3);
        for (int i = 0; i < 10; i++) {
            s = Governor.step(s, new Sample(Instant.EPOCH, 10, 45, 0, OptionalDouble.empty(), 0), T, 4).state();
        }
        assertThat(s.level()).as("memory pressure alone never goes past memory.high").isEqualTo(3);
        // below level 3, pressure inside throttled cgroups is subtracted
        Governor.State one = new Governor.State(1, 0, 0, "x");
        for (int i = 0; i < 5; i++) {
            one = Governor.step(one, new Sample(Instant.EPOCH, 10, 30, 0, OptionalDouble.empty(), 25), T, 3).state();
        }
        assertThat(one.level()).isEqualTo(1);
    }

    @Test
    void heatAloneTightensAndCoolingReleases() {
        var series = new ArrayList<Sample>();
        for (int i = 0; i < 3; i++) series.add(new Sample(Instant.EPOCH, 0, 0, 0, OptionalDouble.of(85), 0));
        for (int i = 0; i < 3; i++) series.add(new Sample(Instant.EPOCH, 0, 0, 0, OptionalDouble.of(75), 0)); // between
        for (int i = 0; i < 3; i++) series.add(new Sample(Instant.EPOCH, 0, 0, 0, OptionalDouble.of(60), 0));
        assertThat(levels(series)).containsExactly(0, 0, 1, 1, 1, 1, 1, 1, 0);
    }

    @Test
    void aRecordedVmSeriesThrottlesUnderLoadAndReleasesAfter() throws IOException {
        // /proc/pressure sampled every 3 s in the VM (scripts in docs/BENCHMARKS.md): idle, four busy loops, idle
        var series = new ArrayList<Sample>();
        try (InputStream in = getClass().getResourceAsStream("/governor/vm-load.csv")) {
            assertThat(in).as("recorded series").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split(",");
                series.add(new Sample(Instant.ofEpochSecond(Long.parseLong(f[0])), Double.parseDouble(f[1]),
                        Double.parseDouble(f[2]), Double.parseDouble(f[3]), OptionalDouble.empty(), 0));
            }
        }
        List<Integer> levels = levels(series);
        assertThat(levels.stream().mapToInt(Integer::intValue).max().orElse(0)).as(levels.toString()).isGreaterThanOrEqualTo(1);
        assertThat(levels.getLast()).as("released once the load stopped: " + levels).isZero();
    }

    @Test
    void throttlesFollowTheOrderOfSacrifice() {
        SpecParser.Result r = SpecParser.parse("t.yaml", """
                apiVersion: spine/v1
                kind: Envelope
                metadata: {name: sacrificial}
                spec: {cpu: {max: 0.25, weight: 20}, memory: {max: 64Mi}}
                ---
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://ai"}
                spec: {image: localhost/spine/ai:1, envelope: sacrificial, socket: /run/spine/ai.sock}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://bg"}
                spec: {image: localhost/spine/busybox:1, state: running}
                """);
        assertThat(r.errors()).isEmpty();
        DesiredState d = DesiredState.of(r.specs().stream().map(SpecParser.Located::spec).toList());
        ResourceId bg = ResourceId.persona("bg");
        assertThat(Governor.throttles(Governor.State.CALM, d, Set.of(bg), 2)).isEmpty();
        List<Throttle> one = Governor.throttles(new Governor.State(1, 0, 0, "psi cpu some avg10=63.2 > 40 for 3 windows -> level 1"), d, Set.of(bg), 2);
        assertThat(one).singleElement().satisfies(t -> {
            assertThat(t.target()).isEqualTo(Governor.AI);
            assertThat(t.value()).isEqualTo("12500 100000");
            assertThat(t.reason()).isEqualTo("governor: psi cpu some avg10=63.2 > 40 for 3 windows -> level 1 -> sys://ai cpu.max 25000->12500");
        });
        assertThat(Governor.throttles(new Governor.State(2, 0, 0, "x"), d, Set.of(bg), 2)).extracting(Throttle::value)
                .containsExactly("6250 100000");
        assertThat(Governor.throttles(new Governor.State(3, 0, 0, "x"), d, Set.of(bg), 2))
                .extracting(t -> t.file() + "=" + t.value()).containsExactly("cpu.max=6250 100000", "memory.high=50331648");
        assertThat(Governor.throttles(new Governor.State(4, 0, 0, "x"), d, Set.of(bg), 2))
                .extracting(t -> t.target() + " " + t.file() + "=" + t.value())
                .containsExactly("sys://ai cpu.max=6250 100000", "sys://ai memory.high=50331648", "p://bg cpu.max=100000 100000");
        assertThat(Governor.throttles(new Governor.State(4, 0, 0, "x"), d, Set.of(), 2))
                .as("no persona is background before focus exists").hasSize(2);
        // a release names itself in the steps that put the envelope's values back
        assertThat(Governor.throttles(new Governor.State(0, 0, 0, "pressure fell: psi cpu some avg10=1.6 < 15 -> level 0"), d, Set.of(bg), 2))
                .extracting(t -> t.file() + "=" + t.value() + " | " + t.reason()).containsExactly(
                        "cpu.max=25000 100000 | governor: pressure fell: psi cpu some avg10=1.6 < 15 -> level 0 -> sys://ai cpu.max back to 25000",
                        "memory.high=max | governor: pressure fell: psi cpu some avg10=1.6 < 15 -> level 0 -> sys://ai memory.high back to max");
    }
}
