package spine.controller.umbilical;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * Gate D in the VM, on one boot: the shipped example specs (the AI tenant and p://work with the umbilical) and a
 * persona without it. The envelope is checked in the kernel's own files; validate is GREEN with a ping through the
 * broker; ping and complete come back from inside the persona; the persona without the field cannot reach it; a
 * socket put in the tenant's place by another container is refused; replacing the tenant drains; a hand-written
 * cpu.max is repaired; a persona burning CPU moves the AI tenant's cpu.max down within 30 s and back within 60 s.
 */
class GateDVmIT {
    private static final Duration CMD = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void image() throws Exception {
        VmHarness.ensureImage();
    }

    private static String read(VmHarness vm, String file) throws Exception {
        return vm.shell("cat " + file, CMD).strip();
    }

    /** Seconds until {@code file} no longer reads {@code value} (or -1 after {@code max} seconds), timed in the VM. */
    private static int secondsUntilNot(VmHarness vm, String file, String value, int max) throws Exception {
        String out = vm.shell("t0=$(date +%s); while [ \"$(cat " + file + ")\" = '" + value + "' ]; do [ $(( $(date +%s) - t0 )) -ge "
                + max + " ] && break; sleep 1; done; [ \"$(cat " + file + ")\" = '" + value + "' ] && echo WAITED=-1 || echo WAITED=$(( $(date +%s) - t0 ))",
                Duration.ofSeconds(max + 120));
        return Integer.parseInt(out.substring(out.indexOf("WAITED=") + 7).strip());
    }

    @Test
    void aiTenantBehindTheBrokerInTheVm(@TempDir Path dir) throws Exception {
        try (VmHarness vm = VmHarness.bootToShell(dir, Duration.ofSeconds(1800), "localhost/spine/ai:1", "localhost/spine/tools:1")) {

            vm.writeFile("/tmp/plain.yaml", """
                    apiVersion: spine/v1
                    kind: Persona
                    metadata: {name: "p://plain"}
                    spec: {image: localhost/spine/tools:1, command: ["sleep", "3600"], state: running}
                    """);
            String apply = vm.shell("spine apply -f /usr/share/spine/examples -f /tmp/plain.yaml; echo exit=$?", Duration.ofSeconds(600));
            System.out.println("Gate D, apply in the VM:\n" + apply);
            assertThat(apply).contains("exit=0").containsPattern("tenant +sys://ai +created +phase=running");

            // the envelope as the kernel enforces it
            String ai = vm.cgroupOf("sys__ai");
            assertThat(read(vm, ai + "/cpu.max")).isEqualTo("25000 100000");
            int aiWeight = Integer.parseInt(read(vm, ai + "/cpu.weight"));
            assertThat(aiWeight).isEqualTo(20);
            for (String p : new String[] {"p__work", "p__plain"}) {
                assertThat(Integer.parseInt(read(vm, vm.cgroupOf(p) + "/cpu.weight"))).as(p + " cpu.weight").isGreaterThan(aiWeight);
            }
            assertThat(read(vm, ai + "/memory.max")).isEqualTo("67108864");
            assertThat(read(vm, ai + "/memory.swap.max")).isEqualTo("0");
            String aiPid = vm.shell("podman inspect --format '{{.State.Pid}}' sys__ai", CMD).strip();
            assertThat(Integer.parseInt(read(vm, "/proc/" + aiPid + "/oom_score_adj"))).isGreaterThanOrEqualTo(500);
            assertThat(vm.shell("grep NoNewPrivs /proc/" + aiPid + "/status", CMD)).contains("1");
            assertThat(vm.shell("podman inspect --format '{{.HostConfig.NetworkMode}}' sys__ai", CMD).strip()).isEqualTo("none");
            assertThat(vm.shell("grep -c : /proc/" + aiPid + "/net/dev", CMD).strip()).as("only lo in the tenant").isEqualTo("1");
            assertThat(vm.shell("stat -c '%a %u' /run/spine/tenant/sys__ai", CMD).strip()).matches("700 6[0-9]{4}");

            // validate: GREEN, with a real ping through the broker
            String validate = vm.shell("bay0 --validate; echo exit=$?", CMD);
            System.out.println("Gate D, bay0 --validate:\n" + validate);
            assertThat(validate).startsWith("GREEN\n").contains("exit=0");
            JsonNode checks = JSON.readTree(vm.shell("spine validate -o json", CMD).strip()).path("checks");
            for (JsonNode c : checks) {
                assertThat(c.path("verdict").asText()).as(c.toString()).isEqualTo("GREEN");
                if (c.path("component").asText().equals("umbilical")) assertThat(c.path("reason").asText()).contains("through the broker");
            }

            // from inside the persona, through the broker
            String answers = vm.shell("podman exec p__work umbilical '{\"op\":\"ping\"}' '{\"op\":\"complete\",\"prompt\":\"2+3\"}'", CMD);
            assertThat(answers).contains("{\"ok\":true,\"op\":\"ping\"}").contains("2 + 3 = 5");
            // the round trip through the broker against a direct connect to the tenant's socket (docs/BENCHMARKS.md)
            String broker = vm.shell("podman exec p__work umbilical --bench 150", CMD).strip();
            String direct = vm.shell("podman exec -e UMBILICAL=/run/spine/ai.sock sys__ai umbilical --bench 150", CMD).strip();
            System.out.println("Gate D, umbilical round trip under TCG: broker " + broker + "; direct " + direct);
            assertThat(broker).startsWith("round_trips=150");
            assertThat(direct).startsWith("round_trips=150");

            String plain = vm.shell("podman exec p__plain sh -c 'ls -A /run/spine; umbilical {} 2>&1'; echo exit=$?", CMD);
            assertThat(plain).contains("cannot connect to /run/spine/umbilical.sock").doesNotContain("exit=0");

            // drain: replacing the tenant under a request in flight (one that outlives the 5 s deadline, so the timing
            // of an emulated VM cannot decide the outcome) ends it with an error line, not a hang; UmbilicalIT shows
            // one that fits the deadline finishing
            vm.shell("{ podman exec p__work umbilical '{\"op\":\"complete\",\"prompt\":\"slow\",\"delay_ms\":90000}' > /tmp/slow.out 2>&1 & }", CMD);
            vm.shell("sleep 2; sed 's|  envelope: sacrificial|  env: {GEN: \"2\"}\\n  envelope: sacrificial|' /usr/share/spine/examples/ai.yaml > /tmp/ai2.yaml", CMD);
            assertThat(vm.shell("spine apply -f /tmp/ai2.yaml; echo exit=$?", Duration.ofSeconds(600))).contains("exit=0");
            assertThat(vm.shell("wait; cat /tmp/slow.out", CMD)).contains("\"ok\":false").contains("closed the connection (drained)");
            assertThat(vm.shell("grep -c 'drained tenant=sys://ai in_flight_at_start=1 cut_off=1' /persist/spine/spine.log", CMD).strip())
                    .isEqualTo("1");
            assertThat(vm.shell("podman exec p__work umbilical '{\"op\":\"ping\"}'", CMD)).contains("\"ok\":true");

            // hijack: a root process in another container puts its own server in the tenant's socket directory
            vm.shell("podman run -d --name hijack --network none -v /run/spine/tenant/sys__ai:/run/spine localhost/spine/ai:1 spine-ai /run/spine/ai.sock; sleep 3", CMD);
            String hijacked = vm.shell("podman exec p__work umbilical '{\"op\":\"ping\"}'", CMD);
            assertThat(hijacked).contains("\"ok\":false").contains("refused the AI socket").contains("not in sys__ai");
            assertThat(vm.shell("grep -c 'answerer refused' /persist/spine/spine.log", CMD).strip()).isNotEqualTo("0");
            vm.shell("podman rm -f -t 0 hijack; podman rm -f -t 0 sys__ai; spine reconcile --once", Duration.ofSeconds(600));
            assertThat(vm.shell("podman exec p__work umbilical '{\"op\":\"ping\"}'", CMD)).contains("\"ok\":true");

            // drift: a hand-written cpu.max is restored without a recreate, within one resync period (30 s)
            String work = vm.cgroupOf("p__work");
            String workId = vm.shell("podman inspect --format '{{.Id}}' p__work", CMD).strip();
            vm.shell("echo 'max 100000' > " + work + "/cpu.max", CMD);
            int repaired = secondsUntilNot(vm, work + "/cpu.max", "max 100000", 60);
            System.out.println("Gate D, drift repair took " + repaired + " s");
            assertThat(repaired).isBetween(0, 35);
            assertThat(read(vm, work + "/cpu.max")).isEqualTo("50000 100000");
            assertThat(vm.shell("podman inspect --format '{{.Id}}' p__work", CMD).strip()).isEqualTo(workId);
            assertThat(vm.shell("grep -c \"drift: cpu.max is 'max 100000'\" /persist/spine/spine.log", CMD).strip()).isNotEqualTo("0");

            // the governor: load moves sys://ai's cpu.max down within 30 s, and back within 60 s after it stops
            ai = vm.cgroupOf("sys__ai");
            vm.writeFile("/tmp/burn.yaml", """
                    apiVersion: spine/v1
                    kind: Persona
                    metadata: {name: "p://burn"}
                    spec:
                      image: localhost/spine/busybox:1
                      command: ["sh", "-c", "for i in 1 2 3 4; do (while :; do :; done) & done; head -c 200m /dev/zero | tail > /dev/null; wait"]
                      state: running
                    """);
            assertThat(vm.shell("spine apply -f /tmp/burn.yaml; echo exit=$?", Duration.ofSeconds(600))).contains("exit=0");
            int down = secondsUntilNot(vm, ai + "/cpu.max", "25000 100000", 60);
            System.out.println("Gate D, governor throttled sys://ai " + down + " s after the burner ran: " + read(vm, ai + "/cpu.max"));
            assertThat(down).isBetween(0, 30);
            vm.shell("sed 's/state: running/state: stopped/' /tmp/burn.yaml > /tmp/burn-stop.yaml", CMD);
            assertThat(vm.shell("spine apply -f /tmp/burn-stop.yaml; echo exit=$?", Duration.ofSeconds(600))).contains("exit=0");
            String now = read(vm, ai + "/cpu.max");
            int up = secondsUntilNot(vm, ai + "/cpu.max", now, 90);
            System.out.println("Gate D, governor released " + up + " s after the burner stopped: " + read(vm, ai + "/cpu.max"));
            assertThat(up).isBetween(0, 60);
            assertThat(vm.shell("spine get governor", CMD)).contains("-> level 1").contains("pressure fell");

            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(120))).isTrue();
            assertThat(vm.serialLog()).contains("bay0: shutdown: no state flush in progress");
        }
    }
}
