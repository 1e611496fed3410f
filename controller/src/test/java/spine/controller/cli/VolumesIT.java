package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * A persona's volumes on real podman (issue 28): the user's files survive a recreate and a stop and start, stay when
 * the persona is deleted, and go only with spine delete volume; an image that is not in local storage fails at once.
 */
class VolumesIT {
    private static PodmanHarness podman;
    private Path root;
    private Path specs;

    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
    }

    @AfterEach
    void clean() {
        podman.reset();
    }

    private Path diary(String mode, String state) throws Exception {
        return Files.writeString(specs.resolve("diary.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://diary"}
                spec:
                  image: localhost/spine/busybox:1
                  command: ["sleep", "3600"]
                  env: {MODE: %s}
                  state: %s
                  volumes:
                    - {name: home, path: /home/user}
                """.formatted(mode, state));
    }

    private String id() throws Exception {
        return podman.containers().get("p__diary").split(" ")[0];
    }

    @Test
    void theUsersFilesOutliveTheContainerAndGoOnlyWhenTheVolumeIsDeleted() throws Exception {
        root = PodmanHarness.scratch("volumes");
        specs = Files.createDirectories(root.resolve("specs"));
        assertThat(podman.spine(root, "apply", "-f", diary("a", "running").toString()).exit()).isZero();
        assertThat(podman.podman("exec", "p__diary", "sh", "-c", "echo notes > /home/user/notes.txt && sync").ok()).isTrue();
        String first = id();

        // a spec change recreates the container; the volume's files stay
        PodmanHarness.Result updated = podman.spine(root, "apply", "-f", diary("b", "running").toString());
        assertThat(updated.exit()).as(updated.toString()).isZero();
        assertThat(updated.out()).contains("updated");
        assertThat(id()).as("recreated").isNotEqualTo(first);
        assertThat(podman.podman("exec", "p__diary", "cat", "/home/user/notes.txt").stdout()).isEqualTo("notes\n");

        // a stop and a start
        assertThat(podman.spine(root, "apply", "-f", diary("b", "stopped").toString()).exit()).isZero();
        assertThat(podman.spine(root, "apply", "-f", diary("b", "running").toString()).exit()).isZero();
        assertThat(podman.podman("exec", "p__diary", "cat", "/home/user/notes.txt").stdout()).isEqualTo("notes\n");

        PodmanHarness.Result listed = podman.spine(root, "get", "volumes");
        assertThat(listed.out()).containsPattern("p://diary +home +/home/user +6 +- +no");
        PodmanHarness.Result refused = podman.spine(root, "delete", "volume", "p://diary", "home");
        assertThat(refused.exit()).isEqualTo(ExitCode.INVALID);
        assertThat(refused.err()).contains("is named by its intent");

        // the persona goes, its volume stays (retain), orphaned
        assertThat(podman.spine(root, "delete", "persona", "p://diary").exit()).isZero();
        assertThat(podman.containers()).doesNotContainKey("p__diary");
        Path notes = root.resolve("volumes/p__diary/home/notes.txt");
        assertThat(notes).hasContent("notes");
        assertThat(podman.spine(root, "get", "volumes", "-o", "json").out()).contains("\"orphaned\":true", "\"bytes\":6");

        // and only a command that names it deletes it
        assertThat(podman.spine(root, "delete", "volume", "p://diary", "nope").exit()).isEqualTo(ExitCode.INVALID);
        PodmanHarness.Result deleted = podman.spine(root, "delete", "volume", "p://diary", "home");
        assertThat(deleted.exit()).as(deleted.toString()).isZero();
        assertThat(notes).doesNotExist();
        assertThat(podman.spine(root, "get", "volumes").out()).contains("no volumes");

        // the history has the volume's creation once (the recreate and the restart made none) and its deletion, with
        // the bytes it held and who asked
        String history = podman.spine(root, "history").out();
        assertThat(history.lines().filter(l -> l.contains("volume ") && l.contains("p://diary/home"))).hasSize(2);
        assertThat(history).containsPattern("-  +volume +p://diary/home +- +create +path /home/user")
                .containsPattern("\\d+ +volume +p://diary/home +- +delete +6 bytes");
        assertThat(podman.spine(root, "history", "-o", "json").out()).contains("\"kind\" : \"volume\"", "\"bytes\" : 6");
    }

    /** A tenant's volume is kept across a recreate as a persona's is; its process runs as the tenant's own uid. */
    @Test
    void aTenantsFilesOutliveItsContainerToo() throws Exception {
        root = PodmanHarness.scratch("volumes");
        Path run = Files.createDirectories(root.resolve("run"));
        var withRun = new PodmanHarness().with("SPINE_RUN", run.toString());
        Path spec = Files.createDirectories(root.resolve("specs")).resolve("notes.yaml");
        String tenant = """
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://notes"}
                spec:
                  image: localhost/spine/busybox:1
                  command: ["sleep", "3600"]
                  env: {MODE: %s}
                  socket: /run/spine/notes.sock
                  volumes: [{name: state, path: /var/lib/notes}]
                """;
        Files.writeString(spec, tenant.formatted("a"));
        PodmanHarness.Result first = withRun.spine(root, "apply", "-f", spec.toString());
        assertThat(first.exit()).as(first.toString()).isZero();
        var wrote = podman.podman("exec", "sys__notes", "sh", "-c", "echo kept > /var/lib/notes/f && id -u");
        assertThat(wrote.ok()).as(wrote.stderr()).isTrue();
        Files.writeString(spec, tenant.formatted("b"));
        assertThat(withRun.spine(root, "apply", "-f", spec.toString()).exit()).isZero();
        assertThat(podman.podman("exec", "sys__notes", "cat", "/var/lib/notes/f").stdout()).isEqualTo("kept\n");
        assertThat(withRun.spine(root, "get", "volumes").out()).containsPattern("sys://notes +state +/var/lib/notes +5 ");
        assertThat(withRun.spine(root, "delete", "volume", "sys://notes", "state").err()).contains("is named by its intent");
    }

    @Test
    void anImageThatIsNotInLocalStorageFailsAtOnceWithoutAPull() throws Exception {
        root = PodmanHarness.scratch("volumes");
        Path spec = Files.writeString(Files.createDirectories(root.resolve("specs")).resolve("absent.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://absent"}
                spec: {image: localhost/spine/absent:1, state: running}
                """);
        long t0 = System.nanoTime();
        PodmanHarness.Result r = podman.spine(root, "apply", "-f", spec.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(ms).as("no registry retries: podman run --pull never").isLessThan(5_000);
        assertThat(podman.spine(root, "get", "persona", "p://absent").out()).contains("not in local storage");
    }
}
