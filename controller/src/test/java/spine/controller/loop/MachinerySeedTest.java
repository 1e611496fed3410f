package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.drivers.ContainerRuntime;
import spine.drivers.exec.CommandResult;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.ObservedState;

/** The boot repair's observation, handed to the loop's first pass: used once, then podman is asked as ever. */
class MachinerySeedTest {
    @Test
    void aSeededObservationSavesOnePodmanCallAndOnlyOne(@TempDir Path dir) {
        var calls = new ArrayList<List<String>>();
        var podman = new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return new CommandResult(0, "[]", "", Duration.ofMillis(1), false);
        }, List.of("podman"), PodmanDriver.Timeouts.defaults());
        var machinery = new Machinery(podman, new SysfsDriver(dir.resolve("sys")), Optional.empty(), spine.drivers.kernel.Syscalls.linux());
        var seen = new ContainerRuntime.Observation(ObservedState.empty(), null);

        machinery.seed(new ContainerRuntime.Observation(null, "podman ps failed")); // a failed look is never reused
        machinery.seed(seen);
        assertThat(machinery.observe()).isSameAs(seen);
        assertThat(calls).isEmpty();
        assertThat(machinery.observe().ok()).isTrue();
        assertThat(machinery.observe().ok()).isTrue();
        assertThat(calls).hasSize(2);
    }
}
