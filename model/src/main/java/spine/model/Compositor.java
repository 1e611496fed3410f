package spine.model;

/**
 * {@code sys://compositor}: sway, a system tenant that is a host process bay0 spawns and owns, not a container
 * ({@code kind: Tenant} with {@code process: sway}). It starts before the personas and runs as its own unprivileged
 * uid ({@link Tenant#uidOf}). {@code backend} picks how sway draws: headless with the pixman renderer (the VM, a
 * machine without a GPU), or DRM on real hardware.
 */
public record Compositor(ResourceId id, Backend backend, RunState state) implements Spec {
    /** The one name a compositor may have: Spine runs one. */
    public static final ResourceId ID = ResourceId.tenant("compositor");

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
