package spine.drivers.podman;

import java.util.ArrayList;
import java.util.List;

import spine.drivers.exec.CommandRunner;

/** How this process calls podman: the runner, podman's own argv prefix and the bounds of each kind of call. */
record PodmanCli(CommandRunner runner, List<String> podman, PodmanDriver.Timeouts timeouts) {
    PodmanCli {
        podman = List.copyOf(podman);
    }

    /** podman's argv prefix followed by {@code args}, for a caller to add more to. */
    List<String> argv(String... args) {
        var a = new ArrayList<>(podman);
        a.addAll(List.of(args));
        return a;
    }
}
