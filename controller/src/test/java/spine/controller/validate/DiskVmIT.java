package spine.controller.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * Issue 28 section 2, in the VM on a 1 GiB persist made by mkpersist (project quotas, 256 MiB reserve): a persona
 * writes its writable layer until the kernel stops it, another writes a volume past its size, a third an unsized
 * volume until persist is full for containers. bay0 goes on committing intent and creating containers (from the
 * reserve, which no container reaches), validate names what is full and who holds the most, and the next boot
 * converges with every file in place.
 */
class DiskVmIT {
    private static final Duration BOOT = Duration.ofSeconds(300);
    private static final Duration SHELL = Duration.ofSeconds(120);

    /** The harness's persona, with {@code volumes} (a spec line, or empty) and a document end. */
    private static String persona(String name, String volumes) {
        return VmHarness.persona(name, "disk") + (volumes.isEmpty() ? "" : volumes + "\n") + "---\n";
    }

    @Test
    void aPersonaFillingTheDiskNeverTakesBay0Down(@TempDir Path dir) throws Exception {
        VmHarness.ensureImage();
        Path disk = VmHarness.persistDisk(dir);
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir.resolve("boot1")), BOOT, "--persist", disk.toString())) {
            vm.await("bay0: init complete", BOOT);
            vm.await("spine# ", SHELL);
            assertThat(vm.imageLoaded("localhost/spine/busybox:1", 30)).isTrue();
            assertThat(vm.shell("grep ' /persist ' /proc/mounts", SHELL)).contains("prjquota", "resuid=2147483645");
            vm.writeFile("/tmp/disk.yaml", persona("filler", "") + persona("notes", "  volumes: [{name: data, path: /data, size: 64Mi}]")
                    + persona("hog", "  volumes: [{name: junk, path: /junk}]"));
            assertThat(vm.shell("spine apply -f /tmp/disk.yaml; echo rc=$?", Duration.ofSeconds(300))).contains("rc=0");
            vm.shell("podman exec p__notes sh -c 'echo kept > /data/kept.txt; sync'", SHELL);

            // the layer: a quarter of persist (about 243 MiB of 973), then EDQUOT
            String layer = vm.shell("podman exec p__filler dd if=/dev/zero of=/fill bs=1M count=2000 2>&1; echo rc=$?", Duration.ofSeconds(300));
            System.out.println("Disk, a persona fills its writable layer:\n" + layer);
            assertThat(layer).contains("Disk quota exceeded", "rc=1").containsPattern("(24[0-4])\\+0 records out");
            // the volume: its size, then EDQUOT
            String volume = vm.shell("podman exec p__notes dd if=/dev/zero of=/data/fill bs=1M count=200 2>&1; echo rc=$?", SHELL);
            assertThat(volume).contains("Disk quota exceeded", "rc=1", "63+0 records out");

            // a new persona after both: exit 0 at once
            vm.writeFile("/tmp/late.yaml", persona("late", ""));
            assertThat(vm.shell("spine apply -f /tmp/late.yaml; echo rc=$?", Duration.ofSeconds(300))).contains("p://late", "phase=running", "rc=0");

            String validate = vm.shell("spine validate; echo rc=$?", SHELL);
            System.out.println("Disk, validate after the fills:\n" + validate);
            assertThat(validate).startsWith("YELLOW").contains("disk: volume data of p://notes is full: 64.0 MiB of its 64.0 MiB",
                    "the writable layer of p://filler is full", "p://filler holds the most", "rc=1");
            assertThat(vm.shell("spine doctor", SHELL)).contains("give the volume a larger `size:`");

            // an unsized volume until persist is full for containers: ENOSPC there, while bay0's reserve stays
            String full = vm.shell("podman exec p__hog dd if=/dev/zero of=/junk/fill bs=1M count=2000 2>&1; echo rc=$?; df -k /persist",
                    Duration.ofSeconds(300));
            System.out.println("Disk, a volume without a size fills persist:\n" + full);
            assertThat(full).contains("No space left on device", "rc=1");
            // the intent is committed and the log written (bay0's reserve), the container cannot start (the personas' part
            // is full), and it says so; a file deleted in the volume lets it start
            vm.writeFile("/tmp/after.yaml", persona("after", ""));
            String after = vm.shell("spine apply --timeout 20 -f /tmp/after.yaml; echo rc=$?; spine get personas", Duration.ofSeconds(120));
            System.out.println("Disk, apply on a full disk:\n" + after);
            assertThat(after).contains("p://after", "no space left on device", "p://filler", "p://notes", "p://hog", "p://late");
            assertThat(vm.shell("tail -n 3 /persist/spine/spine.log", SHELL)).as("bay0 still logs").isNotBlank();
            String full2 = vm.shell("spine validate", SHELL);
            System.out.println("Disk, validate on a full disk:\n" + full2);
            assertThat(full2).startsWith("YELLOW").contains("persist is nearly full", "p://hog holds the most",
                    "freezer: no room to start the probe container");
            vm.shell("podman exec p__hog rm /junk/fill", SHELL);
            assertThat(vm.shell("spine apply -f /tmp/after.yaml; echo rc=$?", Duration.ofSeconds(300))).contains("p://after", "rc=0");
            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(90))).isTrue();
        }
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir.resolve("boot2")), BOOT, "--persist", disk.toString())) {
            vm.await("bay0: init complete", BOOT);
            vm.await("bay0: converged after boot", BOOT);
            vm.await("spine# ", SHELL);
            assertThat(vm.shell("for i in $(seq 90); do [ $(podman ps -q | wc -l) -ge 5 ] && break; sleep 2; done;"
                    + " cat /persist/volumes/p__notes/data/kept.txt; podman ps --format '{{.Names}}' | sort", Duration.ofSeconds(240)))
                    .contains("kept", "p__after", "p__filler", "p__hog", "p__late", "p__notes");
            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(90))).isTrue();
        }
    }
}
