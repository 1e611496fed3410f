package spine.controller.pid1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/**
 * bay0's boot sequence in a unit test: a fake kernel tree in a temporary directory (the {@link Kernel} root), fake
 * system calls that record what PID 1 asked for, captured signal handlers and no console shell. podman is a path that
 * does not exist, so the convergence thread only waits for it; everything up to init complete, shutdown and panic runs
 * for real: clean, dirty, wedged, panic and a SIGINT reboot.
 */
class Bay0Test {
    @TempDir Path root;
    private final FakeSyscalls sys = new FakeSyscalls();
    private final List<Map<String, String>> consoles = new CopyOnWriteArrayList<>();
    private Runnable onTerm;
    private Runnable onInt;
    private Bay0 bay0;

    /** What PID 1 asked the kernel for, in order; mounts matching {@code wedge} never return. */
    static class FakeSyscalls implements Syscalls {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile Predicate<String> wedge = target -> false;
        volatile double uptime;
        volatile boolean projectQuotas = true;

        @Override
        public Result mount(String source, String target, String fstype, long flags, String data) {
            calls.add("mount " + fstype + " " + target + (data == null ? "" : " " + data));
            if (data != null && data.contains("prjquota") && !projectQuotas) return new Result(-1, 22); // a disk made without them
            if (wedge.test(target)) {
                try {
                    Thread.sleep(Long.MAX_VALUE); // a disk that never answers: only the bound gets PID 1 past it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Result(0, 0);
        }

        /** How long a module's finit_module takes, by file name (a probe that waits on a device). */
        volatile Map<String, Long> moduleMillis = Map.of();
        final List<String> moduleEvents = new CopyOnWriteArrayList<>();

        @Override
        public Result finitModule(String path, String params) {
            String ko = Path.of(path).getFileName().toString();
            calls.add("finit_module " + ko + (params.isEmpty() ? "" : " " + params));
            moduleEvents.add("start " + ko);
            try {
                Thread.sleep(moduleMillis.getOrDefault(ko, 0L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            moduleEvents.add("end " + ko);
            return new Result(0, 0);
        }

        @Override
        public Result reboot(int how) {
            calls.add("reboot " + switch (how) {
                case RB_AUTOBOOT -> "autoboot";
                case RB_POWER_OFF -> "power_off";
                case RB_HALT_SYSTEM -> "halt";
                case RB_KEXEC -> "kexec";
                default -> Integer.toHexString(how);
            });
            return new Result(0, 0);
        }

        /** The hardware watchdog: armed with a timeout, or not there (errno ENOENT) when {@code watchdog} is false. */
        volatile boolean watchdog = true;

        @Override
        public Result watchdogArm(String device, int seconds) {
            calls.add("watchdog_arm " + Path.of(device).getFileName() + " " + seconds);
            return watchdog ? new Result(seconds, 0) : new Result(-1, 2);
        }

        @Override
        public Result watchdogDisarm(String device) {
            calls.add("watchdog_disarm " + Path.of(device).getFileName());
            return watchdog ? new Result(0, 0) : new Result(-1, 2);
        }

        @Override
        public Result kexecFileLoad(String kernel, String initrd, String cmdline) {
            calls.add("kexec_file_load " + kernel + " " + initrd + " " + cmdline);
            return new Result(0, 0);
        }

        @Override public void sync() { calls.add("sync"); }
        @Override public Result syncfs(String path) { calls.add("syncfs " + path); return new Result(0, 0); }
        @Override public boolean hasExited(int pid) { return false; }
        @Override public Result reap(int pid) { return new Result(0, 0); }
        @Override public Result waitAnyExited() {
            try {
                Thread.sleep(Long.MAX_VALUE); // no child ever exits in this kernel
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Result(-1, 4);
        }
        @Override public Result setSubreaper(boolean on) { return new Result(0, 0); }
        @Override public Result addEntropy(byte[] seed, int bits) { calls.add("add_entropy " + seed.length); return new Result(0, 0); }
        @Override public Result setRealtime(long s, long n) { calls.add("set_realtime " + s); return new Result(0, 0); }
        @Override public double uptime() { return uptime += 0.001; }
        @Override public Result projectOf(String path) { return new Result(-1, 38); }
        @Override public Result setProject(String path, int project) { return new Result(-1, 38); }
        @Override public Result setProjectLimit(String path, int project, long bytes) { return new Result(-1, 38); }
        @Override public Result projectBytes(String path, int project) { return new Result(-1, 38); }
        @Override public Result ioprioSet(int which, int who, int prio) { calls.add("ioprio_set " + prio); return new Result(0, 0); }
        @Override public Result setPriority(int tid, int nice) { calls.add("setpriority " + tid + " " + nice); return new Result(0, 0); }

        List<String> matching(String prefix) {
            return calls.stream().filter(c -> c.startsWith(prefix)).toList();
        }
    }

    /** The tree a booted kernel shows PID 1, reduced to what bay0 reads, with a persist disk vda. */
    private void kernelTree(String cmdline) throws IOException {
        write("proc/cmdline", "console=ttyS0 " + cmdline + "\n");
        write("proc/self/oom_score_adj", "0\n");
        write("proc/sys/kernel/osrelease", "6.1.0-test\n");
        write("lib/modules/6.1.0-test/modules.dep", """
                kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko
                kernel/lib/crc16.ko:
                kernel/fs/jbd2/jbd2.ko:
                kernel/drivers/block/virtio_blk.ko:
                """);
        for (String ko : List.of("kernel/fs/ext4/ext4.ko", "kernel/lib/crc16.ko", "kernel/fs/jbd2/jbd2.ko", "kernel/drivers/block/virtio_blk.ko")) {
            write("lib/modules/6.1.0-test/" + ko, "");
        }
        write("etc/spine/modules", "virtio_blk\next4\n");
        Files.createDirectories(root.resolve("sys/block/vda/device"));
        Files.createDirectories(root.resolve("sys/bus/virtio/drivers/virtio_blk"));
        Files.createSymbolicLink(root.resolve("sys/block/vda/device/driver"), root.resolve("sys/bus/virtio/drivers/virtio_blk"));
        Files.write(root.resolve(mkparent("dev/vda")), new byte[4096]);
        byte[] random = new byte[1 << 16];
        new Random(1).nextBytes(random);
        Files.write(root.resolve(mkparent("dev/urandom")), random);
        write("dev/console", "");
        Files.createDirectories(root.resolve("persist"));
        Files.createDirectories(root.resolve("run"));
    }

    private String mkparent(String rel) throws IOException {
        Files.createDirectories(root.resolve(rel).getParent());
        return rel;
    }

    private void write(String rel, String text) throws IOException {
        Files.writeString(root.resolve(mkparent(rel)), text);
    }

    private Bay0 boot() {
        Signals signals = (term, intr) -> {
            onTerm = term;
            onInt = intr;
        };
        Console console = new Console() {
            @Override public void start(Map<String, String> env) { consoles.add(env); }
            @Override public void stop() { }
        };
        bay0 = new Bay0(new Kernel(root), sys, Clock.systemUTC(), "test", signals, console);
        bay0.bootOrPanic();
        return bay0;
    }

    /** /run/spine/boot.json once it holds {@code part} (bay0 writes it on a thread of its own), or as it is after 10 s. */
    private String bootRecord(String part) throws Exception {
        Path f = root.resolve("run/spine/boot.json");
        for (int i = 0; i < 200 && !(Files.exists(f) && Files.readString(f).contains(part)); i++) Thread.sleep(50);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private String genesis() throws IOException {
        return Files.readString(root.resolve("dev/console"));
    }

    @AfterEach
    void stop() {
        if (bay0 != null && onTerm != null) onTerm.run(); // ends the convergence thread waiting for podman
    }

    @Test
    void aFirstBootDoesNotWaitForTheKernelsPoolToWriteItsNewSeed() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.write_timeout_ms=20000");
        // no seed is stored, and /dev/urandom does not answer yet (the kernel gathering jitter entropy): a FIFO
        // with no writer blocks its reader
        Path urandom = root.resolve("dev/urandom");
        Files.delete(urandom);
        assertThat(new ProcessBuilder("mkfifo", urandom.toString()).start().waitFor()).isZero();
        long t0 = System.nanoTime();
        boot();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(genesis()).contains("init complete\n");
        assertThat(ms).as("boot went on without the seed (write timeout 20 s)").isLessThan(10_000);
        assertThat(root.resolve("persist/spine/entropy.seed")).doesNotExist();
        // the pool is ready: the writer beside the boot finishes
        try (var out = Files.newOutputStream(urandom)) {
            out.write(new byte[spine.controller.state.StateBridge.seedBytes()]);
        }
        for (int i = 0; i < 100 && !Files.exists(root.resolve("persist/spine/entropy.seed")); i++) Thread.sleep(50);
        assertThat(root.resolve("persist/spine/entropy.seed")).exists();
        assertThat(sys.calls).as("the jitter loop runs at the lowest priority, beside the boot").contains("setpriority 0 19");
    }

    @Test
    void modulesThatDoNotDependOnEachOtherLoadSideBySide() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        // virtio_blk's probe waits on its disk; the ext4 chain does not wait for it
        sys.moduleMillis = Map.of("virtio_blk.ko", 400L);
        boot();
        assertThat(genesis()).contains("modules loaded count=4");
        List<String> ev = sys.moduleEvents;
        assertThat(ev.indexOf("start jbd2.ko")).as("jbd2 starts while virtio_blk loads: " + ev).isLessThan(ev.indexOf("end virtio_blk.ko"));
        assertThat(ev.indexOf("end ext4.ko")).as("ext4 is done before the slow probe: " + ev).isLessThan(ev.indexOf("end virtio_blk.ko"));
        assertThat(ev.indexOf("start ext4.ko")).isGreaterThan(ev.indexOf("end jbd2.ko")).isGreaterThan(ev.indexOf("end crc16.ko"));
        assertThat(sys.calls.indexOf("mount ext4 /persist " + PersistDisk.QUOTA_OPTIONS)).as("the persist disk waits for every module")
                .isGreaterThan(sys.calls.indexOf("finit_module virtio_blk.ko"));
        assertThat(ev.getLast()).isEqualTo("end virtio_blk.ko");
    }

    @Test
    void aModulesParametersFromTheModulesFileReachFinitModule() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        write("etc/spine/modules", "# the trial's watchdog keeps counting across a kexec\nvirtio_blk\njbd2  stop_on_reboot=0 x=1\next4\n");
        boot();
        assertThat(sys.matching("finit_module")).contains("finit_module jbd2.ko stop_on_reboot=0 x=1", "finit_module ext4.ko", "finit_module crc16.ko");
    }

    @Test
    void cleanBootInOrderThenSigintRebootsCleanly() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.panic=reboot");
        boot();
        String g = genesis();
        assertThat(g).contains("bay0: starting (test)", "mounted proc/sys/dev", "modules loaded count=4", "persist mounted",
                "last shutdown unclean (crash, power loss or first boot)", "state db ready schema=", "init complete\n");
        assertThat(g.indexOf("persist mounted")).isLessThan(g.indexOf("init complete"));
        assertThat(sys.calls.getFirst()).as("/proc comes first: oom_score_adj needs it").isEqualTo("mount proc /proc");
        assertThat(Files.readString(root.resolve("proc/self/oom_score_adj")).strip()).as("the sysfs driver writes it, with a newline as echo would").isEqualTo("-1000");
        // each once, ext4 only after what modules.dep lists for it had finished
        assertThat(sys.matching("finit_module")).containsExactlyInAnyOrder("finit_module virtio_blk.ko",
                "finit_module jbd2.ko", "finit_module crc16.ko", "finit_module ext4.ko");
        assertThat(sys.moduleEvents.indexOf("start ext4.ko")).isGreaterThan(sys.moduleEvents.indexOf("end jbd2.ko"))
                .isGreaterThan(sys.moduleEvents.indexOf("end crc16.ko"));
        assertThat(sys.matching("mount ext4")).containsExactly("mount ext4 /persist prjquota,resuid=2147483645");
        assertThat(root.resolve("persist/spine/intent.db")).exists();
        assertThat(bootRecord("\"clean\":true")).contains("\"clean\":true", "\"lastShutdownClean\":false");
        assertThat(consoles).singleElement().satisfies(env -> assertThat(env).containsEntry("SPINE_ROOT", root.resolve("persist").toString()));

        onInt.run();
        assertThat(sys.calls).contains("reboot autoboot");
        assertThat(sys.calls.get(sys.calls.size() - 2)).as("sync, then reboot(2)").isEqualTo("sync");
        assertThat(root.resolve("persist/spine/clean-shutdown")).exists();
        assertThat(Files.readString(root.resolve("persist/spine/genesis.log"))).contains("shutdown (SIGINT): flushing state",
                "shutdown: state flushed; rebooting");

        // the next boot on the same disk knows the last shutdown was clean, and the seed was credited
        Files.writeString(root.resolve("dev/console"), "");
        sys.calls.clear();
        boot();
        assertThat(genesis()).contains("last shutdown clean", "init complete\n");
        assertThat(sys.matching("add_entropy")).hasSize(1);
    }

    /**
     * Boots with a podman that records its calls, lists no containers and answers {@code podman images} with the
     * shell snippet {@code images}, built-in images as {@code imagesTxt}; returns its calls once one holds {@code until}.
     */
    private List<String> bootWithRecordingPodman(String images, String imagesTxt, String until) throws Exception {
        Path calls = root.resolve("podman-calls");
        write("usr/bin/podman", "#!/bin/sh\necho \"$*\" >> " + calls + "\ncase \"$1\" in ps) echo '[]' ;; images) " + images
                + " ;; esac\nexit 0\n");
        root.resolve("usr/bin/podman").toFile().setExecutable(true);
        write("usr/share/spine/images/images.txt", imagesTxt);
        kernelTree("spine.podman=" + root.resolve("usr/bin/podman"));
        boot();
        for (int i = 0; i < 200 && !(Files.exists(calls) && Files.readString(calls).contains(until)); i++) Thread.sleep(50);
        return Files.readAllLines(calls);
    }

    /** A placement mark for busybox as an earlier boot left it (persist/spine/images.placed), with the id podman lists. */
    private static final String BUSYBOX_ID = "7a86e1ef514b59bcb0afa7756b5b760366f9ec499a9961f381b004a45607e089";

    /** The fake podman's listing of tools (and its second name, ai) once it was asked to load and tag them. */
    private String listedOnceLoaded() {
        Path calls = root.resolve("podman-calls");
        String id = "2".repeat(64);
        return "grep -q '^load ' " + calls + " && echo 'localhost/spine/tools:1 sha256:" + id + "';"
                + " grep -q '^tag ' " + calls + " && echo 'localhost/spine/ai:1 sha256:" + id + "'; true";
    }

    private void busyboxMarked() throws IOException {
        write("persist/spine/images.placed", "localhost/spine/busybox:1 " + BUSYBOX_ID + " 2026-01-01T00:00:00Z loaded\n");
    }

    /** The podman calls recorded once the placement marked {@code ref}: the last look, for the ids, comes before it. */
    private List<String> callsOnceMarked(String ref) throws Exception {
        Path marks = root.resolve("persist/spine/images.placed");
        for (int i = 0; i < 200 && !(Files.exists(marks) && Files.readString(marks).contains(ref + " ")); i++) Thread.sleep(50);
        assertThat(Files.readString(marks)).contains(ref + " ");
        return Files.readAllLines(root.resolve("podman-calls"));
    }

    @Test
    void imagesThatShareAnArchiveAreLoadedOnceAndTagged() throws Exception {
        // only busybox is there yet, placed by an earlier boot (`podman images` lists names and ids, untagged layers as <none>)
        busyboxMarked();
        List<String> podman = bootWithRecordingPodman("printf 'localhost/spine/busybox:1 sha256:" + BUSYBOX_ID
                + "\\n<none>:<none> sha256:" + "1".repeat(64) + "\\n'; " + listedOnceLoaded(), """
                localhost/spine/busybox:1 /usr/share/spine/images/busybox.oci.tar
                localhost/spine/tools:1 /usr/share/spine/images/tools.oci.tar
                localhost/spine/ai:1 /usr/share/spine/images/tools.oci.tar
                """, "tag ");
        podman = callsOnceMarked("localhost/spine/ai:1");
        assertThat(podman.stream().filter(c -> c.startsWith("load ")).toList()).containsExactly(
                "load -q -i " + root.resolve("usr/share/spine/images/tools.oci.tar"));
        assertThat(podman).contains("tag localhost/spine/tools:1 localhost/spine/ai:1");
        // one look before the loads and one after them (the ids the marks record), however many images there are
        assertThat(podman.stream().filter(c -> c.startsWith("images")).toList()).as("two looks for every image")
                .containsExactly("images --no-trunc --format {{.Repository}}:{{.Tag}} {{.ID}}",
                        "images --no-trunc --format {{.Repository}}:{{.Tag}} {{.ID}}");
    }

    /** The {@code podman ps} calls this boot made up to the end of the loop's first pass, from spine.log. */
    private long psCallsUntilTheFirstPass() throws Exception {
        Path log = root.resolve("persist/spine/spine.log");
        for (int i = 0; i < 200 && !(Files.exists(log) && Files.readString(log).contains("pass finished")); i++) Thread.sleep(50);
        List<String> lines = Files.readAllLines(log);
        int end = lines.indexOf(lines.stream().filter(l -> l.contains("pass finished")).findFirst().orElseThrow());
        return lines.subList(0, end).stream().filter(l -> l.contains("exec command starting") && l.contains("podman ps ")).count();
    }

    @Test
    void theBootsFirstLookAtPodmanServesTheRepairAndTheLoopsFirstPass() throws Exception {
        bootWithRecordingPodman("printf 'localhost/spine/busybox:1\\n'", "localhost/spine/busybox:1 /usr/share/spine/images/busybox.oci.tar\n",
                "ps ");
        // started at init complete; the repair changed nothing, so the loop's first pass reads the same answer
        assertThat(psCallsUntilTheFirstPass()).isEqualTo(1);
    }

    @Test
    void theBootsFirstLookRunsAloneAndTheImagesWaitForTheLoopsFirstPass() throws Exception {
        // podman ps takes a moment; podman images answers only when the test lets it
        Path calls = root.resolve("podman-calls");
        Path release = root.resolve("images-may-answer");
        write("usr/bin/podman", "#!/bin/sh\necho \"start $1\" >> " + calls + "\ncase \"$1\" in ps) sleep 0.3; echo '[]' ;; images) while [ ! -e "
                + release + " ]; do sleep 0.05; done; printf 'localhost/spine/busybox:1\\n' ;; esac\necho \"end $1\" >> " + calls + "\nexit 0\n");
        root.resolve("usr/bin/podman").toFile().setExecutable(true);
        write("usr/share/spine/images/images.txt", "localhost/spine/busybox:1 /usr/share/spine/images/busybox.oci.tar\n");
        kernelTree("spine.podman=" + root.resolve("usr/bin/podman"));
        boot();
        for (int i = 0; i < 200 && !genesis().contains("loop started"); i++) Thread.sleep(50);
        assertThat(genesis()).as("the loop started while the images' look was under way").contains("loop started");
        assertThat(Files.readAllLines(calls)).as("podman's first run of the boot was the first look's alone")
                .startsWith("start ps", "end ps").doesNotContain("end images");
        Files.createFile(release);
        for (int i = 0; i < 200 && !Files.readString(calls).contains("end images"); i++) Thread.sleep(50);
        List<String> all = Files.readAllLines(calls);
        assertThat(all.indexOf("start images")).as("images looked at after the first look: " + all).isGreaterThan(all.indexOf("end ps"));
        assertThat(all).contains("end images");
        List<String> log = Files.readAllLines(root.resolve("persist/spine/spine.log"));
        int firstPass = indexOf(log, l -> l.contains("pass finished"));
        assertThat(firstPass).as("the loop's first pass finished").isNotNegative();
        assertThat(indexOf(log, l -> l.contains("command starting") && l.contains(" images ")))
                .as("nothing created a container, so the images waited for the first pass").isGreaterThan(firstPass);
    }

    private static int indexOf(List<String> lines, Predicate<String> p) {
        for (int i = 0; i < lines.size(); i++) if (p.test(lines.get(i))) return i;
        return -1;
    }

    @Test
    void aFirstLookTakenWhileACliCommandHeldTheLockIsNotTheRepairs() throws Exception {
        var held = spine.controller.state.ConvergeLock.tryAcquire(new spine.controller.state.SpineRoot(root.resolve("persist")), "cli")
                .orElseThrow();
        bootWithRecordingPodman("printf 'localhost/spine/busybox:1\\n'", "localhost/spine/busybox:1 /usr/share/spine/images/busybox.oci.tar\n",
                "ps ");
        Thread.sleep(700); // the command converges meanwhile, as far as bay0 knows: what podman showed before is stale
        held.close();
        assertThat(psCallsUntilTheFirstPass()).as("the repair looked again after the lock").isEqualTo(2);
    }

    @Test
    void imagesArePlacedAfterTheRepairWhenPodmanDidNotAnswerTheFirstLook() throws Exception {
        // podman fails its first `podman images` (not answering yet at boot), then answers: busybox is there
        Path answered = root.resolve("podman-answers");
        busyboxMarked();
        List<String> podman = bootWithRecordingPodman("[ -e " + answered + " ] || { : > " + answered + "; exit 125; };"
                + " printf 'localhost/spine/busybox:1 sha256:" + BUSYBOX_ID + "\\n'; " + listedOnceLoaded(), """
                localhost/spine/busybox:1 /usr/share/spine/images/busybox.oci.tar
                localhost/spine/tools:1 /usr/share/spine/images/tools.oci.tar
                """, "load ");
        podman = callsOnceMarked("localhost/spine/tools:1");
        assertThat(podman.stream().filter(c -> c.startsWith("images")).toList()).as("the failed look, the second, the ids after the load")
                .hasSize(3);
        assertThat(podman.stream().filter(c -> c.startsWith("load ")).toList()).as("only what the second look did not find")
                .containsExactly("load -q -i " + root.resolve("usr/share/spine/images/tools.oci.tar"));
    }

    @Test
    void noPersistDiskIsADirtyBootOnAVolatileRoot() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.persist=none");
        boot();
        assertThat(genesis()).contains("persist timeout -> dirty boot (no virtio-blk or SPINE_PERSIST device)",
                "container storage on tmpfs (degraded)", "init complete (dirty boot)");
        assertThat(root.resolve("run/spine/volatile/spine/intent.db")).exists();
        assertThat(bootRecord("\"clean\":false")).contains("\"clean\":false");
        assertThat(consoles.getFirst()).containsKey("CONTAINERS_STORAGE_CONF");
        assertThat(sys.matching("mount ext4")).isEmpty();
    }

    @Test
    void aDiskMadeWithoutProjectQuotasMountsWithBay0sReserveAloneAndSaysSo() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        sys.projectQuotas = false;
        boot();
        assertThat(sys.matching("mount ext4")).containsExactly("mount ext4 /persist prjquota,resuid=2147483645",
                "mount ext4 /persist resuid=2147483645");
        assertThat(genesis()).contains("persist has no project quota feature (", "volume and layer sizes are not enforced",
                "persist mounted");
        assertThat(root.resolve("persist/spine/intent.db")).exists();
    }

    @Test
    void aWedgedDiskCostsItsTimeoutAndGivesADirtyBoot() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.mount_timeout_ms=300");
        sys.wedge = "/persist"::equals;
        long t0 = System.nanoTime();
        boot();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(genesis()).contains("persist mount attempt (/dev/vda)", "persist timeout -> dirty boot (timeout",
                "init complete (dirty boot)");
        assertThat(ms).as("boot with a wedged disk, ms").isLessThan(10_000);
    }

    @Test
    void aPanicSyncsAndRebootsAsSpinePanicSays() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.panic=reboot");
        Signals broken = (term, intr) -> {
            throw new IllegalStateException("signal table corrupt");
        };
        bay0 = new Bay0(new Kernel(root), sys, Clock.systemUTC(), "test", broken, null);
        bay0.bootOrPanic();
        assertThat(genesis()).contains("PANIC: java.lang.IllegalStateException: signal table corrupt -> reboot")
                .doesNotContain("init complete");
        assertThat(sys.calls.subList(sys.calls.size() - 2, sys.calls.size())).containsExactly("sync", "reboot autoboot");
    }

    @Test
    void aTrialBootThatPanicsRebootsWhateverSpinePanicSays() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.trial=" + HASH);
        Signals broken = (term, intr) -> {
            throw new IllegalStateException("signal table corrupt");
        };
        bay0 = new Bay0(new Kernel(root), sys, Clock.systemUTC(), "test", broken, null);
        bay0.bootOrPanic();
        assertThat(genesis()).contains("PANIC: java.lang.IllegalStateException: signal table corrupt -> reboot (a trial boot: back to the"
                + " known-good image, which nacks the candidate)");
        assertThat(sys.calls.subList(sys.calls.size() - 2, sys.calls.size())).containsExactly("sync", "reboot autoboot");
    }

    @Test
    void aPanicBeforeTheOptionsAreReadHalts() throws Exception {
        kernelTree("spine.panic=reboot");
        Files.delete(root.resolve("proc/self/oom_score_adj"));
        Files.createDirectories(root.resolve("proc/self/oom_score_adj")); // a write there fails: a genesis line, no panic
        var failing = new FakeSyscalls() {
            @Override
            public Result mount(String source, String target, String fstype, long flags, String data) {
                if (fstype.equals("sysfs")) throw new IllegalStateException("mount downcall failed");
                return super.mount(source, target, fstype, flags, data);
            }
        };
        bay0 = new Bay0(new Kernel(root), failing, Clock.systemUTC(), "test", (a, b) -> { }, null);
        bay0.bootOrPanic();
        assertThat(genesis()).contains("oom_score_adj -1000 failed", "PANIC: java.lang.IllegalStateException: mount downcall failed -> halt");
        assertThat(failing.calls.subList(failing.calls.size() - 2, failing.calls.size())).containsExactly("sync", "reboot halt");
        bay0 = null;
    }

    @Test
    void sigtermPowersOffAfterStoppingTheLoop() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        boot();
        onTerm.run();
        awaitLastCalls("sync", "reboot power_off");
        assertThat(Files.readString(root.resolve("persist/spine/genesis.log"))).contains("shutdown (SIGTERM)", "powering off");
        var before = new ArrayList<>(sys.calls);
        onInt.run();
        assertThat(sys.calls).as("a second signal during shutdown does nothing").isEqualTo(before);
    }
    // ---- upgrades (issue 12): the trial boot's verdict, the boot after it, the reboot into a staged candidate ----

    private static final String HASH = "5a5c1c44923ebace3bfd01c2faf814180fa52a990f37b752e8b0f527beed2b34";

    /** The persist disk's database as a test leaves it before a boot: a slot in trial, maybe with a failure. */
    private void slotInTrial(String slot, String hash, java.util.Optional<String> failure) throws Exception {
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root.resolve("persist")), Clock.systemUTC())) {
            store.upgrades().recordSlot(slot, hash, "0.2.0", spine.controller.state.UpgradeRecords.SlotState.TRIAL);
            if (failure.isPresent()) store.upgrades().recordTrialFailure(slot, failure.get());
        }
    }

    private spine.controller.state.UpgradeRecords.Slot slotAfter(String slot) throws Exception {
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root.resolve("persist")), Clock.systemUTC())) {
            return store.upgrades().slots().stream().filter(s -> s.name().equals(slot)).findFirst().orElseThrow();
        }
    }

    /** A stand-in for /usr/bin/spine whose validate prints {@code out} and exits {@code exit}. */
    private Path cli(String out, int exit) throws IOException {
        write("usr/bin/spine-test", "#!/bin/sh\nprintf '" + out + "'\nexit " + exit + "\n");
        root.resolve("usr/bin/spine-test").toFile().setExecutable(true);
        return root.resolve("usr/bin/spine-test");
    }

    /** A podman that answers every call with nothing, so the loop converges at once with no intent. */
    private Path quietPodman() throws IOException {
        write("usr/bin/podman", "#!/bin/sh\ncase \"$1\" in ps) echo '[]' ;; esac\nexit 0\n");
        root.resolve("usr/bin/podman").toFile().setExecutable(true);
        write("usr/share/spine/images/images.txt", "");
        return root.resolve("usr/bin/podman");
    }

    /**
     * The last system calls, once made: genesis says "rebooting" (or "powering off") just before the sync and the
     * reboot(2), so a check right after that line raced them.
     */
    private void awaitLastCalls(String... last) throws Exception {
        for (int i = 0; i < 200; i++) {
            List<String> c = List.copyOf(sys.calls);
            if (c.size() >= last.length && c.subList(c.size() - last.length, c.size()).equals(List.of(last))) break;
            Thread.sleep(50);
        }
        assertThat(List.copyOf(sys.calls)).endsWith(last);
    }

    private void awaitGenesis(String text) throws Exception {
        for (int i = 0; i < 400 && !genesis().contains(text); i++) Thread.sleep(50);
        assertThat(genesis()).contains(text);
    }

    @Test
    void aBootAfterAFailedTrialNacksItsCandidateWithTheTrialsVerdict() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        slotInTrial("B", HASH, java.util.Optional.of("validate RED: log: /persist/spine/spine.log is missing"));
        boot();
        assertThat(genesis()).contains("upgrade: candidate 5a5c1c44923e (version 0.2.0) nacked: validate RED: log: /persist/spine/spine.log is missing");
        assertThat(bootRecord("\"upgrade\"")).as("the boot report says so too")
                .contains("\"upgrade\":[\"upgrade: candidate 5a5c1c44923e (version 0.2.0) nacked: validate RED");
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root.resolve("persist")), Clock.systemUTC())) {
            assertThat(store.upgrades().nack(HASH)).get().satisfies(n -> assertThat(n.reason()).contains("validate RED"));
            assertThat(store.upgrades().slots()).as("the slot's record goes with it").isEmpty();
        }
    }

    @Test
    void aBootAfterATrialThatBeganButNeverJudgedNacksItAsSuch() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        slotInTrial("A", HASH, java.util.Optional.of(spine.controller.state.UpgradeRecords.NO_VERDICT)); // as a trial boot records at its start
        boot();
        assertThat(genesis()).contains("nacked: " + spine.controller.state.UpgradeRecords.NO_VERDICT);
    }

    @Test
    void aCandidateWhoseTrialNeverBeganIsStagedAgainNotNacked() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman");
        slotInTrial("A", HASH, java.util.Optional.empty()); // recorded by spine upgrade; the machine stopped before the kexec
        boot();
        assertThat(genesis()).contains("upgrade: candidate 5a5c1c44923e (version 0.2.0) was never booted (the machine stopped before the kexec into it);"
                + " slot A staged again").doesNotContain("nacked");
        assertThat(slotAfter("A").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.STAGED);
    }

    @Test
    void aGreenTrialPromotesItsCandidate() throws Exception {
        kernelTree("spine.podman=" + quietPodman() + " spine.trial=" + HASH + " spine.cli=" + cli("GREEN\\n", 0));
        slotInTrial("B", HASH, java.util.Optional.empty());
        boot();
        awaitGenesis("trial passed: candidate 5a5c1c44923e promoted (version 0.2.0, slot B)");
        assertThat(genesis().indexOf("converged after boot")).isLessThan(genesis().indexOf("trial passed"));
        assertThat(slotAfter("B").failure()).as("the promotion clears what the trial's start recorded").isEmpty();
        assertThat(slotAfter("B").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.GOOD);
        assertThat(sys.calls).doesNotContain("reboot autoboot");
        assertThat(bootRecord("trial passed")).contains("trial passed: candidate 5a5c1c44923e promoted");
        assertThat(sys.matching("watchdog_")).as("armed for the trial, disarmed by its verdict").containsExactly("watchdog_arm watchdog 300", "watchdog_disarm watchdog");
    }

    @Test
    void aTrialIsJudgedOnceTheBuiltInImagesArePlaced() throws Exception {
        // validate's probe container runs on a built-in image: podman images answers only when the test lets it
        Path release = root.resolve("images-may-answer");
        Path answered = root.resolve("images-answered");
        Path judged = root.resolve("validate-saw");
        write("usr/bin/podman", "#!/bin/sh\ncase \"$1\" in ps) echo '[]' ;; images) while [ ! -e " + release + " ]; do sleep 0.05; done; : > "
                + answered + "; printf 'localhost/spine/busybox:1\\n' ;; esac\nexit 0\n");
        root.resolve("usr/bin/podman").toFile().setExecutable(true);
        write("usr/share/spine/images/images.txt", "localhost/spine/busybox:1 /usr/share/spine/images/busybox.oci.tar\n");
        write("usr/bin/spine-test", "#!/bin/sh\n[ -e " + answered + " ] && echo placed >> " + judged + " || echo not-placed >> " + judged
                + "\nprintf 'GREEN\\n'\nexit 0\n");
        root.resolve("usr/bin/spine-test").toFile().setExecutable(true);
        kernelTree("spine.podman=" + root.resolve("usr/bin/podman") + " spine.trial=" + HASH + " spine.cli=" + root.resolve("usr/bin/spine-test"));
        slotInTrial("B", HASH, java.util.Optional.empty());
        boot();
        awaitGenesis("converged after boot");
        Thread.sleep(500);
        Files.createFile(release);
        awaitGenesis("trial passed: candidate 5a5c1c44923e promoted");
        assertThat(Files.readAllLines(judged)).as("validate ran once, on the placed images").containsExactly("placed");
    }

    @Test
    void theTrialIsTheSlotInTrialEvenWhenTheOtherSlotHoldsTheSameCandidatePromoted() throws Exception {
        kernelTree("spine.podman=" + quietPodman() + " spine.trial=" + HASH + " spine.cli=" + cli("GREEN\\n", 0));
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root.resolve("persist")), Clock.systemUTC())) {
            store.upgrades().recordSlot("A", HASH, "0.2.0", spine.controller.state.UpgradeRecords.SlotState.GOOD);
        }
        slotInTrial("B", HASH, java.util.Optional.empty());
        boot();
        awaitGenesis("trial passed: candidate 5a5c1c44923e promoted (version 0.2.0, slot B)");
    }

    @Test
    void aRedTrialRecordsWhyAndRebootsIntoTheKnownGoodImage() throws Exception {
        kernelTree("spine.podman=" + quietPodman() + " spine.trial=" + HASH + " spine.cli=" + cli("RED\\nlog: /persist/spine/spine.log is missing\\n", 2));
        slotInTrial("B", HASH, java.util.Optional.empty());
        boot();
        awaitGenesis("shutdown: state flushed; rebooting");
        assertThat(genesis()).contains("trial failed: validate RED: log: /persist/spine/spine.log is missing -> rebooting into the known-good image");
        awaitLastCalls("sync", "reboot autoboot");
        var b = slotAfter("B");
        assertThat(b.state()).as("still in trial: the next boot nacks it").isEqualTo(spine.controller.state.UpgradeRecords.SlotState.TRIAL);
        assertThat(b.failure()).contains("validate RED: log: /persist/spine/spine.log is missing");
        assertThat(sys.matching("watchdog_")).as("a failed trial reboots; the reset stops the watchdog").containsExactly("watchdog_arm watchdog 300");
    }

    @Test
    void aTrialWithoutAHardwareWatchdogGoesOnAndSaysSo() throws Exception {
        sys.watchdog = false;
        kernelTree("spine.podman=" + quietPodman() + " spine.trial=" + HASH + " spine.cli=" + cli("GREEN\\n", 0) + " spine.trial_watchdog_ms=90000");
        slotInTrial("B", HASH, java.util.Optional.empty());
        boot();
        awaitGenesis("trial passed: candidate 5a5c1c44923e promoted");
        assertThat(genesis()).contains("no hardware watchdog (/dev/watchdog: errno 2 (ENOENT)): a kernel that wedges now needs a reset by hand");
        assertThat(sys.matching("watchdog_arm")).containsExactly("watchdog_arm watchdog 90");
    }

    /** A slot in trial whose signed manifest does or does not allow YELLOW, booted as its trial with validate YELLOW. */
    private String yellowTrial(boolean allowYellow) throws Exception {
        String hash = stagedCandidate("A", spine.controller.state.UpgradeRecords.SlotState.TRIAL,
                "spine.cli=" + root.resolve("usr/bin/spine-test"), allowYellow);
        cli("YELLOW\\numbilical: no AI tenant configured\\n", 1);
        Files.writeString(root.resolve("proc/cmdline"), Files.readString(root.resolve("proc/cmdline")).strip() + " spine.trial=" + hash + "\n");
        boot();
        return hash;
    }

    @Test
    void aYellowTrialPassesWhenItsSignedManifestAllowsIt() throws Exception {
        String hash = yellowTrial(true);
        awaitGenesis("trial passed: candidate " + hash.substring(0, 12) + " promoted (version 0.2.0, slot A) (validate YELLOW, which its manifest"
                + " allows: umbilical: no AI tenant configured)");
        assertThat(genesis()).contains("GREEN or YELLOW (its manifest allows it) within 120 s promotes it");
        assertThat(slotAfter("A").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.GOOD);
    }

    @Test
    void aYellowTrialFailsByDefault() throws Exception {
        yellowTrial(false);
        awaitGenesis("trial failed: validate YELLOW: umbilical: no AI tenant configured -> rebooting into the known-good image");
        assertThat(slotAfter("A").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.TRIAL);
    }

    @Test
    void aTrialWithoutAVerdictByItsDeadlineFails() throws Exception {
        kernelTree("spine.podman=/nonexistent/podman spine.trial_deadline_ms=1500 spine.trial=" + HASH);
        slotInTrial("A", HASH, java.util.Optional.empty());
        boot();
        awaitGenesis("trial failed: no GREEN validate within 1 s of init complete -> rebooting into the known-good image");
        awaitGenesis("shutdown: state flushed; rebooting");
        awaitLastCalls("sync", "reboot autoboot");
    }

    /** What spine upgrade asks bay0 over the control socket once the slot is recorded in trial. */
    private static com.fasterxml.jackson.databind.node.ObjectNode upgradeBoot(spine.controller.state.SpineRoot persist, String slot, String hash)
            throws Exception {
        try (var client = spine.controller.state.ControlSocket.connect(persist).orElseThrow()) {
            return client.request(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("op", "upgrade-boot")
                    .put("slot", slot).put("hash", hash), java.time.Duration.ofSeconds(30));
        }
    }

    /**
     * A candidate signed with the test key (trusted by this image, whose contract it was verified against), staged in
     * {@code slot} and recorded in {@code state}, as {@code spine upgrade} leaves it. Returns its hash.
     */
    private String stagedCandidate(String slot, spine.controller.state.UpgradeRecords.SlotState state, String cmdline) throws Exception {
        return stagedCandidate(slot, state, cmdline, false);
    }

    private String stagedCandidate(String slot, spine.controller.state.UpgradeRecords.SlotState state, String cmdline, boolean allowYellow)
            throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize(), keys = Path.of("src/test/resources/upgrade");
        write("usr/share/spine/contract.yaml", Files.readString(repo.resolve("images/contract.yaml")));
        write("etc/spine/trust/test.pub", Files.readString(keys.resolve("test.pub")));
        Path pub = Files.createDirectories(root.resolve("medium"));
        Path kernelFile = Files.writeString(pub.resolve("vmlinuz"), "a kernel"), image = pub.resolve("spine.img");
        spine.controller.image.ImageVerifyTest.writeImage(image, true);
        String manifest = spine.controller.image.Candidate.sign(spine.controller.image.Signing.readPrivate(keys.resolve("test.key")),
                spine.controller.image.Signing.readPublic(keys.resolve("test.pub")), "0.2.0", java.util.Optional.empty(),
                repo.resolve("images/contract.yaml"), kernelFile, image, allowYellow);
        kernelTree("spine.podman=" + quietPodman() + " " + cmdline);
        var persist = new spine.controller.state.SpineRoot(root.resolve("persist"));
        String hash;
        try (var store = spine.controller.state.IntentStore.open(persist, Clock.systemUTC())) {
            var slots = new spine.controller.state.Slots(persist);
            var files = new ArrayList<spine.controller.state.Slots.Artifact>();
            for (Path f : List.of(kernelFile, image)) {
                files.add(new spine.controller.state.Slots.Artifact(f, f.getFileName().toString(), java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))), Files.size(f)));
            }
            slots.stage(slot, files, manifest.getBytes());
            Files.writeString(pub.resolve("manifest.json"), manifest);
            var v = (spine.controller.image.Candidate.Verdict.Accepted) spine.controller.image.Candidate.check(pub.resolve("manifest.json"),
                    root.resolve("etc/spine/trust"), "test", true, repo.resolve("images/contract.yaml"));
            hash = v.hash();
            store.upgrades().recordSlot(slot, hash, "0.2.0", state);
        }
        return hash;
    }

    @Test
    void aStagedCandidateIsCheckedAgainLoadedAndBootedWithItsTrialOnTheCommandLine() throws Exception {
        String hash = stagedCandidate("A", spine.controller.state.UpgradeRecords.SlotState.TRIAL, "spine.trial=0ld spine.panic=reboot");
        var persist = new spine.controller.state.SpineRoot(root.resolve("persist"));
        boot();
        awaitGenesis("loop started");
        var reply = upgradeBoot(persist, "A", hash);
        assertThat(reply.path("ok").asBoolean()).as(reply.toString()).isTrue();
        awaitGenesis("shutdown: state flushed; kexec into the candidate");
        assertThat(sys.matching("kexec_file_load")).containsExactly("kexec_file_load " + root.resolve("persist/spine/slots/A/vmlinuz") + " "
                + root.resolve("persist/spine/slots/A/spine.img") + " console=ttyS0 spine.podman=" + root.resolve("usr/bin/podman")
                + " spine.panic=reboot spine.trial=" + hash);
        awaitLastCalls("sync", "reboot kexec");
        assertThat(sys.calls.indexOf("watchdog_arm watchdog 300")).as("armed after the load, before the reboot")
                .isGreaterThan(sys.calls.indexOf(sys.matching("kexec_file_load").getFirst())).isLessThan(sys.calls.indexOf("reboot kexec"));
        assertThat(genesis()).contains("upgrade: candidate " + hash.substring(0, 12) + " (version 0.2.0, slot A) loaded; kexec after a clean shutdown")
                .contains("watchdog armed for 300 s (until the candidate's trial arms it again");
        assertThat(slotAfter("A").failure()).as("a kernel that never reaches its bay0 is the candidate's fault")
                .contains(spine.controller.state.UpgradeRecords.KEXEC_NO_REPORT);
    }

    @Test
    void aSlotThatNoLongerChecksIsNotBootedAndGoesBackToStaged() throws Exception {
        kernelTree("spine.podman=" + quietPodman());
        var persist = new spine.controller.state.SpineRoot(root.resolve("persist"));
        Files.createDirectories(root.resolve("persist/spine/slots/B"));
        Files.writeString(root.resolve("persist/spine/slots/B/manifest.json"), "{\"manifest\": {}, \"key\": \"0\", \"signature\": \"x\"}");
        boot();
        awaitGenesis("loop started");
        slotInTrial("B", HASH, java.util.Optional.empty()); // as spine upgrade records it, just before it asks
        var reply = upgradeBoot(persist, "B", HASH);
        assertThat(reply.path("error").asText()).startsWith("the staged candidate no longer checks (");
        assertThat(sys.matching("kexec_file_load")).isEmpty();
        assertThat(slotAfter("B").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.STAGED);
    }

    @Test
    void theTrialsCommandLineReplacesAnEarlierTrialOrSlot() {
        assertThat(UpgradeBoot.commandLine("console=ttyS0  spine.trial=abc quiet", "spine.trial", "def")).isEqualTo("console=ttyS0 quiet spine.trial=def");
        assertThat(UpgradeBoot.commandLine("console=ttyS0 spine.slot=abc", "spine.trial", "def")).isEqualTo("console=ttyS0 spine.trial=def");
        assertThat(UpgradeBoot.commandLine("", "spine.slot", "def")).isEqualTo("spine.slot=def");
    }

    // ---- a promoted candidate at power-on: the boot loader's image hands over to it with kexec, never in a loop ----

    @Test
    void aBootFromTheBootLoaderHandsOverToThePromotedCandidateWithKexec() throws Exception {
        String hash = stagedCandidate("A", spine.controller.state.UpgradeRecords.SlotState.GOOD, "spine.panic=reboot");
        boot();
        assertThat(genesis()).contains("upgrade: booting the promoted candidate " + hash.substring(0, 12) + " (version 0.2.0, slot A) with kexec"
                + " after a clean shutdown").contains("shutdown: state flushed; kexec into the candidate").doesNotContain("init complete");
        assertThat(sys.matching("kexec_file_load")).containsExactly("kexec_file_load " + root.resolve("persist/spine/slots/A/vmlinuz") + " "
                + root.resolve("persist/spine/slots/A/spine.img") + " console=ttyS0 spine.podman=" + root.resolve("usr/bin/podman")
                + " spine.panic=reboot spine.slot=" + hash);
        awaitLastCalls("sync", "reboot kexec");
        assertThat(slotAfter("A").failure()).as("until the candidate's own bay0 is up").contains(spine.controller.state.UpgradeRecords.POWER_ON_NO_REPORT);
        assertThat(Files.readString(root.resolve("persist/spine/clean-shutdown"))).as("the handover is a clean shutdown").isNotEmpty();
        assertThat(sys.matching("watchdog_")).as("a promoted candidate has passed its trial: no watchdog it might not disarm").isEmpty();
    }

    @Test
    void thePromotedCandidatesOwnBootSaysItIsUp() throws Exception {
        String hash = stagedCandidate("A", spine.controller.state.UpgradeRecords.SlotState.GOOD, "spine.panic=reboot");
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root.resolve("persist")), Clock.systemUTC())) {
            store.upgrades().recordPowerOnBoot("A");
        }
        Files.writeString(root.resolve("proc/cmdline"), Files.readString(root.resolve("proc/cmdline")).strip() + " spine.slot=" + hash + "\n");
        boot();
        assertThat(genesis()).contains("upgrade: running the promoted candidate " + hash.substring(0, 12) + " (version 0.2.0, slot A)")
                .contains("init complete");
        assertThat(sys.matching("kexec_file_load")).isEmpty();
        assertThat(slotAfter("A").failure()).isEmpty();
        assertThat(slotAfter("A").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.GOOD);
    }

    @Test
    void aPromotedCandidateThatDidNotComeUpAtTheLastPowerOnIsNotBootedAgain() throws Exception {
        String hash = stagedCandidate("A", spine.controller.state.UpgradeRecords.SlotState.GOOD, "spine.panic=reboot");
        try (var store = spine.controller.state.IntentStore.open(new spine.controller.state.SpineRoot(root.resolve("persist")), Clock.systemUTC())) {
            store.upgrades().recordPowerOnBoot("A"); // and then the machine was reset: its bay0 never said it was up
        }
        boot();
        assertThat(genesis()).contains("upgrade: the promoted candidate " + hash.substring(0, 12) + " (version 0.2.0, slot A) did not come up when"
                + " the last power-on booted it; slot A staged again and this image runs").contains("init complete");
        assertThat(sys.matching("kexec_file_load")).isEmpty();
        assertThat(slotAfter("A").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.STAGED);
    }

    @Test
    void aPromotedSlotThatNoLongerChecksIsNotBootedAtPowerOn() throws Exception {
        String hash = stagedCandidate("B", spine.controller.state.UpgradeRecords.SlotState.GOOD, "spine.panic=reboot");
        Files.writeString(root.resolve("persist/spine/slots/B/vmlinuz"), "another kernel"); // bit rot, or a hand on the disk
        boot();
        assertThat(genesis()).contains("upgrade: the promoted candidate " + hash.substring(0, 12) + " (version 0.2.0, slot B) is not booted:"
                + " the staged candidate no longer checks (artifact)").contains("init complete");
        assertThat(sys.matching("kexec_file_load")).isEmpty();
        assertThat(slotAfter("B").state()).isEqualTo(spine.controller.state.UpgradeRecords.SlotState.STAGED);
    }
}
