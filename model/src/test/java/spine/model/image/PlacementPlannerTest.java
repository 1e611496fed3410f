package spine.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import spine.model.image.PlacementPlanner.Builtin;
import spine.model.image.PlacementPlanner.GiveUp;
import spine.model.image.PlacementPlanner.Inputs;
import spine.model.image.PlacementPlanner.Keep;
import spine.model.image.PlacementPlanner.Load;
import spine.model.image.PlacementPlanner.Mark;
import spine.model.image.PlacementPlanner.Reload;
import spine.model.image.PlacementPlanner.Verify;

class PlacementPlannerTest {
    private static final Builtin BUSYBOX = new Builtin("localhost/spine/busybox:1", "/usr/share/spine/images/busybox.oci.tar.zst", List.of());
    private static final String ID = "a".repeat(64);
    private static final String OTHER = "b".repeat(64);

    private static Inputs boot(Map<String, String> present, Map<String, String> marks, Map<String, List<String>> users) {
        return Inputs.atBoot(present, marks, users);
    }

    private static Inputs suspect(Set<String> checked, Set<String> reloaded) {
        return new Inputs(Map.of(BUSYBOX.ref(), ID), Map.of(BUSYBOX.ref(), ID), Map.of(), Set.of(BUSYBOX.ref()), checked, reloaded);
    }

    @Test
    void anImageNotInStorageIsLoaded() {
        assertThat(PlacementPlanner.decide(BUSYBOX, boot(Map.of(), Map.of(), Map.of()))).isInstanceOf(Load.class);
        // a mark without the image (storage made anew) loads it too
        assertThat(PlacementPlanner.decide(BUSYBOX, boot(Map.of(), Map.of(BUSYBOX.ref(), ID), Map.of()))).isInstanceOf(Load.class);
    }

    @Test
    void anImageWithItsMarkIsKeptWithoutAnyCheck() {
        assertThat(PlacementPlanner.decide(BUSYBOX, boot(Map.of(BUSYBOX.ref(), ID), Map.of(BUSYBOX.ref(), ID), Map.of())))
                .isEqualTo(new Keep(BUSYBOX.ref(), ID, "placed and marked"));
    }

    @Test
    void anImageWithoutItsMarkIsNeverTrusted() {
        // nobody uses it: removed and loaded again, before any container can be made on it
        var d = PlacementPlanner.decide(BUSYBOX, boot(Map.of(BUSYBOX.ref(), ID), Map.of(), Map.of()));
        assertThat(d).isInstanceOf(Reload.class);
        assertThat(((Reload) d).users()).isEmpty();
        assertThat(d.reason()).contains("without its placement mark", "no container uses it");
        // a mark of another image under that name (an older build's) is no mark for this one
        assertThat(PlacementPlanner.decide(BUSYBOX, boot(Map.of(BUSYBOX.ref(), ID), Map.of(BUSYBOX.ref(), OTHER), Map.of())).reason())
                .contains("its mark names another image");
    }

    @Test
    void anUnmarkedImageThatContainersUseIsCheckedBeforeItIsRemoved() {
        var in = boot(Map.of(BUSYBOX.ref(), ID), Map.of(), Map.of(ID, List.of("p__diary")));
        var d = PlacementPlanner.decide(BUSYBOX, in);
        assertThat(d).isEqualTo(new Verify(BUSYBOX.ref(), ID, "present without its placement mark, and containers use it: p__diary"));
        assertThat(PlacementPlanner.afterCheck(BUSYBOX, ID, true, "", in)).isInstanceOf(Mark.class);
        var torn = PlacementPlanner.afterCheck(BUSYBOX, ID, false, "./bin/busybox: FAILED", in);
        assertThat(torn).isEqualTo(new Reload(BUSYBOX.ref(), ID, List.of("p__diary"), "torn: ./bin/busybox: FAILED"));
    }

    @Test
    void aSuspectImageIsCheckedOnceAndReloadedOnceABootNeverMore() {
        assertThat(PlacementPlanner.decide(BUSYBOX, suspect(Set.of(), Set.of()))).isInstanceOf(Verify.class);
        assertThat(PlacementPlanner.decide(BUSYBOX, suspect(Set.of(BUSYBOX.ref()), Set.of()))).isInstanceOf(GiveUp.class)
                .extracting(PlacementPlanner.Decision::reason).asString().contains("the container's own");
        assertThat(PlacementPlanner.decide(BUSYBOX, suspect(Set.of(BUSYBOX.ref()), Set.of(BUSYBOX.ref())))).isInstanceOf(GiveUp.class)
                .extracting(PlacementPlanner.Decision::reason).asString().contains("reloaded once this boot");
        assertThat(PlacementPlanner.afterCheck(BUSYBOX, ID, false, "x: FAILED", suspect(Set.of(), Set.of(BUSYBOX.ref()))))
                .isInstanceOf(GiveUp.class);
    }

    @Test
    void startFailuresOfATornImageAreToldFromOthers() {
        // crun 1.x and runc as podman reports them; the first is Gate B's seed 5865790607368
        assertThat(PlacementPlanner.suggestsTornImage("start failed: crun: executable file `sh` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found")).isTrue();
        assertThat(PlacementPlanner.suggestsTornImage("runc: runc create failed: unable to start container process: exec: \"sh\": executable file not found in $PATH")).isTrue();
        assertThat(PlacementPlanner.suggestsTornImage("runc create failed: unable to start container process: exec /bin/sh: exec format error")).isTrue();
        assertThat(PlacementPlanner.suggestsTornImage("/bin/foot: error while loading shared libraries: libwayland-client.so.0: cannot open shared object file")).isTrue();
        assertThat(PlacementPlanner.suggestsTornImage("Error: localhost/spine/x:1: image not known")).isFalse();
        assertThat(PlacementPlanner.suggestsTornImage("the compositor is not ready; a persona with a display waits for it")).isFalse();
        assertThat(PlacementPlanner.suggestsTornImage("crun: mount `/run/spine/x` to `/run/spine`: No such file or directory")).isFalse();
    }

    @Test
    void theDigestListLivesBesideTheArchive() {
        assertThat(BUSYBOX.digests()).isEqualTo("/usr/share/spine/images/busybox.oci.tar.zst.sha256");
    }
}
