package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.loop.Machinery;
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
 * A failed container start is told, with its image, to the built-in images (bay0 checks them on it): a run names the
 * image its spec gives, a start the one podman last reported for the container.
 */
class ImageGateFailureTest {
    @TempDir Path dir;
    private static final String TORN = "Error: crun: executable file `sh` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found";

    private ImageGate gate(CommandResult reply, java.util.function.BiConsumer<String, String> heard) {
        return new ImageGate(machinery(reply), () -> { }, java.util.concurrent.CompletableFuture.completedFuture(true), Duration.ZERO, heard);
    }

    private Machinery machinery(CommandResult reply) {
        var podman = new PodmanDriver((argv, timeout) -> argv.contains("ps") ? new CommandResult(0, """
                [{"Id":"1111111111111111111111111111111111111111111111111111111111111111","Names":["p__old"],"State":"exited",
                  "Image":"localhost/spine/busybox:1","Labels":{"io.spine.name":"p://old","io.spine.kind":"persona"}}]
                """, "", Duration.ofMillis(1), false) : reply, List.of("podman"), PodmanDriver.Timeouts.defaults(),
                new SocketDirs(dir.resolve("run")));
        return new Machinery(podman, new SysfsDriver(dir.resolve("sys")), Optional.empty(), spine.drivers.kernel.Syscalls.linux());
    }

    private static Step.RunContainer run(String name, String image) {
        var spec = new ContainerSpec(ResourceId.persona(name), image, List.of("sh"), new TreeMap<>(),
                NetworkMode.NONE, Envelope.unlimited(), Optional.empty(), false, Optional.empty(), false);
        return new Step.RunContainer(ResourceId.persona(name), spec, 1, "test");
    }

    @Test
    void aFailedRunOrStartIsToldWithItsImage() {
        var heard = new CopyOnWriteArrayList<String>();
        ImageGate m = gate(new CommandResult(126, "", TORN, Duration.ofMillis(1), false), (image, error) -> heard.add(image + " | " + error));
        assertThat(m.apply(run("new", "localhost/spine/tools:1"))).isInstanceOf(StepResult.Failed.class);
        assertThat(heard).singleElement().asString().startsWith("localhost/spine/tools:1 | ").contains("executable file `sh` not found");

        heard.clear();
        assertThat(m.observe().ok()).isTrue();
        assertThat(m.apply(new Step.StartContainer(ResourceId.persona("old"), "test"))).isInstanceOf(StepResult.Failed.class);
        assertThat(m.startAll(List.of(new Step.StartContainer(ResourceId.persona("old"), "test"))).values())
                .allMatch(r -> r instanceof StepResult.Failed);
        assertThat(heard).hasSize(2).allMatch(h -> h.startsWith("localhost/spine/busybox:1 | "));
    }

    @Test
    void aStartThatWorkedIsNotTold() {
        var heard = new CopyOnWriteArrayList<String>();
        ImageGate m = gate(new CommandResult(0, "0123456789ab\n", "", Duration.ofMillis(1), false), (image, error) -> heard.add(image));
        assertThat(m.apply(run("new", "localhost/spine/tools:1"))).isInstanceOf(StepResult.Ok.class);
        assertThat(heard).isEmpty();
    }
}
