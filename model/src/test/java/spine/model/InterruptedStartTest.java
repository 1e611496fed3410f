package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * A created container whose status said "starting" was left by a converger killed inside {@code podman run}; podman
 * cannot start it ("container with given ID already exists"), so the plan replaces it. Golden case 12 holds the
 * same containers without that status: there a created container is simply started.
 */
class InterruptedStartTest {
    private static final Path CASE = Path.of("src/test/resources/golden/12-half-state-created");

    @Test
    void aCreatedContainerLeftStartingIsReplacedNotStarted() throws Exception {
        DesiredState desired = Fixtures.desired(CASE.resolve("desired.yaml"));
        ObservedState observed = Fixtures.observed(CASE.resolve("observed.json"), desired);
        ResourceId work = ResourceId.persona("work");

        assertThat(Planner.plan(desired, observed).steps()).extracting(s -> s.step().verb()).containsExactly("start");

        Plan replaced = Planner.plan(desired, observed.interrupted(Set.of(work, ResourceId.persona("gone"))));
        assertThat(replaced.steps()).extracting(s -> s.step().verb() + " " + s.step().target()).containsExactly(
                "remove p://work", "run p://work");
        assertThat(replaced.steps().getFirst().step().reason()).isEqualTo("container is interrupted, a half state; replacing it");
    }
}
