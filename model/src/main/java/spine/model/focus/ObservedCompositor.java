package spine.model.focus;

import spine.model.Compositor;

/** The compositor bay0 spawned, as it is now: its pid, the backend it was started with, and whether it is ready. */
public record ObservedCompositor(long pid, Compositor.Backend backend, boolean ready) {}
