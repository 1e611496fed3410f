package spine.controller.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * The power-cut soak over the upgrade path (docs/BENCHMARKS.md; not run by CI: {@code scripts/bench.sh upgrade-soak N}):
 * one persist disk, N rounds; each round boots the machine (the boot loader's image, as after any power cut), checks
 * that it came up and converged (the first applies the examples, so a trial can be GREEN), forgives what earlier cuts
 * nacked, starts {@code spine upgrade} and kills QEMU at a
 * random moment of the next 120 s: during the check or the staging, the kexec, the trial boot, or after the promotion.
 * Every third round is cut in its boot instead, 5 to 25 s after QEMU starts: once a candidate
 * is promoted, that is where the boot loader's image hands over to it with kexec. The boot loader's image is the built
 * one with the test key added (UpgradeVmIT.imageWith), so it trusts the candidate at every power-on.
 * The next round's boot is the check of the cut before it; a last boot checks the last cut.
 */
class UpgradeSoakVmBench {
    private static final Path KEYS = Path.of("src/test/resources/upgrade");
    private static final Duration CMD = Duration.ofSeconds(300);

    /** Where a cut in the boot landed. */
    private static String bootPhase(String serial) {
        if (serial.contains("upgrade: booting the promoted candidate") && !serial.contains("upgrade: running the promoted candidate")) {
            return "in the power-on handover to the promoted candidate";
        }
        return serial.contains("converged after boot") ? "in the boot, after it converged" : "in the boot, before it converged";
    }

    private static String phase(String serial) {
        if (serial.contains("bay0: trial passed")) return "after the promotion";
        if (serial.contains("bay0: trial of ")) return "in the trial boot";
        if (serial.contains("kexec into the candidate") || serial.contains("loaded; kexec after a clean shutdown")) {
            return "in the kexec or the trial kernel's start (before bay0)";
        }
        return "in the check or the staging";
    }

    @Test
    void powerCutsAnywhereInAnUpgrade(@TempDir Path dir) throws Exception {
        int rounds = Integer.getInteger("upgrade.soak", 5);
        long seed = Long.getLong("upgrade.seed", System.currentTimeMillis());
        System.out.println("Upgrade soak: rounds=" + rounds + " seed=" + seed);
        var rnd = new Random(seed);
        VmHarness.ensureImage();
        Path persist = VmHarness.persistDisk(dir);
        UpgradeVmIT.putCandidate(persist, dir, "0.2.0", VmHarness.REPO.resolve("build/spine.img"));
        Path trusting = UpgradeVmIT.imageWith(dir, "trusting", java.util.Map.of("etc/spine/trust/test.pub", Files.readString(KEYS.resolve("test.pub"))),
                "0644");
        var cuts = new TreeMap<String, Integer>();
        for (int round = 1; round <= rounds + 1; round++) {
            Path rd = Files.createDirectories(dir.resolve("round-" + round));
            try (VmHarness vm = VmHarness.boot(rd, Duration.ofSeconds(900), "--persist", persist.toString(), "--initrd", trusting.toString())) {
                if (round % 3 == 0 && round <= rounds) {
                    long cutMs = 5_000 + (long) (rnd.nextDouble() * 20_000);
                    Thread.sleep(cutMs);
                    String where = bootPhase(vm.serialLog());
                    vm.kill();
                    cuts.merge(where, 1, Integer::sum);
                    System.out.println("Upgrade soak round " + round + " cut: " + cutMs + " ms after QEMU started, " + where + "; "
                            + String.join("; ", vm.genesis().stream().filter(l -> l.startsWith("upgrade:")).toList()));
                    continue;
                }
                vm.await("bay0: converged after boot", Duration.ofSeconds(400));
                vm.await("spine# ", Duration.ofSeconds(60));
                String upgradeLines = String.join("; ", vm.genesis().stream().filter(l -> l.startsWith("upgrade:") || l.startsWith("last shutdown")).toList());
                String slots = vm.shell("ls -a /persist/spine/slots 2>&1 | tr '\\n' ' '", CMD).strip();
                String nacks = vm.shell("spine nack list | awk 'NR > 1 {print substr($1, 1, 12)}' | tr '\\n' ' '", CMD).strip();
                assertThat(vm.genesis()).as("round " + round + ": the boot after the cut came up on a clean state db")
                        .anyMatch(l -> l.startsWith("state db ready")).noneMatch(l -> l.contains("dirty boot"));
                System.out.println("Upgrade soak round " + round + " boot: converged; " + upgradeLines + "; slots: " + slots + "; nacked: "
                        + (nacks.isEmpty() ? "none" : nacks));
                if (round > rounds) break;
                if (round == 1) {
                    // the AI tenant and the example personas: validate is GREEN, so a trial that is not cut can be promoted
                    assertThat(vm.imageLoaded("localhost/spine/ai:1", 30)).isTrue();
                    assertThat(vm.shell("spine apply -f /usr/share/spine/examples; echo exit=$?", Duration.ofSeconds(600))).contains("exit=0");
                }
                vm.writeFile("/etc/spine/trust/test.pub", Files.readString(KEYS.resolve("test.pub"))); // a promoted candidate lacks it
                vm.shell("for h in $(spine nack list | awk 'NR > 1 {print $1}'); do spine nack forgive $h >/dev/null; done", CMD);
                long cutMs = (long) (rnd.nextDouble() * 120_000);
                vm.type("spine upgrade /persist/medium/manifest.json");
                Thread.sleep(cutMs);
                String where = phase(vm.serialLog().substring(vm.serialLog().lastIndexOf("spine upgrade /persist/medium")));
                vm.kill();
                cuts.merge(where, 1, Integer::sum);
                System.out.println("Upgrade soak round " + round + " cut: " + cutMs + " ms after the command, " + where);
            }
        }
        System.out.println("Upgrade soak: " + rounds + " cuts, every boot after one came up and converged; where: " + cuts);
    }
}
