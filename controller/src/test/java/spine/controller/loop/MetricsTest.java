package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void rendersPrometheusText() {
        var m = new Metrics();
        m.pass("converged", Duration.ofMillis(250));
        m.pass("converged", Duration.ofMillis(750));
        m.step("run", "ok", Duration.ofSeconds(2));
        m.step("run", "failed", Duration.ofSeconds(1));
        String text = m.prometheus();
        assertThat(text).contains(
                "# TYPE spine_passes_total counter\nspine_passes_total{result=\"converged\"} 2\n",
                "spine_pass_duration_seconds_count 2\n",
                "spine_pass_duration_seconds_sum 1\n",
                "spine_steps_total{kind=\"run\",result=\"failed\"} 1\n",
                "spine_steps_total{kind=\"run\",result=\"ok\"} 1\n",
                "spine_step_duration_seconds_sum{kind=\"run\"} 3\n");
        assertThat(text.lines().filter(l -> l.startsWith("# TYPE spine_steps_total"))).hasSize(1);
    }
}
