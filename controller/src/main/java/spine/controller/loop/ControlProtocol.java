package spine.controller.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import spine.controller.state.IntentStore;
import spine.controller.state.Intents;
import spine.controller.state.StateException;
import spine.controller.state.Status;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.Mark;
import spine.model.spec.SpecBatch;
import spine.model.spec.SpecError;
import spine.model.spec.SpecParser;

/**
 * What the converger answers on the control socket, whether it is {@code spine run} or bay0: "apply" (store
 * validated specs as the peer and wait for convergence: how a member of group spine, who cannot write the database,
 * applies), "converge" (wait for the loop to converge, or for one pass), "metrics", "umbilical" (validate's probe
 * through the broker), "governor" ({@code spine get governor}), "focus" (record the active persona and return at once:
 * the loop does the switch) and "focus-status" ({@code spine get focus}).
 */
public final class ControlProtocol {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private ControlProtocol() {}

    public static ObjectNode answer(ObjectNode req, ControlLoop loop, Metrics metrics, IntentStore store, Machinery machinery) {
        ObjectNode reply = JsonNodeFactory.instance.objectNode();
        switch (req.path("op").asText()) {
            case "converge" -> converge(req, loop, reply);
            case "apply" -> apply(req, loop, store, reply);
            case "metrics" -> reply.put("text", metrics.prometheus());
            case "umbilical" -> machinery.broker().ifPresentOrElse(b -> reply.set("probe", b.probe()),
                    () -> reply.put("error", "this converger has no umbilical broker"));
            case "governor" -> machinery.governor().ifPresentOrElse(g -> reply.set("governor", g.json()),
                    () -> reply.put("error", "this converger has no governor"));
            case "focus" -> focus(req, loop, store, reply);
            case "confirm-apply" -> confirmApply(req, store, reply);
            case "focus-status" -> focusStatus(store, machinery, reply);
            default -> reply.put("error", "unknown op " + req.path("op").asText());
        }
        return reply;
    }

    private static void converge(ObjectNode req, ControlLoop loop, ObjectNode reply) {
        Duration timeout = Duration.ofMillis(req.path("timeoutMs").asLong(DEFAULT_TIMEOUT.toMillis()));
        try {
            var answer = req.path("once").asBoolean(false) ? loop.awaitNextPass(timeout) : loop.awaitConverged(timeout);
            reply.put("converged", answer.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            reply.put("converged", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply.put("error", "interrupted");
        } catch (ExecutionException e) {
            reply.put("error", String.valueOf(e.getCause()));
        }
    }

    /**
     * {"docs": [{"file", "line", "column", "spec": canonical JSON}]}: the CLI parsed and located them; here they are
     * parsed again (the peer is not trusted), checked against the stored intent, stored in one transaction as
     * {@code peerUid}, and converged. The reply holds "errors" (nothing stored) or "lines" and "converged".
     */
    private static void apply(ObjectNode req, ControlLoop loop, IntentStore store, ObjectNode reply) {
        var located = new ArrayList<SpecParser.Located>();
        var errors = new ArrayList<SpecError>();
        for (JsonNode d : req.path("docs")) {
            Mark at = new Mark(d.path("file").asText("-"), Math.max(1, d.path("line").asInt(1)), Math.max(1, d.path("column").asInt(1)));
            SpecParser.Result r = SpecParser.parse(at.file(), d.path("spec").asText());
            r.errors().forEach(e -> errors.add(at.error(e.message())));
            r.specs().forEach(l -> located.add(new SpecParser.Located(l.spec(), at)));
        }
        try {
            if (errors.isEmpty()) errors.addAll(SpecBatch.check(located, store.intents().load().desired()));
            if (located.isEmpty() && errors.isEmpty()) errors.add(new SpecError("-", 1, 1, "no spec documents in the request"));
            if (!errors.isEmpty()) {
                ArrayNode list = reply.putArray("errors");
                errors.stream().sorted().forEach(e -> list.add(e.toString()));
                return;
            }
            List<Spec> specs = located.stream().map(SpecParser.Located::spec).toList();
            long uid = req.path("peerUid").asLong(-1);
            List<Intents.Applied> applied = req.has("tryMs")
                    ? store.trial().start(specs, uid, java.time.Duration.ofMillis(Math.max(1, req.path("tryMs").asLong())))
                    : store.intents().apply(specs, uid);
            store.trial().current().ifPresent(t -> reply.put("trialDeadline", t.deadline()));
            converge(req, loop, reply);
            SortedMap<ResourceId, Status> statuses = store.statuses().all();
            ArrayNode lines = reply.putArray("lines");
            applied.forEach(a -> lines.add(ApplyReport.line(a.id(), a.change().name().toLowerCase(Locale.ROOT), statuses)));
        } catch (StateException e) {
            reply.put("error", e.getMessage());
        }
    }

    /** {@code spine apply --confirm}: the apply on trial stays; "confirmed" holds when it was made, else "error". */
    private static void confirmApply(ObjectNode req, IntentStore store, ObjectNode reply) {
        try {
            store.trial().confirm(req.path("peerUid").asLong(-1)).ifPresentOrElse(t -> reply.put("confirmed", t.startedAt()),
                    () -> reply.put("error", "no apply is on trial"));
        } catch (StateException e) {
            reply.put("error", e.getMessage());
        }
    }

    /**
     * {"persona": "p://work"} or {"persona": ""} for none: one small transaction and a wake-up, never a wait for podman
     * or sway, so a hung driver cannot hold up the UI path.
     */
    private static void focus(ObjectNode req, ControlLoop loop, IntentStore store, ObjectNode reply) {
        String name = req.path("persona").asText("");
        Optional<ResourceId> persona = Optional.empty();
        if (!name.isEmpty()) {
            ResourceId.Result r = ResourceId.parse(spine.model.Kind.PERSONA, name);
            if (!r.ok()) {
                reply.put("error", r.error());
                reply.put("invalid", true);
                return;
            }
            persona = Optional.of(r.id());
        }
        try {
            Optional<String> refused = store.focus().set(persona, req.path("peerUid").asLong(-1));
            if (refused.isPresent()) {
                reply.put("error", refused.get());
                reply.put("invalid", true);
                return;
            }
            loop.wakeFocus();
            reply.put("focus", name.isEmpty() ? "none" : persona.get().toString());
        } catch (StateException e) {
            reply.put("error", e.getMessage());
        }
    }

    /** Desired focus from intent, observed from the last pass: each running persona's freezer, the compositor's screen. */
    private static void focusStatus(IntentStore store, Machinery machinery, ObjectNode reply) {
        try {
            reply.set("focus", FocusStatus.json(store.focus().get(), machinery.lastKernel(), machinery.lastScreen(), machinery.compositor()));
        } catch (StateException e) {
            reply.put("error", e.getMessage());
        }
    }
}
