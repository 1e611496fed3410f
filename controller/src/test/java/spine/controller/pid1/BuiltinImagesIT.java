package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;
import spine.controller.state.ImageMarks;
import spine.controller.state.SpineRoot;
import spine.drivers.exec.CommandResult;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.kernel.Syscalls;
import spine.drivers.podman.PodmanDriver;

/**
 * The placement of built-in images against real podman, real files and a real syncfs: an image is loaded and marked;
 * one torn as a power cut tears it (a layer file emptied) without its mark is removed and loaded again before use;
 * one that a container uses is checked against the build's digest list, the container's own files saved under
 * persist, then reloaded; and a start failure makes a marked image suspect, reloaded once a boot and never twice.
 */
class BuiltinImagesIT {
    private static final String REF = "localhost/spine/it-torn:1";
    private static final String TAG = "localhost/spine/it-torn-alias:1";
    private PodmanHarness podman;
    private Path dir;
    private Path archive;
    private SpineRoot root;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        podman = new PodmanHarness();
        dir = PodmanHarness.scratch("images");
        root = new SpineRoot(Files.createDirectories(dir.resolve("persist")));
        removeImage();
        // a rootfs of the example busybox with a file of its own, so its layer is not shared with any other test's
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        String merged = ok(podman.podman("image", "mount", "localhost/spine/busybox:1")).stdout().strip();
        try {
            ok(run("cp", "-a", merged + "/.", rootfs.toString()));
        } finally {
            podman.podman("image", "unmount", "localhost/spine/busybox:1");
        }
        Files.writeString(rootfs.resolve("it-marker"), UUID.randomUUID().toString());
        archive = dir.resolve("it.oci.tar");
        ok(run(PodmanHarness.REPO.resolve("scripts/oci-archive.sh").toString(), rootfs.toString(), REF, archive.toString()));
        ok(run("sh", "-c", "cd \"$1\" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum > \"$2\"", "digests",
                rootfs.toString(), archive + ".sha256"));
    }

    @AfterEach
    void tearDown() {
        podman.podman("rm", "-f", "-t", "0", "it-user");
        removeImage();
    }

    private void removeImage() {
        podman.podman("rmi", "--force", REF, TAG);
    }

    private CommandResult run(String... argv) {
        return new ProcessCommandRunner(podman.env()).run(List.of(argv), Duration.ofMinutes(2));
    }

    private static CommandResult ok(CommandResult r) {
        assertThat(r.ok()).as(r.stderr()).isTrue();
        return r;
    }

    private BuiltinImages images() {
        var driver = new PodmanDriver(new ProcessCommandRunner(podman.env()), List.of("podman"), PodmanDriver.Timeouts.defaults());
        // in images.txt's order: an archive loads under its first name, the others are tags of it (Map.of has no order)
        var bundled = new java.util.LinkedHashMap<String, String>();
        bundled.put(REF, archive.toString());
        bundled.put(TAG, archive.toString());
        return new BuiltinImages(bundled, driver.images(), Optional.of(new ImageMarks(root)),
                Syscalls.linux(), root.path().toString(), Clock.systemUTC(), events::add, () -> false);
    }

    private boolean place(BuiltinImages images) throws Exception {
        images.begin();
        return images.placed().get(3, TimeUnit.MINUTES);
    }

    /** Empties the image's busybox in podman's storage, as a power cut before the flush leaves a file. */
    private void tear() throws Exception {
        String layer = ok(podman.podman("image", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", REF)).stdout().strip();
        Files.write(Path.of(layer, "bin", "busybox"), new byte[0]);
    }

    private boolean runsTrue() {
        return podman.podman("run", "--rm", "--network", "none", REF, "true").ok();
    }

    private String imageId() {
        return ok(podman.podman("image", "inspect", "--format", "{{.Id}}", REF)).stdout().strip();
    }

    @Test
    void anImageIsLoadedFlushedAndMarkedAndATornOneWithoutItsMarkIsLoadedAgain() throws Exception {
        assertThat(place(images())).isTrue();
        assertThat(runsTrue()).isTrue();
        var marks = new ImageMarks(root).read();
        assertThat(marks.get(REF).id()).isEqualTo(imageId());
        assertThat(marks.get(REF).how()).isEqualTo("loaded");
        assertThat(marks.get(TAG).how()).isEqualTo("tagged");

        // the next boot: marked, nothing is asked beyond the listing, nothing changes
        events.clear();
        assertThat(place(images())).isTrue();
        assertThat(events).isEmpty();

        // a power cut before the flush: the files are torn and the mark was never written
        tear();
        new ImageMarks(root).unmark(List.of(REF, TAG));
        assertThat(runsTrue()).isFalse();
        events.clear();
        assertThat(place(images())).isTrue();
        assertThat(runsTrue()).as(String.join("\n", events)).isTrue();
        assertThat(events).anyMatch(e -> e.startsWith("image reloaded ref=" + REF + " ok=true") && e.contains("no container uses it"));
        assertThat(new ImageMarks(root).read().get(REF).how()).isEqualTo("reloaded");
        assertThat(new ImageMarks(root).read()).containsKey(TAG);
    }

    @Test
    void aTornImageThatAContainerUsesIsCheckedAndItsContainersFilesAreSavedBeforeTheReload() throws Exception {
        assertThat(place(images())).isTrue();
        ok(podman.podman("run", "--name", "it-user", "--network", "none", REF, "sh", "-c", "echo notes > /notes.txt"));
        tear();
        new ImageMarks(root).unmark(List.of(REF, TAG));
        events.clear();
        assertThat(place(images())).isTrue();
        assertThat(runsTrue()).as(String.join("\n", events)).isTrue();
        assertThat(events).anyMatch(e -> e.contains("files of it-user saved to "));
        assertThat(events).anyMatch(e -> e.startsWith("image reloaded ref=" + REF) && e.contains("torn: 1 file(s) differ")
                && e.contains("containers made anew: it-user"));
        assertThat(podman.podman("container", "exists", "it-user").ok()).isFalse();
        Path saved;
        try (var files = Files.list(root.path().resolve("spine/saved"))) {
            saved = files.filter(f -> f.getFileName().toString().startsWith("it-user-")).findFirst().orElseThrow();
        }
        assertThat(ok(run("tar", "-xOf", saved.toString(), "./notes.txt")).stdout()).isEqualTo("notes\n");
    }

    @Test
    void anUnmarkedImageThatIsWholeIsOnlyMarked() throws Exception {
        assertThat(place(images())).isTrue();
        ok(podman.podman("create", "--name", "it-user", "--network", "none", REF, "true"));
        String id = imageId();
        new ImageMarks(root).unmark(List.of(REF, TAG));
        events.clear();
        assertThat(place(images())).isTrue();
        assertThat(imageId()).isEqualTo(id);
        assertThat(podman.podman("container", "exists", "it-user").ok()).isTrue();
        assertThat(new ImageMarks(root).read().get(REF).how()).isEqualTo("verified");
    }

    @Test
    void aFailedStartMakesTheImageSuspectItIsReloadedOnceABootAndNeverTwice() throws Exception {
        BuiltinImages images = images();
        assertThat(place(images)).isTrue();
        tear(); // marked, yet torn: a disk that lost data after the placement
        var healed = new CountDownLatch(1);
        images.onHealed(healed::countDown);
        images.suspect("localhost/spine/busybox:1", "crun: executable file `sh` not found in $PATH"); // not this image: ignored
        images.suspect(TAG, "Error: image not known"); // not how a torn image fails: ignored
        images.suspect(TAG, "crun: executable file `sh` not found in $PATH: No such file or directory");
        assertThat(healed.await(3, TimeUnit.MINUTES)).isTrue();
        assertThat(runsTrue()).as(String.join("\n", events)).isTrue();
        assertThat(events).anyMatch(e -> e.startsWith("image reloaded ref=" + REF + " ok=true") && e.contains("torn"));

        // torn again in the same boot: left as it is, said so, and the loop is woken all the same
        tear();
        var again = new CountDownLatch(1);
        images.onHealed(again::countDown);
        images.suspect(REF, "crun: executable file `sh` not found in $PATH");
        assertThat(again.await(3, TimeUnit.MINUTES)).isTrue();
        assertThat(events).anyMatch(e -> e.startsWith("image left as it is ref=" + REF) && e.contains("reloaded once this boot"));
        assertThat(runsTrue()).isFalse();
    }
}
