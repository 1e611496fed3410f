package spine.controller.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import spine.controller.state.IntentStore;
import spine.controller.state.LogFile;
import spine.controller.state.StateException;
import spine.controller.state.Volumes;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.Tenant;
import spine.model.Volume;
import spine.model.spec.SpecCodec;

/**
 * {@code spine get volumes} and {@code spine delete volume OWNER NAME}: the volumes on the state root, each with the
 * bytes it holds and whether an intent still names it. A volume is kept when its persona or tenant is deleted
 * (orphaned) and is removed only here, by name, and never while an intent names it.
 */
record VolumeCommand(Machine m) {
    int list(Args args) throws UsageException, StateException {
        String format = args.one("-o").orElse("table");
        if (!List.of("table", "json").contains(format)) throw new UsageException("-o takes table or json");
        Map<String, Volume> named = named(read());
        Volumes volumes = new Volumes(m.root()).withQuotas(m.quotas());
        var onDisk = volumes.list();
        boolean enforced = volumes.sizesEnforced();
        if (format.equals("json")) {
            var out = SpecCodec.json().createArrayNode();
            for (Volumes.OnDisk v : onDisk) {
                Optional<Volume> spec = Optional.ofNullable(named.get(key(v.owner(), v.name())));
                var o = out.addObject().put("owner", v.owner().toString()).put("name", v.name()).put("dir", v.dir().toString())
                        .put("bytes", v.bytes()).put("orphaned", spec.isEmpty());
                spec.ifPresent(s -> o.put("path", s.path()));
                spec.flatMap(Volume::size).ifPresent(b -> o.put("size", b).put("sizeEnforced", enforced));
            }
            m.out().println(out);
            return ExitCode.OK;
        }
        if (onDisk.isEmpty()) {
            m.out().println("no volumes under " + new Volumes(m.root()).dirs().root() + " (a persona's spec.volumes makes them when it runs)");
            return ExitCode.OK;
        }
        String fmt = "%-24s  %-12s  %-20s  %12s  %12s  %s%n";
        m.out().printf(fmt, "OWNER", "NAME", "PATH", "BYTES", "SIZE", "ORPHANED");
        for (Volumes.OnDisk v : onDisk) {
            Optional<Volume> spec = Optional.ofNullable(named.get(key(v.owner(), v.name())));
            m.out().printf(fmt, v.owner(), v.name(), spec.map(Volume::path).orElse("-"), v.bytes(),
                    spec.flatMap(Volume::size).map(b -> b + (enforced ? "" : "*")).orElse("-"), spec.isPresent() ? "no" : "yes");
        }
        if (!enforced && onDisk.stream().anyMatch(v -> named.get(key(v.owner(), v.name())) instanceof Volume s && s.size().isPresent())) {
            m.out().println("* not enforced: this filesystem has no project quotas (docs/OPERATIONS.md \"Disk\")");
        }
        return ExitCode.OK;
    }

    int delete(Args args) throws UsageException, StateException {
        if (args.positionals.size() != 3) throw new UsageException("usage: spine delete volume OWNER NAME, e.g. spine delete volume p://work home");
        String ownerName = args.positionals.get(1);
        ResourceId.Result owner = ResourceId.parse(ownerName.startsWith(Kind.TENANT.scheme()) ? Kind.TENANT : Kind.PERSONA, ownerName);
        if (!owner.ok()) throw new UsageException(owner.error());
        String name = args.positionals.get(2);
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            DesiredState desired = IntentCommands.loadedOrFail(store);
            if (named(desired).containsKey(key(owner.id(), name))) {
                m.err().println("spine: volume " + name + " of " + owner.id() + " is named by its intent; remove it from the spec"
                        + " and apply, or delete the persona first (its volumes are kept until deleted here)");
                return ExitCode.INVALID;
            }
            var volumes = new Volumes(m.root());
            long bytes = volumes.bytes(owner.id(), name).orElse(-1);
            if (!volumes.delete(owner.id(), name)) {
                m.err().println("spine: no volume " + name + " of " + owner.id() + "; spine get volumes lists them");
                return ExitCode.INVALID;
            }
            store.volumeEvents().deleted(owner.id().containerName(), name, bytes, m.host().ownUid());
            System.getLogger("cli").log(System.Logger.Level.INFO, "volume deleted owner={0} name={1} uid={2}", owner.id(), name,
                    m.host().ownUid());
            m.out().println(String.format("%-8s %-24s %s", "volume", owner.id() + " " + name, "deleted"));
            return ExitCode.OK;
        }
    }

    private DesiredState read() throws StateException {
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isEmpty()) return DesiredState.empty();
        try (IntentStore store = ro.get()) {
            return IntentCommands.loadedOrFail(store);
        }
    }

    /** Every volume an intent names, by owner and name. */
    private static Map<String, Volume> named(DesiredState desired) {
        var out = new TreeMap<String, Volume>();
        for (var spec : desired.specs().values()) {
            if (spec instanceof Persona p) p.volumes().forEach(v -> out.put(key(p.id(), v.name()), v));
            if (spec instanceof Tenant t) t.volumes().forEach(v -> out.put(key(t.id(), v.name()), v));
        }
        return out;
    }

    private static String key(ResourceId owner, String name) {
        return owner + " " + name;
    }
}
