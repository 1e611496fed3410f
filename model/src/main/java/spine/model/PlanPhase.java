package spine.model;

/**
 * Plan order: tenants first (personas may depend on them), then personas, then kernel-side envelope writes to
 * containers that already run, then prune removals last.
 */
public enum PlanPhase {
    TENANTS, PERSONAS, ENVELOPES, PRUNE;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
