package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import spine.drivers.SocketDirs;
import spine.drivers.exec.CommandResult;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.ContainerSpec;
import spine.model.Envelope;
import spine.model.NetworkMode;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;

/**
 * A persona with a display is run only on a Wayland socket served by the sway this converger spawned. Seen in the VM:
 * while a planted socket held the path during sway's restart, the old check (the path exists) let podman mount the
 * planted socket into p://work, whose foot then talked to the fake compositor.
 */
class MachineryDisplayTest {
    private static ContainerSpec persona(String name, boolean display) {
        return new ContainerSpec(ResourceId.persona(name), "localhost/spine/foot:1", List.of("foot"), new TreeMap<>(), NetworkMode.NONE,
                Envelope.unlimited(), Optional.empty(), false, Optional.empty(), display);
    }

    @Test
    void aDisplayPersonaWaitsWhileAnotherProcessServesTheWaylandPath(@TempDir Path dir) throws Exception {
        var sockets = new SocketDirs(dir.resolve("run"));
        var calls = new ArrayList<List<String>>();
        var podman = new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return new CommandResult(0, "0123456789ab\n", "", java.time.Duration.ofMillis(1), false);
        }, List.of("podman"), PodmanDriver.Timeouts.defaults(), sockets);
        var machinery = new Machinery(podman, new SysfsDriver(dir.resolve("sys")), Optional.empty(), spine.drivers.kernel.Syscalls.linux());
        Files.createDirectories(sockets.compositorDir());
        try (AFUNIXServerSocket planted = AFUNIXServerSocket.newInstance()) {
            planted.bind(AFUNIXSocketAddress.of(sockets.waylandSocket()));

            StepResult display = machinery.apply(new Step.RunContainer(ResourceId.persona("work"), persona("work", true), 1, "test"));
            assertThat(display).isInstanceOfSatisfying(StepResult.Failed.class, f -> {
                assertThat(f.retryable()).isTrue();
                assertThat(f.reason()).contains("compositor is not ready").contains("waits");
            });
            assertThat(calls).as("podman was not asked to run p://work on the planted socket").noneMatch(a -> a.contains("run"));

            StepResult plain = machinery.apply(new Step.RunContainer(ResourceId.persona("plain"), persona("plain", false), 1, "test"));
            assertThat(plain).isInstanceOf(StepResult.Ok.class);
            assertThat(calls).anyMatch(a -> a.contains("run") && a.contains("p__plain"));
        }
    }
}
