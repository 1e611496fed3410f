package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The kernel command line's spine.* options: defaults, values, and a bad value that must not stop PID 1. */
class BootOptionsTest {
    private final List<String> warnings = new ArrayList<>();

    private BootOptions parse(Map<String, String> cmdline) {
        return BootOptions.from(cmdline, warnings::add);
    }

    @Test
    void defaults() {
        BootOptions o = parse(Map.of());
        assertThat(o.parallel()).as("one podman call per CPU").isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(o.trialWatchdog()).isEqualTo(Duration.ofSeconds(300));
        assertThat(o.trialDeadline()).isEqualTo(Duration.ofSeconds(120));
        assertThat(o.trial()).isEmpty();
        assertThat(o.slot()).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void valuesFromTheCommandLine() {
        BootOptions o = parse(Map.of("spine.parallel", "3", "spine.trial_watchdog_ms", "60000", "spine.slot", "abc", "spine.trial", ""));
        assertThat(o.parallel()).isEqualTo(3);
        assertThat(o.trialWatchdog()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.slot()).contains("abc");
        assertThat(o.trial()).as("an empty value is no trial").isEmpty();
    }

    @Test
    void aBadCountGetsTheDefaultAndALineSayingSo() {
        BootOptions o = parse(Map.of("spine.parallel", "0"));
        assertThat(o.parallel()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(warnings).containsExactly("spine.parallel=0 is not a positive number; using " + Runtime.getRuntime().availableProcessors());
    }
}
