package spine.controller.loop;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the converger answers on the control socket, whether it is {@code spine run} or bay0: "converge"
 * (wait for the loop to converge, or for one pass) and "metrics".
 */
public final class ControlProtocol {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private ControlProtocol() {}

    public static ObjectNode answer(ObjectNode req, ControlLoop loop, Metrics metrics) {
        ObjectNode reply = JsonNodeFactory.instance.objectNode();
        switch (req.path("op").asText()) {
            case "converge" -> {
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
            case "metrics" -> reply.put("text", metrics.prometheus());
            default -> reply.put("error", "unknown op " + req.path("op").asText());
        }
        return reply;
    }
}
