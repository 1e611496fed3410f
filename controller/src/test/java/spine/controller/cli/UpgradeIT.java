package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.image.Candidate;
import spine.controller.image.ImageVerifyTest;
import spine.controller.image.Signing;
import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;

/**
 * {@code spine upgrade} and {@code spine nack} through the CLI on a real SQLite database and a real
 * directory: candidates signed with the test key, staged into the A/B slots; a nacked hash refused before anything is
 * staged; forgiving it (logged with the caller) lets it through.
 */
class UpgradeIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path CONTRACT = REPO.resolve("images/contract.yaml");
    private static final Path KEYS = Path.of("src/test/resources/upgrade");

    @TempDir Path root;
    @TempDir Path dir;
    private Path trust;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    @BeforeEach
    void trust() throws Exception {
        trust = Files.createDirectories(dir.resolve("trust"));
        Files.copy(KEYS.resolve("test.pub"), trust.resolve("test.pub"));
    }

    private int spine(String... args) {
        out.reset();
        err.reset();
        var argv = new java.util.ArrayList<>(List.of(args));
        argv.addAll(List.of("--root", root.toString()));
        return new Cli(Map.of("SPINE_PODMAN", "/nonexistent/podman"), Clock.systemUTC(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(argv);
    }

    private int upgrade(Path manifest) {
        return spine("upgrade", manifest.toString(), "--stage-only", "--trust", trust.toString(), "--contract", CONTRACT.toString(),
                "--running", "0.1.0");
    }

    private Path candidate(String name, String version) throws Exception {
        return spine.controller.image.Candidates.publish(dir, name, version);
    }

    private String hashOf(Path manifest) {
        assertThat(spine("image", "check", manifest.toString(), "--trust", trust.toString(), "--contract", CONTRACT.toString(),
                "--running", "0.1.0")).isZero();
        String line = out.toString(StandardCharsets.UTF_8);
        return line.substring(line.indexOf("(hash ") + 6, line.indexOf(')'));
    }

    @Test
    void twoCandidatesFillTheTwoSlotsWithWhatWasSigned() throws Exception {
        Path first = candidate("first", "0.2.0"), second = candidate("second", "0.3.0");
        assertThat(upgrade(first)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("staged: version 0.2.0 (hash " + hashOf(first) + ") in slot A");
        assertThat(upgrade(second)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("in slot B");
        Path slots = root.resolve("spine/slots");
        for (var e : Map.of("A", first, "B", second).entrySet()) {
            for (String f : List.of("vmlinuz", "spine.img", "manifest.json")) {
                assertThat(slots.resolve(e.getKey()).resolve(f)).hasSameBinaryContentAs(e.getValue().resolveSibling(f));
            }
            // a slot is a candidate directory itself: it passes the same check where it lies
            assertThat(spine("image", "check", slots.resolve(e.getKey()).resolve("manifest.json").toString(), "--trust", trust.toString(),
                    "--contract", CONTRACT.toString(), "--running", "0.1.0")).isZero();
        }
        try (var listed = Files.list(slots)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("A", "B");
        }
        try (IntentStore store = IntentStore.open(new SpineRoot(root), Clock.systemUTC())) {
            assertThat(store.upgrades().slots()).extracting(s -> s.name() + " " + s.version() + " " + s.state())
                    .containsExactly("A 0.2.0 STAGED", "B 0.3.0 STAGED");
        }
    }

    @Test
    void aNackedCandidateIsRefusedBeforeAnythingIsStagedUntilForgiven() throws Exception {
        Path manifest = candidate("bad", "0.2.0");
        String hash = hashOf(manifest);
        try (IntentStore store = IntentStore.open(new SpineRoot(root), Clock.systemUTC())) {
            store.upgrades().recordNack(hash, "0.2.0", "validate RED: log path /persist/spine/spine.log missing");
        }
        assertThat(upgrade(manifest)).isEqualTo(ExitCode.PENDING);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("spine: refused (nacked): candidate " + hash + " (version 0.2.0) failed its trial boot at ")
                .contains("validate RED: log path").contains("spine nack forgive " + hash.substring(0, 12));
        assertThat(root.resolve("spine/slots")).doesNotExist();

        assertThat(spine("nack", "list")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(hash).contains("0.2.0").contains("validate RED");
        assertThat(spine("nack", "forgive", "ffff")).isEqualTo(ExitCode.INVALID);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no NACK entry has hash ffff");
        assertThat(spine("nack", "forgive", hash.substring(0, 10))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("forgiven: " + hash);
        assertThat(Files.readString(root.resolve("spine/spine.log"))).containsPattern("candidate forgiven hash=" + hash + " version=0.2.0 uid=\\d+");
        assertThat(spine("nack", "list")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("no candidate is nacked\n");
        assertThat(upgrade(manifest)).isZero();
    }

    @Test
    void aRefusedCandidateStagesNothing() throws Exception {
        Path manifest = candidate("tampered", "0.2.0");
        Files.writeString(manifest.resolveSibling("vmlinuz"), "another kernel");
        assertThat(upgrade(manifest)).isEqualTo(ExitCode.PENDING);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("spine: refused (artifact): artifact vmlinuz is");
        assertThat(root.resolve("spine/slots")).doesNotExist();
    }

    @Test
    void withoutBay0TheCandidateStaysStagedAndTheCommandSaysWhy() throws Exception {
        assertThat(spine("upgrade", candidate("c", "0.2.0").toString(), "--trust", trust.toString(), "--contract", CONTRACT.toString(),
                "--running", "0.1.0")).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(
                "spine: staged in slot A but not booted: no bay0 answers on the control socket (a trial boot needs the machine's PID 1)\n");
        try (IntentStore store = IntentStore.open(new SpineRoot(root), Clock.systemUTC())) {
            assertThat(store.upgrades().slots()).extracting(s -> s.name() + " " + s.state()).containsExactly("A STAGED");
        }
    }
}
