package spine.model;

/** One desired resource, as validated from a spec document. */
public sealed interface Spec permits Persona, Tenant, Compositor, Envelope, AppImage {
    ResourceId id();
}
