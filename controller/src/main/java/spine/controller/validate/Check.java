package spine.controller.validate;

import java.util.Map;
import java.util.TreeMap;

/** One component's result. Facts are measurements (milliseconds, ticks) shown in the JSON form. */
public record Check(String component, Verdict verdict, String reason, Map<String, Long> facts) {
    public Check {
        facts = java.util.Collections.unmodifiableMap(new TreeMap<>(facts));
    }

    public static Check green(String component, String reason, Map<String, Long> facts) {
        return new Check(component, Verdict.GREEN, reason, facts);
    }

    public static Check yellow(String component, String reason) {
        return new Check(component, Verdict.YELLOW, reason, Map.of());
    }

    public static Check red(String component, String reason) {
        return new Check(component, Verdict.RED, reason, Map.of());
    }

    /** Ordered by severity: the report's verdict is the worst of its checks. */
    public enum Verdict { GREEN, YELLOW, RED }
}
