package spine.controller.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/** Gate C: bay0 --validate inside the VM is GREEN for freezer, persist and log (umbilical may be YELLOW). */
class GateCVmIT {
    private static final Duration BOOT = Duration.ofSeconds(300);

    @BeforeAll
    static void image() throws Exception {
        VmHarness.ensureImage();
    }

    @Test
    void validateInTheVm(@TempDir Path dir) throws Exception {
        try (VmHarness vm = VmHarness.bootToShell(dir, BOOT, "localhost/spine/busybox:1")) {

            String text = vm.shell("bay0 --validate; echo exit=$?", Duration.ofSeconds(120));
            System.out.println("Gate C, bay0 --validate in the VM:\n" + text);
            assertThat(text).startsWith("YELLOW\n").contains("umbilical: no AI tenant configured").contains("exit=1");
            assertThat(text).doesNotContain("freezer:").doesNotContain("persist:").doesNotContain("log:");

            JsonNode j = new ObjectMapper().readTree(vm.shell("spine validate -o json", Duration.ofSeconds(120)).strip());
            for (JsonNode c : j.path("checks")) {
                if (!c.path("component").asText().equals("umbilical")) {
                    assertThat(c.path("verdict").asText()).as(c.toString()).isEqualTo("GREEN");
                }
            }
            assertThat(j.path("checks").get(0).path("ticksFrozen").asLong()).isLessThanOrEqualTo(1);
            System.out.println("Gate C, validate took " + j.path("durationMs") + " ms inside the JVM; freezer " + j.path("checks").get(0));
            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(90))).isTrue();
        }
    }
}
