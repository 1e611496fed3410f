package spine.controller.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import spine.controller.state.IntentStore;
import spine.controller.state.StateBridge;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.controller.state.ControlSocket;
import spine.controller.validate.Check;
import spine.controller.validate.Remedy;
import spine.controller.validate.Validator;
import spine.drivers.kernel.Kernel;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.DesiredState;

/** {@code spine validate} and {@code bay0 --validate}: the health check, as text or JSON. */
record ValidateCommand(Machine m) {
    int validate(Args args) throws UsageException, StateException {
        args.allowOnly(Command.VALIDATE);
        String format = args.one("-o").orElse("text");
        if (!List.of("text", "json").contains(format)) throw new UsageException("-o takes text or json");
        Validator.Report report = report(args.duration("--budget", Duration.ofSeconds(20)));
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
            m.out().println(o.toString());
        } else {
            m.out().println(report.verdict().name());
            report.checks().stream().filter(c -> c.verdict() != Check.Verdict.GREEN)
                    .forEach(c -> m.out().println(c.component() + ": " + c.reason()));
        }
        return exitCode(report);
    }

    /**
     * {@code spine doctor}: validate, and under every line that is not GREEN what fixes it ({@link Remedy}); then one
     * line with its fix for each resource that is held, crash-looping, exited or in conflict.
     */
    int doctor(Args args) throws UsageException, StateException {
        args.allowOnly(Command.DOCTOR);
        Validator.Report report = report(args.duration("--budget", Duration.ofSeconds(20)));
        m.out().println(report.verdict().name());
        for (Check c : report.checks()) {
            if (c.verdict() == Check.Verdict.GREEN) continue;
            m.out().println(c.component() + ": " + c.reason());
            m.out().println("  fix: " + Remedy.of(c).orElse("see docs/OPERATIONS.md, section spine validate"));
        }
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                store.holds().all().forEach((id, why) -> {
                    m.out().println(id + ": held stopped this boot (" + why + ")");
                    m.out().println("  fix: spine apply -f its spec (unchanged is fine) to start it");
                });
                for (var e : store.statuses().all().entrySet()) {
                    Status st = e.getValue();
                    String container = e.getKey().containerName();
                    switch (st.phase()) {
                        case CRASHLOOP, EXITED -> {
                            m.out().println(GetCommand.exitLine(e.getKey(), st));
                            m.out().println("  fix: read podman logs " + container + ", fix the command or image, then apply"
                                    + " the changed spec (a new generation starts at once)");
                        }
                        default -> st.lastError().ifPresent(err -> {
                            m.out().println(e.getKey() + ": " + err);
                            m.out().println("  fix: spine get " + e.getKey().kind().cliName() + " " + e.getKey()
                                    + " and spine.log; a conflict names what to remove or rename");
                        });
                    }
                }
            }
        }
        return exitCode(report);
    }

    private static int exitCode(Validator.Report report) {
        return switch (report.verdict()) {
            case GREEN -> ExitCode.OK;
            case YELLOW -> 1;
            case RED -> 2;
        };
    }

    private Validator.Report report(Duration budget) throws StateException {
        DesiredState desired = DesiredState.empty();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                desired = store.intents().load().desired();
            }
        }
        Optional<Boolean> clean;
        try {
            clean = StateBridge.readBootRecord(m.runDir())
                    .map(json -> json.contains("\"clean\":true"));
        } catch (IOException e) {
            clean = Optional.of(false);
        }
        Validator.Converger converger = (request, timeout) -> {
            Optional<ControlSocket.Client> c = ControlSocket.connect(m.root());
            if (c.isEmpty()) return Optional.empty();
            try (ControlSocket.Client client = c.get()) {
                return Optional.of(client.request(request, timeout));
            } catch (StateException e) {
                return Optional.empty();
            }
        };
        var validator = new Validator(m.podman(), new Kernel(Path.of("/")), new SysfsDriver(Path.of("/")),
                new StateBridge(m.root()), desired, converger, clean,
                m.env().getOrDefault("SPINE_VALIDATE_IMAGE", "localhost/spine/busybox:1"), m.clock(), m.quotas());
        return validator.run(budget);
    }
}
