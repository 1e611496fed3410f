package spine.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.controller.state.ImageLoads;
import spine.controller.state.IntentStore;
import spine.controller.state.StateBridge;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.model.AppImage;
import spine.model.DesiredState;
import spine.model.Envelope;
import spine.model.Kind;
import spine.model.Persona;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.Tenant;
import spine.model.spec.SpecCodec;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;
import spine.drivers.sysfs.SysfsDriver;
import spine.controller.state.ControlSocket;

/** {@code spine get}: intent, status and holds as a table, YAML or JSON; {@code spine get boot}: how this boot went. */
record GetCommand(Machine m) {
    int get(Args args) throws UsageException, StateException {
        args.allowOnly(Command.GET);
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("boot")) {
            Optional<String> record;
            try {
                record = StateBridge.readBootRecord(m.runDir());
            } catch (IOException e) {
                throw new StateException("cannot read " + m.runDir().resolve("boot.json") + ": " + e.getMessage(), e);
            }
            if (record.isEmpty()) {
                m.err().println("spine: no boot record at " + m.runDir().resolve("boot.json") + "; this machine was not booted by bay0");
                return ExitCode.UNAVAILABLE;
            }
            if (args.one("-o").orElse("table").equals("json")) {
                m.out().print(record.get());
                return ExitCode.OK;
            }
            m.out().print(bootSummary(record.get()));
            return ExitCode.OK;
        }
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("images")) return images(args);
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("volumes")) return new VolumeCommand(m).list(args);
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("governor")) return governor(args);
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("focus")) return focus(args);
        Optional<Kind> kind = Optional.empty();
        Optional<String> name = Optional.empty();
        if (!args.positionals.isEmpty()) {
            kind = Kind.fromCli(args.positionals.getFirst());
            if (kind.isEmpty()) throw new UsageException("unknown kind \"" + args.positionals.getFirst() + "\"; use persona, tenant, envelope or image");
        }
        if (args.positionals.size() > 1) name = Optional.of(args.positionals.get(1));
        String format = args.one("-o").orElse("table");
        if (!List.of("table", "yaml", "json").contains(format)) throw new UsageException("-o takes table, yaml or json");

        DesiredState desired = DesiredState.empty();
        SortedMap<ResourceId, Status> statuses = new TreeMap<>();
        SortedMap<ResourceId, String> holds = new TreeMap<>();
        SortedMap<String, ImageLoads.Load> loads = new TreeMap<>();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                desired = IntentCommands.loadedOrFail(store);
                statuses = store.statuses().all();
                holds = store.holds().all();
                loads = store.imageLoads().all();
            }
        }
        var selected = new ArrayList<Spec>();
        for (Spec s : desired.specs().values()) {
            if (kind.isPresent() && s.id().kind() != kind.get()) continue;
            if (name.isPresent() && !s.id().toString().equals(name.get())) continue;
            selected.add(s);
        }
        if (name.isPresent() && selected.isEmpty()) {
            m.err().println("spine: no " + kind.get().cliName() + " named " + name.get() + "; spine get " + kind.get().cliName() + " lists them");
            return ExitCode.INVALID;
        }
        switch (format) {
            case "json" -> m.out().println(json(selected, desired, statuses, holds, loads, kernel(selected)));
            case "yaml" -> m.out().print(SpecCodec.toYaml(selected));
            default -> table(selected, desired, statuses, holds, loads);
        }
        return ExitCode.OK;
    }

    /** The boot record for people: the flags, the report line, and what is held and why. */
    private static String bootSummary(String recordJson) throws StateException {
        JsonNode r;
        try {
            r = SpecCodec.json().readTree(recordJson);
        } catch (JsonProcessingException e) {
            throw new StateException("/run/spine/boot.json is not JSON: " + e.getOriginalMessage(), e);
        }
        var sb = new StringBuilder();
        sb.append("booted ").append(r.path("bootedAt").asText()).append(" version ").append(r.path("version").asText())
                .append(r.path("clean").asBoolean() ? " from " + r.path("root").asText() : " DIRTY (volatile root " + r.path("root").asText() + ")")
                .append(", last shutdown ").append(r.path("lastShutdownClean").asBoolean() ? "clean" : "unclean").append('\n');
        if (r.has("reportLine")) {
            sb.append(r.path("reportLine").asText()).append('\n');
            r.path("report").path("held").fields().forEachRemaining(e ->
                    sb.append("held stopped: ").append(e.getKey()).append(" (").append(e.getValue().asText())
                            .append("); spine apply -f its spec to start it\n"));
        } else {
            sb.append("boot report: not yet (boot repair waits for podman; see genesis.log)\n");
        }
        r.path("upgrade").forEach(u -> sb.append(u.asText()).append('\n'));
        r.path("images").forEach(u -> sb.append(u.asText()).append('\n'));
        return sb.toString();
    }

    /**
     * The built-in images as their placement marks record them (name, image id, when, how: loaded, reloaded,
     * verified, tagged), what this boot did to them, from its record, and every image an Image's load gave, with its
     * owner.
     */
    private int images(Args args) throws StateException {
        String format = args.one("-o").orElse("table");
        var marks = new spine.controller.state.ImageMarks(m.root()).read();
        List<String> thisBoot = new ArrayList<>();
        try {
            Optional<String> record = StateBridge.readBootRecord(m.runDir());
            if (record.isPresent()) SpecCodec.json().readTree(record.get()).path("images").forEach(l -> thisBoot.add(l.asText()));
        } catch (IOException e) {
            m.err().println("spine: this boot's record is unreadable (" + e.getMessage() + "); showing the marks alone");
        }
        List<ImageLoads.Given> given = List.of();
        SortedMap<String, ImageLoads.Load> loads = new TreeMap<>();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                given = store.imageLoads().given();
                loads = store.imageLoads().all();
            }
        }
        if (format.equals("json")) {
            var out = SpecCodec.json().createObjectNode();
            var placed = out.putArray("placed");
            marks.values().forEach(k -> placed.addObject().put("name", k.ref()).put("id", k.id()).put("at", k.at()).put("how", k.how()));
            var events = out.putArray("thisBoot");
            thisBoot.forEach(events::add);
            var apps = out.putArray("loaded");
            for (ImageLoads.Given g : given) {
                apps.addObject().put("id", g.imageId()).put("ref", g.ref()).put("image", g.name()).put("loadedAt", g.loadedAt())
                        .put("owner", owner(g, loads)).put("unreferencedSince", g.unreferencedSince().orElse(null));
            }
            m.out().println(out);
            return ExitCode.OK;
        }
        if (marks.isEmpty()) {
            m.out().println("no built-in image placed under " + m.root() + " (bay0 places them at boot; spine run on a build host has none)");
        } else {
            String fmt = "%-28s  %-12s  %-24s  %s%n";
            m.out().printf(fmt, "NAME", "ID", "PLACED", "HOW");
            marks.values().forEach(k -> m.out().printf(fmt, k.ref(), k.id().substring(0, Math.min(12, k.id().length())), k.at(), k.how()));
        }
        thisBoot.forEach(m.out()::println);
        if (!given.isEmpty()) {
            String fmt = "%-12s  %-28s  %-24s  %s%n";
            m.out().printf(fmt, "ID", "LOADED FOR", "LOADED", "OWNER");
            for (ImageLoads.Given g : given) {
                m.out().printf(fmt, g.imageId().substring(0, Math.min(12, g.imageId().length())), g.ref(), g.loadedAt(), owner(g, loads));
            }
        }
        return ExitCode.OK;
    }

    /**
     * Who keeps an image an Image's load gave: that Image, while its last load is this image; otherwise nothing since a
     * time (the collector removes it after the grace), or not yet judged by a pass (a container may still use it).
     */
    private static String owner(ImageLoads.Given g, SortedMap<String, ImageLoads.Load> loads) {
        ImageLoads.Load l = loads.get(g.name());
        if (l != null && l.imageId().filter(g.imageId()::equals).isPresent()) return "Image " + g.name();
        return g.unreferencedSince().map(t -> "unreferenced since " + t + "; removed after the grace (SPINE_IMAGE_GRACE, 10m)")
                .orElse("referenced by a container's image, or not yet judged by a pass");
    }

    private void table(List<Spec> specs, DesiredState desired, SortedMap<ResourceId, Status> statuses,
                       SortedMap<ResourceId, String> holds, SortedMap<String, ImageLoads.Load> loads) {
        String fmt = "%-8s  %-24s  %-8s  %-9s  %-8s  %-3s  %-8s  %s%n";
        m.out().printf(fmt, "KIND", "NAME", "WANT", "PHASE", "RESTARTS", "GEN", "OBSERVED", "LAST ERROR");
        for (Spec s : specs) {
            Status st = statuses.get(s.id());
            String want = switch (s) {
                case Persona p -> p.state().word();
                case Tenant t -> t.state().word();
                case spine.model.Compositor c -> c.state().word();
                case Envelope e -> "-";
                case AppImage i -> "loaded";
            };
            if (holds.containsKey(s.id())) want = "held";
            if (s instanceof AppImage i) {
                ImageLoads.Load l = loads.get(i.id().label());
                m.out().printf(fmt, "image", i.id(), want, imagePhase(i, l), "-", desired.generation(i.id()), "-",
                        l == null ? "-" : l.lastError().orElse("-"));
                continue;
            }
            m.out().printf(fmt, s.id().kind().cliName(), s.id(), want, st == null ? "-" : st.phase().word(),
                    st == null || !s.id().kind().runsAsContainer() ? "-" : Integer.toString(st.crash().restarts()),
                    desired.generation(s.id()), st == null ? "-" : Long.toString(st.observedGeneration()),
                    st == null ? "-" : st.lastError().orElse("-"));
        }
        for (Spec s : specs) {
            Status st = statuses.get(s.id());
            if (st != null && (st.phase() == Phase.CRASHLOOP || st.phase() == Phase.EXITED)) m.out().println(exitLine(s.id(), st));
        }
        for (Spec s : specs) {
            if (!(s instanceof AppImage i)) continue;
            ImageLoads.Load l = loads.get(i.id().label());
            m.out().println("image " + i.id() + ": " + i.ref() + " from " + i.archive() + " (sha256 " + i.sha256() + ")"
                    + (l != null && l.imageId().isPresent() && l.sha256().filter(i.sha256()::equals).isPresent()
                    ? "; loaded as image " + l.imageId().get().substring(0, Math.min(12, l.imageId().get().length())) + " at " + l.loadedAt().orElse("-")
                    : "; not loaded"));
        }
        for (Spec s : specs) {
            String why = holds.get(s.id());
            if (why != null) m.out().println("held stopped this boot (" + why + "): " + s.id() + "; spine apply -f its spec to start it");
        }
    }

    /**
     * loaded: the last load was of this archive and worked; failed: the last load failed (LAST ERROR says why);
     * pending: never loaded, or the spec names another archive since.
     */
    static String imagePhase(AppImage i, ImageLoads.Load l) {
        if (l == null) return "pending";
        if (l.lastError().isPresent()) return "failed";
        return l.sha256().filter(i.sha256()::equals).isPresent() ? "loaded" : "pending";
    }

    /** One line on a resource that exited by itself: its code, and when Spine will start it again, if ever. */
    static String exitLine(ResourceId id, Status st) {
        String code = st.crash().exitCode().isPresent() ? "code " + st.crash().exitCode().getAsInt() : "unknown code";
        if (st.phase() == Phase.EXITED) {
            return id + " exited (" + code + "); its restart policy keeps it exited until its spec changes";
        }
        return id + " is crash-looping: exited (" + code + ") " + st.crash().crashes() + " time(s) in a row soon after"
                + " starting; next try " + st.crash().nextTry().map(Object::toString).orElse("-") + "; its output:"
                + " podman logs " + id.containerName();
    }

    /**
     * {@code spine get focus}: desired focus from intent, observed (freezers, the visible workspace, the focused
     * window) from the running converger's last pass. Without a converger, the desired focus alone.
     */
    private int focus(Args args) throws StateException {
        boolean json = args.one("-o").orElse("table").equals("json");
        Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
        JsonNode f;
        if (daemon.isPresent()) {
            ObjectNode reply = ask(daemon.get(), "focus-status");
            if (reply.has("error")) {
                m.err().println("spine: " + reply.path("error").asText());
                return ExitCode.UNAVAILABLE;
            }
            f = reply.path("focus");
        } else {
            Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
            if (ro.isEmpty()) {
                m.err().println("spine: no state under " + m.root() + "; nothing applied yet");
                return ExitCode.UNAVAILABLE;
            }
            try (IntentStore store = ro.get()) {
                f = spine.controller.loop.FocusStatus.json(store.focus().get(), spine.model.kernel.KernelState.empty(), Optional.empty(), Optional.empty());
            }
        }
        if (json) {
            m.out().println(f.toPrettyString());
            return ExitCode.OK;
        }
        JsonNode want = f.path("desired");
        m.out().println("desired   " + want.path("persona").asText()
                + (want.has("since") ? "  (since " + want.path("since").asText() + ", uid " + want.path("uid").asLong() + ")" : ""));
        JsonNode seen = f.path("observed");
        if (daemon.isEmpty()) {
            m.out().println("observed  - (no converger runs; bay0 or spine run observes focus)");
            return ExitCode.OK;
        }
        m.out().println("observed  " + (seen.path("compositor").asBoolean()
                ? "workspace " + seen.path("visibleWorkspace").asText() + ", focused window of " + seen.path("focusedPersona").asText()
                : "no compositor"));
        seen.path("personas").properties().forEach(e -> m.out().println("          " + e.getKey() + "  "
                + (e.getValue().path("frozen").asBoolean() ? "frozen" : "running")));
        return ExitCode.OK;
    }

    /** One request with no arguments to the running converger, which is closed after its answer. */
    private static ObjectNode ask(ControlSocket.Client daemon, String op) throws StateException {
        try (ControlSocket.Client c = daemon) {
            return c.request(JsonNodeFactory.instance.objectNode().put("op", op), java.time.Duration.ofSeconds(10));
        }
    }

    /**
     * {@code spine get governor}: the level, the last sample and the changes, from the running converger (the
     * governor lives in it, nothing of it is stored).
     */
    private int governor(Args args) throws StateException {
        Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
        if (daemon.isEmpty()) {
            m.err().println("spine: no converger runs under " + m.root() + " (bay0 or spine run); the governor lives in it");
            return ExitCode.UNAVAILABLE;
        }
        ObjectNode reply = ask(daemon.get(), "governor");
        if (reply.has("error")) {
            m.err().println("spine: the converger has no governor: " + reply.path("error").asText());
            return ExitCode.UNAVAILABLE;
        }
        JsonNode g = reply.path("governor");
        if (args.one("-o").orElse("table").equals("json")) {
            m.out().println(g.toPrettyString());
            return ExitCode.OK;
        }
        m.out().println("level " + g.path("level").asInt() + " of 3: " + g.path("reason").asText());
        JsonNode x = g.path("sample");
        if (!x.isMissingNode()) {
            m.out().printf(java.util.Locale.ROOT, "last sample %s: psi cpu some %.1f, memory some %.1f (%.1f in throttled cgroups), io some %.1f%s%n",
                    x.path("at").asText(), x.path("cpuSome").asDouble(), x.path("memorySome").asDouble(),
                    x.path("throttledMemorySome").asDouble(), x.path("ioSome").asDouble(),
                    x.has("hottestC") ? String.format(java.util.Locale.ROOT, ", hottest %.1f C", x.path("hottestC").asDouble()) : ", no thermal zones");
        }
        for (JsonNode c : g.path("changes")) {
            m.out().println(c.path("at").asText() + "  " + c.path("from").asInt() + " -> " + c.path("to").asInt() + "  " + c.path("reason").asText());
        }
        return ExitCode.OK;
    }

    /**
     * Each selected container's envelope as the kernel enforces it now, and the compositor's when selected (its pid
     * from the converger that spawned it); empty when podman cannot be read.
     */
    private Optional<KernelState> kernel(List<Spec> selected) throws StateException {
        if (selected.stream().noneMatch(s -> s.id().kind().runsAsContainer())) return Optional.of(KernelState.empty());
        var obs = m.podman().observe();
        if (!obs.ok()) return Optional.empty();
        java.util.OptionalLong sway = java.util.OptionalLong.empty();
        Optional<ControlSocket.Client> daemon = selected.stream().anyMatch(s -> s instanceof spine.model.Compositor)
                ? ControlSocket.connect(m.root()) : Optional.empty();
        if (daemon.isPresent()) {
            long pid = spine.controller.loop.FocusStatus.compositorPid(ask(daemon.get(), "focus-status"));
            if (pid > 0) sway = java.util.OptionalLong.of(pid);
        }
        return Optional.of(new SysfsDriver(Path.of("/")).observe(obs.state(), sway));
    }

    private static String json(List<Spec> specs, DesiredState desired, SortedMap<ResourceId, Status> statuses,
                               SortedMap<ResourceId, String> holds, SortedMap<String, ImageLoads.Load> loads,
                               Optional<KernelState> kernel) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        for (Spec s : specs) {
            ObjectNode o = list.addObject();
            o.put("kind", s.id().kind().cliName());
            o.put("name", s.id().toString());
            o.put("generation", desired.generation(s.id()));
            o.set("spec", SpecCodec.body(s));
            ObjectNode st = o.putObject("status");
            if (s instanceof AppImage i) {
                ImageLoads.Load l = loads.get(i.id().label());
                st.put("phase", imagePhase(i, l));
                st.put("imageId", l == null ? null : l.imageId().orElse(null));
                st.put("loadedSha256", l == null ? null : l.sha256().orElse(null));
                st.put("loadedAt", l == null ? null : l.loadedAt().orElse(null));
                st.put("lastError", l == null ? null : l.lastError().orElse(null));
                continue;
            }
            if (holds.containsKey(s.id())) st.put("held", holds.get(s.id()));
            else st.putNull("held");
            Status status = statuses.get(s.id());
            if (status == null) {
                st.putNull("phase");
                st.putNull("observedGeneration");
                st.putNull("lastError");
            } else {
                st.put("phase", status.phase().word());
                st.put("observedGeneration", status.observedGeneration());
                if (status.lastError().isPresent()) st.put("lastError", status.lastError().get());
                else st.putNull("lastError");
                st.put("restarts", status.crash().restarts());
                st.put("crashes", status.crash().crashes());
                if (status.crash().exitCode().isPresent()) st.put("lastExitCode", status.crash().exitCode().getAsInt());
                else st.putNull("lastExitCode");
                st.put("nextTry", status.crash().nextTry().map(Object::toString).orElse(null));
            }
            if (s.id().kind().runsAsContainer()) kernelJson(st, s.id(), kernel);
        }
        try {
            return SpecCodec.json().writerWithDefaultPrettyPrinter().writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code status.kernel}: the cgroup, main pid and interface files as read back now, or null when the container (or
     * the compositor's process) does not run; {@code status.kernelError} when podman could not be asked.
     */
    private static void kernelJson(ObjectNode st, ResourceId id, Optional<KernelState> kernel) {
        if (kernel.isEmpty()) {
            st.putNull("kernel");
            st.put("kernelError", "podman did not answer; the kernel view needs the container's pid");
            return;
        }
        CgroupView v = id.equals(spine.model.Compositor.ID) ? kernel.get().compositor().orElse(null) : kernel.get().cgroups().get(id);
        if (v == null) {
            st.putNull("kernel");
            return;
        }
        ObjectNode k = st.putObject("kernel");
        k.put("cgroup", v.cgroup()).put("pid", v.pid()).put("frozen", v.frozen());
        ObjectNode files = k.putObject("files");
        v.files().forEach((f, value) -> {
            if (!f.endsWith(".stat") && !f.endsWith(".pressure") && !f.equals("cgroup.events")) files.put(f, value);
        });
        if (v.oomScoreAdj().isPresent()) k.put("oomScoreAdj", v.oomScoreAdj().get());
        else k.putNull("oomScoreAdj");
        k.put("cpuUsageUsec", v.cpuUsageUsec());
    }
}
