package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The phases each step moves its target through are data of the step, read by the executor and nobody else. */
class StepTest {
    private static final ResourceId W = ResourceId.persona("work");

    @Test
    void lifecycleStepsPassThroughAPhaseAndSettleInAnother() {
        assertThat(new Step.StartContainer(W, "r").phases()).isEqualTo(new Step.Phases(Optional.of(Phase.STARTING), Optional.of(Phase.RUNNING)));
        assertThat(new Step.UnpauseContainer(W, "r").phases().during()).contains(Phase.STARTING);
        assertThat(new Step.StopContainer(W, Duration.ofSeconds(1), "r").phases()).isEqualTo(new Step.Phases(Optional.of(Phase.STOPPING), Optional.of(Phase.STOPPED)));
        assertThat(new Step.PauseContainer(W, "r").phases().after()).contains(Phase.PAUSED);
        assertThat(new Step.SpawnCompositor(ResourceId.tenant("sway"), Compositor.Backend.HEADLESS, "r").phases().after()).contains(Phase.RUNNING);
    }

    @Test
    void aRemoveSettlesWithoutATransitAndKernelWindowAndDrainStepsChangeNoPhase() {
        assertThat(new Step.RemoveContainer(W, "r").phases()).isEqualTo(new Step.Phases(Optional.empty(), Optional.of(Phase.STOPPED)));
        assertThat(new Step.Freeze(W, "/x", "r").phases()).isEqualTo(Step.Phases.NONE);
        assertThat(new Step.FocusWindow(W, "m", "r").phases()).isEqualTo(Step.Phases.NONE);
        assertThat(new Step.DrainUmbilical(ResourceId.tenant("ai"), Duration.ofSeconds(1), "r").phases()).isEqualTo(Step.Phases.NONE);
    }

    @Test
    void theOwnerIsTheType() {
        assertThat(new Step.Thaw(W, "/x", "r")).isInstanceOf(Step.KernelStep.class);
        assertThat(new Step.RunContainer(W, null, 1, "r")).isInstanceOf(Step.ContainerStep.class);
        assertThat(new Step.ShowWorkspace(W, "1", "r")).isInstanceOf(Step.WindowStep.class);
        assertThat(new Step.StopCompositor(ResourceId.tenant("sway"), Duration.ofSeconds(1), "r")).isInstanceOf(Step.CompositorStep.class);
    }
}
