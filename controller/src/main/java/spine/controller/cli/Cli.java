package spine.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import spine.controller.log.LogOutput;
import spine.controller.loop.ControlLoop;
import spine.controller.loop.ControlProtocol;
import spine.controller.loop.Metrics;
import spine.controller.loop.Reconciler;
import spine.controller.state.ControlSocket;
import spine.controller.state.ConvergeLock;
import spine.controller.state.IntentStore;
import spine.controller.state.LogFile;
import spine.controller.state.SpineRoot;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.drivers.ContainerRuntime;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.Plan;
import spine.model.Planner;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.SpecBatch;
import spine.model.spec.SpecCodec;
import spine.model.spec.SpecError;

/** The {@code spine} command line. Every command returns an exit code from {@link ExitCode}. */
public final class Cli {
    private static final System.Logger LOG = System.getLogger("cli");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private final Map<String, String> env;
    private final Clock clock;
    private final java.io.PrintStream out;
    private final java.io.PrintStream err;

    public Cli(Map<String, String> env, Clock clock, java.io.PrintStream out, java.io.PrintStream err) {
        this.env = Map.copyOf(env);
        this.clock = clock;
        this.out = out;
        this.err = err;
    }

    public int run(List<String> argv) {
        if (argv.isEmpty() || List.of("help", "-h", "--help").contains(argv.getFirst())) {
            out.print(HELP);
            return argv.isEmpty() ? ExitCode.INVALID : ExitCode.OK;
        }
        String command = argv.getFirst();
        try {
            Args args = Args.parse(argv.subList(1, argv.size()));
            Path rootPath = args.one("--root").or(() -> Optional.ofNullable(env.get("SPINE_ROOT"))).map(Path::of)
                    .orElse(SpineRoot.DEFAULT);
            var root = new SpineRoot(rootPath);
            boolean verbose = args.flag("-v") || args.flag("--verbose");
            LogOutput.stderrFrom(command.equals("run") || verbose ? System.Logger.Level.INFO : System.Logger.Level.WARNING);
            int parallel = Integer.parseInt(args.one("--parallel").orElse(env.getOrDefault("SPINE_PARALLEL", "4")));
            var m = new Machine(root, clock, env, out, err, Math.max(1, parallel));
            return switch (command) {
                case "apply" -> apply(m, args);
                case "diff" -> diff(m, args);
                case "get" -> get(m, args);
                case "delete" -> delete(m, args);
                case "run" -> runLoop(m, args);
                case "reconcile" -> reconcile(m, args);
                case "metrics" -> metrics(m, args);
                case "image" -> image(args);
                case "validate" -> validate(m, args);
                case "version" -> {
                    out.println("spine " + version());
                    yield ExitCode.OK;
                }
                default -> throw new UsageException("unknown command \"" + command + "\"; run spine help");
            };
        } catch (UsageException | NumberFormatException e) {
            err.println("spine: " + e.getMessage());
            return ExitCode.INVALID;
        } catch (StateException e) {
            err.println("spine: " + e.getMessage());
            LOG.log(System.Logger.Level.ERROR, "command failed command={0} error=\"{1}\"", command, e.getMessage());
            return ExitCode.UNAVAILABLE;
        }
    }

    public static String version() {
        String v = Cli.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-dev" : v;
    }

    private static LogFile openLog(Machine m) throws StateException {
        LogFile log = LogFile.open(m.root());
        LogOutput.toFile(log);
        return log;
    }

    // ---- apply ----------------------------------------------------------------------------------------------

    private int apply(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("apply", "-f", "--timeout", "--parallel");
        List<String> files = args.all("-f");
        if (files.isEmpty()) throw new UsageException("apply needs -f PATH (a spec file or a directory of them)");
        Duration timeout = args.duration("--timeout", DEFAULT_TIMEOUT);
        SpecInput input = SpecInput.read(files);
        if (!input.errors().isEmpty()) return invalid(input.errors());
        try (LogFile log = openLog(m); IntentStore store = IntentStore.open(m.root(), clock)) {
            DesiredState stored = loadedOrFail(store);
            SpecInput checked = input.checkedAgainst(stored);
            if (!checked.errors().isEmpty()) return invalid(checked.errors());
            List<IntentStore.Applied> applied = store.apply(checked.values());
            LOG.log(System.Logger.Level.INFO, "apply stored resources={0} changed={1}", applied.size(),
                    applied.stream().filter(a -> a.change() != IntentStore.Change.UNCHANGED).count());
            boolean converged = Convergence.converge(m, store, timeout, false, "spine apply");
            SortedMap<ResourceId, Status> statuses = store.statuses();
            for (IntentStore.Applied a : applied) out.println(resourceLine(a.id(), a.change().name().toLowerCase(), statuses));
            if (!converged) err.println("spine: not converged within " + timeout.toSeconds() + "s; spine get shows the last error of each resource");
            return converged ? ExitCode.OK : ExitCode.PENDING;
        }
    }

    private static String resourceLine(ResourceId id, String change, SortedMap<ResourceId, Status> statuses) {
        var sb = new StringBuilder(String.format("%-8s %-24s %-9s", id.kind().cliName(), id, change));
        Status s = statuses.get(id);
        if (id.kind().runsAsContainer()) {
            sb.append(" phase=").append(s == null ? "stopped" : s.phase().word());
            if (s != null) s.lastError().ifPresent(e -> sb.append(" error=\"").append(e).append('"'));
        }
        return sb.toString().stripTrailing();
    }

    private int invalid(List<SpecError> errors) {
        errors.forEach(e -> err.println(e));
        err.println("spine: " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + "; nothing was applied");
        return ExitCode.INVALID;
    }

    private DesiredState loadedOrFail(IntentStore store) throws StateException {
        IntentStore.Loaded loaded = store.load();
        if (!loaded.errors().isEmpty()) {
            throw new StateException("stored intent does not parse (" + loaded.errors().getFirst()
                    + "); restore the database or delete that resource");
        }
        return loaded.desired();
    }

    // ---- diff -----------------------------------------------------------------------------------------------

    private int diff(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("diff", "-f");
        List<String> files = args.all("-f");
        if (files.isEmpty()) throw new UsageException("diff needs -f PATH (a spec file or a directory of them)");
        SpecInput input = SpecInput.read(files);
        if (!input.errors().isEmpty()) return invalid(input.errors());
        DesiredState stored = DesiredState.empty();
        var holds = new java.util.TreeSet<ResourceId>();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), clock);
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                stored = loadedOrFail(store);
                holds.addAll(store.holds().keySet());
            }
        }
        SpecInput checked = input.checkedAgainst(stored);
        if (!checked.errors().isEmpty()) return invalid(checked.errors());
        var lines = new ArrayList<String>();
        for (Spec s : checked.values()) {
            Spec old = stored.specs().get(s.id());
            if (old == null) lines.add("intent " + s.id() + " create -- new " + s.id().kind().cliName());
            else if (!old.equals(s)) lines.add("intent " + s.id() + " update -- changed: " + changedFields(old, s));
        }
        DesiredState after = stored.with(checked.values());
        ContainerRuntime.Observation obs = m.runtime().observe();
        if (!obs.ok()) {
            err.println("spine: cannot observe podman: " + obs.error());
            return ExitCode.UNAVAILABLE;
        }
        checked.values().forEach(v -> holds.remove(v.id())); // the apply would release these holds
        Plan plan = Planner.plan(after.holding(holds), obs.state());
        lines.addAll(plan.lines());
        lines.forEach(out::println);
        return lines.isEmpty() ? ExitCode.OK : ExitCode.PENDING;
    }

    /** Top-level spec fields that differ, e.g. "image, state". */
    private static String changedFields(Spec old, Spec now) {
        ObjectNode a = SpecCodec.body(old);
        ObjectNode b = SpecCodec.body(now);
        var names = new java.util.TreeSet<String>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(names::add);
        var changed = new ArrayList<String>();
        for (String n : names) if (!java.util.Objects.equals(a.get(n), b.get(n))) changed.add(n);
        return String.join(", ", changed);
    }

    // ---- get ------------------------------------------------------------------------------------------------

    private int get(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("get", "-o");
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("boot")) {
            Optional<String> record;
            try {
                record = spine.controller.state.StateBridge.readBootRecord(java.nio.file.Path.of("/run/spine"));
            } catch (java.io.IOException e) {
                throw new StateException("cannot read /run/spine/boot.json: " + e.getMessage(), e);
            }
            if (record.isEmpty()) {
                err.println("spine: no boot record at /run/spine/boot.json; this machine was not booted by bay0");
                return ExitCode.UNAVAILABLE;
            }
            if (args.one("-o").orElse("table").equals("json")) {
                out.print(record.get());
                return ExitCode.OK;
            }
            out.print(bootSummary(record.get()));
            return ExitCode.OK;
        }
        Optional<Kind> kind = Optional.empty();
        Optional<String> name = Optional.empty();
        if (!args.positionals.isEmpty()) {
            kind = Kind.fromCli(args.positionals.getFirst());
            if (kind.isEmpty()) throw new UsageException("unknown kind \"" + args.positionals.getFirst() + "\"; use persona, tenant or envelope");
        }
        if (args.positionals.size() > 1) name = Optional.of(args.positionals.get(1));
        String format = args.one("-o").orElse("table");
        if (!List.of("table", "yaml", "json").contains(format)) throw new UsageException("-o takes table, yaml or json");

        DesiredState desired = DesiredState.empty();
        SortedMap<ResourceId, Status> statuses = new java.util.TreeMap<>();
        SortedMap<ResourceId, String> holds = new java.util.TreeMap<>();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), clock);
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                desired = loadedOrFail(store);
                statuses = store.statuses();
                holds = store.holds();
            }
        }
        var selected = new ArrayList<Spec>();
        for (Spec s : desired.specs().values()) {
            if (kind.isPresent() && s.id().kind() != kind.get()) continue;
            if (name.isPresent() && !s.id().toString().equals(name.get())) continue;
            selected.add(s);
        }
        if (name.isPresent() && selected.isEmpty()) {
            err.println("spine: no " + kind.get().cliName() + " named " + name.get() + "; spine get " + kind.get().cliName() + " lists them");
            return ExitCode.INVALID;
        }
        switch (format) {
            case "json" -> out.println(json(selected, desired, statuses, holds));
            case "yaml" -> out.print(SpecCodec.toYaml(selected));
            default -> table(selected, desired, statuses, holds);
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
        return sb.toString();
    }

    private void table(List<Spec> specs, DesiredState desired, SortedMap<ResourceId, Status> statuses,
                       SortedMap<ResourceId, String> holds) {
        String fmt = "%-8s  %-24s  %-8s  %-8s  %-3s  %-8s  %s%n";
        out.printf(fmt, "KIND", "NAME", "WANT", "PHASE", "GEN", "OBSERVED", "LAST ERROR");
        for (Spec s : specs) {
            Status st = statuses.get(s.id());
            String want = switch (s) {
                case spine.model.Persona p -> p.state().word();
                case spine.model.Tenant t -> t.state().word();
                case spine.model.Envelope e -> "-";
            };
            if (holds.containsKey(s.id())) want = "held";
            out.printf(fmt, s.id().kind().cliName(), s.id(), want, st == null ? "-" : st.phase().word(),
                    desired.generation(s.id()), st == null ? "-" : Long.toString(st.observedGeneration()),
                    st == null ? "-" : st.lastError().orElse("-"));
        }
        for (Spec s : specs) {
            String why = holds.get(s.id());
            if (why != null) out.println("held stopped this boot (" + why + "): " + s.id() + "; spine apply -f its spec to start it");
        }
    }

    private static String json(List<Spec> specs, DesiredState desired, SortedMap<ResourceId, Status> statuses,
                               SortedMap<ResourceId, String> holds) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        for (Spec s : specs) {
            ObjectNode o = list.addObject();
            o.put("kind", s.id().kind().cliName());
            o.put("name", s.id().toString());
            o.put("generation", desired.generation(s.id()));
            o.set("spec", SpecCodec.body(s));
            ObjectNode st = o.putObject("status");
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
            }
        }
        try {
            return SpecCodec.json().writerWithDefaultPrettyPrinter().writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- delete ---------------------------------------------------------------------------------------------

    private int delete(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("delete", "--timeout");
        if (args.positionals.size() != 2) throw new UsageException("usage: spine delete KIND NAME, e.g. spine delete persona p://work");
        Kind kind = Kind.fromCli(args.positionals.get(0)).orElseThrow(() ->
                new UsageException("unknown kind \"" + args.positionals.get(0) + "\"; use persona, tenant or envelope"));
        ResourceId.Result id = ResourceId.parse(kind, args.positionals.get(1));
        if (!id.ok()) throw new UsageException(id.error());
        Duration timeout = args.duration("--timeout", DEFAULT_TIMEOUT);
        try (LogFile log = openLog(m); IntentStore store = IntentStore.open(m.root(), clock)) {
            DesiredState stored = loadedOrFail(store);
            if (!stored.specs().containsKey(id.id())) {
                err.println("spine: no " + kind.cliName() + " named " + id.id() + "; spine get " + kind.cliName() + " lists them");
                return ExitCode.INVALID;
            }
            Optional<String> blocked = SpecBatch.checkDelete(id.id(), stored);
            if (blocked.isPresent()) {
                err.println("spine: " + blocked.get());
                return ExitCode.INVALID;
            }
            store.delete(id.id());
            boolean converged = Convergence.converge(m, store, timeout, false, "spine delete");
            out.println(String.format("%-8s %-24s %s", kind.cliName(), id.id(), "deleted"));
            return converged ? ExitCode.OK : ExitCode.PENDING;
        }
    }

    // ---- run, reconcile, metrics ----------------------------------------------------------------------------

    private int runLoop(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("run", "--resync", "--parallel");
        Duration resync = args.duration("--resync", Duration.ofSeconds(30));
        try (LogFile log = openLog(m)) {
            Optional<ConvergeLock> lock = ConvergeLock.tryAcquire(m.root(), "spine run");
            if (lock.isEmpty()) {
                err.println("spine: another converger (spine run or a CLI command) holds " + m.root()
                        + "/spine/converge.lock; stop it first");
                return ExitCode.UNAVAILABLE;
            }
            var metrics = new Metrics();
            try (ConvergeLock held = lock.get(); IntentStore store = IntentStore.open(m.root(), clock)) {
                Reconciler reconciler = m.reconciler(store, metrics);
                var loop = new ControlLoop(reconciler, resync, clock);
                var done = new CountDownLatch(1);
                try (ControlSocket.Server server = ControlSocket.bind(m.root(), req -> ControlProtocol.answer(req, loop, metrics))) {
                    Thread hook = new Thread(() -> {
                        LOG.log(System.Logger.Level.INFO, "shutdown requested; stopping the loop");
                        loop.stop();
                        try {
                            done.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    Runtime.getRuntime().addShutdownHook(hook);
                    loop.run();
                } finally {
                    done.countDown();
                }
            }
            return ExitCode.OK;
        }
    }

    private int reconcile(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("reconcile", "--once", "--timeout", "--parallel");
        if (!args.flag("--once")) throw new UsageException("reconcile runs one pass and needs --once; for a lasting loop use spine run");
        Duration timeout = args.duration("--timeout", DEFAULT_TIMEOUT);
        try (LogFile log = openLog(m); IntentStore store = IntentStore.open(m.root(), clock)) {
            boolean converged = Convergence.converge(m, store, timeout, true, "spine reconcile");
            out.println(converged ? "converged" : "not converged; spine get shows the last error of each resource");
            return converged ? ExitCode.OK : ExitCode.PENDING;
        }
    }

    private int metrics(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("metrics");
        Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
        if (daemon.isEmpty()) {
            err.println("spine: spine run is not running under " + m.root() + "; metrics live in that process. Start it with spine run");
            return ExitCode.UNAVAILABLE;
        }
        try (ControlSocket.Client c = daemon.get()) {
            ObjectNode reply = c.request(JsonNodeFactory.instance.objectNode().put("op", "metrics"), Duration.ofSeconds(10));
            if (reply.has("error")) {
                err.println("spine: spine run refused: " + reply.path("error").asText());
                return ExitCode.UNAVAILABLE;
            }
            out.print(reply.path("text").asText());
            return ExitCode.OK;
        }
    }

    private int validate(Machine m, Args args) throws UsageException, StateException {
        args.allowOnly("validate", "-o", "--budget");
        String format = args.one("-o").orElse("text");
        if (!List.of("text", "json").contains(format)) throw new UsageException("-o takes text or json");
        Duration budget = args.duration("--budget", Duration.ofSeconds(20));
        Optional<spine.model.Tenant> ai = Optional.empty();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), clock);
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                ai = Optional.ofNullable(store.load().desired().specs().get(ResourceId.tenant("ai")))
                        .map(spine.model.Tenant.class::cast);
            }
        }
        Optional<Boolean> clean;
        try {
            clean = spine.controller.state.StateBridge.readBootRecord(java.nio.file.Path.of("/run/spine"))
                    .map(json -> json.contains("\"clean\":true"));
        } catch (java.io.IOException e) {
            clean = Optional.of(false);
        }
        var validator = new spine.controller.validate.Validator(m.podman(), new spine.drivers.kernel.Kernel(java.nio.file.Path.of("/")),
                new spine.controller.state.StateBridge(m.root()), ai, clean,
                env.getOrDefault("SPINE_VALIDATE_IMAGE", "localhost/spine/busybox:1"), clock);
        var report = validator.run(budget);
        if (format.equals("json")) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("verdict", report.verdict().name());
            o.put("durationMs", report.took().toMillis());
            ArrayNode checks = o.putArray("checks");
            for (var c : report.checks()) {
                ObjectNode n = checks.addObject().put("component", c.component()).put("verdict", c.verdict().name())
                        .put("reason", c.reason());
                c.facts().forEach(n::put);
            }
            out.println(o.toString());
        } else {
            out.println(report.verdict().name());
            report.checks().stream().filter(c -> c.verdict() != spine.controller.validate.Check.Verdict.GREEN)
                    .forEach(c -> out.println(c.component() + ": " + c.reason()));
        }
        return switch (report.verdict()) {
            case GREEN -> ExitCode.OK;
            case YELLOW -> 1;
            case RED -> 2;
        };
    }

    private int image(Args args) throws UsageException {
        args.allowOnly("image", "--contract");
        if (args.positionals.size() != 2 || !args.positionals.getFirst().equals("verify")) {
            throw new UsageException("usage: spine image verify IMG [--contract images/contract.yaml]");
        }
        var image = java.nio.file.Path.of(args.positionals.get(1));
        var contract = java.nio.file.Path.of(args.one("--contract").orElse("images/contract.yaml"));
        try {
            var breaches = spine.controller.image.ImageVerifier.verify(image, contract);
            breaches.forEach(out::println);
            if (breaches.isEmpty()) out.println("integration ok: " + image + " meets " + contract);
            return breaches.isEmpty() ? ExitCode.OK : ExitCode.PENDING;
        } catch (java.io.IOException e) {
            err.println("spine: cannot verify " + image + ": " + e.getMessage());
            return ExitCode.INVALID;
        }
    }

    static final String HELP = """
            spine: declarative reconciler for personas, tenants and envelopes

            usage: spine COMMAND [--root DIR] [-v]
              apply -f PATH... [--timeout 120s]   validate, store intent, converge; exit 0 converged, 1 not, 2 invalid
              diff -f PATH...                       print the plan an apply would run; exit 0 none, 1 changes, 2 invalid
              get [KIND] [NAME] [-o table|yaml|json] desired state, observed phase and last error
              delete KIND NAME [--timeout 120s]     remove intent and prune its container
              run [--resync 30s]                    the level-triggered loop (hands-off convergence daemon)
              reconcile --once                      one pass, then exit
              metrics                               Prometheus text from the running spine run
              get boot                              this boot's record (clean or dirty) when booted by bay0
              image verify IMG [--contract FILE]    check an image archive against the integration contract
              validate [-o json] [--budget 20s]     health check: GREEN/YELLOW/RED (exit 0/1/2); also bay0 --validate
              version

            --root DIR (or SPINE_ROOT) stands in for /persist. Exit code 3: the machine cannot do it now.
            """;
}
