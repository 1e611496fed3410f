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
}
