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
import spine.controller.validate.Check;
import spine.controller.validate.Validator;
import spine.drivers.kernel.Kernel;
import spine.model.ResourceId;
import spine.model.Tenant;

/** {@code spine validate} and {@code bay0 --validate}: the health check, as text or JSON. */
record ValidateCommand(Machine m) {
    int validate(Args args) throws UsageException, StateException {
        args.allowOnly("validate", "-o", "--budget");
        String format = args.one("-o").orElse("text");
        if (!List.of("text", "json").contains(format)) throw new UsageException("-o takes text or json");
        Duration budget = args.duration("--budget", Duration.ofSeconds(20));
        Optional<Tenant> ai = Optional.empty();
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        if (ro.isPresent()) {
            try (IntentStore store = ro.get()) {
                ai = Optional.ofNullable(store.load().desired().specs().get(ResourceId.tenant("ai")))
                        .map(Tenant.class::cast);
            }
        }
        Optional<Boolean> clean;
        try {
            clean = StateBridge.readBootRecord(Path.of("/run/spine"))
                    .map(json -> json.contains("\"clean\":true"));
        } catch (IOException e) {
            clean = Optional.of(false);
        }
        var validator = new Validator(m.podman(), new Kernel(Path.of("/")),
                new StateBridge(m.root()), ai, clean,
                m.env().getOrDefault("SPINE_VALIDATE_IMAGE", "localhost/spine/busybox:1"), m.clock());
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
            m.out().println(o.toString());
        } else {
            m.out().println(report.verdict().name());
            report.checks().stream().filter(c -> c.verdict() != Check.Verdict.GREEN)
                    .forEach(c -> m.out().println(c.component() + ": " + c.reason()));
        }
        return switch (report.verdict()) {
            case GREEN -> ExitCode.OK;
            case YELLOW -> 1;
            case RED -> 2;
        };
    }
}
