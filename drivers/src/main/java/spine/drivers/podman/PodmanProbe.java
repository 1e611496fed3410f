package spine.drivers.podman;

import java.util.List;

import spine.drivers.exec.CommandResult;

/**
 * The probe container {@code spine validate} runs, pauses and removes to time the freezer: podman verbs that are not
 * Steps, apart from the driver's Step set. The probe carries no io.spine labels, so the planner treats it as foreign
 * and never touches it; its caller removes it.
 */
public final class PodmanProbe {
    private final PodmanCli cli;

    PodmanProbe(PodmanCli cli) {
        this.cli = cli;
    }

    public CommandResult run(String name, String image, List<String> command) {
        // --pull never, as every run: without the image podman would retry a registry for its whole timeout
        var a = cli.argv("run", "-d", "--pull", "never", "--name", name, "--network", "none", "--security-opt", "no-new-privileges",
                "--label", "io.spine.probe=validate", image);
        a.addAll(command);
        return cli.runner().run(a, cli.timeouts().run());
    }

    /** The host pid of the probe's main process, or -1. */
    public long pidOf(String name) {
        CommandResult r = cli.runner().run(cli.argv("inspect", "--format", "{{.State.Pid}}", name), cli.timeouts().observe());
        try {
            return r.ok() ? Long.parseLong(r.stdout().strip()) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public CommandResult pause(String name) {
        return cli.runner().run(cli.argv("pause", name), cli.timeouts().change());
    }

    public CommandResult unpause(String name) {
        return cli.runner().run(cli.argv("unpause", name), cli.timeouts().change());
    }

    public CommandResult remove(String name) {
        return cli.runner().run(cli.argv("rm", "-f", "-t", "0", name), cli.timeouts().remove());
    }
}
