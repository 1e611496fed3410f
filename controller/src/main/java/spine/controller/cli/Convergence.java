package spine.controller.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import spine.controller.loop.Metrics;
import spine.controller.state.ControlSocket;
import spine.controller.state.ConvergeLock;
import spine.controller.state.IntentStore;
import spine.controller.state.StateException;

/**
 * One converger at a time. If {@code spine run} is listening, the CLI hands it the work and waits for the
 * answer; otherwise it takes the converger lock and converges by itself. Never both.
 */
final class Convergence {
    private static final System.Logger LOG = System.getLogger("cli");

    private Convergence() {}

    static boolean converge(Machine m, IntentStore store, Duration timeout, boolean once, String holder)
            throws StateException, UsageException {
        Instant deadline = m.clock().instant().plus(timeout);
        boolean waitingNoted = false;
        while (true) {
            Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
            if (daemon.isPresent()) {
                try (ControlSocket.Client c = daemon.get()) {
                    long ms = Math.max(0, Duration.between(m.clock().instant(), deadline).toMillis());
                    ObjectNode req = JsonNodeFactory.instance.objectNode().put("op", "converge").put("timeoutMs", ms).put("once", once);
                    LOG.log(System.Logger.Level.INFO, "handing convergence to spine run timeout_ms={0}", ms);
                    ObjectNode reply = c.request(req, Duration.ofMillis(ms + 10_000));
                    if (reply.has("error")) throw new StateException("spine run refused: " + reply.path("error").asText());
                    return reply.path("converged").asBoolean(false);
                }
            }
            Optional<ConvergeLock> lock = ConvergeLock.tryAcquire(m.root(), holder);
            if (lock.isPresent()) {
                try (ConvergeLock held = lock.get()) {
                    var reconciler = m.reconciler(m.machinery(false), store, new Metrics());
                    return once ? reconciler.pass().converged() : reconciler.convergeUntil(deadline);
                }
            }
            if (!m.clock().instant().isBefore(deadline)) {
                m.err().println("spine: another converger held the lock until the timeout; try again, or see spine.log");
                return false;
            }
            if (!waitingNoted) {
                LOG.log(System.Logger.Level.INFO, "converger lock is held; waiting for it or for the control socket");
                waitingNoted = true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
