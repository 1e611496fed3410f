package spine.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.model.AppImage;
import spine.model.DesiredState;
import spine.model.NetworkMode;
import spine.model.ObservedState;
import spine.model.Persona;
import spine.model.Plan;
import spine.model.PlanComposer;
import spine.model.PlanPhase;
import spine.model.ResourceId;
import spine.model.RestartPolicy;
import spine.model.RunState;
import spine.model.Spec;
import spine.model.Step;
import spine.model.kernel.KernelState;

class AppImagePlannerTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String OTHER_SHA = "0".repeat(64);
    private static final String ID = "a".repeat(64);
    private static final AppImage NOTES = new AppImage(ResourceId.image("notes"), "/persist/images/notes.oci.tar", SHA, "localhost/notes:1");

    private static Persona persona(String name, String image) {
        return new Persona(ResourceId.persona(name), image, List.of("sleep", "60"), new TreeMap<>(), RunState.RUNNING,
                Optional.empty(), false, false, NetworkMode.NONE, RestartPolicy.ALWAYS);
    }

    private static DesiredState desired(Spec... specs) {
        return DesiredState.of(List.of(specs));
    }

    private static final Map<ResourceId, AppImagePlanner.Loaded> LOADED = Map.of(NOTES.id(), new AppImagePlanner.Loaded(SHA, ID));

    @Test
    void anImageLoadedFromThisArchiveAndStillNamedSoIsReady() {
        var r = AppImagePlanner.plan(desired(NOTES, persona("diary", "localhost/notes:1")), Optional.of(Map.of("localhost/notes:1", ID)),
                LOADED, Map.of());
        assertThat(r.loads()).isEmpty();
        assertThat(r.waiting()).isEmpty();
    }

    @Test
    void neverLoadedAnotherArchiveAGoneNameOrAMovedNameLoadsAgainAndItsUsersWait() {
        var d = desired(NOTES, persona("diary", "localhost/notes:1"), persona("work", "localhost/spine/busybox:1"));
        assertThat(AppImagePlanner.plan(d, Optional.of(Map.of()), Map.of(), Map.of()).loads())
                .singleElement().satisfies(l -> assertThat(l.reason()).isEqualTo("never loaded"));
        assertThat(AppImagePlanner.plan(d, Optional.of(Map.of("localhost/notes:1", ID)),
                Map.of(NOTES.id(), new AppImagePlanner.Loaded(OTHER_SHA, ID)), Map.of()).loads())
                .singleElement().satisfies(l -> assertThat(l.reason()).startsWith("the spec names another archive"));
        assertThat(AppImagePlanner.plan(d, Optional.of(Map.of()), LOADED, Map.of()).loads())
                .singleElement().satisfies(l -> assertThat(l.reason()).isEqualTo("localhost/notes:1 is not in podman's storage"));
        var moved = AppImagePlanner.plan(d, Optional.of(Map.of("localhost/notes:1", "b".repeat(64))), LOADED, Map.of());
        assertThat(moved.loads()).singleElement().satisfies(l -> assertThat(l.reason()).contains("names image bbbbbbbbbbbb, not the loaded aaaaaaaaaaaa"));
        assertThat(moved.waiting()).containsOnlyKeys(ResourceId.persona("diary"));
        assertThat(moved.waiting().get(ResourceId.persona("diary"))).startsWith("image localhost/notes:1 is not loaded yet (Image notes: ");
    }

    @Test
    void aFailedLoadIsTheReasonItsUsersWait() {
        var r = AppImagePlanner.plan(desired(NOTES, persona("diary", "localhost/notes:1")), Optional.of(Map.of()), Map.of(),
                Map.of(NOTES.id(), "sha256 of /persist/images/notes.oci.tar is 00, the Image says 9f"));
        assertThat(r.waiting()).containsEntry(ResourceId.persona("diary"),
                "image localhost/notes:1 is not loaded: sha256 of /persist/images/notes.oci.tar is 00, the Image says 9f");
    }

    @Test
    void withoutPodmansAnswerNothingIsDecided() {
        var r = AppImagePlanner.plan(desired(NOTES, persona("diary", "localhost/notes:1")), Optional.empty(), Map.of(), Map.of());
        assertThat(r.loads()).isEmpty();
        assertThat(r.waiting()).isEmpty();
    }

    /** The composed plan: the load first of all; the persona is not run (nor an old one removed) until it is done. */
    @Test
    void aPersonaOnAnImageNotLoadedIsAConflictNotARun() {
        var d = desired(NOTES, persona("diary", "localhost/notes:1"), persona("work", "localhost/spine/busybox:1"));
        Plan plan = PlanComposer.compose(new PlanComposer.Inputs(d, ObservedState.empty(), Set.of(), KernelState.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty(),
                new AppImagePlanner.Inputs(Optional.of(Map.of()), Map.of(), Map.of()))).plan();
        assertThat(plan.steps().getFirst().phase()).isEqualTo(PlanPhase.IMAGES);
        assertThat(plan.steps().getFirst().step()).isInstanceOf(Step.LoadImage.class);
        assertThat(plan.steps()).noneMatch(s -> s.step().target().equals(ResourceId.persona("diary")));
        assertThat(plan.steps()).anyMatch(s -> s.step() instanceof Step.RunContainer r && r.target().equals(ResourceId.persona("work")));
        assertThat(plan.conflicts()).singleElement().satisfies(c -> {
            assertThat(c.target()).isEqualTo(ResourceId.persona("diary"));
            assertThat(c.reason()).startsWith("image localhost/notes:1 is not loaded yet");
        });
        // once loaded, the persona runs and nothing waits
        Plan after = PlanComposer.compose(new PlanComposer.Inputs(d, ObservedState.empty(), Set.of(), KernelState.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty(),
                new AppImagePlanner.Inputs(Optional.of(Map.of("localhost/notes:1", ID)), LOADED, Map.of()))).plan();
        assertThat(after.conflicts()).isEmpty();
        assertThat(after.steps()).anyMatch(s -> s.step() instanceof Step.RunContainer r && r.target().equals(ResourceId.persona("diary")));
    }
}
