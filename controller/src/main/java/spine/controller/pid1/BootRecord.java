package spine.controller.pid1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import spine.controller.state.StateBridge;

/**
 * This boot's record, {@code /run/spine/boot.json} (read by {@code spine get boot}): written at init, again with the
 * report and each upgrade event. Written on a thread of its own, in the order asked: the first write pays for
 * Jackson's first serialisation (about 0.2 s under TCG), which the boot does not wait for.
 */
final class BootRecord {
    private final Path runDir;
    private final ObjectNode json = JsonNodeFactory.instance.objectNode();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("boot-record").factory());

    BootRecord(Path runDir) {
        this.runDir = runDir;
    }

    void init(boolean clean, boolean lastShutdownClean, Path root, String bootedAt, String version, double uptime) {
        synchronized (json) {
            json.put("clean", clean).put("degraded", !clean).put("lastShutdownClean", lastShutdownClean)
                    .put("root", root.toString()).put("bootedAt", bootedAt).put("version", version).put("uptime", uptime);
        }
        save();
    }

    void report(JsonNode report, String line) {
        synchronized (json) {
            json.set("report", report);
            json.put("reportLine", line);
        }
        save();
    }

    /** An upgrade event of this boot (a trial begun, passed or failed, a candidate nacked), in {@code "upgrade"}. */
    void upgrade(String line) {
        synchronized (json) {
            (json.has("upgrade") ? (com.fasterxml.jackson.databind.node.ArrayNode) json.get("upgrade") : json.putArray("upgrade")).add(line);
        }
        save();
    }

    /** A placement event of the built-in images this boot (loaded, reloaded, checked, left as it is), in {@code "images"}. */
    void images(String line) {
        synchronized (json) {
            (json.has("images") ? (com.fasterxml.jackson.databind.node.ArrayNode) json.get("images") : json.putArray("images")).add(line);
        }
        save();
    }

    /** Each write takes the record as it is then, so a later one never loses what an earlier one added. */
    private void save() {
        writer.execute(() -> {
            String text;
            synchronized (json) {
                text = json.toString() + "\n";
            }
            Bounded.call("boot-record", Duration.ofSeconds(2), () -> {
                StateBridge.writeBootRecord(runDir, text);
                return true;
            });
        });
    }
}
