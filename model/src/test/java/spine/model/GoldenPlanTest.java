package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(ROOT)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(cases).as("golden cases").hasSizeGreaterThanOrEqualTo(15);
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }

    private static void check(Path dir) throws IOException {
        DesiredState desired = Fixtures.desired(dir.resolve("desired.yaml"));
        ObservedState observed = Fixtures.observed(dir.resolve("observed.json"), desired);
        Plan plan = Planner.plan(desired, observed);
        String actual = String.join("\n", plan.lines()) + (plan.lines().isEmpty() ? "" : "\n");
        Path golden = dir.resolve("plan.txt");
        if (UPDATE) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            throw new AssertionError("rewrote " + golden + "; review the diff, then run again without -Dgolden.update");
        }
        assertThat(actual).as("plan for " + dir.getFileName()).isEqualTo(Files.readString(golden));

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
