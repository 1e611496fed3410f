package spine.drivers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import spine.model.ObservedState;
import spine.model.ResourceId;
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

    /**
     * Every image name:tag in storage with its id, an image without a name under {@code sha256:ID}; asked only when
     * intent holds Images or a load gave images; empty when not answered.
     */
    default Optional<Map<String, String>> imageIds() {
        return Optional.empty();
    }

    /**
     * Starts existing containers, each step's result by its target. A runtime that can start several in one call
     * does (podman pays its own start-up once per process: about 0.25 s of a 0.6 s start under emulation); this one
     * applies them one after another.
     */
    default Map<ResourceId, StepResult> startAll(List<Step.StartContainer> steps) {
        var results = new LinkedHashMap<ResourceId, StepResult>();
        for (Step.StartContainer s : steps) results.put(s.target(), apply(s));
        return results;
    }
}
