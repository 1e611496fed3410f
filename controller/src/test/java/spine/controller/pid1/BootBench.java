package spine.controller.pid1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * Benchmarks in the VM under TCG, for docs/BENCHMARKS.md; not a CI test (the name does not end in IT).
 * Run by {@code scripts/bench.sh vm}. Prints one line per figure, each beside its comparison from the same run.
 */
class BootBench {
    private static final Duration BOOT = Duration.ofSeconds(300);
    private static final Duration SHELL = Duration.ofSeconds(180);
    private static final int ROUNDS = Integer.getInteger("spine.bench.rounds", 3);
    private static final List<String> NAMES = List.of("a1", "a2", "a3", "a4", "a5");
    /**
     * Every compared boot has its RAM preallocated ({@code scripts/boot-qemu.sh --prealloc}): the host backs guest RAM
     * lazily, and its first touches are slow and uneven here, which a guest's clock counts in proportion to the memory
     * it touches (the image's 186 MB unpack, not the floor). Each round also boots the floor and the image to
     * {@code starting} without it, so both figures come from one run.
     */
    private static final boolean PREALLOC = Boolean.parseBoolean(System.getProperty("spine.bench.prealloc", "true"));

    private static String[] args(String... bootArgs) {
        var all = new ArrayList<>(List.of(bootArgs));
        if (PREALLOC) all.add("--prealloc");
        return all.toArray(String[]::new);
    }

    /** Kernel -> the line {@code regex} (its group 1: seconds of uptime) in one boot with {@code bootArgs}, then ended. */
    private static double uptimeAt(Path dir, String regex, String... bootArgs) throws Exception {
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir), BOOT, bootArgs)) {
            Matcher m = Pattern.compile(regex).matcher(vm.await(regex, BOOT));
            if (!m.find()) throw new AssertionError("no " + regex);
            return Double.parseDouble(m.group(1));
        }
    }

    private static double uptimeOf(VmHarness vm, String genesisPrefix) throws Exception {
        Matcher m = Pattern.compile("\\[\\s*([0-9.]+)\\] bay0: " + Pattern.quote(genesisPrefix)).matcher(vm.serialLog());
        if (!m.find()) throw new AssertionError("no genesis line " + genesisPrefix);
        return Double.parseDouble(m.group(1));
    }

    /**
     * Seconds from {@code init complete} to the last autostart start's return in this boot's spine.log: the event the
     * hand-typed loop ends on (its last {@code podman start} returned), where {@code converged after boot} comes after
     * the loop's confirming look at podman.
     */
    private static double toLastStart(VmHarness vm) throws Exception {
        String lines = vm.shell("awk '/genesis uptime=[0-9.]+ starting/{n=NR} {a[NR]=$0} END{for(i=n;i<=NR;i++) print a[i]}'"
                + " /persist/spine/spine.log | grep -E 'genesis uptime=[0-9.]+ init complete|step done .* step=start '", SHELL);
        java.time.Instant init = null;
        java.time.Instant last = null;
        for (String l : lines.split("\n")) {
            l = l.strip();
            if (!l.matches("^[0-9]{4}-.*")) continue; // the shell's echo of the command
            java.time.Instant t = java.time.Instant.parse(l.substring(0, l.indexOf(' ')));
            if (l.contains("init complete")) init = t;
            else last = t;
        }
        if (init == null || last == null) throw new AssertionError("no init complete or start in spine.log: " + lines);
        return Duration.between(init, last).toNanos() / 1e9;
    }

    static double median(List<Double> xs) {
        var s = new ArrayList<>(xs);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }

    @Test
    void bootToRunningAndValidate(@TempDir Path dir) throws Exception {
        VmHarness.ensureImage();
        Path disk = VmHarness.persistDisk(dir);
        var toInit = new ArrayList<Double>(); // starting -> init complete: the first boot (the setup), then each round's
        try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir.resolve("setup")), BOOT, args("--persist", disk.toString()))) {
            vm.await("bay0: loop started", BOOT);
            toInit.add(uptimeOf(vm, "init complete") - uptimeOf(vm, "starting"));
            System.out.printf("BootBench first boot: starting -> init complete %.2f s%n", toInit.getFirst());
            vm.await("spine# ", SHELL);
            vm.shell("mkdir -p /tmp/apply", SHELL);
            for (String n : NAMES) {
                vm.writeFile("/tmp/apply/" + n + ".yaml", VmHarness.persona(n, "bench"));
            }
            String applied = vm.shell("spine apply -f /tmp/apply; echo rc=$?", Duration.ofSeconds(300));
            if (!applied.contains("rc=0")) throw new AssertionError(applied);
            vm.type("kill -TERM 1");
            vm.waitForExit(Duration.ofSeconds(120));
        }
        // the floor: the least initramfs on the same kernel (scripts/mkfloor.sh), booted as often as the image
        VmHarness.run(List.of(VmHarness.REPO.resolve("scripts/mkfloor.sh").toString()), Duration.ofMinutes(2));
        String floorImg = VmHarness.REPO.resolve("build/floor.img").toString();
        String spineImg = VmHarness.REPO.resolve("build/spine.img").toString();
        var floor = new ArrayList<Double>();
        var floorLazy = new ArrayList<Double>();
        var startingLazy = new ArrayList<Double>();
        for (int r = 1; r <= ROUNDS; r++) {
            String floorLine = "floor: init at ([0-9.]+)";
            floor.add(uptimeAt(dir.resolve("floor" + r), floorLine, args("--persist", "none", "--initrd", floorImg)));
            floorLazy.add(uptimeAt(dir.resolve("floor-lazy" + r), floorLine, "--persist", "none", "--initrd", floorImg));
            startingLazy.add(uptimeAt(dir.resolve("starting-lazy" + r), "\\[\\s*([0-9.]+)\\] bay0: starting", "--persist", "none",
                    "--initrd", spineImg));
            System.out.printf("BootBench floor %d: kernel -> busybox /init %.2f s (RAM as the host gives it: %.2f s; the image's"
                    + " kernel -> starting so: %.2f s)%n", r, floor.getLast(), floorLazy.getLast(), startingLazy.getLast());
        }
        var toStarting = new ArrayList<Double>();
        var toRunning = new ArrayList<Double>();
        var toStarted = new ArrayList<Double>();
        var rawStart = new ArrayList<Double>();
        var validateWall = new ArrayList<Double>();
        var lines = new ArrayList<String>();
        for (int r = 1; r <= ROUNDS; r++) {
            try (VmHarness vm = VmHarness.boot(Files.createDirectories(dir.resolve("round" + r)), BOOT, args("--persist", disk.toString()))) {
                vm.await("bay0: converged after boot: running=5", BOOT);
                double s = uptimeOf(vm, "converged after boot") - uptimeOf(vm, "init complete");
                toRunning.add(s);
                toStarting.add(uptimeOf(vm, "starting"));
                toInit.add(uptimeOf(vm, "init complete") - uptimeOf(vm, "starting"));
                vm.await("spine# ", SHELL);
                toStarted.add(toLastStart(vm));
                // the comparison: the same five containers started by hand, one podman start after another
                String names = String.join(" ", NAMES.stream().map(n -> "p__" + n).toList());
                vm.shell("podman stop -t 2 " + names + " >/dev/null", SHELL);
                String t = vm.shell("a=$(cut -d' ' -f1 /proc/uptime); for c in " + names + "; do podman start $c >/dev/null; done; "
                        + "b=$(cut -d' ' -f1 /proc/uptime); echo raw=$a,$b", SHELL);
                Matcher m = Pattern.compile("raw=([0-9.]+),([0-9.]+)").matcher(t);
                if (!m.find()) throw new AssertionError(t);
                rawStart.add(Double.parseDouble(m.group(2)) - Double.parseDouble(m.group(1)));

                String v = vm.shell("a=$(cut -d' ' -f1 /proc/uptime); spine validate -o json; b=$(cut -d' ' -f1 /proc/uptime); echo; echo wall=$a,$b", SHELL);
                Matcher w = Pattern.compile("wall=([0-9.]+),([0-9.]+)").matcher(v);
                if (!w.find()) throw new AssertionError(v);
                validateWall.add(Double.parseDouble(w.group(2)) - Double.parseDouble(w.group(1)));
                JsonNode j = new ObjectMapper().readTree(v.substring(v.indexOf('{'), v.lastIndexOf('}') + 1));
                JsonNode f = j.path("checks").get(0); // facts sit beside the verdict
                lines.add(String.format("round %d: kernel -> starting %.2f s; starting -> init complete %.2f s; init complete -> last autostart start returned %.2f s, -> converged after boot %.2f s; 5 x podman start by hand %.2f s; validate wall %.2f s "
                                + "(%s); freeze: podman pause %d ms / unpause %d ms, cgroup.freeze %.1f ms / thaw %.1f ms", r, toStarting.getLast(), toInit.getLast(), toStarted.getLast(), s,
                        rawStart.getLast(), validateWall.getLast(), j.path("verdict").asText(), f.path("freezeMs").asLong(),
                        f.path("thawMs").asLong(), f.path("directFreezeUs").asLong() / 1000.0, f.path("directThawUs").asLong() / 1000.0));
                System.out.println("BootBench " + lines.getLast());
                vm.type("kill -TERM 1");
                vm.waitForExit(Duration.ofSeconds(120));
            }
        }
        System.out.printf("BootBench summary (median of %d, TCG, RAM preallocated: %s): kernel -> starting %.2f s vs kernel -> busybox /init %.2f s (%.2fx;"
                + " each with RAM as the host gives it, %.2f s vs %.2f s: %.2fx); "
                + "init complete -> 5 autostart personas started %.2f s vs 5 x podman start %.2f s (%.2fx; to converged after boot, with the loop's"
                + " confirming look, %.2f s: %.2fx); validate wall %.2f s; starting -> init complete:"
                + " first boot %.2f s, later boots %s (target 1.5 s on every boot); autostart each round against its own hand-typed starts %s,"
                + " median %.2fx%n", ROUNDS, PREALLOC,
                median(toStarting), median(floor), median(toStarting) / median(floor),
                median(startingLazy), median(floorLazy), median(startingLazy) / median(floorLazy), median(toStarted), median(rawStart),
                median(toStarted) / median(rawStart), median(toRunning), median(toRunning) / median(rawStart), median(validateWall), toInit.getFirst(),
                toInit.subList(1, toInit.size()).stream().map(x -> String.format("%.2f", x)).toList(),
                perRound(toStarted, rawStart).stream().map(x -> String.format("%.2fx", x)).toList(), median(perRound(toStarted, rawStart)));
    }

    /** Each round's figure over the same round's comparison: both measured minutes apart on one boot of the VM. */
    private static List<Double> perRound(List<Double> figure, List<Double> comparison) {
        var out = new ArrayList<Double>();
        for (int i = 0; i < figure.size(); i++) out.add(figure.get(i) / comparison.get(i));
        return out;
    }
}
