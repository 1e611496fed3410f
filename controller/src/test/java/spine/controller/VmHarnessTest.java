package spine.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The harness's own shell quoting: a class file of a nested class is named {@code Outer$Inner.class}. */
class VmHarnessTest {
    @Test
    void aQuotedPathReachesTheShellAsOneLiteralWord() throws Exception {
        for (String path : List.of("/tmp/bench/VmFocusBench$FocusEvents.class", "/tmp/it's here", "/tmp/a b/$(reboot)")) {
            Process p = new ProcessBuilder("sh", "-c", "printf '%s|' " + VmHarness.quoted(path)).start();
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(path + "|");
            assertThat(p.waitFor()).isZero();
        }
    }
}
