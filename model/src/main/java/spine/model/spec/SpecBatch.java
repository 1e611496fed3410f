package spine.model.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import spine.model.AppImage;
import spine.model.DesiredState;
import spine.model.Compositor;
import spine.model.Envelope;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.Tenant;

/**
 * Checks that span documents: a name given twice in one apply, references to envelopes that exist nowhere, and two
 * Images that would give one ref.
 */
public final class SpecBatch {
    private SpecBatch() {}

    public static List<SpecError> check(List<SpecParser.Located> applied, DesiredState stored) {
        var errors = new ArrayList<SpecError>();
        Map<ResourceId, SpecParser.Located> seen = new HashMap<>();
        for (SpecParser.Located l : applied) {
            SpecParser.Located first = seen.putIfAbsent(l.spec().id(), l);
            if (first != null) {
                errors.add(l.mark().error("duplicate name " + describe(l.spec().id()) + " (also at "
                        + first.mark().file() + ":" + first.mark().line() + "); each name may appear once per apply"));
            }
        }
        DesiredState after = stored.with(applied.stream().map(SpecParser.Located::spec).toList());
        for (SpecParser.Located l : applied) {
            envelopeOf(l.spec()).filter(name -> after.envelope(name).isEmpty()).ifPresent(name ->
                    errors.add(l.mark().error(describe(l.spec().id()) + " names envelope \"" + name
                            + "\", which is neither stored nor in this apply; add a kind: Envelope document named "
                            + name + " or drop the envelope field")));
        }
        // each ref from one Image: the stored ones this apply does not replace, then this apply's in document order
        var providers = new HashMap<String, ResourceId>();
        var appliedIds = applied.stream().map(l -> l.spec().id()).collect(java.util.stream.Collectors.toSet());
        stored.images().values().stream().filter(i -> !appliedIds.contains(i.id())).forEach(i -> providers.put(i.ref(), i.id()));
        for (SpecParser.Located l : applied) {
            if (!(l.spec() instanceof AppImage i)) continue;
            ResourceId other = providers.putIfAbsent(i.ref(), i.id());
            if (other != null && !other.equals(i.id())) {
                errors.add(l.mark().error(describe(i.id()) + " names ref " + i.ref() + ", which image \"" + other
                        + "\" already provides; each ref comes from one Image"));
            }
        }
        errors.sort(null);
        return errors;
    }

    /** Why deleting {@code id} would leave a dangling reference, if it would. */
    public static Optional<String> checkDelete(ResourceId id, DesiredState stored) {
        if (!(stored.specs().get(id) instanceof Envelope)) return Optional.empty();
        var users = new ArrayList<String>();
        for (Spec s : stored.specs().values()) {
            if (envelopeOf(s).filter(id.label()::equals).isPresent()) users.add(s.id().toString());
        }
        return users.isEmpty() ? Optional.empty() : Optional.of("envelope " + id.label() + " is still used by "
                + String.join(", ", users) + "; change or delete those first");
    }

    private static Optional<String> envelopeOf(Spec s) {
        return switch (s) {
            case Persona p -> p.envelope();
            case Tenant t -> t.envelope();
            case Compositor c -> c.envelope();
            case Envelope ignored -> Optional.empty();
            case AppImage ignored -> Optional.empty();
        };
    }

    private static String describe(ResourceId id) {
        return id.kind().cliName() + " \"" + id + "\"";
    }
}
