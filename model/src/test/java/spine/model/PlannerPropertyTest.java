package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** 1,000 seeded random worlds: every plan converges in one application and never touches a foreign container. */
class PlannerPropertyTest {
    private static final String[] LABELS = {"a", "b", "c", "d", "e", "f", "work", "games"};
    private static final String[] IMAGES = {"localhost/spine/busybox:1", "localhost/spine/busybox:2"};

    @Test
    void randomWorldsConvergeInOnePlan() {
        Random rnd = new Random(20261121L);
        for (int world = 0; world < 1_000; world++) {
            DesiredState desired = randomDesired(rnd);
            ObservedState observed = randomObserved(rnd, desired);
            Plan plan = Planner.plan(desired, observed);
            FakeWorld fake = new FakeWorld(observed);
            try {
                fake.apply(plan);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("world " + world + " plan " + plan.lines() + " failed: " + e.getMessage(), e);
            }
            Plan next = Planner.plan(desired, fake.observe());
            assertThat(next.steps()).as("world %d: second plan after %s", world, plan.lines()).isEmpty();
            assertOrdered(plan, world);
            for (ObservedContainer c : observed.containers().values()) {
                if (c.spineId().isEmpty()) {
                    assertThat(fake.touched()).as("world %d touched foreign %s", world, c.name()).doesNotContain(c.name());
                }
            }
            assertThat(Planner.plan(desired, observed)).as("planning is deterministic").isEqualTo(plan);
        }
    }

    private static void assertOrdered(Plan plan, int world) {
        PlanPhase last = PlanPhase.TENANTS;
        for (Plan.PlannedStep s : plan.steps()) {
            assertThat(s.phase().compareTo(last)).as("world %d phase order %s", world, plan.lines()).isGreaterThanOrEqualTo(0);
            last = s.phase();
        }
    }

    private static DesiredState randomDesired(Random rnd) {
        var specs = new ArrayList<Spec>();
        boolean withEnvelope = rnd.nextBoolean();
        if (withEnvelope) {
            specs.add(new Envelope(ResourceId.envelope("small"), Optional.of(new java.math.BigDecimal(rnd.nextBoolean() ? "0.5" : "1")),
                    Optional.empty(), Optional.of(64L << 20), Optional.empty(), Optional.of(500), Optional.empty(), true));
        }
        for (String l : LABELS) {
            int pick = rnd.nextInt(4);
            RunState state = RunState.values()[rnd.nextInt(3)];
            Optional<String> env = withEnvelope && rnd.nextBoolean() ? Optional.of("small") : Optional.empty();
            String image = IMAGES[rnd.nextInt(2)];
            if (pick == 1) {
                specs.add(new Persona(ResourceId.persona(l), image, List.of("sleep", "1000"), new TreeMap<>(), state, env,
                        false, rnd.nextBoolean(), rnd.nextInt(5) == 0 ? NetworkMode.PRIVATE : NetworkMode.NONE));
            } else if (pick == 2) {
                specs.add(new Tenant(ResourceId.tenant(l), image, List.of(), new TreeMap<>(), env, "/run/spine/" + l + ".sock", state));
            }
        }
        return DesiredState.of(specs);
    }

    private static ObservedState randomObserved(Random rnd, DesiredState desired) {
        var out = new ArrayList<ObservedContainer>();
        var hashes = new TreeMap<String, String>();
        desired.containers().forEach((id, c) -> hashes.put(id.containerName(), c.spec().specHash()));
        int n = 0;
        for (String l : LABELS) {
            for (Kind k : new Kind[] {Kind.PERSONA, Kind.TENANT}) {
                ResourceId id = new ResourceId(k, l);
                int pick = rnd.nextInt(5);
                if (pick == 0) continue;
                ContainerState state = ContainerState.values()[rnd.nextInt(ContainerState.values().length)];
                var labels = new TreeMap<String, String>();
                if (pick != 4) { // pick 4: a foreign container that happens to hold the name
                    labels.put(Labels.NAME, id.toString());
                    labels.put(Labels.KIND, k.cliName());
                    String hash = hashes.get(id.containerName());
                    labels.put(Labels.SPEC_HASH, hash != null && rnd.nextInt(3) > 0 ? hash : "stale" + rnd.nextInt(9));
                }
                out.add(new ObservedContainer("id" + n++, id.containerName(), state, IMAGES[rnd.nextInt(2)], labels));
            }
        }
        if (rnd.nextBoolean()) {
            out.add(new ObservedContainer("id-foreign", "foreign", ContainerState.RUNNING, "x", new TreeMap<>()));
        }
        return ObservedState.of(out);
    }
}
