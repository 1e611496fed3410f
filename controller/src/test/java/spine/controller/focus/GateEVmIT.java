package spine.controller.focus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.VmHarness;

/**
 * Gate E in the VM, on one boot: bay0 spawns sway as {@code sys://compositor} from the shipped display examples, and
 * the two foot personas show real windows; sway runs in its own cgroup under its envelope (cpu weight, memory, pids,
 * oom_score_adj), which validate reads back. After each {@code spine focus} the background persona's cgroup is frozen
 * and its {@code cpu.stat} usage stops over 2 s while the foreground's advances, sway's focused window carries the
 * foreground's mark, and a {@code grim} screenshot is a real PNG (saved under {@code target/gate-e/}). A focus while
 * sway hangs (SIGSTOP) is answered and converges once sway runs again. A fake compositor that serves the Wayland
 * socket path first is refused, logged and waited out; the validate check is RED meanwhile, and after it is gone
 * sway is ready again with the focus in intent restored.
 */
class GateEVmIT {
    private static final Duration CMD = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SWAYMSG = "SWAYSOCK=/run/spine/compositor/ipc.sock swaymsg -r -t get_tree";
    private static final Path ARTIFACTS = Path.of("target/gate-e");

    /**
     * A fake compositor for the hijack check: whenever sway's runtime directory is empty (bay0 has just emptied it to
     * spawn sway) it takes the Wayland socket's lock and serves the socket path first, so sway falls back to
     * wayland-2 and bay0 sees a wayland-1 served by a pid that is not sway's.
     */
    private static final String PLANTER = """
            use IO::Socket::UNIX; use IO::Select; use Fcntl qw(:flock);
            $| = 1; my $d = "/run/spine/compositor";
            while (1) {
              select(undef, undef, undef, 0.002);
              next unless -d $d && !-e "$d/ipc.sock" && !-e "$d/wayland-1";
              open(my $l, ">", "$d/wayland-1.lock") or do { print "lock open: $!\\n"; next };
              flock($l, LOCK_EX | LOCK_NB) or do { print "flock: $!\\n"; next };
              my $s = IO::Socket::UNIX->new(Local => "$d/wayland-1", Listen => 128) or do { print "bind: $!\\n"; next };
              my $ino = (stat("$d/wayland-1"))[1];
              print "planted $d/wayland-1\\n";
              my $sel = IO::Select->new($s);
              while (-S "$d/wayland-1" && (stat(_))[1] == $ino) { if ($sel->can_read(0.01)) { my $c = $s->accept; close $c if $c } }
              print "our socket is gone; watching again\\n";
            }
            """;

    @BeforeAll
    static void image() throws Exception {
        VmHarness.ensureImage();
    }

    /** The marks of the window sway says is focused, or empty when no window has the focus. */
    static Optional<List<String>> focusedMarks(JsonNode node) {
        if (node.path("focused").asBoolean() && node.has("pid")) {
            var marks = new ArrayList<String>();
            node.path("marks").forEach(m -> marks.add(m.asText()));
            return Optional.of(marks);
        }
        for (String children : List.of("nodes", "floating_nodes")) {
            for (JsonNode c : node.path(children)) {
                Optional<List<String>> found = focusedMarks(c);
                if (found.isPresent()) return found;
            }
        }
        return Optional.empty();
    }

    /** The marks of every window in the tree. */
    static List<String> windowMarks(JsonNode node) {
        var out = new ArrayList<String>();
        if (node.has("pid")) node.path("marks").forEach(m -> out.add(m.asText()));
        for (String children : List.of("nodes", "floating_nodes")) node.path(children).forEach(c -> out.addAll(windowMarks(c)));
        return out;
    }

    /** The marks of sway's windows once both example personas' windows carry theirs, or when {@code bound} passes. */
    static List<String> awaitMarked(VmHarness vm, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        List<String> marks = List.of();
        while (System.nanoTime() < deadline && !(marks.contains("p://work") && marks.contains("p://games"))) {
            String tree = vm.shell(SWAYMSG, CMD);
            if (tree.contains("{")) marks = windowMarks(JSON.readTree(tree.substring(tree.indexOf('{'))));
            Thread.sleep(1000);
        }
        return marks;
    }

    /** Waits until the background is frozen, the foreground thawed and sway's focused window is the foreground's. */
    private static void awaitSwitched(VmHarness vm, String fg, String bg, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            // the cgroups are looked up each time: a persona whose foot lost its compositor is a new container
            last = vm.shell("cg() { echo /sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$(podman inspect --format '{{.State.Pid}}' $1)/cgroup); }; "
                    + "grep frozen $(cg " + bg.replace("p://", "p__") + ")/cgroup.events; grep frozen $(cg " + fg.replace("p://", "p__")
                    + ")/cgroup.events; " + SWAYMSG, CMD);
            int brace = last.indexOf('{');
            if (brace > 0 && last.startsWith("frozen 1\nfrozen 0\n")) {
                Optional<List<String>> marks = focusedMarks(JSON.readTree(last.substring(brace)));
                if (marks.isPresent() && marks.get().contains(fg)) return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("focus " + fg + " did not converge within " + bound + "; last look: "
                + last.substring(0, Math.min(400, last.length())) + "\nspine.log:\n"
                + vm.shell("tail -n 30 /persist/spine/spine.log | cut -c1-300", CMD));
    }

    /** CPU time (µs) each persona's cgroup used over 2 s, foreground first. */
    private static long[] cpuOverTwoSeconds(VmHarness vm, String fg, String bg) throws Exception {
        String f = vm.cgroupOf(fg.replace("p://", "p__")) + "/cpu.stat", b = vm.cgroupOf(bg.replace("p://", "p__")) + "/cpu.stat";
        String out = vm.shell("u() { sed -n 's/^usage_usec //p' $1; }; f0=$(u " + f + "); b0=$(u " + b + "); sleep 2; "
                + "echo CPU $(( $(u " + f + ") - f0 )) $(( $(u " + b + ") - b0 ))", CMD);
        String[] w = out.substring(out.indexOf("CPU ") + 4).strip().split("\\s+");
        return new long[] {Long.parseLong(w[0]), Long.parseLong(w[1])};
    }

    /** A grim screenshot of the compositor's output, copied out of the VM and kept as a test artifact. */
    private static byte[] screenshot(VmHarness vm, String name) throws Exception {
        String png = "/tmp/" + name + ".png";
        assertThat(vm.shell("XDG_RUNTIME_DIR=/tmp WAYLAND_DISPLAY=/run/spine/compositor/wayland-1 grim " + png + "; echo exit=$?", CMD))
                .contains("exit=0");
        byte[] bytes = vm.readBytes(png);
        Files.createDirectories(ARTIFACTS);
        Files.write(ARTIFACTS.resolve(name + ".png"), bytes);
        System.out.println("Gate E, screenshot " + ARTIFACTS.resolve(name + ".png").toAbsolutePath() + " (" + bytes.length + " bytes)");
        return bytes;
    }

    private static void switchTo(VmHarness vm, String fg, String bg, int n) throws Exception {
        String focus = vm.shell("spine focus " + fg + "; echo exit=$?", CMD);
        assertThat(focus).contains("exit=0").contains("focus " + fg + " recorded; the converger switches");
        awaitSwitched(vm, fg, bg, Duration.ofSeconds(120));
        long[] cpu = cpuOverTwoSeconds(vm, fg, bg);
        System.out.println("Gate E, switch " + n + " to " + fg + ": cpu over 2 s foreground " + cpu[0] + " us, background " + cpu[1] + " us");
        assertThat(cpu[0]).as("the foreground " + fg + " burns CPU").isGreaterThan(100_000);
        assertThat(cpu[1]).as("the frozen background " + bg + " burns none").isZero();
        byte[] png = screenshot(vm, "switch-" + n + "-" + fg.replace("p://", ""));
        assertThat(png.length).isGreaterThan(1000);
        assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void focusFreezesTheBackgroundAndSwayShowsTheForeground(@TempDir Path dir) throws Exception {
        try (VmHarness vm = VmHarness.bootToShell(dir, Duration.ofSeconds(1800), "localhost/spine/foot:1")) {

            String apply = vm.shell("spine apply -f /usr/share/spine/display; echo exit=$?", Duration.ofSeconds(600));
            System.out.println("Gate E, apply in the VM:\n" + apply);
            assertThat(apply).contains("exit=0").containsPattern("tenant +sys://compositor +created +phase=running");
            String spawn = vm.shell("grep 'step=spawn' /persist/spine/spine.log | cut -c1-300", CMD);
            System.out.println("Gate E, compositor spawn: " + spawn);
            assertThat(spawn).containsPattern("step done .*target=sys://compositor step=spawn .*detail=sway 1.7 pid [0-9]+ ready in");
            assertThat(vm.shell("ps -o user,args | grep '[s]way -c'", CMD)).as("sway runs unprivileged").startsWith("spine-co");

            // both windows appear, each marked with its persona and on its own workspace
            assertThat(awaitMarked(vm, Duration.ofSeconds(120))).as("the marks of sway's windows").contains("p://work", "p://games");

            // validate connects to the Wayland socket and checks that sway's pid serves it
            JsonNode checks = JSON.readTree(vm.shell("spine validate -o json", CMD).strip()).path("checks");
            JsonNode compositor = null;
            for (JsonNode c : checks) if (c.path("component").asText().equals("compositor")) compositor = c;
            assertThat(compositor).as("validate's compositor check in " + checks).isNotNull();
            assertThat(compositor.path("verdict").asText()).as(compositor.toString()).isEqualTo("GREEN");
            assertThat(compositor.path("reason").asText()).contains("SO_PEERCRED checked");
            // sway's envelope (specs/display/compositor.yaml) holds on the cgroup bay0 moved it into
            String swayEnvelope = vm.shell("p=$(pidof sway); cd /sys/fs/cgroup/spine.compositor && cat /proc/$p/cgroup /proc/$p/oom_score_adj"
                    + " cpu.weight memory.max pids.max | sed 's/^/envelope: /'", CMD);
            System.out.println("Gate E, the compositor's envelope:\n" + swayEnvelope);
            assertThat(swayEnvelope.lines().map(String::strip).toList()).contains("envelope: 0::/spine.compositor", "envelope: -500",
                    "envelope: 400", "envelope: 536870912", "envelope: 256");
            JsonNode envelopes = null;
            for (JsonNode c : checks) if (c.path("component").asText().equals("envelopes")) envelopes = c;
            assertThat(envelopes).as("validate's envelopes check in " + checks).isNotNull();
            assertThat(envelopes.path("verdict").asText()).as(envelopes.toString()).isEqualTo("GREEN");
            assertThat(envelopes.path("reason").asText()).contains("and the compositor enforce their envelopes");

            switchTo(vm, "p://work", "p://games", 1);
            switchTo(vm, "p://games", "p://work", 2);
            String get = vm.shell("spine get focus", CMD);
            System.out.println("Gate E, spine get focus:\n" + get);
            assertThat(get).contains("desired   p://games").contains("p://work  frozen").contains("focused window of p://games");

            // sway hangs: the request is still answered, and the switch happens once sway runs again
            vm.shell("kill -STOP $(pidof sway)", CMD);
            String hung = vm.shell("spine focus p://work; echo exit=$?", CMD);
            assertThat(hung).contains("exit=0").contains("focus p://work recorded; the converger switches");
            vm.shell("sleep 3; kill -CONT $(pidof sway)", CMD);
            awaitSwitched(vm, "p://work", "p://games", Duration.ofSeconds(120));

            // a fake compositor serves the Wayland socket path before sway can: refused, logged, waited out
            vm.writeFile("/tmp/plant.pl", PLANTER);
            assertThat(vm.shell("podman run -d --name plant --network none -v /run/spine:/run/spine -v /tmp/plant.pl:/plant.pl:ro "
                    + "localhost/spine/tools:1 perl /plant.pl >/dev/null; echo exit=$?", CMD)).contains("exit=0");
            vm.shell("sleep 2; kill -KILL $(pidof sway)", CMD);
            String refused = "";
            for (int i = 0; i < 60 && refused.isBlank(); i++) {
                // prefixed: the harness drops console lines that look like bay0's own WARN lines
                refused = vm.shell("grep 'compositor socket refused' /persist/spine/spine.log | cut -c1-300 | sed 's/^/log: /'", CMD).strip();
                if (refused.isBlank()) Thread.sleep(1000);
            }
            System.out.println("Gate E, planted socket: " + refused + "\n" + vm.shell("podman logs plant", CMD));
            assertThat(refused).contains("/run/spine/compositor/wayland-1 is served by pid").contains("not by the compositor bay0 spawned");
            JsonNode red = JSON.readTree(vm.shell("spine validate -o json", CMD).strip()).path("checks");
            for (JsonNode c : red) {
                if (c.path("component").asText().equals("compositor")) assertThat(c.path("verdict").asText()).as(c.toString()).isEqualTo("RED");
            }
            vm.shell("podman rm -f -t 0 plant", CMD);
            // the next spawn (after this one's 20 s bound and a back-off) is ready, and the focus in intent comes back
            awaitSwitched(vm, "p://work", "p://games", Duration.ofSeconds(240));
            assertThat(vm.shell("grep -c 'compositor ready pid=' /persist/spine/spine.log", CMD).strip()).isNotEqualTo("1");

            vm.type("kill -TERM 1");
            assertThat(vm.waitForExit(Duration.ofSeconds(120))).isTrue();
            assertThat(vm.serialLog()).contains("bay0: shutdown: no state flush in progress");
        }
    }
}
