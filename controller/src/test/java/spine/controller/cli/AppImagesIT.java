package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * Images on real podman (issue 28): an app that is not built in comes from an archive file whose sha256 the spec pins.
 * A persona on it runs once it is loaded; a wrong sha256 loads nothing and the persona waits with the reason, and
 * apply says so at once; a ref taken away is loaded again by the next pass.
 */
class AppImagesIT {
    private static final String SOURCE = "localhost/it-notes-build:1";
    private static final String REF = "localhost/it-notes:1";
    private static PodmanHarness podman;
    private static Path archive;
    private static String sha;
    private Path root;

    /** An image of its own (busybox plus a file), saved as an OCI archive and then removed from storage. */
    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
        untag(REF);
        untag("localhost/it-bad:1");
        Path dir = PodmanHarness.scratch("appimage-src");
        assertThat(podman.podman("run", "--name", "it-notes-build", "--network", "none", "localhost/spine/busybox:1", "sh", "-c",
                "echo 'notes app' > /app.txt").ok()).isTrue();
        var committed = podman.podman("commit", "-q", "it-notes-build", SOURCE);
        assertThat(committed.ok()).as(committed.stderr()).isTrue();
        podman.reset();
        archive = dir.resolve("notes.oci.tar");
        var saved = podman.podman("save", "--format", "oci-archive", "-o", archive.toString(), SOURCE);
        assertThat(saved.ok()).as(saved.stderr()).isTrue();
        assertThat(podman.podman("rmi", SOURCE).ok()).isTrue();
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive)));
    }

    private static void untag(String ref) {
        podman.podman("rmi", "-f", ref); // absent is fine
    }

    @AfterEach
    void clean() {
        podman.reset();
    }

    @AfterAll
    static void cleanUp() {
        untag(REF);
        untag(SOURCE);
    }

    private Path specs(String name, String imageSha, String ref) throws Exception {
        Path dir = Files.createDirectories(root.resolve("specs-" + name));
        Files.writeString(dir.resolve("app.yaml"), """
                apiVersion: spine/v1
                kind: Image
                metadata: {name: %s}
                spec:
                  archive: %s
                  sha256: %s
                  ref: %s
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://%s"}
                spec:
                  image: %s
                  command: ["sh", "-c", "cat /app.txt; sleep 3600"]
                  state: running
                """.formatted(name, archive, imageSha, ref, name, ref));
        return dir;
    }

    private boolean present(String ref) {
        return podman.podman("image", "exists", ref).ok();
    }

    @Test
    void anAppFromItsArchiveRunsAndATakenAwayRefIsLoadedAgain() throws Exception {
        root = PodmanHarness.scratch("appimages");
        PodmanHarness.Result applied = podman.spine(root, "apply", "-f", specs("notes", sha, REF).toString());
        assertThat(applied.exit()).as(applied.toString()).isZero();
        assertThat(podman.containers().get("p__notes")).endsWith(" running");
        assertThat(podman.podman("logs", "p__notes").stdout()).contains("notes app");

        PodmanHarness.Result got = podman.spine(root, "get", "image", "notes");
        assertThat(got.out()).containsPattern("image +notes +loaded +loaded").contains("image notes: " + REF + " from " + archive,
                "; loaded as image ");
        assertThat(podman.spine(root, "get", "image", "notes", "-o", "json").out()).contains("\"phase\" : \"loaded\"",
                "\"loadedSha256\" : \"" + sha + "\"");
        assertThat(podman.spine(root, "history").out()).contains("notes");

        // the ref taken away (the container keeps its image by id): the next pass loads the archive again
        assertThat(podman.podman("untag", REF).ok()).isTrue();
        assertThat(present(REF)).isFalse();
        PodmanHarness.Result again = podman.spine(root, "reconcile", "--once");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(present(REF)).isTrue();
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains("step=load reason=\"" + REF + " is not in podman's storage\"");
    }

    @Test
    void aWrongSha256LoadsNothingAndItsPersonaWaitsWithTheReason() throws Exception {
        root = PodmanHarness.scratch("appimages");
        String wrong = "deadbeef".repeat(8);
        long t0 = System.nanoTime();
        PodmanHarness.Result applied = podman.spine(root, "apply", "-f", specs("bad", wrong, "localhost/it-bad:1").toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(applied.exit()).as(applied.toString()).isEqualTo(ExitCode.PENDING);
        assertThat(ms).as("apply says so at once, not after its timeout").isLessThan(20_000);
        assertThat(present("localhost/it-bad:1")).isFalse();
        assertThat(podman.containers()).doesNotContainKey("p__bad");

        String got = podman.spine(root, "get", "image", "bad").out();
        assertThat(got).contains("failed", "sha256 of " + archive + " is " + sha + ", the Image says " + wrong, "nothing was loaded");
        String why = "image localhost/it-bad:1 is not loaded: sha256 of " + archive + " is " + sha;
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains(why);
        assertThat(podman.spine(root, "get", "persona", "p://bad").out()).contains(why);
        assertThat(applied.out()).contains(why);

        // the right sha256: loaded, and the persona that waited runs
        PodmanHarness.Result fixed = podman.spine(root, "apply", "-f", specs("bad", sha, "localhost/it-bad:1").toString());
        assertThat(fixed.exit()).as(fixed.toString()).isZero();
        assertThat(podman.containers().get("p__bad")).endsWith(" running");
        untag("localhost/it-bad:1");
    }
}
