package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The build host's {@code ./spine}: it makes the AOT cache for the jar it runs once, uses it on every later start (the
 * JVM says it mapped it), makes it again after the jar changed, and runs without it when told to.
 */
class LauncherIT {
    private static final Path REPO = Path.of(System.getProperty("spine.repo", "..")).toAbsolutePath().normalize();
    private static final Path JAR = REPO.resolve("controller/target/spine.jar");
    private static final Path CACHE = REPO.resolve("controller/target/aot/spine.aot");

    private record Run(int exit, String out) {}

    private static Run spine(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var argv = new java.util.ArrayList<>(List.of(REPO.resolve("spine").toString()));
        argv.addAll(List.of(args));
        var pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void theCacheIsMadeOncePerJarAndMappedOnEveryStart() throws Exception {
        Map<String, String> log = Map.of("SPINE_JAVA_OPTS", "-Xlog:aot=info");
        Run first = spine(log, "version");
        assertThat(first.exit()).as(first.out()).isZero();
        assertThat(CACHE).exists();
        assertThat(Files.getLastModifiedTime(CACHE)).isGreaterThanOrEqualTo(Files.getLastModifiedTime(JAR));

        Run again = spine(log, "version");
        assertThat(again.out()).contains("Opened AOT cache " + CACHE).doesNotContain("making the AOT cache").contains("spine ");

        // a rebuilt jar: the stale cache would be ignored by the JVM, so the launcher makes a new one first
        Files.setLastModifiedTime(JAR, FileTime.from(Instant.now().plusSeconds(2)));
        Run rebuilt = spine(log, "version");
        assertThat(rebuilt.out()).contains("making the AOT cache for " + JAR).contains("Opened AOT cache " + CACHE);
        assertThat(Files.getLastModifiedTime(CACHE)).isGreaterThanOrEqualTo(Files.getLastModifiedTime(JAR));

        Run off = spine(Map.of("SPINE_AOT", "off", "SPINE_JAVA_OPTS", "-Xlog:aot=info"), "version");
        assertThat(off.exit()).isZero();
        assertThat(off.out()).doesNotContain("Opened AOT cache");
    }
}
