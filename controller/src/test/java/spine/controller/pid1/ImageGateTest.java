package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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
 * bay0 places the built-in images when the loop first needs them: a container that exists starts at once, and one that
 * must be created asks for them and waits until they are placed, or until the bound, after which it goes ahead.
 */
class ImageGateTest {
    @TempDir Path dir;
    private final List<List<String>> calls = new CopyOnWriteArrayList<>();

    private ImageGate gate(Runnable demand, CompletableFuture<?> placed, Duration bound) {
        return new ImageGate(machinery(), demand, placed, bound, (image, error) -> { });
    }

    private Machinery machinery() {
        var podman = new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return new CommandResult(0, "0123456789ab\n", "", Duration.ofMillis(1), false);
        }, List.of("podman"), PodmanDriver.Timeouts.defaults(), new SocketDirs(dir.resolve("run")));
        return new Machinery(podman, new SysfsDriver(dir.resolve("sys")), Optional.empty(), spine.drivers.kernel.Syscalls.linux());
    }

    private static Step.RunContainer run(String name) {
        var spec = new ContainerSpec(ResourceId.persona(name), "localhost/spine/busybox:1", List.of("sleep", "3600"), new TreeMap<>(),
                NetworkMode.NONE, Envelope.unlimited(), Optional.empty(), false, Optional.empty(), false);
        return new Step.RunContainer(ResourceId.persona(name), spec, 1, "test");
    }

    private boolean asked(String verb, String name) {
        return calls.stream().anyMatch(a -> a.contains(verb) && a.stream().anyMatch(x -> x.contains(name)));
    }

    @Test
    void aNewContainerWaitsForTheImagesAndAnExistingOneStartsAtOnce() throws Exception {
        var placed = new CompletableFuture<Boolean>();
        var demands = new java.util.concurrent.atomic.AtomicInteger();
        ImageGate m = gate(demands::incrementAndGet, placed, Duration.ofMinutes(1));

        StepResult started = m.apply(new Step.StartContainer(ResourceId.persona("old"), "test"));
        assertThat(started).isInstanceOf(StepResult.Ok.class);
        assertThat(asked("start", "p__old")).isTrue();
        assertThat(demands).as("a start does not ask for the images").hasValue(0);

        var created = CompletableFuture.supplyAsync(() -> m.apply(run("new")));
        for (int i = 0; i < 100 && demands.get() == 0; i++) Thread.sleep(20);
        assertThat(demands).as("a run asks for them").hasValue(1);
        Thread.sleep(300);
        assertThat(created).as("the run waits while the images are placed").isNotDone();
        assertThat(asked("run", "p__new")).isFalse();

        placed.complete(true);
        assertThat(created.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(StepResult.Ok.class);
        assertThat(asked("run", "p__new")).isTrue();
    }

    @Test
    void pastTheBoundARunGoesAhead() throws Exception {
        ImageGate m = gate(() -> { }, new CompletableFuture<Boolean>(), Duration.ofMillis(200)); // never placed
        long t0 = System.nanoTime();
        assertThat(m.apply(run("late"))).isInstanceOf(StepResult.Ok.class);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(200);
        assertThat(asked("run", "p__late")).isTrue();
    }
}
