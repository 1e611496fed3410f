package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import spine.controller.PodmanHarness;

/**
 * The spine group, for real: a non-root user whose membership of group spine is supplementary (its primary group is
 * users) applies through spine run's control socket, and the history names its uid; a user outside the group is
 * refused. Real users and group (created here and removed after), real podman, the real jar.
 */
class GroupIT {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String MEMBER = "spineit-member", OUTSIDER = "spineit-outsider";
    private static PodmanHarness podman;
    private static boolean createdGroup;

    private static String sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", argv) + "\n" + out).isZero();
        return out.strip();
    }

    private static boolean ok(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @BeforeAll
    static void usersAndGroup() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
        createdGroup = !ok("getent", "group", "spine");
        if (createdGroup) sh("groupadd", "spine");
        for (String u : List.of(MEMBER, OUTSIDER)) {
            if (ok("id", u)) sh("userdel", u);
        }
        sh("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G", "spine", MEMBER);
        sh("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", OUTSIDER);
    }

    @AfterAll
    static void removeThem() throws Exception {
        for (String u : List.of(MEMBER, OUTSIDER)) ok("userdel", u);
        if (createdGroup) ok("groupdel", "spine");
        podman.reset();
    }

    private record Run(int exit, String out) {}

    private static Run as(String user, Path root, String... args) throws Exception {
        var argv = new ArrayList<>(List.of("runuser", "-u", user, "--", JAVA, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-jar", root.resolve("spine.jar").toString()));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--root", root.toString()));
        Process p = new ProcessBuilder(argv).directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void aSupplementaryMemberAppliesThroughTheSocketAndAnOutsiderIsRefused() throws Exception {
        Path root = PodmanHarness.scratch("group");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(PodmanHarness.JAR, root.resolve("spine.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path spec = Files.writeString(root.resolve("member.yaml"), """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://member"}
                spec: {image: localhost/spine/busybox:1, command: ["sleep", "600"], state: running}
                """);
        Files.setPosixFilePermissions(spec, PosixFilePermissions.fromString("rw-r--r--"));

        Process daemon = podman.spineProcess(root, "run").redirectErrorStream(true).redirectOutput(root.resolve("run.out").toFile()).start();
        try {
            for (int i = 0; i < 300 && !Files.exists(root.resolve("spine/control.sock")); i++) Thread.sleep(100);
            assertThat(root.resolve("spine/control.sock")).exists();
            assertThat(sh("stat", "-c", "%a %G", root.resolve("spine").toString())).isEqualTo("750 spine");
            assertThat(sh("id", "-gn", MEMBER)).as("spine is only a supplementary group").isNotEqualTo("spine");

            Run member = as(MEMBER, root, "apply", "-f", spec.toString());
            assertThat(member.exit()).as(member.out()).isZero();
            assertThat(member.out()).containsPattern("p://member +created +phase=running");
            assertThat(podman.containers().get("p__member")).endsWith(" running");

            // outside the group, the directory alone keeps the user out
            Run outsider = as(OUTSIDER, root, "apply", "-f", spec.toString());
            assertThat(outsider.exit()).as(outsider.out()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(outsider.out()).contains("permission denied");
            // and with the directory and socket opened to everyone, SO_PEERCRED and the groups still refuse
            Files.setPosixFilePermissions(root.resolve("spine"), PosixFilePermissions.fromString("rwxr-x--x"));
            Files.setPosixFilePermissions(root.resolve("spine/control.sock"), PosixFilePermissions.fromString("rw-rw-rw-"));
            Run reached = as(OUTSIDER, root, "apply", "-f", spec.toString());
            assertThat(reached.exit()).as(reached.out()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(reached.out()).contains("permission denied: the control socket takes root or members of group spine");
            assertThat(Files.readString(root.resolve("spine/spine.log"))).contains("control peer refused uid=" + sh("id", "-u", OUTSIDER));
        } finally {
            daemon.destroy();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("spine/intent.db")); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT uid FROM history WHERE name = 'p://member'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("history names who applied").isEqualTo(Long.parseLong(sh("id", "-u", MEMBER)));
            assertThat(rs.next()).as("the outsider's applies left no history").isFalse();
        }
    }
}
