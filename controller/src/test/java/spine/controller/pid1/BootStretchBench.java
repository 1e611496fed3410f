package spine.controller.pid1;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * bay0's boot stretch against two floors booted in the same run, for docs/BENCHMARKS.md; not a CI test (run by
 * {@code scripts/bench.sh boot-stretch}). Each round boots, under TCG with the guest's RAM preallocated:
 * <ul>
 *   <li>the busybox floor (scripts/mkfloor.sh): kernel -> the least /init's first line;</li>
 *   <li>the Java floor: this image with its /init replaced by one that runs {@code spine version} on the image's own
 *       runtime, jar, CDS archive and flags (scripts/mkfloor.sh --java): kernel -> a Java /init's main has run and
 *       exited, with the same initramfs to unpack;</li>
 *   <li>this image, and another checkout's ({@code -Dspine.bench.other}, e.g. the commit before a change) when given,
 *       each on a persist disk of its own: kernel -> {@code starting} -> {@code init complete}.</li>
 * </ul>
 * Boots run one after another, never two at once; the order rotates each round so that neither image always boots
 * first on a warm or cold host.
 */
class BootStretchBench {
    private static final Duration BOOT = Duration.ofSeconds(300);
    private static final int ROUNDS = Integer.getInteger("spine.bench.rounds", 3);
    private static final String OTHER = System.getProperty("spine.bench.other", "");

    private static double at(String log, String regex) {
        Matcher m = Pattern.compile(regex).matcher(log);
        if (!m.find()) throw new AssertionError("no " + regex + " in the serial log");
        return Double.parseDouble(m.group(1));
    }

    /** One boot to the line {@code until}; the serial log. */
    private static String boot(Path dir, String until, String... args) throws Exception {
        var all = new ArrayList<>(List.of(args));
        all.add("--prealloc");
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir), BOOT, all.toArray(String[]::new))) {
            vm.await(until, BOOT);
            return vm.serialLog();
        }
    }

    @Test
    void bootStretchAgainstItsFloors(@TempDir Path dir) throws Exception {
        VmHarness.ensureImage();
        VmHarness.run(List.of(VmHarness.REPO.resolve("scripts/mkfloor.sh").toString()), Duration.ofMinutes(2));
        VmHarness.run(List.of(VmHarness.REPO.resolve("scripts/mkfloor.sh").toString(), "--java"), Duration.ofMinutes(2));
        var images = new LinkedHashMap<String, Path>();
        images.put("this", VmHarness.REPO.resolve("build/spine.img"));
        if (!OTHER.isEmpty()) images.put("other", Path.of(OTHER).resolve("build/spine.img"));
        var disks = new LinkedHashMap<String, Path>();
        for (var e : images.entrySet()) {
            Path disk = VmHarness.persistDisk(Files.createDirectories(dir.resolve("disk-" + e.getKey())));
            disks.put(e.getKey(), disk);
            // the first boot makes the database and places the built-in images: not what later boots do
            boot(dir.resolve("setup-" + e.getKey()), "bay0: converged after boot", "--persist", disk.toString(),
                    "--initrd", e.getValue().toString());
        }
        String busybox = VmHarness.REPO.resolve("build/floor.img").toString();
        String javaFloor = VmHarness.REPO.resolve("build/floor-java.img").toString();
        var floor = new ArrayList<Double>();
        var javaExit = new ArrayList<Double>();
        Map<String, List<Double>> starting = new LinkedHashMap<>();
        Map<String, List<Double>> init = new LinkedHashMap<>();
        images.keySet().forEach(k -> {
            starting.put(k, new ArrayList<>());
            init.put(k, new ArrayList<>());
        });
        for (int r = 1; r <= ROUNDS; r++) {
            var order = new ArrayList<>(List.of("busybox", "java"));
            order.addAll(images.keySet());
            java.util.Collections.rotate(order, r - 1);
            for (String what : order) {
                switch (what) {
                    case "busybox" -> floor.add(at(boot(dir.resolve("busybox" + r), "floor: init at [0-9.]+", "--persist", "none",
                            "--initrd", busybox), "floor: init at ([0-9.]+)"));
                    case "java" -> javaExit.add(at(boot(dir.resolve("java" + r), "java-floor: java exited at [0-9.]+", "--persist",
                            "none", "--initrd", javaFloor), "java-floor: java exited at ([0-9.]+)"));
                    default -> {
                        String log = boot(dir.resolve(what + r), "bay0: init complete", "--persist", disks.get(what).toString(),
                                "--initrd", images.get(what).toString());
                        starting.get(what).add(at(log, "\\[\\s*([0-9.]+)\\] bay0: starting"));
                        init.get(what).add(at(log, "\\[\\s*([0-9.]+)\\] bay0: init complete"));
                    }
                }
            }
            var line = new StringBuilder(String.format("BootStretchBench round %d: kernel -> busybox /init %.2f s; kernel -> Java /init"
                    + " (spine version) exited %.2f s", r, floor.getLast(), javaExit.getLast()));
            for (String k : images.keySet()) {
                line.append(String.format("; %s: kernel -> starting %.2f s, starting -> init complete %.2f s", k,
                        starting.get(k).getLast(), init.get(k).getLast() - starting.get(k).getLast()));
            }
            System.out.println(line);
        }
        var summary = new StringBuilder(String.format("BootStretchBench summary (median of %d, TCG, RAM preallocated): busybox floor %.2f s;"
                + " Java floor %.2f s", ROUNDS, BootBench.median(floor), BootBench.median(javaExit)));
        for (String k : images.keySet()) {
            var stretch = new ArrayList<Double>();
            for (int i = 0; i < ROUNDS; i++) stretch.add(init.get(k).get(i) - starting.get(k).get(i));
            summary.append(String.format("; %s: kernel -> starting %.2f s (%.2fx the Java floor), starting -> init complete %.2f s,"
                    + " kernel -> init complete %.2f s (%.2fx the Java floor)", k, BootBench.median(starting.get(k)),
                    BootBench.median(starting.get(k)) / BootBench.median(javaExit), BootBench.median(stretch), BootBench.median(init.get(k)), BootBench.median(init.get(k)) / BootBench.median(javaExit)));
        }
        System.out.println(summary);
    }
}
