package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.PodmanHarness;
import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;

/** spine apply / diff / delete against real podman, with the repository's example specs. */
class ApplyIT {
    private static PodmanHarness podman;
    private static final Path EXAMPLES = PodmanHarness.REPO.resolve("specs/examples");

    @TempDir Path root;
    @TempDir Path specs;

    @BeforeAll
    static void harness() throws IOException {
        podman = new PodmanHarness();
    }

    @BeforeEach
    void clean() {
        podman.reset();
    }

    private PodmanHarness.Result spine(String... args) {
        return podman.spine(root, args);
    }

    @Test
    void examplesConvergeAndASecondApplyChangesNothing() throws IOException {
        PodmanHarness.Result first = spine("apply", "-f", EXAMPLES.toString(), "--timeout", "90s");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.out()).contains("tenant   sys://ai", "persona  p://work", "phase=running", "envelope small");
        Map<String, String> before = podman.containers();
        assertThat(before).containsOnlyKeys("sys__ai", "p__work");
        assertThat(before.get("p__work")).endsWith(" running");

        PodmanHarness.Result second = spine("apply", "-f", EXAMPLES.toString());
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.out()).contains("unchanged").doesNotContain("created").doesNotContain("updated");
        assertThat(podman.containers()).isEqualTo(before);

        PodmanHarness.Result diff = spine("diff", "-f", EXAMPLES.toString());
        assertThat(diff.exit()).as(diff.toString()).isZero();
        assertThat(diff.out()).isEmpty();

        PodmanHarness.Result get = spine("get", "persona", "-o", "json");
        assertThat(get.exit()).isZero();
        assertThat(get.out()).contains("\"name\" : \"p://work\"", "\"phase\" : \"running\"", "\"observedGeneration\" : 1");
    }

    @Test
    void changingOneSpecRecreatesOnlyThatContainer() throws IOException {
        copyExamples();
        assertThat(spine("apply", "-f", specs.toString()).exit()).isZero();
        Map<String, String> before = podman.containers();

        Path personas = specs.resolve("personas.yaml");
        // p://work is the first persona of the examples, on the tools image
        Files.writeString(personas, Files.readString(personas).replaceFirst("localhost/spine/tools:1", "localhost/spine/busybox:2"));
        PodmanHarness.Result diff = spine("diff", "-f", specs.toString());
        assertThat(diff.exit()).isEqualTo(1);
        assertThat(diff.out()).contains("intent p://work update", "personas p://work remove -- image changed",
                "personas p://work run --");

        PodmanHarness.Result r = spine("apply", "-f", specs.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("persona +p://work +updated");
        Map<String, String> after = podman.containers();
        assertThat(after.get("sys__ai")).isEqualTo(before.get("sys__ai"));
        assertThat(after.get("p__work")).isNotEqualTo(before.get("p__work")).endsWith(" running");
    }

    @Test
    void deletePrunesAndAForeignContainerSurvivesEverything() throws IOException {
        assertThat(podman.podman("run", "-d", "--name", "foreign", "--network", "none", "localhost/spine/busybox:1",
                "sleep", "600").ok()).isTrue();
        assertThat(podman.podman("run", "-d", "--name", "labelled-elsewhere", "--network", "none",
                "--label", "io.spine.name=p://work", "--label", "io.spine.kind=persona",
                "localhost/spine/busybox:1", "sleep", "600").ok()).isTrue();
        String foreign = podman.containers().get("foreign");

        assertThat(spine("apply", "-f", EXAMPLES.toString()).exit()).isZero();
        PodmanHarness.Result del = spine("delete", "persona", "p://work");
        assertThat(del.exit()).as(del.toString()).isZero();
        assertThat(podman.containers()).doesNotContainKey("p__work").containsKey("sys__ai");
        assertThat(spine("delete", "tenant", "sys://ai").exit()).isZero();
        assertThat(spine("reconcile", "--once").exit()).isZero();

        assertThat(podman.containers()).containsOnlyKeys("foreign", "labelled-elsewhere");
        assertThat(podman.containers().get("foreign")).isEqualTo(foreign);
        assertThat(spine("get", "persona", "p://work").exit()).isEqualTo(ExitCode.INVALID);
    }

    @Test
    void invalidInputChangesNeitherTheDatabaseNorAnyContainer() throws Exception {
        copyExamples();
        assertThat(spine("apply", "-f", specs.toString()).exit()).isZero();
        Map<String, String> containers = podman.containers();
        var history = history();

        Path personas = specs.resolve("personas.yaml");
        // a valid change in one file plus an invalid document in another: all or nothing
        Files.writeString(personas, Files.readString(personas).replace("state: stopped", "state: running"));
        Files.writeString(specs.resolve("zz-bad.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata:
                  name: sys://sneaky
                spec:
                  image: localhost/spine/busybox:1
                  stat: running
                """);
        PodmanHarness.Result r = spine("apply", "-f", specs.toString());
        assertThat(r.exit()).isGreaterThanOrEqualTo(2);
        assertThat(r.err()).contains("zz-bad.yaml:4:9: persona name \"sys://sneaky\" uses the sys:// scheme",
                "zz-bad.yaml:7:3: unknown field \"stat\" in Persona spec; did you mean \"state\"?", "nothing was applied");
        assertThat(history()).isEqualTo(history);
        assertThat(podman.containers()).isEqualTo(containers);

        Files.delete(specs.resolve("zz-bad.yaml"));
        Files.writeString(specs.resolve("dangling.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://orphan"}
                spec: {image: localhost/spine/busybox:1, envelope: huge}
                """);
        PodmanHarness.Result dangling = spine("apply", "-f", specs.toString());
        assertThat(dangling.exit()).isEqualTo(ExitCode.INVALID);
        assertThat(dangling.err()).contains("names envelope \"huge\"");
        assertThat(history()).isEqualTo(history);
        assertThat(podman.containers()).isEqualTo(containers);
    }

    private java.util.List<String> history() throws Exception {
        try (IntentStore s = IntentStore.open(new SpineRoot(root), java.time.Clock.systemUTC())) {
            return s.history().lines();
        }
    }

    private void copyExamples() throws IOException {
        try (var files = Files.list(EXAMPLES)) {
            for (Path f : files.toList()) Files.copy(f, specs.resolve(f.getFileName()));
        }
    }
}
