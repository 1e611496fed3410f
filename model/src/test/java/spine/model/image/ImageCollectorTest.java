package spine.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import spine.model.AppImage;
import spine.model.DesiredState;
import spine.model.NetworkMode;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RestartPolicy;
import spine.model.RunState;

class ImageCollectorTest {
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final String OLD = "a".repeat(64), NEW = "b".repeat(64);

    private static ImageCollector.Given given(String id, Optional<Instant> since) {
        return new ImageCollector.Given(id, ResourceId.image("notes"), "localhost/notes:1", since);
    }

    @Test
    void anUnreferencedImageIsMarkedThenRemovedOnlyAfterItsGrace() {
        var first = ImageCollector.plan(List.of(given(OLD, Optional.empty())), Set.of(OLD), Set.of(), T0, GRACE);
        assertThat(first.removals()).isEmpty();
        assertThat(first.marks()).containsEntry(OLD, Optional.of(T0));
        var during = ImageCollector.plan(List.of(given(OLD, Optional.of(T0))), Set.of(OLD), Set.of(), T0.plus(Duration.ofMinutes(9)), GRACE);
        assertThat(during.removals()).isEmpty();
        assertThat(during.marks()).isEmpty();
        var after = ImageCollector.plan(List.of(given(OLD, Optional.of(T0))), Set.of(OLD), Set.of(), T0.plus(GRACE), GRACE);
        assertThat(after.removals()).singleElement().satisfies(r -> {
            assertThat(r.imageId()).isEqualTo(OLD);
            assertThat(r.target()).isEqualTo(ResourceId.image("notes"));
            assertThat(r.reason()).contains("nothing has referenced it since 2026-12-07T12:00:00Z");
        });
    }

    @Test
    void aReferencedImageLosesItsMarkAndAVanishedOneIsForgotten() {
        var r = ImageCollector.plan(List.of(given(OLD, Optional.of(T0)), given(NEW, Optional.empty())), Set.of(OLD), Set.of(OLD),
                T0.plus(Duration.ofHours(1)), GRACE);
        assertThat(r.removals()).isEmpty();
        assertThat(r.marks()).containsExactly(Map.entry(OLD, Optional.empty()));
        assertThat(r.forget()).containsExactly(NEW);
    }

    /** What intent references: each container's image and each Image's ref as podman names them, and each Image's load. */
    @Test
    void theReferencesComeFromContainersImagesAndLoads() {
        var notes = new AppImage(ResourceId.image("notes"), "/persist/images/notes.oci.tar", "9".repeat(64), "localhost/notes:2");
        var diary = new Persona(ResourceId.persona("diary"), "localhost/notes:1", List.of(), new java.util.TreeMap<>(), RunState.RUNNING,
                Optional.empty(), false, false, NetworkMode.NONE, RestartPolicy.ALWAYS);
        String third = "c".repeat(64);
        var in = new AppImagePlanner.Inputs(Optional.of(Map.of("localhost/notes:1", OLD, "localhost/notes:2", NEW)),
                Map.of(notes.id(), new AppImagePlanner.Loaded("9".repeat(64), NEW)), Map.of(),
                List.of(given(OLD, Optional.of(T0)), given(NEW, Optional.of(T0)), given(third, Optional.of(T0))),
                T0.plus(GRACE), GRACE);
        var present = new java.util.HashMap<>(in.present().get());
        present.put("<none>:" + third, third);
        var withThird = new AppImagePlanner.Inputs(Optional.of(present), in.loaded(), in.errors(), in.given(), in.now(), in.grace());
        var r = AppImagePlanner.plan(DesiredState.of(List.of(notes, diary)), withThird).collect();
        assertThat(r.removals()).extracting(s -> s.imageId()).containsExactly(third);
        assertThat(r.marks()).containsOnlyKeys(OLD, NEW).allSatisfy((id, since) -> assertThat(since).isEmpty());
    }
}
