package spine.controller.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;
import spine.controller.image.Candidate;
import spine.controller.image.Signing;

/**
 * Issue 12 in the VM: a signed candidate on the persist disk (the built kernel and image, signed with the test key
 * as a newer version); a persona's busy-lock vetoes the upgrade and {@code --force} goes past it; then
 * {@code spine upgrade} stages it, bay0 reboots into it with kexec_file_load, the trial boot promotes it on a GREEN
 * validate, and the next power-on boots it again. The good path boots an image that trusts the
 * test key from its start (the built image with one more archive holding /etc/spine/trust/test.pub); the RED path
 * trusts it at run time by copying the key into the running image's /etc/spine/trust.
 */
class UpgradeVmIT {
    private static final Path REPO = VmHarness.REPO;
    private static final Path KEYS = Path.of("src/test/resources/upgrade");
    private static final Duration CMD = Duration.ofSeconds(300);

    /** The candidate's files and signed manifest, written onto the persist disk under /medium with debugfs. */
    static void putCandidate(Path persist, Path work, String version, Path imageFile) throws Exception {
        putCandidate(persist, work, "medium", version, imageFile);
    }

    /** As above, under /{@code medium}. */
    static void putCandidate(Path persist, Path work, String medium, String version, Path imageFile) throws Exception {
        Path pub = Files.createDirectories(work.resolve(medium));
        Path kernel = Files.copy(REPO.resolve("build/vmlinuz"), pub.resolve("vmlinuz"));
        Path image = Files.copy(imageFile, pub.resolve("spine.img"));
        Files.writeString(pub.resolve("manifest.json"), Candidate.sign(Signing.readPrivate(KEYS.resolve("test.key")),
                Signing.readPublic(KEYS.resolve("test.pub")), version, Optional.empty(), REPO.resolve("images/contract.yaml"), kernel, image));
        VmHarness.run(List.of("debugfs", "-w", "-R", "mkdir /" + medium, persist.toString()), Duration.ofMinutes(1));
        for (String f : List.of("vmlinuz", "spine.img", "manifest.json")) {
            VmHarness.run(List.of("debugfs", "-w", "-R", "write " + pub.resolve(f) + " /" + medium + "/" + f, persist.toString()), Duration.ofMinutes(2));
        }
    }

    /** The built image with {@code files} (path in the image, content) unpacked over it: one more zstd archive after it. */
    static Path imageWith(Path dir, String name, java.util.Map<String, String> files, String mode) throws Exception {
        Path extra = Files.createDirectories(dir.resolve(name + ".d"));
        for (var f : files.entrySet()) Files.writeString(Files.createDirectories(extra.resolve(f.getKey()).getParent()).resolve(
                Path.of(f.getKey()).getFileName()), f.getValue());
        Path out = dir.resolve(name + ".img");
        VmHarness.run(List.of("sh", "-c", "cd " + extra + " && chmod " + mode + " " + String.join(" ", files.keySet()) + " && printf '%s\\n' "
                + String.join(" ", files.keySet()) + " | cpio -o -H newc -R 0:0 --quiet | zstd -19 -q > " + dir.resolve(name + ".zst")
                + " && cat " + REPO.resolve("build/spine.img") + " " + dir.resolve(name + ".zst") + " > " + out), Duration.ofMinutes(2));
        return out;
    }

    @Test
    void aGoodCandidateIsBootedWithKexecPromotedAndBootedAgainAtPowerOn(@TempDir Path dir) throws Exception {
        VmHarness.ensureImage();
        Path persist = VmHarness.persistDisk(dir);
        putCandidate(persist, dir, "0.2.0", REPO.resolve("build/spine.img"));
        Path trusting = imageWith(dir, "trusting", java.util.Map.of("etc/spine/trust/test.pub", Files.readString(KEYS.resolve("test.pub"))), "0644");
        String hash;
        double coldBoot;
        long boot0 = System.nanoTime();
        // loglevel=6: the kernel says what it does after the kexec too (a trial boot that hangs leaves its trace)
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir.resolve("boot1")), Duration.ofSeconds(1800), "--persist", persist.toString(),
                "--append", "loglevel=6", "--initrd", trusting.toString())) {
            vm.await("bay0: converged after boot", Duration.ofSeconds(300));
            coldBoot = (System.nanoTime() - boot0) / 1e9;
            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.imageLoaded("localhost/spine/ai:1", 30)).isTrue();
            assertThat(vm.shell("spine apply -f /usr/share/spine/examples; echo exit=$?", Duration.ofSeconds(600))).contains("exit=0");
            assertThat(vm.shell("bay0 --validate; echo exit=$?", CMD)).as("the known-good image is GREEN").startsWith("GREEN\n");

            // refused before anything is staged: an artifact that differs, a manifest changed after signing
            String tampered = vm.shell("mkdir -p /persist/t /persist/b && cp /persist/medium/manifest.json /persist/t/ && "
                    + "head -c 4096 /persist/medium/vmlinuz > /persist/t/vmlinuz && spine upgrade /persist/t/manifest.json; echo exit=$?", CMD);
            assertThat(tampered).contains("spine: refused (artifact): artifact vmlinuz is 4096 bytes").contains("exit=1");
            String forged = vm.shell("sed 's/0\\.2\\.0/0.3.0/' /persist/medium/manifest.json > /persist/b/manifest.json && "
                    + "spine upgrade /persist/b/manifest.json; echo exit=$?", CMD);
            assertThat(forged).contains("spine: refused (bad-signature)").contains("exit=1");
            // a persona's busy-lock vetoes the reboot until --wait runs out, before anything is staged; --force goes past it
            vm.shell("podman exec p__work touch /run/spine-lock/updates.lock", CMD);
            String vetoed = vm.shell("spine upgrade /persist/medium/manifest.json --wait 2s; echo exit=$?", CMD);
            assertThat(vetoed).contains("spine: refused (busy): p://work held /run/spine-lock/updates.lock for all of --wait 2s").contains("exit=1");
            assertThat(vm.shell("ls /persist/spine/slots 2>&1; echo exit=$?", CMD)).contains("No such file or directory");

            long t0 = System.nanoTime();
            String upgrade = vm.shell("spine upgrade /persist/medium/manifest.json --force; echo exit=$?", CMD);
            assertThat(upgrade).contains("spine: --force: going on although p://work hold their busy-lock");
            System.out.println("Upgrade VM, spine upgrade:\n" + upgrade);
            assertThat(upgrade).contains("staged: version 0.2.0 (hash ").contains("in slot A").contains("rebooting into version 0.2.0")
                    .contains("exit=0");
            hash = upgrade.substring(upgrade.indexOf("(hash ") + 6, upgrade.indexOf(") in slot"));
            vm.await("bay0: shutdown: state flushed; kexec into the candidate", CMD);
            vm.await("bay0: trial of " + hash.substring(0, 12) + " \\(version 0\\.2\\.0, slot A\\)", CMD);
            String verdict;
            try {
                verdict = vm.await("bay0: trial (passed|failed).*", Duration.ofSeconds(400));
            } finally {
                // the kernel's own lines from the kexec on: where a trial boot's time goes, or where it stopped
                String log = vm.serialLog();
                int kexec = log.indexOf("kexec into the candidate");
                System.out.println("Upgrade VM, the kernel after the kexec:\n" + log.substring(Math.max(0, kexec)).lines()
                        .filter(l -> l.startsWith("[") && !l.contains("bay0:")).limit(80).reduce("", (a, b) -> a + b + "\n"));
            }
            System.out.printf("Upgrade VM, wall time: spine upgrade -> promoted %.1f s; this run's cold boot (QEMU start -> converged after boot) %.1f s%n",
                    (System.nanoTime() - t0) / 1e9, coldBoot);
            System.out.println("Upgrade VM, boot timeline:\n" + vm.timeline());
            assertThat(verdict).startsWith("bay0: trial passed: candidate " + hash.substring(0, 12) + " promoted (version 0.2.0, slot A)");
            assertThat(vm.serialLog()).containsPattern("spine\\.trial=" + hash);
            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.shell("spine nack list", CMD)).contains("no candidate is nacked");
            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(180))).as("powered off").isTrue();
        }
        // the next power-on: the boot loader's image (the host's -kernel/-initrd) hands over to the promoted candidate
        long powerOn = System.nanoTime();
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir.resolve("boot2")), Duration.ofSeconds(1200), "--persist", persist.toString(),
                "--initrd", trusting.toString())) {
            vm.await("bay0: upgrade: booting the promoted candidate " + hash.substring(0, 12) + " \\(version 0\\.2\\.0, slot A\\) with kexec",
                    Duration.ofSeconds(300));
            double handover = (System.nanoTime() - powerOn) / 1e9;
            vm.await("bay0: upgrade: running the promoted candidate " + hash.substring(0, 12) + " \\(version 0\\.2\\.0, slot A\\)", Duration.ofSeconds(300));
            vm.await("bay0: converged after boot", Duration.ofSeconds(300));
            System.out.printf("Upgrade VM, wall time: power-on -> handover to the promoted candidate %.1f s, -> converged after boot %.1f s;"
                    + " this run's cold boot %.1f s%n", handover, (System.nanoTime() - powerOn) / 1e9, coldBoot);
            System.out.println("Upgrade VM, boot timeline at power-on:\n" + vm.timeline());
            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.shell("cat /proc/cmdline", CMD)).contains("spine.slot=" + hash);
            assertThat(vm.shell("spine get boot", CMD)).contains("upgrade: running the promoted candidate " + hash.substring(0, 12));
        }
    }

    /**
     * A candidate whose trial validate is RED (the built image with one more archive after it, which the kernel unpacks
     * over the first: a /usr/bin/spine whose validate says RED): the trial records why and reboots; the known-good
     * boot after it nacks the candidate and says so; a second attempt is refused at once, without a reboot. Then, on
     * the same boot, a candidate whose /sbin/init hangs and never starts bay0: the hardware watchdog armed before the
     * kexec resets the machine, and the known-good boot after it nacks that candidate too.
     */
    @Test
    void aRedCandidateRollsBackIsNackedAndRefusedTheSecondTime(@TempDir Path dir) throws Exception {
        VmHarness.ensureImage();
        Path red = imageWith(dir, "red", java.util.Map.of("usr/bin/spine",
                "#!/bin/sh\necho RED\necho 'log: deliberately broken for the rollback test'\nexit 2\n"), "0755");
        Path hang = imageWith(dir, "hang", java.util.Map.of("sbin/init",
                "#!/bin/sh\necho 'hang: this candidate never starts bay0'\nwhile :; do /bin/busybox sleep 60; done\n"), "0755");
        Path persist = VmHarness.persistDisk(dir);
        putCandidate(persist, dir, "0.2.0", red);
        putCandidate(persist, dir, "hang", "0.3.0", hang);
        String hash;
        long t0;
        double coldBoot;
        Path first = Files.createDirectories(dir.resolve("boot1"));
        long boot0 = System.nanoTime();
        try (VmHarness vm = VmHarness.boot(first, Duration.ofSeconds(1200), "--persist", persist.toString())) {
            vm.await("bay0: converged after boot", Duration.ofSeconds(300));
            coldBoot = (System.nanoTime() - boot0) / 1e9;
            vm.await("spine# ", Duration.ofSeconds(60));
            vm.writeFile("/etc/spine/trust/test.pub", Files.readString(KEYS.resolve("test.pub")));
            t0 = System.nanoTime();
            String upgrade = vm.shell("spine upgrade /persist/medium/manifest.json; echo exit=$?", CMD);
            assertThat(upgrade).contains("rebooting into version 0.2.0").contains("exit=0");
            hash = upgrade.substring(upgrade.indexOf("(hash ") + 6, upgrade.indexOf(") in slot"));
            vm.await("bay0: trial failed: validate RED: log: deliberately broken for the rollback test -> rebooting into the known-good image",
                    Duration.ofSeconds(600));
            vm.await("bay0: shutdown: state flushed; rebooting", CMD);
            assertThat(vm.waitForExit(Duration.ofSeconds(120))).as("reboot(2) ends QEMU (-no-reboot): the host boots the known-good image").isTrue();
        }
        Path second = Files.createDirectories(dir.resolve("boot2"));
        double hangToReset;
        String hangHash;
        try (VmHarness vm = VmHarness.boot(second, Duration.ofSeconds(1200), "--persist", persist.toString(),
                "--append", "spine.trial_watchdog_ms=60000")) {
            vm.await("bay0: upgrade: candidate " + hash.substring(0, 12) + " \\(version 0\\.2\\.0\\) nacked: validate RED: log: deliberately broken",
                    Duration.ofSeconds(300));
            vm.await("bay0: converged after boot", Duration.ofSeconds(300));
            System.out.printf("Upgrade VM, wall time: spine upgrade of a RED candidate -> back on the known-good image (converged after boot) %.1f s,"
                    + " the host's reboot of QEMU included; this run's cold boot %.1f s%n", (System.nanoTime() - t0) / 1e9, coldBoot);
            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.shell("spine nack list", CMD)).contains(hash).contains("validate RED");
            assertThat(vm.shell("spine get boot", CMD)).contains("upgrade: candidate " + hash.substring(0, 12) + " (version 0.2.0) nacked: validate RED");
            vm.writeFile("/etc/spine/trust/test.pub", Files.readString(KEYS.resolve("test.pub")));
            String again = vm.shell("spine upgrade /persist/medium/manifest.json; echo exit=$?", CMD);
            System.out.println("Upgrade VM, the second attempt:\n" + again + "\nboot timeline:\n" + vm.timeline());
            assertThat(again).contains("spine: refused (nacked): candidate " + hash).contains("exit=1");
            assertThat(vm.serialLog()).doesNotContain("kexec");

            String hangs = vm.shell("spine upgrade /persist/hang/manifest.json; echo exit=$?", CMD);
            assertThat(hangs).contains("rebooting into version 0.3.0").contains("exit=0");
            hangHash = hangs.substring(hangs.indexOf("(hash ") + 6, hangs.indexOf(") in slot"));
            vm.await("bay0: watchdog armed for 60 s \\(until the candidate's trial arms it again", CMD);
            vm.await("bay0: shutdown: state flushed; kexec into the candidate", CMD);
            long kexec = System.nanoTime();
            assertThat(vm.waitForExit(Duration.ofSeconds(400))).as("the watchdog resets the machine; -no-reboot ends QEMU").isTrue();
            hangToReset = (System.nanoTime() - kexec) / 1e9;
            assertThat(vm.serialLog()).contains("hang: this candidate never starts bay0").doesNotContain("trial of " + hangHash.substring(0, 12));
        }
        Path third = Files.createDirectories(dir.resolve("boot3"));
        try (VmHarness vm = VmHarness.boot(third, Duration.ofSeconds(1200), "--persist", persist.toString())) {
            vm.await("bay0: upgrade: candidate " + hangHash.substring(0, 12) + " \\(version 0\\.3\\.0\\) nacked: its kernel was started with kexec"
                    + " and its bay0 never reported", Duration.ofSeconds(300));
            System.out.printf("Upgrade VM, wall time: a candidate that never starts bay0 -> reset by the watchdog (armed for 60 s) %.1f s after"
                    + " the kexec%n", hangToReset);
            vm.await("bay0: converged after boot", Duration.ofSeconds(300));
        }
    }
}
