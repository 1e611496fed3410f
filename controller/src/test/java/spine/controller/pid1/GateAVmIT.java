package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/** Gate A: the image boots in QEMU with bay0 as PID 1, and persist trouble gives a dirty boot, never a hang. */
class GateAVmIT {
    private static final Duration BOOT = Duration.ofSeconds(240);
    private static final List<String> GENESIS = List.of("starting (", "mounted proc/sys/dev", "persist mount attempt (",
            "persist ", "state db open/migrate", "init complete");

    @BeforeAll
    static void image() throws Exception {
        VmHarness.ensureImage();
    }

    private static void assertDirtyBoot(List<String> g) {
        assertGenesisInOrder(g);
        assertThat(g).anyMatch(l -> l.startsWith("persist timeout -> dirty boot"));
        assertThat(g).anyMatch(l -> l.equals("init complete (dirty boot)"));
    }

    /** Each expected genesis line appears, in order (other lines may sit between them). */
    private static void assertGenesisInOrder(List<String> lines) {
        int at = -1;
        for (String want : GENESIS) {
            int found = -1;
            for (int i = at + 1; i < lines.size(); i++) {
                if (lines.get(i).startsWith(want)) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("genesis line \"%s\" after line %d in %s", want, at, lines).isGreaterThan(at);
            at = found;
        }
    }

    @Test
    void cleanPersistDisk(@TempDir Path dir) throws Exception {
        Path disk = VmHarness.persistDisk(dir);
        try (VmHarness vm = VmHarness.boot(dir, BOOT, "--persist", disk.toString())) {
            vm.await("bay0: init complete", BOOT);
            vm.await("bay0: converged after boot", BOOT); // the last genesis line of a boot
            System.out.println("Gate A, clean persist disk, boot timeline:\n" + vm.timeline());
            List<String> g = vm.genesis();
            assertGenesisInOrder(g);
            assertThat(g).contains("persist mounted").anyMatch(l -> l.equals("init complete"));
            assertThat(g).noneMatch(l -> l.contains("dirty boot"));

            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.shell("readlink /proc/1/exe", Duration.ofSeconds(60)).strip()).isEqualTo("/usr/lib/spine/jre/bin/java");
            assertThat(vm.shell("tr '\\0' ' ' </proc/1/cmdline", Duration.ofSeconds(30))).contains("spine.jar bay0");
            // as /sbin/init set it: the java launcher prepends libjvm's directory when it execs itself once more
            assertThat(vm.shell("tr '\\0' '\\n' </proc/1/environ | grep ^LD_LIBRARY_PATH=", Duration.ofSeconds(30)).strip())
                    .isEqualTo("LD_LIBRARY_PATH=/usr/lib/spine/jre/lib/server:/usr/lib/spine/jre/lib");
            // the boot's kernel command line (scripts/boot-qemu.sh): the three initcalls that would wait for the
            // initramfs's unpacking are skipped, so no IPv6
            assertThat(vm.shell("cat /proc/net/if_inet6 2>&1; ls /proc/sys/net/ipv6 2>&1 | head -1", Duration.ofSeconds(30)))
                    .contains("No such file");
            assertThat(vm.shell("cat /proc/1/oom_score_adj", Duration.ofSeconds(30)).strip()).isEqualTo("-1000");
            assertThat(vm.bootRecord()).contains("\"clean\":true");
            assertThat(vm.shell("grep -c 'bay0: ' /persist/spine/genesis.log", Duration.ofSeconds(30)).strip())
                    .isEqualTo(String.valueOf(g.size()));
            assertThat(vm.shell("ls /persist/spine", Duration.ofSeconds(30))).contains("intent.db", "entropy.seed", "last-good-time");
            // each module load is logged, including those before persist was up to take the log: as many as the
            // genesis line counts (the image's /etc/spine/modules and their dependencies)
            String count = g.stream().filter(l -> l.startsWith("modules loaded count=")).findFirst().orElseThrow().substring("modules loaded count=".length());
            assertThat(Integer.parseInt(count)).isGreaterThanOrEqualTo(13);
            assertThat(vm.shell("grep -c 'module .* loaded ms=' /persist/spine/spine.log", Duration.ofSeconds(30)).strip())
                    .isEqualTo(count);

            // the console shell is respawned when it exits
            int banners = vm.serialLog().split("built-in shell", -1).length;
            vm.type("exit");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (vm.serialLog().split("built-in shell", -1).length == banners && System.nanoTime() < deadline) Thread.sleep(200);
            assertThat(vm.serialLog().split("built-in shell", -1).length).as("a new shell after exit").isGreaterThan(banners);
            vm.await("spine# ", Duration.ofSeconds(30));

            // SIGTERM to PID 1: bounded flush, then power off through reboot(2); QEMU exits (-no-reboot).
            vm.type("kill -TERM 1");
            vm.await("shutdown: state flushed; powering off", Duration.ofSeconds(60));
            assertThat(vm.waitForExit(Duration.ofSeconds(60))).as("QEMU exits after power-off").isTrue();
            assertThat(g).contains("last shutdown unclean (crash, power loss or first boot)");
        }
        // The next boot knows the previous shutdown was clean; after a hard power-off, the one after knows it was not.
        Path second = Files.createDirectories(dir.resolve("second"));
        try (VmHarness vm = VmHarness.boot(second, BOOT, "--persist", disk.toString())) {
            vm.await("bay0: init complete", BOOT);
            assertThat(vm.genesis()).contains("last shutdown clean");
            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.bootRecord()).contains("\"lastShutdownClean\":true");
            vm.kill(); // SIGKILL to QEMU: no shutdown at all
        }
        Path third = Files.createDirectories(dir.resolve("third"));
        try (VmHarness vm = VmHarness.boot(third, BOOT, "--persist", disk.toString())) {
            vm.await("bay0: init complete", BOOT);
            assertThat(vm.genesis()).contains("last shutdown unclean (crash, power loss or first boot)").contains("persist mounted");
        }
    }

    @Test
    void noPersistDisk(@TempDir Path dir) throws Exception {
        try (VmHarness vm = VmHarness.boot(dir, BOOT, "--persist", "none")) {
            vm.await("bay0: init complete", BOOT);
            System.out.println("Gate A, no persist disk, boot timeline:\n" + vm.timeline());
            List<String> g = vm.genesis();
            assertDirtyBoot(g);
            vm.await("spine# ", Duration.ofSeconds(60));
            assertThat(vm.bootRecord()).contains("\"clean\":false", "\"degraded\":true");
            assertThat(g).contains("container storage on tmpfs (degraded)");
            // podman still works, on tmpfs: the shell has bay0's storage configuration
            assertThat(vm.imageLoaded("localhost/spine/busybox:1", 30)).as("built-in image loaded").isTrue();
            assertThat(vm.shell("podman info --format '{{.Store.GraphRoot}}'", Duration.ofSeconds(60)).strip())
                    .isEqualTo("/run/containers/graph");
        }
    }

    /** A disk whose I/O is throttled to one byte per second: the label read and the mount both time out. */
    @Test
    void wedgedPersistDisk(@TempDir Path dir) throws Exception {
        Path disk = VmHarness.persistDisk(dir);
        try (VmHarness vm = VmHarness.boot(dir, BOOT, "--persist", disk.toString(), "--throttle-bps", "1")) {
            vm.await("bay0: init complete", BOOT);
            System.out.println("Gate A, wedged persist disk, boot timeline:\n" + vm.timeline());
            List<String> g = vm.genesis();
            assertDirtyBoot(g);
        }
    }
}
