package spine.model;

import java.util.Optional;

/**
 * {@code sys://compositor}: sway, a system tenant that is a host process bay0 spawns and owns, not a container
 * ({@code kind: Tenant} with {@code process: sway}). It starts before the personas and runs as its own unprivileged
 * uid ({@link Tenant#uidOf}). {@code backend} picks how sway draws: headless with the pixman renderer (the VM, a
 * machine without a GPU), or DRM on real hardware. Its {@code envelope} (cpu weight and max, memory, pids,
 * oom_score_adj) is enforced on the cgroup bay0 moves sway into, {@link #CGROUP}, since no podman sets it up.
 */
public record Compositor(ResourceId id, Backend backend, RunState state, Optional<String> envelope) implements Spec {
    /** The one name a compositor may have: Spine runs one. */
    public static final ResourceId ID = ResourceId.tenant("compositor");
    /**
     * sway's own cgroup, below the cgroup2 mount: its envelope's files live there, and what sway spawns (a key
     * binding's {@code spine focus}) counts against them too.
     */
    public static final String CGROUP = "/spine.compositor";

    public enum Backend {
        HEADLESS, DRM;

        public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public Compositor {
        if (!id.equals(ID)) throw new IllegalArgumentException("the compositor is " + ID + ", not " + id);
        if (state == RunState.PAUSED) throw new IllegalArgumentException("a compositor is running or stopped");
    }

    /** The uid sway runs as and that owns its runtime directory. */
    public int uid() {
        return Tenant.uidOf(id);
    }
}
