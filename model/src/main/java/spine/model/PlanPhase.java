package spine.model;

/**
 * Plan order: Images first (a container needs its image), tenants next (personas may depend on them), then personas, then kernel-side envelope writes to
 * containers that already run, then focus (windows, freeze, thaw), then prune removals last.
 */
public enum PlanPhase {
    IMAGES, TENANTS, PERSONAS, ENVELOPES, FOCUS, PRUNE;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
