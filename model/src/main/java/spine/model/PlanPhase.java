package spine.model;

/** Plan order: tenants first (personas may depend on them), then personas, then prune removals last. */
public enum PlanPhase {
    TENANTS, PERSONAS, PRUNE;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
