package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage and input errors: exit 2, a located message, and nothing written under the root. */
class CliTest {
    @TempDir Path root;
    @TempDir Path specs;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int spine(String... args) {
        var argv = new java.util.ArrayList<>(List.of(args));
        argv.addAll(List.of("--root", root.toString()));
        return new Cli(Map.of("SPINE_PODMAN", "/nonexistent/podman"), Clock.systemUTC(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(argv);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void getImagesShowsTheMarksAndWhatThisBootDidToThem() throws Exception {
        new spine.controller.state.ImageMarks(new spine.controller.state.SpineRoot(root)).mark(List.of(
                new spine.controller.state.ImageMarks.Mark("localhost/spine/busybox:1", "f48dc304355690ecaa9a99bc028d66f5", "2026-12-07T09:34:13Z", "reloaded")));
        Path run = Files.createDirectories(specs.resolve("run"));
        Files.writeString(run.resolve("boot.json"), "{\"images\":[\"image reloaded ref=localhost/spine/busybox:1 ok=true (torn: 1 file(s) differ)\"]}\n");
        int code = new Cli(Map.of("SPINE_PODMAN", "/nonexistent/podman", "SPINE_RUN", run.toString()), Clock.systemUTC(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of("get", "images", "--root", root.toString()));
        assertThat(code).as(err()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("NAME", "image reloaded ref=localhost/spine/busybox:1 ok=true (torn: 1 file(s) differ)")
                .containsPattern("localhost/spine/busybox:1 +f48dc3043556 +2026-12-07T09:34:13Z +reloaded");
    }

    @Test
    void invalidSpecExitsTwoAndWritesNothing() throws IOException {
        Path f = Files.writeString(specs.resolve("work.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata:
                  name: p://work
                spec:
                  image: localhost/spine/busybox:1
                  envelop: small
                """);
        assertThat(spine("apply", "-f", f.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains(f + ":7:3: unknown field \"envelop\" in Persona spec; did you mean \"envelope\"?")
                .contains("nothing was applied");
        try (var s = Files.list(root)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void getShowsWhatThisBootHoldsAndHowToReleaseIt() throws Exception {
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root), Clock.systemUTC())) {
            var parsed = spine.model.spec.SpecParser.parse("w.yaml", """
                    apiVersion: spine/v1
                    kind: Persona
                    metadata: {name: "p://work"}
                    spec: {image: img, state: running}
                    """);
            store.intents().apply(parsed.specs().stream().map(spine.model.spec.SpecParser.Located::spec).toList(), 0);
            store.holds().replace(new java.util.TreeMap<>(Map.of(spine.model.ResourceId.persona("work"), "last shutdown was unclean")));
        }
        assertThat(spine("get")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .containsPattern("persona +p://work +held +stopped")
                .contains("held stopped this boot (last shutdown was unclean): p://work; spine apply -f its spec to start it");
        out.reset();
        assertThat(spine("get", "persona", "p://work", "-o", "json")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"held\" : \"last shutdown was unclean\"");
    }

    @Test
    void bootTimelineReadsThisBootFromGenesisLog() throws Exception {
        Files.createDirectories(root.resolve("spine"));
        Files.writeString(root.resolve("spine/genesis.log"), """
                [    8.000] bay0: starting (old)
                [    9.000] bay0: init complete
                [    7.500] bay0: starting (0.1.0-dev)
                [    9.250] bay0: init complete
                [   12.000] bay0: converged after boot: running=0
                """);
        assertThat(spine("boot", "timeline", "--this-boot")).as(err()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("kernel -> starting +0.000 +7.500 +7.500")
                .containsPattern("init complete -> converged after boot +9.250 +12.000 +2.750").doesNotContain("8.000");
        out.reset();
        assertThat(spine("boot", "timeline", "--this-boot", "-o", "svg")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("<svg").contains("starting → init complete");
        Files.writeString(root.resolve("spine/genesis.log"), "");
        assertThat(spine("boot", "timeline", "--this-boot")).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("no boot in genesis.log under " + root);
    }

    @Test
    void focusWithoutAConvergerRecordsItWithoutTakingTheLock() throws Exception {
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root), Clock.systemUTC())) {
            store.intents().apply(spine.model.spec.SpecParser.parse("w.yaml", """
                    apiVersion: spine/v1
                    kind: Persona
                    metadata: {name: "p://work"}
                    spec: {image: img, state: running}
                    """).specs().stream().map(spine.model.spec.SpecParser.Located::spec).toList(), 0);
        }
        // the holder's line of the last converger stays for a human to read; a probe taking the lock rewrote it
        var spineRoot = new spine.controller.state.SpineRoot(root);
        spine.controller.state.ConvergeLock.tryAcquire(spineRoot, "spine run").orElseThrow().close();
        Path lockFile = root.resolve("spine/converge.lock");
        String holder = Files.readString(lockFile);
        assertThat(spine("focus", "p://work")).as(err()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("focus p://work recorded; no converger runs");
        assertThat(Files.readString(lockFile)).isEqualTo(holder);
        assertThat(Files.readString(root.resolve("spine/spine.log"))).doesNotContain("holder=spine focus");
    }

    @Test
    void focusWaitsForAConvergerThatHoldsTheLockButHasNotBoundItsSocketYet() throws Exception {
        var spineRoot = new spine.controller.state.SpineRoot(root);
        var asked = new java.util.concurrent.atomic.AtomicReference<String>();
        try (var lock = spine.controller.state.ConvergeLock.tryAcquire(spineRoot, "test converger").orElseThrow()) {
            // a spine run that took the lock and binds its control socket 300 ms later, as a starting one does
            Thread late = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(300);
                    var server = spine.controller.state.ControlSocket.bind(spineRoot, new spine.drivers.kernel.Kernel(java.nio.file.Path.of("/")), req -> {
                        asked.set(req.path("op").asText() + " " + req.path("persona").asText());
                        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("ok", true);
                    });
                    Thread.sleep(3000);
                    server.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(spine("focus", "p://work")).as(err()).isZero();
            late.interrupt();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("focus p://work recorded; the converger switches");
        assertThat(asked.get()).isEqualTo("focus p://work");
    }

    @Test
    void missingFileAndEmptyDirectoryAreClear() throws IOException {
        assertThat(spine("diff", "-f", specs.resolve("nope.yaml").toString())).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("nope.yaml:1:1: no such file; check the path given to -f");
        assertThat(spine("apply", "-f", specs.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("directory holds no *.yaml or *.yml files");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(spine("apply")).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("apply needs -f PATH");
        assertThat(spine("frobnicate")).isEqualTo(ExitCode.INVALID);
        assertThat(spine("delete", "persona", "sys://ai")).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("uses the sys:// scheme");
        assertThat(spine("get", "widgets")).isEqualTo(ExitCode.INVALID);
        assertThat(spine("apply", "-f", "x.yaml", "--timeout", "soon")).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("is not a duration");
        assertThat(spine("reconcile")).isEqualTo(ExitCode.INVALID);
    }

    @Test
    void getOnAFreshRootIsEmptyAndCreatesNothing() throws IOException {
        assertThat(spine("get", "-o", "json")).isEqualTo(ExitCode.OK);
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo("[ ]");
        try (var s = Files.list(root)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void unreachablePodmanIsExitThreeForDiff() throws IOException {
        Path f = Files.writeString(specs.resolve("e.yaml"), "apiVersion: spine/v1\nkind: Envelope\nmetadata: {name: small}\n");
        assertThat(spine("diff", "-f", f.toString())).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(err()).contains("cannot observe podman");
    }

    @Test
    void metricsWithoutDaemonSaysSo() {
        assertThat(spine("metrics")).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(err()).contains("spine run is not running");
    }

    /** Every command answers --help with its usage and exit codes, and the option check points there. */
    @Test
    void everyCommandHasHelp() {
        for (Command c : Command.values()) {
            out.reset();
            assertThat(spine(c.word, "--help")).as(c.word).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).as(c.word).startsWith("usage: spine " + c.usage).contains("Exit code");
            out.reset();
            assertThat(spine("help", c.word)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: spine " + c.word);
        }
        assertThat(spine("get", "--frobnicate")).isEqualTo(ExitCode.INVALID);
        assertThat(err()).contains("spine get does not take --frobnicate; see spine get --help");
    }

    /** The completion script parses, completes commands and their options, and lists every command. */
    @Test
    void bashCompletionWorks() throws Exception {
        assertThat(spine("completion", "bash")).isZero();
        Path script = Files.writeString(specs.resolve("spine.bash"), out.toString(StandardCharsets.UTF_8));
        var p = new ProcessBuilder("bash", "-c", """
                set -e; bash -n "$1"; source "$1"
                COMP_WORDS=(spine ap); COMP_CWORD=1; _spine; echo "1:${COMPREPLY[*]}"
                COMP_LINE="spine reconcile --o"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(spine reconcile --o); COMP_CWORD=2; _spine; echo "2:${COMPREPLY[*]}"
                COMP_LINE="spine delete "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(spine delete ""); COMP_CWORD=2; _spine; echo "3:${COMPREPLY[*]}"
                COMP_LINE="spine get -o "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(spine get -o ""); COMP_CWORD=3; _spine; echo "4:${COMPREPLY[*]}"
                COMP_LINE="spine image "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(spine image ""); COMP_CWORD=2; _spine; echo "5:${COMPREPLY[*]}"
                complete -p spine
                """, "completion", script.toString()).redirectErrorStream(true).start();
        String got = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(got).isZero();
        assertThat(got).contains("1:apply", "2:--once", "3:persona tenant envelope image\n", "4:table yaml json", "5:verify keygen sign check",
                "complete -F _spine spine");
        for (Command c : Command.values()) assertThat(Files.readString(script)).contains(c.word + ") opts=");
        assertThat(spine("completion", "zsh")).isEqualTo(ExitCode.INVALID);
    }

    /** doctor's fixes are the "what to do" column of OPERATIONS, word for word: one text, two readers. */
    @Test
    void doctorRemediesAreTheOperationsTable() throws IOException {
        String ops = Files.readString(Path.of(System.getProperty("spine.repo", "..")).resolve("docs/OPERATIONS.md"));
        for (var row : spine.controller.validate.Remedy.TABLE) {
            assertThat(ops).as("OPERATIONS.md holds the fix for %s", row).contains(row.fix());
        }
    }
}
