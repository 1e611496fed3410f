package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.PodmanHarness;
import spine.controller.state.IntentStore;

/** spine history and spine diff --since on real SQLite and podman: who changed what, field by field. */
class HistoryIT {
    private static PodmanHarness podman;
    @TempDir Path root;
    @TempDir Path specs;

    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
    }

    private Path persona(String image, String env) throws Exception {
        return Files.writeString(specs.resolve("h.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://hist"}
                spec: {image: %s, env: {MODE: %s}, state: stopped}
                """.formatted(image, env));
    }

    @Test
    void historyNamesGenerationsUidsAndChangedFieldsAndDiffSinceShowsValues() throws Exception {
        assertThat(podman.spine(root, "apply", "-f", persona("localhost/spine/busybox:1", "a").toString()).exit()).isZero();
        assertThat(podman.spine(root, "apply", "-f", persona("localhost/spine/busybox:1", "b").toString()).exit()).isZero();
        assertThat(podman.spine(root, "apply", "-f", persona("localhost/spine/busybox:1", "b").toString()).exit())
                .as("an unchanged apply adds no history").isZero();
        assertThat(podman.spine(root, "apply", "-f", persona("localhost/spine/busybox:2", "c").toString()).exit()).isZero();

        PodmanHarness.Result table = podman.spine(root, "history", "persona", "p://hist");
        assertThat(table.exit()).as(table.toString()).isZero();
        String uid = Long.toString(new spine.drivers.kernel.Kernel(java.nio.file.Path.of("/")).ownUid());
        assertThat(table.out().lines().skip(1).toList()).hasSize(3).satisfiesExactly(
                l -> assertThat(l).containsPattern(" " + uid + " +persona +p://hist +1 +create +-$"),
                l -> assertThat(l).containsPattern(" " + uid + " +persona +p://hist +2 +update +env$"),
                l -> assertThat(l).containsPattern(" " + uid + " +persona +p://hist +3 +update +env, image$"));

        PodmanHarness.Result since = podman.spine(root, "diff", "--since", "1");
        assertThat(since.exit()).isEqualTo(ExitCode.PENDING);
        assertThat(since.out().strip()).isEqualTo("intent p://hist since 1: env {\"MODE\":\"a\"} -> {\"MODE\":\"c\"};"
                + " image \"localhost/spine/busybox:1\" -> \"localhost/spine/busybox:2\"");
        assertThat(podman.spine(root, "diff", "--since", "3").exit()).as("nothing since the last generation").isZero();

        assertThat(podman.spine(root, "delete", "persona", "p://hist").exit()).isZero();
        assertThat(podman.spine(root, "diff", "--since", "2").out()).contains("intent p://hist since 2: deleted");
        PodmanHarness.Result json = podman.spine(root, "history", "-o", "json");
        assertThat(json.out()).contains("\"action\" : \"delete\"", "\"uid\" : " + uid, "\"changed\" : [ \"env\", \"image\" ]");
        assertThat(podman.spine(root, "history", "persona", "p://nope").exit()).isEqualTo(ExitCode.INVALID);
        assertThat(podman.spine(root, "diff", "--since", "x").exit()).isEqualTo(ExitCode.INVALID);
    }
}
