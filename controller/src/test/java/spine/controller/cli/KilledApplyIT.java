package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * {@code kill -9} of {@code spine apply} and its podman children at random moments (what an OOM kill or a closed
 * terminal does) can leave a container in containers/storage that no {@code podman ps -a} lists, holding the
 * name. One {@code spine reconcile --once} afterwards must converge every persona: the loop clears such
 * leftovers as the boot repair does. Real podman, the real jar in a child JVM.
 */
class KilledApplyIT {
    private static final int ROUNDS = Integer.getInteger("spine.killedapply.rounds", 4);
    private static final int PERSONAS = 10;
    /** The kill lands this many ms after the intent is stored, plus a random part of the window (to replay a seed's moment). */
    private static final int KILL_FROM_MS = Integer.getInteger("spine.killedapply.from", 0);
    private static final int KILL_WINDOW_MS = Integer.getInteger("spine.killedapply.window", 1_200);
    private static PodmanHarness podman;

    @BeforeAll
    static void harness() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
    }

    @AfterAll
    static void cleanUp() {
        podman.reset();
    }

    @Test
    void oneReconcileConvergesAfterAKilledApply() throws Exception {
        long seed = Long.getLong("spine.killedapply.seed", System.nanoTime());
        var rnd = new Random(seed);
        for (int round = 1; round <= ROUNDS; round++) {
            Path root = PodmanHarness.scratch("killed");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path specs = Files.createDirectories(root.resolve("specs"));
            var names = new ArrayList<String>();
            for (int i = 1; i <= PERSONAS; i++) {
                String name = "k" + round + "x" + i; // unique per round: a leftover of one round cannot mask another
                names.add("p__" + name);
                Files.writeString(specs.resolve(name + ".yaml"), """
                        apiVersion: spine/v1
                        kind: Persona
                        metadata: {name: "p://%s"}
                        spec: {image: localhost/spine/busybox:1, command: ["sleep", "3600"], state: running}
                        """.formatted(name));
            }
            Process apply = podman.spineProcess(root, "apply", "-f", specs.toString()).redirectErrorStream(true)
                    .redirectOutput(root.resolve("apply.out").toFile()).start();
            // kill while podman is at work: after the intent is stored (one transaction), at a random moment
            Path log = root.resolve("spine/spine.log");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(log) && Files.readString(log).contains("apply stored")) && apply.isAlive()) {
                assertThat(System.nanoTime()).as("apply stored its intent within 60 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            long killAt = KILL_FROM_MS + rnd.nextInt(KILL_WINDOW_MS); // an apply of 10 takes 1-3 s here after storing
            boolean finished = apply.waitFor(killAt, TimeUnit.MILLISECONDS);
            // the CLI and every podman it started, at once, as a closed terminal or the OOM killer would
            List<ProcessHandle> tree = new ArrayList<>(apply.descendants().toList());
            tree.add(apply.toHandle());
            tree.forEach(ProcessHandle::destroyForcibly);
            // SIGKILL is delivered at once but a process is gone only when the kernel has torn it down: a podman child
            // still finishing its exit could register a container after reconcile's first look (seen once in CI)
            for (ProcessHandle h : tree) h.onExit().get(10, TimeUnit.SECONDS);
            long podmanShown = podman.containers().keySet().stream().filter(names::contains).count();

            PodmanHarness.Result r = podman.spine(root, "reconcile", "--once", "--timeout", "120s");
            long leftovers = Files.readString(log).lines().filter(l -> l.contains("leftover in container storage")).count();
            System.out.printf("KilledApply round=%d seed=%d kill_ms_after_stored=%d finished_before_kill=%s listed_after_kill=%d"
                    + " leftovers_cleared=%d reconcile_exit=%d%n", round, seed, killAt, finished, podmanShown, leftovers, r.exit());
            if (r.exit() != 0) {
                // what a person would look at next: each resource's last error, and the log's failures
                String failures = Files.readString(log).lines().filter(l -> l.contains("failed") || l.contains("error"))
                        .reduce("", (a, l) -> a + l + "\n");
                assertThat(r.exit()).as("round %d (seed %d, kill at %d ms): reconcile --once%n%s%n--- spine get%n%s%n--- failures in the log%n%s",
                        round, seed, killAt, r, podman.spine(root, "get"), failures).isZero();
            }
            var running = podman.containers();
            for (String n : names) {
                assertThat(running.get(n)).as("round %d: %s after one reconcile", round, n).endsWith(" running");
            }
            podman.reset();
        }
    }
}
