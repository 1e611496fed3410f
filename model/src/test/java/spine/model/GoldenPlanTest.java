package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Walks {@code golden/<case>/}: plans desired.yaml against observed.json and compares with plan.txt,
 * then applies the plan to a stateful fake world and checks that the next plan is empty.
 * {@code -Dgolden.update=true} rewrites plan.txt and fails, so a rewrite is always deliberate.
 */
class GoldenPlanTest {
    private static final Path ROOT = Path.of("src/test/resources/golden");

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        return Fixtures.cases(ROOT, 15, GoldenPlanTest::check);
    }

    private static void check(Path dir) throws IOException {
        DesiredState desired = Fixtures.desired(dir.resolve("desired.yaml"));
        ObservedState observed = Fixtures.observed(dir.resolve("observed.json"), desired);
        Plan plan = Planner.plan(desired, observed);
        Fixtures.golden(dir.resolve("plan.txt"), plan.lines());

        FakeWorld world = new FakeWorld(observed);
        world.apply(plan);
        Plan next = Planner.plan(desired, world.observe());
        assertThat(next.lines()).as("plan after applying " + dir.getFileName())
                .containsExactlyElementsOf(plan.conflicts().stream().map(Plan.Conflict::line).toList());
        observed.containers().values().stream().filter(c -> c.spineId().isEmpty()).forEach(foreign ->
                assertThat(world.observe().containers().get(foreign.name())).as("foreign " + foreign.name())
                        .isEqualTo(foreign));
    }
}
