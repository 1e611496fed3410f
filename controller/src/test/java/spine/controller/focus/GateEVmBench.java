package spine.controller.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * The switch benchmark of docs/BENCHMARKS.md in the VM (not run by CI; {@code scripts/bench.sh focus-vm}): boots the
 * image, applies the display examples, copies {@link VmFocusBench} in and runs it on the image's JRE beside spine.jar.
 */
class GateEVmBench {
    private static final int N = Integer.getInteger("focus.switches", 200);
    private static final Duration CMD = Duration.ofSeconds(180);

    /**
     * awk over lines of {@code name=value} pairs: the median and p99 of each name's values ({@code name=p50/p99}), and
     * how many lines.
     */
    private static final String MEDIAN_P99 = "awk '{ for (i = 1; i <= NF; i++) { split($i, kv, \"=\"); if (!(kv[1] in c)) { k[++f] = kv[1]; c[kv[1]] = 0 } "
            + "v[kv[1], ++c[kv[1]]] = kv[2] + 0 } n = NR } "
            + "END { for (i = 1; i <= f; i++) { m = c[k[i]]; for (r = 1; r <= m; r++) a[r] = v[k[i], r]; "
            + "for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t } "
            + "p = int(m * 0.99 + 0.999); printf \"%s=%s/%s \", k[i], a[int((m + 1) / 2)], a[p] } print \"lines=\" n }'";

    @Test
    void switchLatencyInTheVm(@TempDir Path dir) throws Exception {
        VmHarness.ensureImage();
        try (VmHarness vm = VmHarness.bootToShell(dir, Duration.ofSeconds(3600), "localhost/spine/foot:1")) {
            assertThat(vm.shell("spine apply -f /usr/share/spine/display; echo exit=$?", Duration.ofSeconds(600))).contains("exit=0");
            assertThat(GateEVmIT.awaitMarked(vm, Duration.ofSeconds(120))).contains("p://work", "p://games");
            Path classes = Path.of("target/test-classes/spine/controller/focus");
            vm.shell("mkdir -p /tmp/bench/spine/controller/focus", CMD);
            try (var files = Files.list(classes)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("VmFocusBench")).toList()) {
                    vm.writeBytes("/tmp/bench/spine/controller/focus/" + f.getFileName(), Files.readAllBytes(f));
                }
            }
            String out = vm.shell("/usr/lib/spine/jre/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -XX:-UsePerfData "
                    + "-Xmx128m --enable-native-access=ALL-UNNAMED -cp /tmp/bench:/usr/lib/spine/spine.jar spine.controller.focus.VmFocusBench "
                    + N + " 20 2>&1; echo exit=$?", Duration.ofSeconds(3000));
            System.out.println(out);
            System.out.println("Gate E VM, focus steps of the last switches:\n"
                    + vm.shell("grep -E 'step=(show-workspace|freeze|thaw|focus) ' /persist/spine/spine.log | tail -n 8 | cut -c1-220", CMD));
            // where a switch's time goes: the median and p99 of each part of the focus passes that ran steps, then of each step
            System.out.println("Gate E VM, focus passes with steps, median/p99 of each part (us): " + vm.shell(
                    "grep 'focus pass finished' /persist/spine/spine.log | grep -v 'steps=0' | tail -n " + N + " | sed 's/.* steps=[0-9]* //' | "
                    + MEDIAN_P99, CMD).strip());
            System.out.println("Gate E VM, focus steps, median/p99 of each (ms): " + vm.shell(
                    "grep -E 'step done .*step=(show-workspace|freeze|thaw|focus) ' /persist/spine/spine.log | tail -n " + (4 * N)
                    + " | sed -E 's/.* step=([a-z-]+) ms=([0-9]+).*/\\1=\\2/' | " + MEDIAN_P99, CMD).strip());
            System.out.println("Gate E VM, image size: " + Files.size(VmHarness.REPO.resolve("build/spine.img")) + " bytes");
            assertThat(out).contains("exit=0");
        }
    }
}
