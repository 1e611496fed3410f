package spine.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

class EnvelopeFilesTest {
    @Test
    void cpuMaxComparesTheRatioNotTheText() {
        assertThat(EnvelopeFiles.cpuMax(new BigDecimal("0.5"))).isEqualTo("50000 100000");
        assertThat(EnvelopeFiles.cpuMax(new BigDecimal("0.001"))).isEqualTo("1000 100000"); // the kernel's 1 ms floor
        assertThat(EnvelopeFiles.same("cpu.max", "50000 100000", "25000 50000")).isTrue();
        assertThat(EnvelopeFiles.same("cpu.max", "50000 100000", "max 100000")).isFalse();
        assertThat(EnvelopeFiles.same("cpu.max", "max 100000", "max 50000")).isTrue();
        assertThat(EnvelopeFiles.same("cpu.max", "50000 100000", "garbage")).isFalse();
    }

    @Test
    void memoryIsKeptInWholePages() {
        assertThat(EnvelopeFiles.same("memory.max", "100000", "98304")).isTrue();
        assertThat(EnvelopeFiles.same("memory.max", "100000", "100000")).isTrue();
        assertThat(EnvelopeFiles.same("memory.max", "100000", "94208")).isFalse();
        assertThat(EnvelopeFiles.same("memory.max", "max", "134217728")).isFalse();
        assertThat(EnvelopeFiles.same("pids.max", "128", "129")).isFalse();
    }

    @Test
    void scalingKeepsThePeriodAndTheFloor() {
        assertThat(EnvelopeFiles.scaledCpuMax("25000 100000", 0.5, 2)).isEqualTo("12500 100000");
        assertThat(EnvelopeFiles.scaledCpuMax("max 100000", 0.5, 2)).isEqualTo("100000 100000"); // half of two CPUs
        assertThat(EnvelopeFiles.scaledCpuMax("1500 100000", 0.25, 2)).isEqualTo("1000 100000");
    }
}
