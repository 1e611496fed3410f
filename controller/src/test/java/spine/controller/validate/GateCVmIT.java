package spine.controller.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * Gate C: bay0 --validate inside the VM is GREEN for freezer, persist and log (umbilical may be YELLOW). The same boot
 * then adds an app (issue 28): an Image whose archive was copied onto /persist/images, and a persona running it that
 * writes into its volume.
 */
class GateCVmIT {
    private static final Duration BOOT = Duration.ofSeconds(300);
    private static Path archive;
    private static String sha;

    @BeforeAll
    static void image() throws Exception {
        VmHarness.ensureImage();
        String[] built = VmHarness.run(List.of(VmHarness.REPO.resolve("scripts/app-archive.sh").toString(),
                VmHarness.REPO.resolve("build/notes.oci.tar").toString()), Duration.ofMinutes(5)).strip().lines().reduce((a, b) -> b)
                .orElseThrow().split(" ");
        archive = Path.of(built[0]);
        sha = built[1];
    }

    @Test
    void validateInTheVm(@TempDir Path dir) throws Exception {
        try (VmHarness vm = VmHarness.bootToShell(dir, BOOT, List.of(archive + ":images/notes.oci.tar"), "localhost/spine/busybox:1")) {

            String text = vm.shell("bay0 --validate; echo exit=$?", Duration.ofSeconds(120));
            System.out.println("Gate C, bay0 --validate in the VM:\n" + text);
            assertThat(text).startsWith("YELLOW\n").contains("umbilical: no AI tenant configured").contains("exit=1");
            assertThat(text).doesNotContain("freezer:").doesNotContain("persist:").doesNotContain("log:");

            JsonNode j = new ObjectMapper().readTree(vm.shell("spine validate -o json", Duration.ofSeconds(120)).strip());
            for (JsonNode c : j.path("checks")) {
                if (!c.path("component").asText().equals("umbilical")) {
                    assertThat(c.path("verdict").asText()).as(c.toString()).isEqualTo("GREEN");
                }
            }
            assertThat(j.path("checks").get(0).path("ticksFrozen").asLong()).isLessThanOrEqualTo(1);
            System.out.println("Gate C, validate took " + j.path("durationMs") + " ms inside the JVM; freezer " + j.path("checks").get(0));

            // an app from /persist/images: GNU ed, not among the built-in images, writing into the persona's volume
            vm.writeFile("/tmp/notes.yaml", """
                    apiVersion: spine/v1
                    kind: Image
                    metadata: {name: notes}
                    spec: {archive: /persist/images/notes.oci.tar, sha256: %s, ref: "localhost/notes:1"}
                    ---
                    apiVersion: spine/v1
                    kind: Persona
                    metadata: {name: "p://notes"}
                    spec:
                      image: localhost/notes:1
                      command: ["sleep", "3600"]
                      state: running
                      volumes: [{name: notes, path: /notes}]
                    """.formatted(sha));
            String applied = vm.shell("spine apply -f /tmp/notes.yaml; echo rc=$?", Duration.ofSeconds(300));
            System.out.println("Gate C, an app from /persist/images:\n" + applied);
            assertThat(applied).contains("p://notes", "phase=running", "rc=0");
            String wrote = vm.shell("printf 'a\\nfirst note\\n.\\nw /notes/today.txt\\nq\\n' | podman exec -i p__notes ed -s;"
                    + " podman exec p__notes ed --version | head -n 1; cat /persist/volumes/p__notes/notes/today.txt", Duration.ofSeconds(120));
            assertThat(wrote).contains("GNU ed", "first note");
            assertThat(vm.shell("spine get image notes", Duration.ofSeconds(60))).containsPattern("image +notes +loaded +loaded");

            // the app and its persona carried away and back (issue 28, section 4): refused while it runs, exported
            // stopped, deleted with its Image and image, imported, and running again with its note
            assertThat(vm.shell("spine persona export p://notes -o /persist/notes.spine; echo rc=$?", Duration.ofSeconds(120)))
                    .contains("p://notes is running", "rc=1");
            vm.shell("sed -i 's/state: running/state: stopped/' /tmp/notes.yaml", Duration.ofSeconds(30));
            assertThat(vm.shell("spine apply -f /tmp/notes.yaml; echo rc=$?", Duration.ofSeconds(300))).contains("rc=0");
            String exported = vm.shell("spine persona export p://notes -o /persist/notes.spine; echo rc=$?; tar tf /persist/notes.spine",
                    Duration.ofSeconds(300));
            System.out.println("Gate C, export in the VM:\n" + exported);
            assertThat(exported).contains("rc=0", "spine-persona/image.tar", "spine-persona/volumes/notes/today.txt", "spine-persona/manifest.json");
            assertThat(vm.shell("spine delete persona p://notes; spine delete image notes; podman rmi -f localhost/notes:1;"
                    + " rm -rf /persist/volumes/p__notes; echo rc=$?", Duration.ofSeconds(300))).contains("rc=0");
            String imported = vm.shell("spine persona import /persist/notes.spine; echo rc=$?; spine get personas", Duration.ofSeconds(300));
            System.out.println("Gate C, import in the VM:\n" + imported);
            assertThat(imported).contains("imported p://notes", "rc=0");
            vm.shell("sed -i 's/state: stopped/state: running/' /tmp/notes.yaml", Duration.ofSeconds(30));
            assertThat(vm.shell("spine apply -f /tmp/notes.yaml; echo rc=$?; podman exec p__notes cat /notes/today.txt",
                    Duration.ofSeconds(300))).contains("rc=0", "first note");
            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(90))).isTrue();
        }
    }
}
