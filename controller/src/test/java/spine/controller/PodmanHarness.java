package spine.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import spine.controller.cli.Cli;
import spine.drivers.exec.CommandResult;
import spine.drivers.exec.ProcessCommandRunner;

/**
 * Real podman for ITs, in its own storage (graphroot and runroot under /var/tmp/spine-it) so tests never
 * see or prune the host's containers. Uses the project's containers.conf and the offline example images.
 */
public final class PodmanHarness {
    public static final Path REPO = Path.of(System.getProperty("spine.repo", "..")).toAbsolutePath().normalize();
    private static final Path BASE = Path.of("/var/tmp/spine-it");

    private final Map<String, String> env = new TreeMap<>();
    private final ProcessCommandRunner runner;

    public PodmanHarness() throws IOException {
        Files.createDirectories(BASE);
        Path storage = BASE.resolve("storage.conf");
        Files.writeString(storage, """
                [storage]
                driver = "overlay"
                graphroot = "%s/graph"
                runroot = "%s/run"
                """.formatted(BASE, BASE));
        env.put("CONTAINERS_CONF", REPO.resolve("images/host/containers.conf").toString());
        env.put("CONTAINERS_STORAGE_CONF", storage.toString());
        runner = new ProcessCommandRunner(env);
        CommandResult images = runner.run(List.of(REPO.resolve("scripts/example-images.sh").toString()), Duration.ofMinutes(5));
        if (!images.ok()) throw new IllegalStateException("example images could not be built: " + images.stderr());
    }

    /**
     * A new directory for one test's state root under /var/tmp/spine-it, on the disk rather than a tmpfs (podman's
     * overlay and SQLite's locks want one). The base is made here too: a test runs first on a machine that never ran
     * one, or in any order, and must not rely on another test having made it.
     */
    public static Path scratch(String prefix) throws IOException {
        Files.createDirectories(BASE);
        return Files.createTempDirectory(BASE, prefix);
    }

    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    /** Adds a variable to what the CLI (in this JVM or a child) sees, such as SPINE_RUN. */
    public PodmanHarness with(String key, String value) {
        env.put(key, value);
        return this;
    }

    public CommandResult podman(String... args) {
        var argv = new ArrayList<String>();
        argv.add("podman");
        argv.addAll(List.of(args));
        return runner.run(argv, Duration.ofSeconds(90));
    }

    /** Removes every container in the test storage. */
    public void reset() {
        CommandResult r = podman("rm", "-a", "-f", "-t", "0");
        if (!r.ok()) throw new IllegalStateException("podman rm -a failed: " + r.stderr());
    }

    /** Container name to (id, state) for everything podman has. */
    public Map<String, String> containers() throws IOException {
        CommandResult r = podman("ps", "-a", "--format", "json");
        if (!r.ok()) throw new IllegalStateException(r.stderr());
        var out = new TreeMap<String, String>();
        for (JsonNode c : new ObjectMapper().readTree(r.stdout().isBlank() ? "[]" : r.stdout())) {
            out.put(c.path("Names").get(0).asText(), c.path("Id").asText() + " " + c.path("State").asText());
        }
        return out;
    }

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    public static final Path JAR = Path.of(System.getProperty("spine.jar", "target/spine.jar"));

    /** The real jar in a child JVM against the test storage, as the launcher starts it (SerialGC, C1 only). */
    public ProcessBuilder spineProcess(Path root, String... args) {
        var argv = new ArrayList<>(List.of(JAVA, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-jar", JAR.toString()));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--root", root.toString()));
        var pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * {@code spine run --resync 1h} on {@code root} in a child JVM, its output appended to {@code root/daemon.out};
     * returns once its control socket exists (or fails saying what it printed).
     */
    public Process startConverger(Path root) throws IOException, InterruptedException {
        Path out = root.resolve("daemon.out");
        Process p = spineProcess(root, "run", "--resync", "1h").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        Path sock = root.resolve("spine/control.sock");
        for (int i = 0; i < 300 && !Files.exists(sock) && p.isAlive(); i++) Thread.sleep(100);
        if (!Files.exists(sock)) throw new AssertionError("spine run did not listen on " + sock + ":\n" + (Files.exists(out) ? Files.readString(out) : ""));
        return p;
    }

    /** Stops a converger {@link #startConverger} started (SIGTERM), waiting for it; null or already gone is fine. */
    public static void stopConverger(Process p) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) throw new AssertionError("spine run did not stop within 30 s of SIGTERM");
    }

    /** Runs the CLI in this JVM against the test storage; returns exit code and output. */
    public Result spine(Path root, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        var argv = new ArrayList<>(List.of(args));
        argv.add("--root");
        argv.add(root.toString());
        var cliEnv = new HashMap<>(env);
        int code = new Cli(cliEnv, Clock.systemUTC(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(argv);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
