package spine.controller.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.PodmanHarness;
import spine.controller.cli.ExitCode;
import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;
import spine.model.spec.SpecParser;

/** spine validate in host mode, against real podman: the freezer really freezes, and each verdict has its exit code. */
class ValidateIT {
    private static PodmanHarness podman;

    @TempDir Path root;

    @BeforeAll
    static void harness() throws IOException {
        podman = new PodmanHarness();
    }

    @BeforeEach
    void clean() {
        podman.reset();
    }

    private void configureAi(Path socket) throws Exception {
        String yaml = """
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://ai"}
                spec: {image: localhost/spine/busybox:1, socket: "%s", state: stopped}
                """.formatted(socket);
        try (IntentStore s = IntentStore.open(new SpineRoot(root), Clock.systemUTC())) {
            s.apply(SpecParser.parse("ai.yaml", yaml).specs().stream().map(SpecParser.Located::spec).toList());
        }
    }

    @Test
    void yellowWithoutAnAiTenantAndTheProbeIsGone() throws Exception {
        PodmanHarness.Result r = podman.spine(root, "validate", "-o", "json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.path("verdict").asText()).isEqualTo("YELLOW");
        for (JsonNode c : j.path("checks")) {
            String want = c.path("component").asText().equals("umbilical") ? "YELLOW" : "GREEN";
            assertThat(c.path("verdict").asText()).as(c.toString()).isEqualTo(want);
        }
        JsonNode freezer = j.path("checks").get(0);
        assertThat(freezer.path("ticksBurning").asLong()).isPositive();
        assertThat(freezer.path("ticksFrozen").asLong()).isLessThanOrEqualTo(1);
        assertThat(freezer.path("ticksThawed").asLong()).isPositive();
        assertThat(podman.containers()).as("the probe container is removed").isEmpty();
        assertThat(Files.readString(root.resolve("spine/validate.log"))).contains("validate ran");

        PodmanHarness.Result text = podman.spine(root, "validate");
        assertThat(text.out()).isEqualTo("YELLOW\numbilical: no AI tenant configured (sys://ai)\n");
    }

    @Test
    void greenWhenTheAiSocketAnswers() throws Exception {
        Path sock = Path.of("/run/spine/validate-it-" + ProcessHandle.current().pid() + ".sock");
        Files.createDirectories(sock.getParent());
        Files.deleteIfExists(sock);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            configureAi(sock);
            PodmanHarness.Result r = podman.spine(root, "validate");
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.OK);
            assertThat(r.out()).isEqualTo("GREEN\n");
        } finally {
            Files.deleteIfExists(sock);
        }
    }

    @Test
    void redWhenTheAiSocketIsDeadOrPersistIsUnwritable() throws Exception {
        configureAi(Path.of("/run/spine/nobody-listens-here.sock"));
        PodmanHarness.Result r = podman.spine(root, "validate");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).startsWith("RED\numbilical: cannot connect to /run/spine/nobody-listens-here.sock");

        Path file = Files.writeString(root.resolve("not-a-dir"), "x");
        PodmanHarness.Result p = podman.spine(file, "validate");
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.out().lines().toList()).contains("RED").anyMatch(l -> l.startsWith("persist: marker write/read failed"));
        assertThat(List.of(p.out().split("\n")).size()).as("no walls of text").isLessThanOrEqualTo(4);
    }
}
