package spine.controller.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.PodmanHarness;
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

    private void configureAi(String state) throws Exception {
        String yaml = """
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://ai"}
                spec: {image: localhost/spine/ai:1, socket: /run/spine/ai.sock, state: %s}
                """.formatted(state);
        try (IntentStore s = IntentStore.open(new SpineRoot(root), Clock.systemUTC())) {
            s.intents().apply(SpecParser.parse("ai.yaml", yaml).specs().stream().map(SpecParser.Located::spec).toList(), 0);
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

    /** podman run --pull never: without its probe image validate is RED at once, saying so, not after a registry's retries. */
    @Test
    void redAtOnceWhenTheProbeImageIsNotThere() throws Exception {
        var absent = new PodmanHarness().with("SPINE_VALIDATE_IMAGE", "localhost/spine/absent:1");
        long t0 = System.nanoTime();
        PodmanHarness.Result r = absent.spine(root, "validate");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).startsWith("RED\n").contains("freezer: probe image localhost/spine/absent:1 is not in local storage and"
                + " there is no registry");
        assertThat(ms).as("no registry retries").isLessThan(10_000);
        assertThat(r.out()).doesNotContain("pinging container registry");
    }

    @Test
    void yellowWhenTheAiTenantIsConfiguredStopped() throws Exception {
        configureAi("stopped");
        PodmanHarness.Result r = podman.spine(root, "validate");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("YELLOW\numbilical: the AI tenant sys://ai is configured stopped\n");
    }

    /** GREEN takes a ping through the broker (UmbilicalIT); without a converger nobody brokers, and that is RED. */
    @Test
    void redWhenNoBrokerRunsOrPersistIsUnwritable() throws Exception {
        configureAi("running");
        PodmanHarness.Result r = podman.spine(root, "validate");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).startsWith("RED\numbilical: no broker: no converger is running (bay0 or spine run)");

        Path file = Files.writeString(root.resolve("not-a-dir"), "x");
        PodmanHarness.Result p = podman.spine(file, "validate");
        assertThat(p.exit()).isEqualTo(2);
        assertThat(p.out().lines().toList()).contains("RED").anyMatch(l -> l.startsWith("persist: marker write/read failed"));
        assertThat(List.of(p.out().split("\n")).size()).as("no walls of text").isLessThanOrEqualTo(4);
    }
}
