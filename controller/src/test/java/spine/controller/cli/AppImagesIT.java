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
    private static final String REF = "localhost/it-notes:1";
    private static final String BAD = "localhost/it-bad:1";
    private static PodmanHarness podman;
    private static Path archive;
    private static Path badArchive;
    private static Path hijack;
    private static String sha;
    private Path root;

    /**
     * An image of its own (busybox plus a file), saved as an OCI archive under each ref a test uses, then removed from
     * storage; and a copy whose index.json names the built-in busybox instead, as a hostile archive would.
     */
    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
        untag(REF);
        untag(BAD);
        Path dir = PodmanHarness.scratch("appimage-src");
        assertThat(podman.podman("run", "--name", "it-notes-build", "--network", "none", "localhost/spine/busybox:1", "sh", "-c",
                "echo 'notes app' > /app.txt").ok()).isTrue();
        var committed = podman.podman("commit", "-q", "it-notes-build", REF);
        assertThat(committed.ok()).as(committed.stderr()).isTrue();
        podman.reset();
        archive = save(dir.resolve("notes.oci.tar"), REF);
        assertThat(podman.podman("tag", REF, BAD).ok()).isTrue();
        badArchive = save(dir.resolve("bad.oci.tar"), BAD);
        untag(BAD);
        untag(REF);
        assertThat(podman.podman("image", "exists", REF).ok()).isFalse();
        sha = sha(archive);
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        hijack = dir.resolve("hijack.oci.tar");
        var tar = new ProcessBuilder("sh", "-c", "tar -xf \"$1\" -C \"$2\" && sed -i 's|" + REF + "|localhost/spine/busybox:1|' \"$2/index.json\""
                + " && tar -cf \"$3\" -C \"$2\" .", "repack", archive.toString(), unpacked.toString(), hijack.toString())
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor()).as(new String(tar.getInputStream().readAllBytes())).isZero();
    }

    private static Path save(Path file, String ref) {
        var saved = podman.podman("save", "--format", "oci-archive", "-o", file.toString(), ref);
        assertThat(saved.ok()).as(saved.stderr()).isTrue();
        return file;
    }

    private static String sha(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
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
        untag(BAD);
    }

    private Path specs(String name, String imageSha, String ref) throws Exception {
        return specs(name, archive, imageSha, ref);
    }

    private Path specs(String name, Path archive, String imageSha, String ref) throws Exception {
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
        PodmanHarness.Result applied = podman.spine(root, "apply", "-f", specs("bad", badArchive, wrong, BAD).toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(applied.exit()).as(applied.toString()).isEqualTo(ExitCode.PENDING);
        assertThat(ms).as("apply says so at once, not after its timeout").isLessThan(20_000);
        assertThat(present(BAD)).isFalse();
        assertThat(podman.containers()).doesNotContainKey("p__bad");

        String badSha = sha(badArchive);
        String got = podman.spine(root, "get", "image", "bad").out();
        assertThat(got).contains("failed", "sha256 of " + badArchive + " is " + badSha + ", the Image says " + wrong, "nothing was loaded");
        String why = "image " + BAD + " is not loaded: sha256 of " + badArchive + " is " + badSha;
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains(why);
        assertThat(podman.spine(root, "get", "persona", "p://bad").out()).contains(why);
        assertThat(applied.out()).contains(why);

        // the right sha256: loaded, and the persona that waited runs
        PodmanHarness.Result fixed = podman.spine(root, "apply", "-f", specs("bad", badArchive, badSha, BAD).toString());
        assertThat(fixed.exit()).as(fixed.toString()).isZero();
        assertThat(podman.containers().get("p__bad")).endsWith(" running");
        untag(BAD);
    }

    /**
     * The collection: an image a load gave that nothing references is removed after its grace (1 s here), one a
     * persona's spec still names stays, and the built-in images are never touched.
     */
    @Test
    void anImageNothingReferencesIsRemovedAfterItsGraceAndOneInUseStays() throws Exception {
        root = PodmanHarness.scratch("appimages");
        var quick = new PodmanHarness().with("SPINE_IMAGE_GRACE", "1s");
        assertThat(quick.spine(root, "apply", "-f", specs("notes", sha, REF).toString()).exit()).isZero();
        String id = podman.podman("image", "inspect", "--format", "{{.Id}}", REF).stdout().strip();
        String busybox = podman.podman("image", "inspect", "--format", "{{.Id}}", "localhost/spine/busybox:1").stdout().strip();

        // the Image goes; the persona's spec still names the ref: referenced, kept past the grace
        assertThat(quick.spine(root, "delete", "image", "notes").exit()).isZero();
        assertThat(quick.spine(root, "get", "images").out()).contains("referenced by a container's image");
        Thread.sleep(1_200);
        assertThat(quick.spine(root, "reconcile", "--once").exit()).isZero();
        assertThat(podman.podman("image", "exists", id).ok()).as("a persona's image stays").isTrue();

        // the persona goes too (its delete's pass marks the image): after the grace the image goes, and its row
        assertThat(quick.spine(root, "delete", "persona", "p://notes").exit()).isZero();
        assertThat(quick.spine(root, "get", "images").out()).contains("unreferenced since ");
        Thread.sleep(1_200);
        assertThat(quick.spine(root, "reconcile", "--once").exit()).isZero();
        assertThat(podman.podman("image", "exists", id).ok()).as("collected").isFalse();
        assertThat(Files.readString(root.resolve("spine/spine.log"))).contains("step=remove-image");
        assertThat(quick.spine(root, "get", "images", "-o", "json").out()).contains("\"loaded\":[]");
        assertThat(podman.podman("image", "inspect", "--format", "{{.Id}}", "localhost/spine/busybox:1").stdout().strip()).isEqualTo(busybox);
    }

    /** podman load gives an image every name its archive carries: one naming a built-in image is refused, unloaded. */
    @Test
    void anArchiveThatNamesABuiltInImageLoadsNothingAndTheBuiltInKeepsItsImage() throws Exception {
        root = PodmanHarness.scratch("appimages");
        String busybox = podman.podman("image", "inspect", "--format", "{{.Id}}", "localhost/spine/busybox:1").stdout().strip();
        PodmanHarness.Result applied = podman.spine(root, "apply", "-f", specs("hijack", hijack, sha(hijack), "localhost/it-hijack:1").toString());
        assertThat(applied.exit()).as(applied.toString()).isEqualTo(ExitCode.PENDING);
        assertThat(podman.spine(root, "get", "image", "hijack").out()).contains("names itself localhost/spine/busybox:1",
                "nothing was loaded");
        assertThat(podman.podman("image", "inspect", "--format", "{{.Id}}", "localhost/spine/busybox:1").stdout().strip()).isEqualTo(busybox);
        assertThat(present("localhost/it-hijack:1")).isFalse();
    }

    /**
     * Issue 28, section 4: a persona with its app and two volumes exported on one state root and imported on another is
     * the same, file for file and byte for byte, and its app's archive comes with it; a running persona is refused; an
     * import killed while it writes leaves no persona, and the next import clears its staging and lands whole.
     */
    @Test
    void aPersonaWithItsAppAndVolumesTravelsToAnotherStateRootByteForByte() throws Exception {
        root = PodmanHarness.scratch("carry-a");
        Path dir = Files.createDirectories(root.resolve("specs"));
        java.util.function.Function<String, String> carry = state -> """
                apiVersion: spine/v1
                kind: Image
                metadata: {name: notes}
                spec: {archive: %s, sha256: %s, ref: %s}
                ---
                apiVersion: spine/v1
                kind: Envelope
                metadata: {name: carry}
                spec: {memory: {max: 256Mi}}
                ---
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://carry"}
                spec:
                  image: %s
                  command: ["sleep", "3600"]
                  state: %s
                  envelope: carry
                  volumes: [{name: home, path: /home/user}, {name: data, path: /data, size: 512Mi}]
                """.formatted(archive, sha, REF, REF, state);
        Path yaml = Files.writeString(dir.resolve("carry.yaml"), carry.apply("running"));
        assertThat(podman.spine(root, "apply", "-f", yaml.toString()).exit()).isZero();
        assertThat(podman.podman("exec", "p__carry", "sh", "-c", "mkdir -p /home/user/a/b && echo hello > /home/user/a/b/c.txt"
                + " && ln -s a/b/c.txt /home/user/link && head -c 67108864 /dev/urandom > /data/big && sync").ok()).isTrue();
        Path bundle = root.resolve("carry.spine");
        PodmanHarness.Result running = podman.spine(root, "persona", "export", "p://carry", "-o", bundle.toString());
        assertThat(running.exit()).isEqualTo(ExitCode.PENDING);
        assertThat(running.err()).contains("p://carry is running");
        assertThat(bundle).doesNotExist();

        Files.writeString(yaml, carry.apply("stopped"));
        assertThat(podman.spine(root, "apply", "-f", yaml.toString()).exit()).isZero();
        PodmanHarness.Result exported = podman.spine(root, "persona", "export", "p://carry", "-o", bundle.toString());
        assertThat(exported.exit()).as(exported.toString()).isZero();
        assertThat(exported.out()).contains("the image archive of " + REF, "2 volumes");
        // the other machine: its own state root, the app not in storage
        assertThat(podman.spine(root, "delete", "persona", "p://carry").exit()).isZero();
        assertThat(podman.spine(root, "delete", "image", "notes").exit()).isZero();
        untag(REF);

        Path other = PodmanHarness.scratch("carry-b");
        // killed while it writes the staging directory: no persona, nothing landed
        Process killed = podman.spineProcess(other, "persona", "import", bundle.toString()).redirectErrorStream(true)
                .redirectOutput(other.resolve("import.out").toFile()).start();
        Path staging = other.resolve("spine/import");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (killed.isAlive() && !(Files.isDirectory(staging) && hasFiles(staging))) {
            assertThat(System.nanoTime()).as("the import began to write within 60 s").isLessThan(deadline);
            Thread.sleep(5);
        }
        killed.destroyForcibly().waitFor();
        PodmanHarness.Result after = podman.spine(other, "reconcile", "--once");
        assertThat(after.exit()).as(after.toString()).isZero();
        assertThat(podman.spine(other, "get", "persona", "p://carry").exit()).as("no half-imported persona").isEqualTo(ExitCode.INVALID);
        assertThat(other.resolve("volumes/p__carry")).doesNotExist();

        PodmanHarness.Result imported = podman.spine(other, "persona", "import", bundle.toString());
        assertThat(imported.exit()).as(imported.toString()).isZero();
        assertThat(imported.out()).contains("imported p://carry");
        assertThat(tree(other.resolve("volumes/p__carry"))).isEqualTo(tree(root.resolve("volumes/p__carry")));
        assertThat(Files.readSymbolicLink(other.resolve("volumes/p__carry/home/link"))).isEqualTo(Path.of("a/b/c.txt"));
        assertThat(sha(other.resolve("images/notes.oci.tar"))).isEqualTo(sha);
        assertThat(present(REF)).as("the Image's archive was loaded on the other root").isTrue();
        assertThat(podman.spine(other, "get", "-o", "yaml").out()).contains("archive: " + other.resolve("images/notes.oci.tar"),
                "name: carry");
        assertThat(other.resolve("spine/import")).isEmptyDirectory();

        // once more: refused without --replace, and with it what was there goes to the attic, not away
        PodmanHarness.Result again = podman.spine(other, "persona", "import", bundle.toString());
        assertThat(again.exit()).isEqualTo(ExitCode.INVALID);
        assertThat(again.err()).contains("persona p://carry exists here", "its volumes data, home exist here", "nothing was imported");
        Files.writeString(other.resolve("volumes/p__carry/home/mine.txt"), "mine");
        PodmanHarness.Result replaced = podman.spine(other, "persona", "import", bundle.toString(), "--replace");
        assertThat(replaced.exit()).as(replaced.toString()).isZero();
        assertThat(other.resolve("volumes/p__carry/home/mine.txt")).doesNotExist();
        try (var s = Files.walk(other.resolve("spine/attic"))) {
            assertThat(s.filter(p -> p.getFileName().toString().equals("mine.txt")).toList()).hasSize(1);
        }
    }

    private static boolean hasFiles(Path dir) throws java.io.IOException {
        try (var s = Files.walk(dir)) {
            return s.anyMatch(Files::isRegularFile);
        }
    }

    private static java.util.Map<String, String> tree(Path root) throws Exception {
        var out = new java.util.TreeMap<String, String>();
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) out.put(rel, "link " + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p)) out.put(rel, "dir " + Files.getPosixFilePermissions(p));
                else out.put(rel, sha(p) + " " + Files.getPosixFilePermissions(p) + " " + Files.getAttribute(p, "unix:uid"));
            }
        }
        return out;
    }
}
