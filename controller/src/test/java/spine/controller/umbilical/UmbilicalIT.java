package spine.controller.umbilical;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;
import spine.drivers.exec.CommandResult;
import spine.model.ResourceId;
import spine.model.Tenant;

/**
 * The umbilical on real podman with the shipped example specs and images: the AI tenant behind bay0's broker (here
 * {@code spine run}, the same loop). A persona with {@code umbilical: true} pings and completes through it; one
 * without sees nothing; a caller outside the persona and an answerer outside sys__ai are refused with a JSON line;
 * the budget refuses a burst; a tenant being replaced is drained (in-flight requests finish, late ones are cut off
 * with an error, never a hang).
 */
class UmbilicalIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PodmanHarness podman;
    private static Path root;
    private static Path run;

    @BeforeAll
    static void harness() throws Exception {
        root = PodmanHarness.scratch("umbilical");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        run = Files.createTempDirectory(Path.of("/tmp"), "sr"); // socket paths must stay short
        podman = new PodmanHarness().with("SPINE_RUN", run.toString());
        podman.reset();
    }

    @AfterAll
    static void cleanUp() {
        podman.reset();
    }

    private static String log() throws Exception {
        return Files.readString(root.resolve("spine/spine.log"));
    }

    private static void awaitLog(String text, Duration max) throws Exception {
        long until = System.nanoTime() + max.toNanos();
        while (!log().contains(text)) {
            if (System.nanoTime() > until) throw new AssertionError("no \"" + text + "\" in the log within " + max);
            Thread.sleep(100);
        }
    }

    private static long count(String text) throws Exception {
        return log().lines().filter(l -> l.contains(text)).count();
    }

    /** podman exec p__NAME umbilical REQUEST...: one answer line per request. */
    private static List<JsonNode> ask(String container, String... requests) throws Exception {
        var argv = new java.util.ArrayList<>(List.of("exec", container, "umbilical"));
        argv.addAll(List.of(requests));
        CommandResult r = podman.podman(argv.toArray(String[]::new));
        assertThat(r.exit()).as(r.summary()).isZero();
        var out = new java.util.ArrayList<JsonNode>();
        for (String l : r.stdout().strip().split("\n")) out.add(JSON.readTree(l));
        return out;
    }

    private static Process askInBackground(String request) throws Exception {
        var pb = new ProcessBuilder("podman", "exec", "p__work", "umbilical", request);
        pb.environment().putAll(podman.env());
        return pb.redirectErrorStream(false).start();
    }

    private static Path applyAi(String generation) throws Exception {
        String ai = Files.readString(PodmanHarness.REPO.resolve("specs/examples/ai.yaml"))
                .replace("  envelope: sacrificial", "  env:\n    GEN: \"" + generation + "\"\n  envelope: sacrificial");
        return Files.writeString(root.resolve("ai-" + generation + ".yaml"), ai);
    }

    @Test
    void personasReachTheAiTenantOnlyThroughTheCheckedBroker() throws Exception {
        Path plain = Files.writeString(root.resolve("plain.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://plain"}
                spec: {image: localhost/spine/tools:1, command: ["sleep", "600"], state: running}
                """);
        PodmanHarness.Result apply = podman.spine(root, "apply", "-f", PodmanHarness.REPO.resolve("specs/examples").toString(),
                "-f", plain.toString());
        assertThat(apply.exit()).as(apply.toString()).isZero();

        // the tenant's socket directory belongs to its uid alone
        Path dir = run.resolve("tenant/sys__ai");
        int uid = new Tenant(ResourceId.tenant("ai"), "x", List.of(), new java.util.TreeMap<>(), java.util.Optional.empty(),
                "/run/spine/ai.sock", spine.model.RunState.RUNNING).uid();
        assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(uid);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(podman.podman("inspect", "--format", "{{.Config.User}} {{.HostConfig.NetworkMode}}", "sys__ai").stdout().strip())
                .isEqualTo(uid + ":" + uid + " none");

        Process daemon = podman.spineProcess(root, "run").redirectErrorStream(true)
                .redirectOutput(root.resolve("run.out").toFile()).start();
        try {
            awaitLog("listening persona=p://work", Duration.ofSeconds(60));

            List<JsonNode> answers = ask("p__work", "{\"op\":\"ping\"}", "{\"op\":\"complete\",\"prompt\":\"2+3\"}",
                    "{\"op\":\"info\"}", "not json");
            assertThat(answers.get(0).path("ok").asBoolean()).as(answers.toString()).isTrue();
            assertThat(answers.get(1).path("completion").asText()).isEqualTo("2 + 3 = 5");
            assertThat(answers.get(2).path("model").asText()).isEqualTo("spine-rules");
            assertThat(answers.get(3).path("ok").asBoolean()).isFalse();
            assertThat(log()).contains("caller accepted persona=p://work");

            // a persona without the field has nothing at that path
            CommandResult none = podman.podman("exec", "p__plain", "sh", "-c", "ls -A /run/spine; test -e /run/spine/umbilical.sock");
            assertThat(none.exit()).as(none.summary()).isEqualTo(1);
            assertThat(none.stdout()).isEmpty();

            // validate goes through the broker
            PodmanHarness.Result v = podman.spine(root, "validate", "-o", "json");
            JsonNode checks = JSON.readTree(v.out()).path("checks");
            JsonNode umbilical = find(checks, "umbilical"), network = find(checks, "network");
            assertThat(umbilical.path("verdict").asText()).as(v.toString()).isEqualTo("GREEN");
            assertThat(umbilical.path("reason").asText()).contains("through the broker");
            assertThat(network.path("verdict").asText()).as(v.toString()).isEqualTo("GREEN");
            // this host's hybrid cgroups hold no cpu/memory/pids files in v2: named, not a silent GREEN (the VM reads them)
            JsonNode envelopes = find(checks, "envelopes");
            if (!envelopes.path("verdict").asText().equals("GREEN")) {
                assertThat(envelopes.path("verdict").asText()).as(v.toString()).isEqualTo("YELLOW");
                assertThat(envelopes.path("reason").asText()).contains("not read back").contains("hybrid cgroup v1");
            }

            // a caller outside the persona's container is refused with an answer, not a dropped connection
            assertThat(rawRequest(run.resolve("umbilical/p__work/umbilical.sock"), "{\"op\":\"ping\"}"))
                    .contains("caller refused").contains("not in p__work");

            // the budget: a burst of 60 on one connection; the first 40 pass, then refusals name the limit
            String[] burst = new String[60];
            java.util.Arrays.fill(burst, "{\"op\":\"ping\"}");
            List<JsonNode> b = ask("p__work", burst);
            long refused = b.stream().filter(n -> n.path("error").asText().startsWith("over budget")).count();
            assertThat(b).hasSize(60);
            assertThat(refused).as(b.toString()).isBetween(5L, 25L);
            Thread.sleep(2_500); // the bucket refills

            // drain: a request in flight when the tenant is replaced finishes; the loop is not held up by it
            Process slow = askInBackground("{\"op\":\"complete\",\"prompt\":\"slow one\",\"delay_ms\":3000}");
            long accepted = count("caller accepted persona=p://work");
            while (count("caller accepted persona=p://work") == accepted) Thread.sleep(50);
            Thread.sleep(300);
            long t0 = System.nanoTime();
            PodmanHarness.Result replaced = podman.spine(root, "apply", "-f", applyAi("2").toString());
            assertThat(replaced.exit()).as(replaced.toString()).isZero();
            assertThat(slow.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("\"ok\":true");
            assertThat(log()).contains("in_flight_at_start=1 cut_off=0");
            System.out.println("umbilical: tenant replaced with a request in flight in " + (System.nanoTime() - t0) / 1_000_000 + " ms");

            // one that outlives the drain deadline (5 s) gets an error line
            Process late = askInBackground("{\"op\":\"complete\",\"prompt\":\"too slow\",\"delay_ms\":9000}");
            accepted = count("caller accepted persona=p://work");
            while (count("caller accepted persona=p://work") == accepted) Thread.sleep(50);
            Thread.sleep(300);
            assertThat(podman.spine(root, "apply", "-f", applyAi("3").toString()).exit()).isZero();
            assertThat(late.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(late.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("\"ok\":false").contains("closed the connection (drained)");
            assertThat(log()).contains("cut_off=1");
            assertThat(ask("p__work", "{\"op\":\"ping\"}").get(0).path("ok").asBoolean()).isTrue();

            // hijack: a process outside sys__ai puts its own socket in the tenant's place
            Path sock = run.resolve("tenant/sys__ai/ai.sock");
            Files.delete(sock);
            try (ServerSocketChannel fake = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                fake.bind(UnixDomainSocketAddress.of(sock));
                Thread server = Thread.ofPlatform().daemon().start(() -> {
                    try (SocketChannel c = fake.accept()) {
                        c.write(ByteBuffer.wrap("{\"ok\":true,\"hijacked\":true}\n".getBytes(StandardCharsets.UTF_8)));
                    } catch (Exception ignored) {
                        // the broker hangs up on it
                    }
                });
                JsonNode hijacked = ask("p__work", "{\"op\":\"ping\"}").getFirst();
                assertThat(hijacked.path("ok").asBoolean()).as(hijacked.toString()).isFalse();
                assertThat(hijacked.path("error").asText()).contains("refused the AI socket").contains("not in sys__ai");
                assertThat(log()).contains("answerer refused");
                PodmanHarness.Result red = podman.spine(root, "validate");
                assertThat(red.exit()).as(red.toString()).isEqualTo(2);
                assertThat(red.out()).contains("umbilical: sys://ai does not answer through the broker: refused the AI socket");
                server.interrupt();
            }
        } finally {
            daemon.destroy();
            assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        // a reboot: the containers stop, /run (a tmpfs) loses every socket directory, the converger starts again.
        // Podman refuses to start a container whose mount source is gone, so the loop must make them first.
        podman.podman("stop", "-a", "-t", "1");
        deleteTree(run);
        int before = log().length();
        Process again = podman.spineProcess(root, "run").redirectErrorStream(true)
                .redirectOutput(root.resolve("run2.out").toFile()).start();
        try {
            long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            List<JsonNode> answers = List.of();
            while (System.nanoTime() < until) {
                CommandResult r = podman.podman("exec", "p__work", "umbilical", "{\"op\":\"ping\"}");
                if (r.ok() && r.stdout().contains("\"ok\":true")) {
                    answers = List.of(JSON.readTree(r.stdout().strip()));
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(answers).as("ping after a simulated reboot; spine.log:\n" + tail(log(), 30)).hasSize(1);
            assertThat(log().substring(before)).as("no start failed for a missing mount source").doesNotContain("step failed");
        } finally {
            again.destroy();
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static JsonNode find(JsonNode checks, String component) {
        for (JsonNode c : checks) if (c.path("component").asText().equals(component)) return c;
        throw new AssertionError("no check " + component + " in " + checks);
    }

    private static String rawRequest(Path socket, String line) throws Exception {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8)).readLine();
        }
    }
}
