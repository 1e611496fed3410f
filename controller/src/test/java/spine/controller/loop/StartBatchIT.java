package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.podman.PodmanDriver;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;

/**
 * Starts in one {@code podman start A B ...} on real podman: what the driver assumes of it (it names what it started,
 * goes on past a container that fails, and refuses the whole call for a name it does not know) holds, and each
 * container gets its own answer.
 */
class StartBatchIT {
    private PodmanHarness podman;
    private final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    private PodmanDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
        var runner = new ProcessCommandRunner(podman.env());
        driver = new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return runner.run(argv, timeout);
        }, List.of("podman"), PodmanDriver.Timeouts.defaults());
        for (String n : List.of("s1", "s3")) {
            assertThat(podman.podman("create", "--name", "p__" + n, "localhost/spine/busybox:1", "sleep", "300").ok()).isTrue();
        }
        assertThat(podman.podman("create", "--name", "p__s2", "localhost/spine/busybox:1", "/nonexistent").ok()).isTrue();
    }

    @AfterEach
    void tearDown() {
        podman.reset();
    }

    private static List<Step.StartContainer> starts(String... names) {
        return java.util.Arrays.stream(names).map(n -> new Step.StartContainer(ResourceId.persona(n), "exited; want running")).toList();
    }

    private String state(String name) throws Exception {
        return podman.containers().get(name).split(" ")[1];
    }

    @Test
    void oneCallStartsTheGoodOnesAndTheOneThatFailsGetsItsOwnError() throws Exception {
        Map<ResourceId, StepResult> r = driver.startAll(starts("s1", "s2", "s3"));

        assertThat(calls).containsExactly(List.of("podman", "start", "p__s1", "p__s2", "p__s3"), List.of("podman", "start", "p__s2"));
        assertThat(r.get(ResourceId.persona("s1")).ok()).isTrue();
        assertThat(r.get(ResourceId.persona("s3")).ok()).isTrue();
        assertThat(r.get(ResourceId.persona("s2"))).isInstanceOfSatisfying(StepResult.Failed.class,
                f -> assertThat(f.reason()).contains("/nonexistent"));
        assertThat(state("p__s1")).isEqualTo("running");
        assertThat(state("p__s3")).isEqualTo("running");
        assertThat(state("p__s2")).isNotEqualTo("running");
    }

    @Test
    void aNameTakenAwayBeforeTheCallCostsOnlyItself() throws Exception {
        // gone between the observation and the start: podman refuses the whole call, so each is started alone
        Map<ResourceId, StepResult> r = driver.startAll(starts("s1", "gone", "s3"));

        assertThat(calls.getFirst()).containsExactly("podman", "start", "p__s1", "p__gone", "p__s3");
        assertThat(calls).hasSize(4);
        assertThat(r.get(ResourceId.persona("gone"))).isInstanceOfSatisfying(StepResult.Failed.class,
                f -> assertThat(f.reason()).contains("no such container"));
        assertThat(state("p__s1")).isEqualTo("running");
        assertThat(state("p__s3")).isEqualTo("running");
    }
}
