package spine.controller.cli;

import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import spine.controller.state.ControlSocket;
import spine.controller.state.ConvergeLock;
import spine.controller.state.IntentStore;
import spine.controller.state.LogFile;
import spine.controller.state.StateException;
import spine.drivers.kernel.HostFile;
import spine.model.Kind;
import spine.model.ResourceId;

/**
 * {@code spine focus p://NAME}: records the active persona and returns; the loop does the switch (rule 5: never block
 * the UI path). Through the running converger when one listens (it stores the focus as the peer and wakes its loop),
 * else into the database directly, to be converged by the next {@code spine run} or boot.
 */
record FocusCommand(Machine m) {
    /** The control request is one small transaction; this bound only guards against a converger that hangs. */
    private static final Duration ANSWER = Duration.ofSeconds(5);
    /** A converger that holds the lock but does not answer yet (starting, or between bind and listen) gets this long. */
    private static final int CONNECT_ATTEMPTS = 10;
    private static final Duration CONNECT_PAUSE = Duration.ofMillis(100);

    int focus(Args args) throws UsageException, StateException {
        args.allowOnly(Command.FOCUS);
        boolean none = args.flag("--none");
        if (none == !args.positionals.isEmpty() || args.positionals.size() > 1) {
            throw new UsageException("focus needs one persona name (spine focus p://work) or --none");
        }
        Optional<ResourceId> persona = Optional.empty();
        if (!none) {
            ResourceId.Result r = ResourceId.parse(Kind.PERSONA, args.positionals.getFirst());
            if (!r.ok()) throw new UsageException(r.error());
            persona = Optional.of(r.id());
        }
        String word = persona.map(ResourceId::toString).orElse("none");
        try (LogFile log = m.openLog()) {
            java.util.OptionalLong convergerRuns = java.util.OptionalLong.empty();
            for (int attempt = 0; ; attempt++) {
                Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
                if (daemon.isPresent()) return viaConverger(daemon.get(), persona, word);
                // no answer: no converger runs, or one is starting or closing its socket; the lock's holder tells which
                java.util.OptionalLong holder = ConvergeLock.holder(m.root(), m.host().path(HostFile.LOCKS));
                if (holder.isEmpty()) break;
                if (attempt == CONNECT_ATTEMPTS) {
                    convergerRuns = holder;
                    break;
                }
                sleep(CONNECT_PAUSE);
            }
            try (IntentStore store = IntentStore.open(m.root(), m.clock())) {
                Optional<String> refused = store.focus().set(persona, m.host().ownUid());
                if (refused.isPresent()) {
                    m.err().println("spine: " + refused.get());
                    return ExitCode.INVALID;
                }
            }
            m.out().println("focus " + word + (convergerRuns.isPresent()
                    ? " recorded; the converger holding spine/converge.lock (pid " + convergerRuns.getAsLong()
                      + ") did not answer on its control socket,"
                      + " so the switch waits for its next pass (see spine.log)"
                    : " recorded; no converger runs, so the next spine run or boot switches"));
            return ExitCode.OK;
        }
    }

    private int viaConverger(ControlSocket.Client daemon, Optional<ResourceId> persona, String word) throws StateException {
        ObjectNode reply;
        try (ControlSocket.Client c = daemon) {
            reply = c.request(JsonNodeFactory.instance.objectNode().put("op", "focus").put("persona", persona.isEmpty() ? "" : word), ANSWER);
        }
        if (reply.has("error")) {
            m.err().println("spine: " + reply.path("error").asText());
            return reply.path("invalid").asBoolean(false) ? ExitCode.INVALID : ExitCode.UNAVAILABLE;
        }
        m.out().println("focus " + word + " recorded; the converger switches");
        return ExitCode.OK;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
