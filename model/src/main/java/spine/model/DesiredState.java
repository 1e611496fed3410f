package spine.model;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * All intent: every spec by id, with the generation the store gave it.
 * A persona or tenant whose envelope is missing resolves to nothing runnable; validation refuses such input
 * before it is stored, so this only matters for a database edited by hand, and the planner reports it.
 */
public record DesiredState(SortedMap<ResourceId, Spec> specs, SortedMap<ResourceId, Long> generations) {
    public DesiredState {
        specs = Collections.unmodifiableSortedMap(new TreeMap<>(specs));
        generations = Collections.unmodifiableSortedMap(new TreeMap<>(generations));
    }

    public static DesiredState empty() {
        return new DesiredState(new TreeMap<>(), new TreeMap<>());
    }

    public static DesiredState of(Iterable<? extends Spec> specs) {
        var map = new TreeMap<ResourceId, Spec>();
        var gens = new TreeMap<ResourceId, Long>();
        for (Spec s : specs) {
            map.put(s.id(), s);
            gens.put(s.id(), 1L);
        }
        return new DesiredState(map, gens);
    }

    public long generation(ResourceId id) {
        return generations.getOrDefault(id, 0L);
    }

    /** This state with {@code changes} laid over it, each bumping its generation when its content changed. */
    public DesiredState with(Iterable<? extends Spec> changes) {
        var map = new TreeMap<>(specs);
        var gens = new TreeMap<>(generations);
        for (Spec s : changes) {
            Spec old = map.put(s.id(), s);
            if (!s.equals(old)) gens.put(s.id(), gens.getOrDefault(s.id(), 0L) + 1);
        }
        return new DesiredState(map, gens);
    }

    public DesiredState without(ResourceId id) {
        var map = new TreeMap<>(specs);
        var gens = new TreeMap<>(generations);
        map.remove(id);
        gens.remove(id);
        return new DesiredState(map, gens);
    }

    /**
     * This state with the held personas wanted stopped, generations unchanged: a hold overrides what the
     * spec asks for without changing the spec (see {@link spine.model.boot.BootHolds}).
     */
    public DesiredState holding(java.util.Set<ResourceId> held) {
        if (held.isEmpty()) return this;
        var map = new TreeMap<>(specs);
        for (ResourceId id : held) {
            if (map.get(id) instanceof Persona p) map.put(id, p.withState(RunState.STOPPED));
        }
        return new DesiredState(map, generations);
    }

    public Optional<Envelope> envelope(String name) {
        if (!ResourceId.isLabel(name)) return Optional.empty();
        return Optional.ofNullable(specs.get(ResourceId.envelope(name))).map(Envelope.class::cast);
    }

    /** The containers Spine wants, with envelopes resolved; resources whose envelope is missing are left out. */
    public SortedMap<ResourceId, DesiredContainer> containers() {
        var out = new TreeMap<ResourceId, DesiredContainer>();
        for (Map.Entry<ResourceId, Spec> e : specs.entrySet()) {
            switch (e.getValue()) {
                case Persona p -> resolve(p.envelope()).ifPresent(env ->
                        out.put(p.id(), new DesiredContainer(ContainerSpec.of(p, env), p.state(), generation(p.id()))));
                case Tenant t -> resolve(t.envelope()).ifPresent(env ->
                        out.put(t.id(), new DesiredContainer(ContainerSpec.of(t, env), t.state(), generation(t.id()))));
                case Compositor ignored -> { } // a host process: Machinery's compositor, not podman
                case Envelope ignored -> { }
                case AppImage ignored -> { }
            }
        }
        return out;
    }

    /** Personas and tenants that name an envelope that does not exist, with the missing name. */
    public SortedMap<ResourceId, String> danglingEnvelopes() {
        var out = new TreeMap<ResourceId, String>();
        for (Spec s : specs.values()) {
            Optional<String> ref = switch (s) {
                case Persona p -> p.envelope();
                case Tenant t -> t.envelope();
                case Compositor c -> c.envelope();
                case Envelope ignored -> Optional.empty();
                case AppImage ignored -> Optional.empty();
            };
            ref.filter(name -> envelope(name).isEmpty()).ifPresent(name -> out.put(s.id(), name));
        }
        return out;
    }

    /** The Images in intent, by id. */
    public SortedMap<ResourceId, AppImage> images() {
        var out = new TreeMap<ResourceId, AppImage>();
        specs.values().forEach(s -> {
            if (s instanceof AppImage i) out.put(i.id(), i);
        });
        return out;
    }

    /** The Image that provides {@code ref}, if one does (the first by name, should a database edited by hand hold two). */
    public Optional<AppImage> imageProviding(String ref) {
        return images().values().stream().filter(i -> i.ref().equals(ref)).findFirst();
    }

    /** The compositor in intent, if any. */
    public Optional<Compositor> compositor() {
        return Optional.ofNullable(specs.get(Compositor.ID)).filter(Compositor.class::isInstance).map(Compositor.class::cast);
    }

    /**
     * The envelope of the compositor in intent, resolved (unlimited when it names none); empty without a compositor or
     * when its envelope is missing.
     */
    public Optional<Envelope> compositorEnvelope() {
        return compositor().flatMap(c -> resolve(c.envelope()));
    }

    private Optional<Envelope> resolve(Optional<String> envelope) {
        return envelope.isEmpty() ? Optional.of(Envelope.unlimited()) : envelope.flatMap(this::envelope);
    }
}
