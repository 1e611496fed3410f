package spine.controller.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import spine.controller.state.IntentStore;
import spine.controller.state.PersonaBundle;
import spine.controller.state.PersonaLanding;
import spine.controller.state.StateException;
import spine.controller.state.Volumes;
import spine.drivers.ContainerRuntime;
import spine.model.AppImage;
import spine.model.ContainerState;
import spine.model.DesiredState;
import spine.model.Envelope;
import spine.model.Kind;
import spine.model.ObservedContainer;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.Volume;
import spine.model.spec.SpecCodec;
import spine.model.spec.SpecParser;

/**
 * {@code spine persona export} and {@code import}: a persona, its envelope, its app's image archive and its volumes in
 * one file (state.PersonaBundle), checked whole before anything is written, landed through the normal apply.
 */
record PersonaCommand(Machine m) {
    private static final System.Logger LOG = System.getLogger("cli");

    int persona(Args args) throws UsageException, StateException {
        args.allowOnly(Command.PERSONA);
        String verb = args.positionals.isEmpty() ? "" : args.positionals.getFirst();
        return switch (verb) {
            case "export" -> export(args);
            case "import" -> importBundle(args);
            default -> throw new UsageException("usage: spine persona export p://NAME -o FILE | spine persona import FILE [--replace]");
        };
    }

    private int export(Args args) throws UsageException, StateException {
        if (args.positionals.size() != 2 || args.one("-o").isEmpty()) {
            throw new UsageException("usage: spine persona export p://NAME -o FILE, e.g. spine persona export p://work -o work.spine");
        }
        ResourceId.Result id = ResourceId.parse(Kind.PERSONA, args.positionals.get(1));
        if (!id.ok()) throw new UsageException(id.error());
        Path out = Path.of(args.one("-o").get()).toAbsolutePath();
        DesiredState desired;
        try (IntentStore store = IntentStore.open(m.root(), m.clock())) {
            desired = IntentCommands.loadedOrFail(store);
        }
        if (!(desired.specs().get(id.id()) instanceof Persona p)) {
            m.err().println("spine: no persona " + id.id() + " in intent; spine get personas lists them");
            return ExitCode.INVALID;
        }
        // consistent or not at all: a running persona's files may change under the copy
        ContainerRuntime.Observation seen = m.runtime().observe();
        if (seen.state() == null) {
            m.err().println("spine: cannot see whether " + id.id() + " runs: " + seen.error());
            return ExitCode.UNAVAILABLE;
        }
        Optional<ContainerState> state = seen.state().byName(id.id().containerName()).map(ObservedContainer::state);
        if (state.filter(s -> s == ContainerState.RUNNING || s == ContainerState.STOPPING).isPresent()) {
            m.err().println("spine: " + id.id() + " is running, and its volumes could change while they are copied: stop it"
                    + " first (state: stopped in its spec, then spine apply), export, and start it again; a paused persona"
                    + " (spine focus froze it) exports as it is");
            return ExitCode.PENDING;
        }
        var specs = new ArrayList<Spec>();
        p.envelope().flatMap(desired::envelope).ifPresent(specs::add);
        Optional<AppImage> image = desired.specs().values().stream().filter(s -> s instanceof AppImage a && a.ref().equals(p.image()))
                .map(AppImage.class::cast).findFirst();
        if (image.isEmpty() && !p.image().startsWith("localhost/spine/")) {
            m.err().println("spine: " + id.id() + " runs " + p.image() + ", which no Image spec provides and is not built in:"
                    + " give it an Image spec (docs/OPERATIONS.md \"Apps\") so its archive travels with the persona");
            return ExitCode.INVALID;
        }
        image.ifPresent(specs::add);
        specs.add(p);
        var volumes = new TreeMap<String, Path>();
        var onDisk = new Volumes(m.root());
        for (Volume v : p.volumes()) onDisk.dirIfPresent(p.id(), v.name()).ifPresent(d -> volumes.put(v.name(), d));
        long t0 = System.nanoTime();
        PersonaBundle.write(out, p.id().toString(), SpecCodec.toYaml(specs), image.map(a -> Path.of(a.archive())), volumes);
        LOG.log(System.Logger.Level.INFO, "persona exported id={0} file={1} volumes={2} ms={3}", p.id(), out, volumes.size(),
                (System.nanoTime() - t0) / 1_000_000);
        m.out().println("exported " + p.id() + " to " + out + ": its spec" + (specs.size() > 1 ? ", " + (specs.size() - 1)
                + " spec" + (specs.size() > 2 ? "s" : "") + " it needs" : "") + (image.isPresent() ? ", the image archive of " + image.get().ref() : "")
                + ", " + volumes.size() + " volume" + (volumes.size() == 1 ? "" : "s"));
        return ExitCode.OK;
    }

    private int importBundle(Args args) throws UsageException, StateException {
        if (args.positionals.size() != 2) throw new UsageException("usage: spine persona import FILE [--replace]");
        Path file = Path.of(args.positionals.get(1)).toAbsolutePath();
        boolean replace = args.flag("--replace");
        // 1. the whole file, checked before anything is written
        PersonaBundle.Verified v;
        try {
            v = PersonaBundle.verify(file);
        } catch (StateException e) {
            m.err().println("spine: " + e.getMessage());
            m.err().println("spine: " + file + " is not a whole persona bundle; nothing was imported");
            return ExitCode.INVALID;
        }
        SpecParser.Result parsed = SpecParser.parse(file + ":" + PersonaBundle.SPECS, v.specs());
        if (!parsed.errors().isEmpty()) {
            parsed.errors().forEach(e -> m.err().println(e));
            m.err().println("spine: " + file + " holds specs this Spine refuses; nothing was imported");
            return ExitCode.INVALID;
        }
        List<Spec> specs = parsed.specs().stream().map(SpecParser.Located::spec).toList();
        Optional<Persona> persona = specs.stream().filter(s -> s instanceof Persona).map(Persona.class::cast).findFirst();
        if (persona.isEmpty() || !persona.get().id().toString().equals(v.persona())) {
            m.err().println("spine: " + file + ": its specs do not hold the persona its manifest names (" + v.persona() + ")");
            return ExitCode.INVALID;
        }
        Persona p = persona.get();
        PersonaLanding landing = PersonaLanding.begin(m.root(), m.clock().instant());
        var refusals = new ArrayList<String>();
        DesiredState desired;
        try (IntentStore store = IntentStore.open(m.root(), m.clock())) {
            desired = IntentCommands.loadedOrFail(store);
        }
        if (!replace) {
            if (desired.specs().containsKey(p.id())) refusals.add("persona " + p.id() + " exists here");
            List<String> there = landing.existingVolumes(p.id(), v.volumes());
            if (!there.isEmpty()) refusals.add("its volume" + (there.size() == 1 ? " " : "s ") + String.join(", ", there) + " exist here");
            for (Spec s : specs) {
                if (s instanceof Envelope e && desired.specs().get(e.id()) instanceof Envelope mine && !mine.equals(e)) {
                    refusals.add("envelope " + e.id().label() + " differs here");
                }
                if (s instanceof AppImage a && landing.imageDiffers(a.id().label(), v.imageSha256().orElse(""))) {
                    refusals.add("another file is at " + landing.imagePath(a.id().label()));
                }
            }
        }
        if (!refusals.isEmpty()) {
            m.err().println("spine: " + String.join("; ", refusals) + ": pass --replace to put the imported ones in their place"
                    + " (what they replace is moved under " + m.root().path() + "/spine/attic/, not deleted); nothing was imported");
            return ExitCode.INVALID;
        }
        // 2. extracted into staging, checked again (a killed import's staging is cleared first: nothing in it had
        // landed); 3. landed by renames; 4. applied: intent is the commit point
        int cleared = PersonaLanding.clearLeftovers(m.root());
        if (cleared > 0) LOG.log(System.Logger.Level.INFO, "import cleared staging of killed imports count={0}", cleared);
        try {
            PersonaBundle.extract(file, landing.staging());
        } catch (StateException e) {
            landing.finish();
            m.err().println("spine: " + e.getMessage());
            m.err().println("spine: " + file + " changed or broke while it was read; nothing was imported");
            return ExitCode.INVALID;
        }
        boolean applied = false;
        try {
            var landed = new ArrayList<Spec>();
            for (Spec s : specs) {
                if (s instanceof AppImage a) {
                    Path at = landing.landImage(a.id().label(), v.imageSha256().orElseThrow(
                            () -> new StateException(file + " names Image " + a.id().label() + " but carries no image archive")), m.clock().instant());
                    landed.add(new AppImage(a.id(), at.toString(), a.sha256(), a.ref()));
                } else {
                    landed.add(s);
                }
            }
            List<Path> displaced = landing.landVolumes(p.id(), v.volumes(), m.clock().instant());
            Path final_ = landing.writeSpecs(SpecCodec.toYaml(landed));
            displaced.forEach(d -> m.out().println("moved the volume that was here to " + d));
            int rc = new IntentCommands(m).apply(Args.parse(List.of("-f", final_.toString(), "--timeout",
                    args.one("--timeout").orElse(Cli.DEFAULT_TIMEOUT.toSeconds() + "s"))));
            applied = rc != ExitCode.INVALID && rc != ExitCode.UNAVAILABLE;
            if (applied) m.out().println("imported " + p.id() + " from " + file + " (" + v.volumes().size() + " volume"
                    + (v.volumes().size() == 1 ? "" : "s") + ")");
            return rc;
        } finally {
            if (!applied) landing.undo();
            landing.finish();
        }
    }
}
