package spine.model;

/**
 * Plan order: tenants first (personas may depend on them), then personas, then kernel-side envelope writes to
 * containers that already run, then focus (windows, freeze, thaw), then prune removals last.
 */
public enum PlanPhase {
    TENANTS, PERSONAS, ENVELOPES, FOCUS, PRUNE;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
