package spine.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import spine.controller.state.IntentStore;
import spine.controller.state.History;
import spine.controller.state.StateException;
import spine.controller.state.VolumeEvents;
import spine.model.Kind;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.SpecCodec;
import spine.model.spec.SpecDiff;
import spine.model.spec.SpecParser;

/** {@code spine history} and {@code spine diff --since}: the append-only history, read-only. */
record HistoryCommand(Machine m) {
    /** One history row with the spec it stored and the fields changed against the resource's previous row. */
    private record Entry(History.Row change, Optional<Spec> spec, List<String> changed) {
        Entry {
            changed = List.copyOf(changed);
        }
    }

    int history(Args args) throws UsageException, StateException {
        args.allowOnly(Command.HISTORY);
        Optional<ResourceId> only = target(args, 0);
        String format = args.one("-o").orElse("table");
        if (!List.of("table", "json").contains(format)) throw new UsageException("-o takes table or json");
        Read read = read(only, only.isEmpty());
        List<Entry> entries = read.entries();
        List<VolumeEvents.Event> volumes = read.volumes();
        if (only.isPresent() && entries.isEmpty()) {
            m.err().println("spine: no history for " + only.get().kind().cliName() + " " + only.get() + "; spine history lists all");
            return ExitCode.INVALID;
        }
        if (format.equals("json")) {
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            for (Entry e : entries) {
                History.Row c = e.change();
                ObjectNode o = list.addObject().put("at", c.at()).put("kind", c.target().kind().cliName())
                        .put("name", c.target().toString()).put("generation", c.generation()).put("action", c.action());
                if (c.uid().isPresent()) o.put("uid", c.uid().getAsLong());
                else o.putNull("uid");
                ArrayNode fields = o.putArray("changed");
                e.changed().forEach(fields::add);
            }
            for (VolumeEvents.Event v : volumes) {
                ObjectNode o = list.addObject().put("at", v.at()).put("kind", "volume").put("name", volumeName(v)).put("action", v.action());
                if (v.uid() >= 0) o.put("uid", v.uid());
                else o.putNull("uid");
                if (v.path() != null) o.put("path", v.path());
                if (v.bytes().isPresent()) o.put("bytes", v.bytes().getAsLong());
            }
            try {
                m.out().println(SpecCodec.json().writerWithDefaultPrettyPrinter().writeValueAsString(list));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException(ex);
            }
            return ExitCode.OK;
        }
        String fmt = "%-30s  %-5s  %-8s  %-24s  %-3s  %-6s  %s%n";
        m.out().printf(fmt, "TIME", "UID", "KIND", "NAME", "GEN", "ACTION", "CHANGED");
        // intent changes and volume events, each oldest first, merged by time
        var lines = new java.util.TreeMap<String, List<String>>();
        for (Entry e : entries) {
            History.Row c = e.change();
            lines.computeIfAbsent(c.at(), k -> new ArrayList<>()).add(String.format(fmt, c.at(),
                    c.uid().isPresent() ? Long.toString(c.uid().getAsLong()) : "-", c.target().kind().cliName(), c.target(),
                    c.generation(), c.action(), e.changed().isEmpty() ? "-" : String.join(", ", e.changed())));
        }
        for (VolumeEvents.Event v : volumes) {
            lines.computeIfAbsent(v.at(), k -> new ArrayList<>()).add(String.format(fmt, v.at(), v.uid() >= 0 ? Long.toString(v.uid()) : "-",
                    "volume", volumeName(v), "-", v.action(), v.path() != null ? "path " + v.path()
                            : v.bytes().isPresent() && v.bytes().getAsLong() >= 0 ? v.bytes().getAsLong() + " bytes" : "-"));
        }
        lines.values().forEach(l -> l.forEach(m.out()::print));
        return ExitCode.OK;
    }

    /**
     * {@code spine diff --since G [KIND NAME]}: each resource's spec now against its spec at generation G (the latest
     * history row at G, should it have been deleted and created again). Exit 0 when nothing changed, 1 when something did.
     */
    int since(Args args) throws UsageException, StateException {
        long g;
        try {
            g = Long.parseLong(args.one("--since").orElseThrow());
        } catch (NumberFormatException e) {
            throw new UsageException("--since takes a generation number, e.g. --since 3 (spine history shows them)");
        }
        if (!args.all("-f").isEmpty()) throw new UsageException("diff takes either -f PATH or --since GENERATION, not both");
        Optional<ResourceId> only = target(args, 0);
        var at = new TreeMap<ResourceId, Optional<Spec>>();
        var now = new TreeMap<ResourceId, Optional<Spec>>();
        for (Entry e : read(only, false).entries()) {
            ResourceId id = e.change().target();
            if (e.change().generation() <= g && !e.change().action().equals("delete")) at.put(id, e.spec());
            if (e.change().generation() <= g && e.change().action().equals("delete")) at.remove(id);
            now.put(id, e.change().action().equals("delete") ? Optional.empty() : e.spec());
        }
        var lines = new ArrayList<String>();
        for (Map.Entry<ResourceId, Optional<Spec>> e : now.entrySet()) {
            ResourceId id = e.getKey();
            Optional<Spec> then = at.getOrDefault(id, Optional.empty());
            Optional<Spec> current = e.getValue();
            if (then.isEmpty() && current.isEmpty()) continue;
            if (then.isEmpty()) lines.add("intent " + id + " since " + g + ": created after generation " + g);
            else if (current.isEmpty()) lines.add("intent " + id + " since " + g + ": deleted");
            else if (!then.get().equals(current.get())) {
                lines.add("intent " + id + " since " + g + ": " + String.join("; ",
                        SpecDiff.fields(then.get(), current.get()).stream().map(Object::toString).toList()));
            }
        }
        lines.forEach(m.out()::println);
        return lines.isEmpty() ? ExitCode.OK : ExitCode.PENDING;
    }

    private Optional<ResourceId> target(Args args, int from) throws UsageException {
        if (args.positionals.size() == from) return Optional.empty();
        if (args.positionals.size() != from + 2) throw new UsageException("name a resource as KIND NAME, e.g. persona p://work");
        Kind kind = Kind.fromCli(args.positionals.get(from)).orElseThrow(() ->
                new UsageException("unknown kind \"" + args.positionals.get(from) + "\"; use persona, tenant, envelope or image"));
        ResourceId.Result id = ResourceId.parse(kind, args.positionals.get(from + 1));
        if (!id.ok()) throw new UsageException(id.error());
        return Optional.of(id.id());
    }

    /** "p://diary/home": the persona's name, then the volume's. */
    private static String volumeName(VolumeEvents.Event v) {
        return ResourceId.fromContainerName(v.container()).map(Object::toString).orElse(v.container()) + "/" + v.name();
    }

    /** The history's entries and, when asked (the whole history), the volume events: from one read-only open. */
    private record Read(List<Entry> entries, List<VolumeEvents.Event> volumes) {}

    private Read read(Optional<ResourceId> only, boolean withVolumes) throws StateException {
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isEmpty()) return new Read(List.of(), List.of());
        try (IntentStore store = ro.get()) {
            return new Read(entries(store.history().changes(only)), withVolumes ? store.volumeEvents().all() : List.of());
        }
    }

    private static List<Entry> entries(List<History.Row> changes) {
        var previous = new TreeMap<ResourceId, Spec>();
        var out = new ArrayList<Entry>();
        for (History.Row c : changes) {
            Optional<Spec> spec = c.spec().flatMap(json -> {
                SpecParser.Result r = SpecParser.parse("history:" + c.id(), json);
                return r.specs().isEmpty() ? Optional.empty() : Optional.of(r.specs().getFirst().spec());
            });
            Spec before = previous.get(c.target());
            List<String> changed = c.action().equals("update") && before != null && spec.isPresent()
                    ? SpecDiff.fields(before, spec.get()).stream().map(SpecDiff.Field::name).toList() : List.of();
            if (spec.isPresent()) previous.put(c.target(), spec.get());
            else previous.remove(c.target());
            out.add(new Entry(c, spec, changed));
        }
        return out;
    }
}
