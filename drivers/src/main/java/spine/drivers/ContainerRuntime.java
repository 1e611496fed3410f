package spine.drivers;

import spine.model.ObservedState;
import spine.model.Step;
import spine.model.StepResult;

/** What the loop needs from a container runtime: one observation, and one step at a time. Podman is the one. */
public interface ContainerRuntime {
    /** The world as the runtime reports it, or why it could not be read. */
    record Observation(ObservedState state, String error) {
        public boolean ok() { return error == null; }
    }

    Observation observe();

    StepResult apply(Step step);
}
