package spine.controller.loop;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Passes, steps by kind and result, and pass duration, rendered in Prometheus text format. */
public final class Metrics {
    private final MeterRegistry registry = new SimpleMeterRegistry();

    public void pass(String result, Duration took) {
        Counter.builder("spine.passes").tag("result", result).register(registry).increment();
        Timer.builder("spine.pass.duration").register(registry).record(took);
    }

    public void step(String kind, String result, Duration took) {
        Counter.builder("spine.steps").tag("kind", kind).tag("result", result).register(registry).increment();
        Timer.builder("spine.step.duration").tag("kind", kind).register(registry).record(took);
    }

    /** Prometheus text exposition (version 0.0.4), meters and tags in sorted order. */
    public String prometheus() {
        var meters = new ArrayList<>(registry.getMeters());
        meters.sort(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()));
        var sb = new StringBuilder();
        String lastType = "";
        for (Meter m : meters) {
            String base = m.getId().getName().replace('.', '_');
            String tags = tags(m.getId().getTags());
            if (m instanceof Counter c) {
                if (!lastType.equals(base)) sb.append("# TYPE ").append(base).append("_total counter\n");
                sb.append(base).append("_total").append(tags).append(' ').append(number(c.count())).append('\n');
            } else if (m instanceof Timer t) {
                if (!lastType.equals(base)) sb.append("# TYPE ").append(base).append("_seconds summary\n");
                sb.append(base).append("_seconds_count").append(tags).append(' ').append(t.count()).append('\n');
                sb.append(base).append("_seconds_sum").append(tags).append(' ').append(number(t.totalTime(TimeUnit.SECONDS))).append('\n');
                sb.append(base).append("_seconds_max").append(tags).append(' ').append(number(t.max(TimeUnit.SECONDS))).append('\n');
            }
            lastType = base;
        }
        return sb.toString();
    }

    private static String tags(List<Tag> tags) {
        if (tags.isEmpty()) return "";
        var parts = new ArrayList<String>();
        for (Tag t : tags) parts.add(t.getKey() + "=\"" + t.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        return "{" + String.join(",", parts) + "}";
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%.6f", d);
    }
}
