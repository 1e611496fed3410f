package spine.controller.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

import spine.controller.loop.ApplyReport;
import spine.controller.state.ControlSocket;
import spine.controller.state.IntentStore;
import spine.controller.state.Intents;
import spine.controller.state.ApplyTrial;
import spine.controller.state.LogFile;
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
import spine.model.spec.SpecDiff;
import spine.model.spec.SpecError;
import spine.model.spec.SpecParser;

/** {@code spine apply}, {@code diff} and {@code delete}: the commands that change intent, or preview a change. */
record IntentCommands(Machine m) {
    private static final System.Logger LOG = System.getLogger("cli");

    int apply(Args args) throws UsageException, StateException {
        args.allowOnly(Command.APPLY);
        if (args.flag("--confirm")) return confirm(args);
        List<String> files = args.all("-f");
        if (files.isEmpty()) throw new UsageException("apply needs -f PATH (a spec file or a directory of them)");
        Duration timeout = args.duration("--timeout", Cli.DEFAULT_TIMEOUT);
        Optional<Duration> tryFor = args.one("--try").isPresent() ? Optional.of(args.duration("--try", Duration.ZERO)) : Optional.empty();
        if (tryFor.isPresent() && tryFor.get().isZero()) throw new UsageException("--try takes a window, e.g. --try 60s");
        SpecInput input = SpecInput.read(files);
        if (!input.errors().isEmpty()) return invalid(input.errors());
        Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
        if (daemon.isPresent()) {
            try (ControlSocket.Client c = daemon.get()) {
                return applyThrough(c, input, timeout, tryFor);
            }
        }
        if (tryFor.isPresent()) {
            m.err().println("spine: --try needs a running converger (bay0, or spine run) to revert the apply at its deadline;"
                    + " none answers on the control socket, so nothing was applied");
            return ExitCode.UNAVAILABLE;
        }
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            DesiredState stored = loadedOrFail(store);
            SpecInput checked = input.checkedAgainst(stored);
            if (!checked.errors().isEmpty()) return invalid(checked.errors());
            List<Intents.Applied> applied = store.intents().apply(checked.values(), m.host().ownUid());
            LOG.log(System.Logger.Level.INFO, "apply stored resources={0} changed={1}", applied.size(),
                    applied.stream().filter(a -> a.change() != Intents.Change.UNCHANGED).count());
            boolean converged = Convergence.converge(m, store, timeout, false, "spine apply");
            SortedMap<ResourceId, Status> statuses = store.statuses().all();
            for (Intents.Applied a : applied) m.out().println(ApplyReport.line(a.id(), a.change().name().toLowerCase(), statuses));
            if (!converged) notConverged(timeout);
            return converged ? ExitCode.OK : ExitCode.PENDING;
        }
    }

    /**
     * With spine run (or bay0) listening, the converger stores the intent and converges it: the CLI writes nothing
     * under the root, so a member of group spine, who may use the socket but not write the database, can apply.
     */
    private int applyThrough(ControlSocket.Client daemon, SpecInput input, Duration timeout, Optional<Duration> tryFor) throws StateException {
        ObjectNode req = JsonNodeFactory.instance.objectNode().put("op", "apply").put("timeoutMs", timeout.toMillis());
        tryFor.ifPresent(w -> req.put("tryMs", w.toMillis()));
        ArrayNode docs = req.putArray("docs");
        for (SpecParser.Located l : input.specs()) {
            docs.addObject().put("file", l.mark().file()).put("line", l.mark().line()).put("column", l.mark().column())
                    .put("spec", SpecCodec.toJson(l.spec()));
        }
        LOG.log(System.Logger.Level.INFO, "handing the apply to spine run docs={0} timeout_ms={1}", docs.size(), timeout.toMillis());
        ObjectNode reply = daemon.request(req, timeout.plusSeconds(30));
        LOG.log(System.Logger.Level.INFO, "spine run answered the apply converged={0} errors={1}",
                reply.path("converged").asBoolean(false), reply.path("errors").size());
        if (reply.has("error")) throw new StateException("spine run refused: " + reply.path("error").asText());
        if (reply.has("errors")) {
            reply.path("errors").forEach(e -> m.err().println(e.asText()));
            m.err().println("spine: " + reply.path("errors").size() + " error" + (reply.path("errors").size() == 1 ? "" : "s")
                    + "; nothing was applied");
            return ExitCode.INVALID;
        }
        reply.path("lines").forEach(l -> m.out().println(l.asText()));
        if (tryFor.isPresent()) {
            m.out().println("on trial until " + reply.path("trialDeadline").asText("?") + ": spine apply --confirm keeps it;"
                    + " without it the converger puts the intent before it back (after a reboot too)");
        }
        boolean converged = reply.path("converged").asBoolean(false);
        if (!converged) notConverged(timeout);
        return converged ? ExitCode.OK : ExitCode.PENDING;
    }

    /** {@code spine apply --confirm}: through the converger when one listens (members may), else in the database (root). */
    private int confirm(Args args) throws StateException {
        Optional<ApplyTrial.Tried> confirmed;
        Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
        if (daemon.isPresent()) {
            try (ControlSocket.Client c = daemon.get()) {
                ObjectNode reply = c.request(JsonNodeFactory.instance.objectNode().put("op", "confirm-apply"), Duration.ofSeconds(30));
                if (reply.has("error")) {
                    m.err().println("spine: " + reply.path("error").asText());
                    return ExitCode.INVALID;
                }
                m.out().println("confirmed: the apply of " + reply.path("confirmed").asText() + " stays");
                return ExitCode.OK;
            }
        }
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            confirmed = store.trial().confirm(m.host().ownUid());
        }
        if (confirmed.isEmpty()) {
            m.err().println("spine: no apply is on trial");
            return ExitCode.INVALID;
        }
        m.out().println("confirmed: the apply of " + confirmed.get().startedAt() + " stays");
        return ExitCode.OK;
    }

    private void notConverged(Duration timeout) {
        // the wait ends at the timeout, or at once when nothing more can happen without the user (a conflict, a failure
        // that waits for the spec to change): the message must not claim a timeout that did not pass
        m.err().println("spine: not converged (within --timeout " + timeout.toSeconds() + "s, or stopped early: nothing more"
                + " happens without you); spine get shows why: crash loops, exits, conflicts and the last error of each resource");
    }

    private int invalid(List<SpecError> errors) {
        errors.forEach(e -> m.err().println(e));
        m.err().println("spine: " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + "; nothing was applied");
        return ExitCode.INVALID;
    }

    static DesiredState loadedOrFail(IntentStore store) throws StateException {
        Intents.Loaded loaded = store.intents().load();
        if (!loaded.errors().isEmpty()) {
            throw new StateException("stored intent does not parse (" + loaded.errors().getFirst()
                    + "); restore the database or delete that resource");
        }
        return loaded.desired();
    }

    int diff(Args args) throws UsageException, StateException {
        args.allowOnly(Command.DIFF);
        if (args.one("--since").isPresent()) return new HistoryCommand(m).since(args);
        List<String> files = args.all("-f");
        if (files.isEmpty()) throw new UsageException("diff needs -f PATH (a spec file or a directory of them)");
        SpecInput input = SpecInput.read(files);
        if (!input.errors().isEmpty()) return invalid(input.errors());
        DesiredState stored = DesiredState.empty();
        var holds = new java.util.TreeSet<ResourceId>();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                stored = loadedOrFail(store);
                holds.addAll(store.holds().all().keySet());
            }
        }
        SpecInput checked = input.checkedAgainst(stored);
        if (!checked.errors().isEmpty()) return invalid(checked.errors());
        var lines = new ArrayList<String>();
        for (Spec s : checked.values()) {
            Spec old = stored.specs().get(s.id());
            if (old == null) lines.add("intent " + s.id() + " create -- new " + s.id().kind().cliName());
            else if (!old.equals(s)) lines.add("intent " + s.id() + " update -- changed: " + SpecDiff.names(old, s));
        }
        DesiredState after = stored.with(checked.values());
        ContainerRuntime.Observation obs = m.runtime().observe();
        if (!obs.ok()) {
            m.err().println("spine: cannot observe podman: " + obs.error());
            return ExitCode.UNAVAILABLE;
        }
        checked.values().forEach(v -> holds.remove(v.id())); // the apply would release these holds
        Plan plan = Planner.plan(after.holding(holds), obs.state());
        lines.addAll(plan.lines());
        lines.forEach(m.out()::println);
        return lines.isEmpty() ? ExitCode.OK : ExitCode.PENDING;
    }

    int delete(Args args) throws UsageException, StateException {
        args.allowOnly(Command.DELETE);
        if (!args.positionals.isEmpty() && args.positionals.getFirst().equals("volume")) return new VolumeCommand(m).delete(args);
        if (args.positionals.size() != 2) throw new UsageException("usage: spine delete KIND NAME, e.g. spine delete persona p://work");
        Kind kind = Kind.fromCli(args.positionals.get(0)).orElseThrow(() ->
                new UsageException("unknown kind \"" + args.positionals.get(0) + "\"; use persona, tenant, envelope or image"));
        ResourceId.Result id = ResourceId.parse(kind, args.positionals.get(1));
        if (!id.ok()) throw new UsageException(id.error());
        Duration timeout = args.duration("--timeout", Cli.DEFAULT_TIMEOUT);
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            DesiredState stored = loadedOrFail(store);
            if (!stored.specs().containsKey(id.id())) {
                m.err().println("spine: no " + kind.cliName() + " named " + id.id() + "; spine get " + kind.cliName() + " lists them");
                return ExitCode.INVALID;
            }
            Optional<String> blocked = SpecBatch.checkDelete(id.id(), stored);
            if (blocked.isPresent()) {
                m.err().println("spine: " + blocked.get());
                return ExitCode.INVALID;
            }
            store.intents().delete(id.id(), m.host().ownUid());
            boolean converged = Convergence.converge(m, store, timeout, false, "spine delete");
            m.out().println(String.format("%-8s %-24s %s", kind.cliName(), id.id(), "deleted"));
            return converged ? ExitCode.OK : ExitCode.PENDING;
        }
    }
}
