package spine.controller;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives a Spine VM for *VmIT tests: builds the image once per test JVM (scripts/mkspine.sh), boots it with
 * scripts/boot-qemu.sh, reads the serial log, and types into the serial shell. Later gates (AI tenant,
 * switcher, upgrades) use the same class.
 */
public final class VmHarness implements AutoCloseable {
    public static final Path REPO = PodmanHarness.REPO;
    private static boolean built;

    private final Process qemu;
    private final Path serial;
    private final Path qemuOut;
    private final OutputStream console;

    private VmHarness(Process qemu, Path serial, Path qemuOut) {
        this.qemu = qemu;
        this.serial = serial;
        this.qemuOut = qemuOut;
        this.console = qemu.getOutputStream();
    }

    public static synchronized boolean isBuilt() {
        return built;
    }

    /** Builds ./vmlinuz and build/spine.img once per JVM. */
    public static synchronized void ensureImage() throws IOException, InterruptedException {
        if (!built) build();
    }

    /** Builds the image now (scripts/mkspine.sh); returns the build log. */
    public static synchronized String build() throws IOException, InterruptedException {
        String log = run(List.of(REPO.resolve("scripts/mkspine.sh").toString()), Duration.ofMinutes(10));
        built = true;
        return log;
    }

    public static String run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        return run(argv, timeout, java.util.Map.of());
    }

    public static String run(List<String> argv, Duration timeout, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        var pb = new ProcessBuilder(argv).directory(REPO.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process died; what was read is what we report
            }
        });
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(argv + " timed out after " + timeout);
        }
        reader.join(5_000);
        if (p.exitValue() != 0) throw new IllegalStateException(argv + " failed (exit " + p.exitValue() + "):\n" + out);
        return out.toString();
    }

    /** A fresh persist disk in {@code dir}; each {@code FILE:DEST} of {@code copies} is put on it (mkpersist --copy). */
    public static Path persistDisk(Path dir, String... copies) throws IOException, InterruptedException {
        Path img = dir.resolve("persist.img");
        var argv = new ArrayList<>(List.of(REPO.resolve("scripts/mkpersist.sh").toString(), "--size", "1G", "--force"));
        for (String c : copies) {
            argv.add("--copy");
            argv.add(c);
        }
        argv.add(img.toString());
        run(argv, Duration.ofMinutes(2));
        return img;
    }

    /** Boots the image; {@code bootArgs} go to scripts/boot-qemu.sh (e.g. --persist none, --throttle-bps 1). */
    public static VmHarness boot(Path workDir, Duration timeout, String... bootArgs) throws IOException {
        Path serial = workDir.resolve("serial.log");
        var argv = new ArrayList<>(List.of(REPO.resolve("scripts/boot-qemu.sh").toString(),
                "--timeout", Long.toString(timeout.toSeconds()), "--serial-log", serial.toString()));
        argv.addAll(List.of(bootArgs));
        Path out = workDir.resolve("qemu.out");
        Process p = new ProcessBuilder(argv).directory(REPO.toFile()).redirectOutput(out.toFile()).redirectErrorStream(true).start();
        return new VmHarness(p, serial, out);
    }

    /**
     * The preamble of a VM test on a fresh persist disk: boots (QEMU lives at most {@code life}), waits for
     * {@code init complete} and the console shell, then for each built-in image named (bay0 loads them into podman
     * after init complete, on its own thread). Each wait fails the test with the serial log's tail.
     */
    public static VmHarness bootToShell(Path dir, Duration life, String... images) throws IOException, InterruptedException {
        return bootToShell(dir, life, List.of(), images);
    }

    /** As {@link #bootToShell(Path, Duration, String...)}, with host files put on the persist disk first. */
    public static VmHarness bootToShell(Path dir, Duration life, List<String> copies, String... images)
            throws IOException, InterruptedException {
        VmHarness vm = boot(dir, life, "--persist", persistDisk(dir, copies.toArray(String[]::new)).toString());
        try {
            vm.await("bay0: init complete", Duration.ofSeconds(300));
            vm.await("spine# ", Duration.ofSeconds(60));
            for (String image : images) {
                if (!vm.imageLoaded(image, 30)) throw new AssertionError("built-in image " + image + " never loaded; serial log:\n"
                        + tail(vm.serialLog(), 4000));
            }
            return vm;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            vm.close();
            throw e;
        }
    }

    public String serialLog() throws IOException {
        return Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
    }

    /** The guest kernel's watchdog: a CPU stuck in kernel code this long is wedged, not slow (THREATMODEL). */
    private static final Pattern WEDGED = Pattern.compile("soft lockup - CPU#\\d+ stuck for ([6-9]\\d|\\d{3,})s! \\[[^\\]]*\\]");

    /**
     * Waits until the serial log matches {@code regex}; returns the first match. A guest kernel that reports a CPU
     * stuck for a minute fails the wait at once, saying so, rather than after the whole timeout.
     */
    public String await(String regex, Duration timeout) throws IOException, InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String log = serialLog();
            Matcher m = p.matcher(log);
            if (m.find()) return m.group();
            Matcher wedged = WEDGED.matcher(log);
            if (wedged.find()) {
                throw new AssertionError("the guest kernel wedged (" + wedged.group() + ") while waiting for /" + regex
                        + "/: kernel soft lockups under TCG, see THREATMODEL; serial log:\n" + tail(log, 4000));
            }
            if (!qemu.isAlive()) break;
            Thread.sleep(200);
        }
        Matcher m = p.matcher(serialLog());
        if (m.find()) return m.group();
        throw new AssertionError("serial log never matched /" + regex + "/ within " + timeout
                + (qemu.isAlive() ? "" : " (QEMU exited)") + "; " + hostNote() + "; serial log:\n" + tail(serialLog(), 4000));
    }

    /**
     * What the host says at a failed wait: boot-qemu's and QEMU's own lines (not the serial copy), the exit status,
     * and the host's load and free memory. A guest silent after its firmware (CI once saw nothing past SeaBIOS for
     * five minutes) is told apart from a busy or starved host by these.
     */
    private String hostNote() {
        var note = new StringBuilder(qemu.isAlive() ? "QEMU running" : "QEMU exit " + qemu.exitValue());
        try {
            if (Files.exists(qemuOut)) {
                Files.readString(qemuOut, StandardCharsets.ISO_8859_1).lines()
                        .filter(l -> l.startsWith("boot-qemu:") || l.startsWith("qemu-system")).forEach(l -> note.append("; ").append(l));
            }
            note.append("; host loadavg ").append(Files.readString(Path.of("/proc/loadavg")).strip());
            Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemAvailable:"))
                    .forEach(l -> note.append("; host ").append(l.replaceAll("\\s+", " ")));
        } catch (IOException e) {
            note.append("; host state unreadable: ").append(e.getMessage());
        }
        return note.toString();
    }

    /**
     * {@code /run/spine/boot.json} as the guest has it. bay0 writes the boot record on a thread of its own, which the boot
     * does not wait for (BootRecord): the shell can be up before the first write lands (CI saw "No such file" once,
     * Gate A without a disk), so this waits up to 10 s for the file to be there.
     */
    public String bootRecord() throws IOException, InterruptedException {
        return shell("i=0; while [ ! -s /run/spine/boot.json ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;"
                + " cat /run/spine/boot.json", Duration.ofSeconds(60));
    }

    /** Types a command line into the serial shell. */
    public void type(String line) throws IOException {
        console.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        console.flush();
    }

    /** Runs a shell command in the VM and returns its output, framed by unique markers. */
    public String shell(String command, Duration timeout) throws IOException, InterruptedException {
        String tag = "M" + Long.toHexString(System.nanoTime());
        type("echo " + tag + "-BEGIN; " + command + "; echo " + tag + "-END");
        // END may follow output that lacks a final newline, so it is not anchored to a line start
        String m = await("(?s)^" + tag + "-BEGIN\\r?\\n(.*?)" + tag + "-END", timeout);
        String out = m.substring(m.indexOf('\n') + 1, m.lastIndexOf(tag + "-END")).replace("\r", "");
        return CONSOLE_NOISE.matcher(out).replaceAll("");
    }

    /**
     * bay0 writes genesis lines and warnings to the same console at any moment; they are removed from a
     * command's output (they stay in the serial log) so that, for example, JSON output still parses.
     */
    private static final Pattern CONSOLE_NOISE = Pattern.compile(
            "(?m)^\\[\\s*[0-9.]+\\] bay0: .*\\n|^\\d{4}-\\d\\d-\\d\\dT\\S+Z (WARN|ERROR) .*\\n");

    /**
     * A persona spec for VM tests: the built-in busybox image, a loop that exits on SIGTERM, running with
     * autostart; {@code token} lands in its env, so each apply can change it and tests can tell applies apart.
     */
    public static String persona(String name, String token) {
        return """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://%s"}
                spec:
                  image: localhost/spine/busybox:1
                  command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
                  env: {TOKEN: "%s"}
                  state: running
                  autostart: true
                """.formatted(name, token);
    }

    /** Writes a text file in the VM through the shell, quoting each line for sh. */
    public void writeFile(String path, String content) throws IOException, InterruptedException {
        var sb = new StringBuilder("printf '%s\\n'");
        String body = content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        for (String line : body.split("\n", -1)) {
            sb.append(" '").append(line.replace("'", "'\\''")).append('\'');
        }
        sb.append(" > ").append(path);
        shell(sb.toString(), Duration.ofSeconds(30));
    }

    /**
     * Writes a binary file in the VM through the shell, in base64 lines short enough that the emulated UART drops
     * nothing (lines of 2,000 characters lost some), and checks its MD5 there.
     */
    public void writeBytes(String path, byte[] bytes) throws IOException, InterruptedException {
        String b64 = java.util.Base64.getEncoder().encodeToString(bytes), file = quoted(path), part = quoted(path + ".b64");
        shell(": > " + part, Duration.ofSeconds(30));
        for (int i = 0; i < b64.length(); i += 500) {
            shell("echo " + b64.substring(i, Math.min(b64.length(), i + 500)) + " >> " + part, Duration.ofSeconds(30));
        }
        shell("base64 -d " + part + " > " + file + " && rm " + part, Duration.ofSeconds(30));
        String got = shell("md5sum " + file, Duration.ofSeconds(30)).strip().split("\\s+")[0];
        try {
            String want = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
            if (!got.equals(want)) throw new IOException("writing " + path + " in the VM: md5 " + got + ", expected " + want);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A path as one shell word, taken literally ({@code Outer$Inner.class} is not a variable). */
    static String quoted(String path) {
        return "'" + path.replace("'", "'\\''") + "'";
    }

    /** Reads a file of the VM through the shell, base64-encoded on the console (small files: screenshots, logs). */
    public byte[] readBytes(String path) throws IOException, InterruptedException {
        String want = shell("md5sum " + path, Duration.ofSeconds(60)).strip().split("\\s+")[0];
        for (int attempt = 1; ; attempt++) {
            // a console line of bay0's landing inside the output spoils it; the checksum tells, and a second read mends it
            String b64 = shell("base64 " + path, Duration.ofSeconds(120));
            byte[] bytes = java.util.Base64.getMimeDecoder().decode(b64.replaceAll("[^A-Za-z0-9+/=]", ""));
            try {
                String got = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
                if (got.equals(want) || attempt == 3) return bytes;
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The cgroup directory of a container's main pid, as the VM's kernel names it. */
    public String cgroupOf(String container) throws IOException, InterruptedException {
        return shell("echo /sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$(podman inspect --format '{{.State.Pid}}' " + container
                + ")/cgroup)", Duration.ofSeconds(180)).strip();
    }

    /** Polls the VM's podman until {@code ref} is in its storage (bay0 loads built-in images after init complete). */
    public boolean imageLoaded(String ref, int attempts) throws IOException, InterruptedException {
        for (int i = 0; i < attempts; i++) {
            if (shell("podman image exists " + ref + " && echo yes || echo no", Duration.ofSeconds(60)).contains("yes")) return true;
        }
        return false;
    }

    /** The genesis lines seen so far, in order, without their uptime prefix. */
    public List<String> genesis() throws IOException {
        var out = new ArrayList<String>();
        Matcher m = Pattern.compile("\\[\\s*([0-9.]+)\\] bay0: (.*?)\\r?$", Pattern.MULTILINE).matcher(serialLog());
        while (m.find()) out.add(m.group(2));
        return out;
    }

    /** "uptime  line" pairs for printing the boot timeline. */
    public String timeline() throws IOException {
        var sb = new StringBuilder();
        Matcher m = Pattern.compile("\\[\\s*([0-9.]+)\\] bay0: (.*?)\\r?$", Pattern.MULTILINE).matcher(serialLog());
        while (m.find()) sb.append(String.format("%9s s  %s%n", m.group(1), m.group(2)));
        return sb.toString();
    }

    public boolean waitForExit(Duration timeout) throws InterruptedException {
        return qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Hard power-off: SIGKILL to QEMU and its children, no shutdown. */
    public void kill() {
        qemu.descendants().forEach(ProcessHandle::destroyForcibly);
        qemu.destroyForcibly();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
        qemu.waitFor(10, TimeUnit.SECONDS);
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }
}
