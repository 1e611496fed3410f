package spine.drivers.podman;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import spine.drivers.exec.CommandResult;

/** podman's image verbs against output recorded from podman 4.3 on the build host. */
class PodmanImagesTest {
    private static final String BUSYBOX = "7a86e1ef514b59bcb0afa7756b5b760366f9ec499a9961f381b004a45607e089";
    private static final String TOOLS = "70d808b823a2ba67b5f743bb05d4bc18fe1d2263029268486dca6b1264d47ac1";
    private final List<List<String>> calls = new ArrayList<>();

    private PodmanImages scripted(CommandResult... replies) {
        var queue = new ArrayDeque<>(List.of(replies));
        return new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return queue.isEmpty() ? ok("") : queue.poll();
        }, List.of("podman"), PodmanDriver.Timeouts.defaults()).images();
    }

    private static CommandResult ok(String out) {
        return new CommandResult(0, out, "", Duration.ofMillis(30), false);
    }

    private static CommandResult failed(int exit, String out, String err) {
        return new CommandResult(exit, out, err, Duration.ofMillis(30), false);
    }

    @Test
    void whatStorageHoldsIsEveryNameWithItsIdInOneCall() {
        var images = scripted(ok("""
                localhost/spine/foot:1 sha256:782bf12c29d52934033c3521c7f680f551b1ffb0332512391db4fb19b6627e82
                localhost/spine/busybox:1 sha256:%s
                localhost/spine/tools:1 sha256:%s
                localhost/spine/ai:1 sha256:%s
                <none>:<none> sha256:1111111111111111111111111111111111111111111111111111111111111111
                """.formatted(BUSYBOX, TOOLS, TOOLS)));
        assertThat(images.present().orElseThrow()).containsEntry("localhost/spine/busybox:1", BUSYBOX)
                .containsEntry("localhost/spine/ai:1", TOOLS).containsEntry("localhost/spine/tools:1", TOOLS).hasSize(4);
        assertThat(calls).containsExactly(List.of("podman", "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"));
        assertThat(scripted(failed(125, "", "Error: database is locked")).present()).isEmpty();
    }

    /** An app's old image loses its name when the ref moves on; the collector must still see it in storage. */
    @Test
    void theCollectorsListingHasTheUnnamedImagesByTheirId() {
        String unnamed = "1".repeat(64);
        var images = scripted(ok("localhost/notes:1 sha256:" + TOOLS + "\n<none>:<none> sha256:" + unnamed + "\n"));
        assertThat(images.presentWithUnnamed().orElseThrow()).containsEntry("localhost/notes:1", TOOLS)
                .containsEntry("sha256:" + unnamed, unnamed).hasSize(2);
    }

    @Test
    void usersAreTheContainersOfEachImage() {
        var images = scripted(ok(BUSYBOX + " p__s1\n" + BUSYBOX + " p__s2\n" + TOOLS + " sys__ai\n"));
        assertThat(images.users().orElseThrow()).isEqualTo(Map.of(BUSYBOX, List.of("p__s1", "p__s2"), TOOLS, List.of("sys__ai")));
    }

    @Test
    void aCheckMountsTheImageReadsItsDigestsAndAlwaysUnmounts() {
        String merged = "/var/lib/containers/storage/overlay/1237f6bc/merged";
        var whole = scripted(ok(merged + "\n"), ok("./bin/busybox: OK\n./etc/passwd: OK\n"), ok(BUSYBOX + "\n"));
        assertThat(whole.check("localhost/spine/busybox:1", "/usr/share/spine/images/busybox.oci.tar.zst.sha256"))
                .isEqualTo(new PodmanImages.Check(true, ""));
        assertThat(calls).containsExactly(List.of("podman", "image", "mount", "localhost/spine/busybox:1"),
                List.of("sh", "-c", "cd \"$1\" && exec sha256sum -c \"$2\"", "check", merged,
                        "/usr/share/spine/images/busybox.oci.tar.zst.sha256"),
                List.of("podman", "image", "unmount", "localhost/spine/busybox:1"));

        calls.clear();
        // GNU sha256sum on an emptied file, as a power cut before the flush leaves it
        var torn = scripted(ok(merged + "\n"), failed(1, "./bin/busybox: FAILED\n./etc/passwd: OK\n",
                "sha256sum: WARNING: 1 computed checksum did NOT match\n"));
        var check = torn.check("localhost/spine/busybox:1", "/x.sha256");
        assertThat(check.whole()).isFalse();
        assertThat(check.detail()).isEqualTo("1 file(s) differ from the build: ./bin/busybox: FAILED");
        assertThat(calls.getLast()).containsExactly("podman", "image", "unmount", "localhost/spine/busybox:1");

        var unmountable = scripted(failed(125, "", "Error: layer not known"));
        assertThat(unmountable.check("localhost/spine/busybox:1", "/x.sha256"))
                .isEqualTo(new PodmanImages.Check(false, "podman cannot mount it: Error: layer not known"));
    }

    @Test
    void aContainersOwnFilesAreSavedFromItsWritableLayer() {
        String upper = "/var/lib/containers/storage/overlay/a4ad5657/diff";
        var images = scripted(ok(upper + "\n"), ok(""));
        assertThat(images.saveChanges("p__diary", "/persist/spine/saved/p__diary.tar").ok()).isTrue();
        assertThat(calls.getLast()).containsExactly("tar", "-C", upper, "-cf", "/persist/spine/saved/p__diary.tar", ".");
        assertThat(scripted(ok("<no value>\n")).saveChanges("p__x", "/t.tar").ok()).isFalse();
    }

    /** A runner that keeps what a fed process was given, and whether it was given its end. */
    private final java.io.ByteArrayOutputStream fed = new java.io.ByteArrayOutputStream();
    private boolean ended;

    private PodmanImages feeding(CommandResult... replies) {
        var queue = new ArrayDeque<>(List.of(replies));
        var runner = new spine.drivers.exec.CommandRunner() {
            @Override
            public CommandResult run(List<String> argv, Duration timeout) {
                calls.add(argv);
                return queue.isEmpty() ? ok("") : queue.poll();
            }

            @Override
            public CommandResult feed(List<String> argv, Duration timeout, Feeder feeder) {
                calls.add(argv);
                try {
                    ended = feeder.feed(fed);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return ended ? queue.poll() : new CommandResult(CommandResult.ABORTED, "", "aborted", Duration.ZERO, false);
            }
        };
        return new PodmanDriver(runner, List.of("podman"), PodmanDriver.Timeouts.defaults()).images();
    }

    private static spine.model.Step.LoadImage load(java.nio.file.Path archive, String sha) {
        return new spine.model.Step.LoadImage(spine.model.ResourceId.image("notes"),
                new spine.model.AppImage(spine.model.ResourceId.image("notes"), archive.toString(), sha, "localhost/notes:1"), "never loaded");
    }

    /** As the state package opens an archive: a regular file, or NoSuchFileException. */
    private static final PodmanImages.Archives READ = p -> {
        if (!java.nio.file.Files.isRegularFile(p)) throw new java.nio.file.NoSuchFileException(p.toString());
        return java.nio.file.Files.newInputStream(p);
    };

    /** An OCI archive of 200 KiB: several of the 64 KiB chunks, and a last one shorter than the rest. */
    private static byte[] archiveBytes() {
        return archiveBytes("localhost/notes:1");
    }

    private static byte[] archiveBytes(String refName) {
        byte[] layer = new byte[200 * 1024 + 17];
        new java.util.Random(7).nextBytes(layer);
        return new TarBytes().file("blobs/sha256/aa", layer).file("index.json", TarBytes.index(refName)).file("oci-layout", "{}").bytes();
    }

    /** podman load gives every name the archive carries: a built-in's name in it would move, so nothing is loaded. */
    @Test
    void anArchiveNamingAnotherImageNeverReachesItsEnd(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        byte[] bytes = archiveBytes("localhost/spine/busybox:1");
        var archive = java.nio.file.Files.write(dir.resolve("hijack.oci.tar"), bytes);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        var r = feeding().apply(load(archive, sha), READ);
        assertThat(r).isInstanceOfSatisfying(spine.model.StepResult.Failed.class, f -> {
            assertThat(f.retryable()).isFalse();
            assertThat(f.reason()).isEqualTo(archive + " names itself localhost/spine/busybox:1, and podman load would give it that"
                    + " name too; an Image's archive carries no name but its ref: podman save --format oci-archive -o FILE"
                    + " localhost/notes:1; nothing was loaded");
        });
        assertThat(ended).isFalse();
        assertThat(calls).containsExactly(List.of("podman", "load", "-q"));
    }

    @Test
    void anArchiveWhoseSha256MatchesIsFedWholeLoadedAndNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        byte[] bytes = archiveBytes();
        var archive = java.nio.file.Files.write(dir.resolve("notes.oci.tar"), bytes);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        var images = feeding(ok("Loaded image: localhost/notes:1\n"), ok("sha256:" + TOOLS + "\n"));
        assertThat(images.apply(load(archive, sha), READ)).isEqualTo(new spine.model.StepResult.Ok(TOOLS));
        assertThat(ended).isTrue();
        assertThat(fed.toByteArray()).isEqualTo(bytes);
        // the archive named itself as the ref: no tag
        assertThat(calls).containsExactly(List.of("podman", "load", "-q"),
                List.of("podman", "image", "inspect", "--format", "{{.Id}}", "localhost/notes:1"));
    }

    @Test
    void anUnnamedArchiveIsNamedItsRefAfterTheLoad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        byte[] bytes = archiveBytes(null);
        var archive = java.nio.file.Files.write(dir.resolve("notes.oci.tar"), bytes);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        var images = feeding(ok("Loaded image: sha256:" + TOOLS + "\n"), ok("sha256:" + TOOLS + "\n"), ok(""));
        assertThat(images.apply(load(archive, sha), READ)).isEqualTo(new spine.model.StepResult.Ok(TOOLS));
        assertThat(calls).containsExactly(List.of("podman", "load", "-q"),
                List.of("podman", "image", "inspect", "--format", "{{.Id}}", "sha256:" + TOOLS),
                List.of("podman", "tag", TOOLS, "localhost/notes:1"));
    }

    /** The last chunk is held back until the hash is known: podman never gets the end of an archive that differs. */
    @Test
    void anArchiveWhoseSha256DiffersNeverReachesItsEndAndNothingIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        byte[] bytes = archiveBytes();
        var archive = java.nio.file.Files.write(dir.resolve("notes.oci.tar"), bytes);
        String actual = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        var r = feeding().apply(load(archive, "0".repeat(64)), READ);
        assertThat(r).isInstanceOfSatisfying(spine.model.StepResult.Failed.class, f -> {
            assertThat(f.retryable()).isFalse();
            assertThat(f.reason()).isEqualTo("sha256 of " + archive + " is " + actual + ", the Image says " + "0".repeat(64)
                    + "; nothing was loaded. Copy the right archive there, or put its sha256 in the spec");
        });
        assertThat(ended).isFalse();
        assertThat(fed.size()).isLessThan(bytes.length);
        assertThat(calls).containsExactly(List.of("podman", "load", "-q"));
    }

    @Test
    void aMissingArchiveAndTwoImagesInOneAreClearFailures(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(feeding().apply(load(dir.resolve("gone.tar"), "0".repeat(64)), READ)).isInstanceOfSatisfying(spine.model.StepResult.Failed.class,
                f -> assertThat(f.reason()).startsWith("archive " + dir.resolve("gone.tar") + " is not there"));
        assertThat(calls).isEmpty();
        byte[] bytes = archiveBytes();
        var archive = java.nio.file.Files.write(dir.resolve("two.tar"), bytes);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        var r = feeding(ok("Loaded image: localhost/a:1\nLoaded image: localhost/b:1\n")).apply(load(archive, sha), READ);
        assertThat(r).isInstanceOfSatisfying(spine.model.StepResult.Failed.class,
                f -> assertThat(f.reason()).contains("held 2 images (localhost/a:1, localhost/b:1)"));
        var refused = feeding(failed(125, "", "Error: payload does not match any of the supported image formats:\n * oci-archive: loading index")).apply(load(archive, sha), READ);
        assertThat(refused).isInstanceOfSatisfying(spine.model.StepResult.Failed.class, f -> {
            assertThat(f.retryable()).isFalse();
            assertThat(f.reason()).startsWith("podman load refused " + archive);
        });
    }

    @Test
    void theNamesALoadPrintedAreReadInBothForms() {
        assertThat(PodmanImages.loadedNames("Loaded image: localhost/notes:1\n")).containsExactly("localhost/notes:1");
        assertThat(PodmanImages.loadedNames("Loaded image(s): localhost/a:1,localhost/b:2\n")).containsExactly("localhost/a:1", "localhost/b:2");
        assertThat(PodmanImages.loadedNames("Loaded image: sha256:" + TOOLS + "\n")).containsExactly("sha256:" + TOOLS);
        assertThat(PodmanImages.loadedNames("Getting image source signatures\n")).isEmpty();
    }
}
