package spine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Planner benchmark (not a test): plans N personas against a world where a quarter need work, after warm-up,
 * and prints the median and p90 of repeated runs for 1,000 and 10,000 side by side. Run by scripts/bench.sh planner.
 */
public final class PlannerBench {
    private PlannerBench() {}

    public static void main(String[] args) {
        int[] sizes = {1_000, 10_000};
        for (int n : sizes) {
            DesiredState desired = desired(n);
            ObservedState observed = observed(desired);
            for (int i = 0; i < 200; i++) Planner.plan(desired, observed); // warm-up
            int runs = n >= 10_000 ? 30 : 200;
            long[] ns = new long[runs];
            int steps = 0;
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                steps = Planner.plan(desired, observed).steps().size();
                ns[i] = System.nanoTime() - t0;
            }
            Arrays.sort(ns);
            System.out.printf("planner personas=%d steps=%d median_ms=%.2f p90_ms=%.2f runs=%d%n", n, steps,
                    ns[runs / 2] / 1e6, ns[(int) (runs * 0.9)] / 1e6, runs);
        }
    }

    private static DesiredState desired(int n) {
        List<Spec> specs = new ArrayList<>();
        specs.add(new Envelope(ResourceId.envelope("small"), Optional.of(new java.math.BigDecimal("0.5")), Optional.of(100),
                Optional.of(128L << 20), Optional.of(0L), Optional.of(500), Optional.of(128), true));
        for (int i = 0; i < n; i++) {
            var env = new TreeMap<String, String>();
            env.put("INDEX", Integer.toString(i));
            specs.add(new Persona(ResourceId.persona("p" + i), "localhost/spine/busybox:1", List.of("sleep", "600"), env,
                    i % 3 == 0 ? RunState.STOPPED : RunState.RUNNING, Optional.of("small"), false, false, NetworkMode.NONE));
        }
        return DesiredState.of(specs);
    }

    /** Three quarters converged; the rest missing, stale or in the wrong state. */
    private static ObservedState observed(DesiredState desired) {
        var out = new ArrayList<ObservedContainer>();
        int i = 0;
        for (var e : desired.containers().entrySet()) {
            var labels = new TreeMap<String, String>();
            labels.put(Labels.NAME, e.getKey().toString());
            labels.put(Labels.KIND, "persona");
            labels.put(Labels.SPEC_HASH, i % 8 == 1 ? "stale" : e.getValue().spec().specHash());
            ContainerState state = switch (e.getValue().state()) {
                case RUNNING -> i % 8 == 2 ? ContainerState.EXITED : ContainerState.RUNNING;
                case PAUSED -> ContainerState.PAUSED;
                case STOPPED -> ContainerState.EXITED;
            };
            if (i % 8 != 3) out.add(new ObservedContainer("id" + i, e.getKey().containerName(), state, "img", labels));
            i++;
        }
        return ObservedState.of(out);
    }
}
