package spine.controller.state;

import java.util.Optional;

import spine.model.Phase;

/** One row of the status table. */
public record Status(Phase phase, long observedGeneration, Optional<String> lastError, String phaseSince, String updatedAt) {}
