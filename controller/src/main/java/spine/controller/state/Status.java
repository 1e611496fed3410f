package spine.controller.state;

import java.util.Optional;

import spine.model.CrashLoop;
import spine.model.Phase;

/** One row of the status table, with the resource's crash-loop record. */
public record Status(Phase phase, long observedGeneration, Optional<String> lastError, String phaseSince, String updatedAt,
                     CrashLoop.Record crash) {}
