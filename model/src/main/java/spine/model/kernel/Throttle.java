package spine.model.kernel;

import spine.model.ResourceId;

/** A value the governor wants in one cgroup file instead of the envelope's, and why. */
public record Throttle(ResourceId target, String file, String value, String reason) {}
