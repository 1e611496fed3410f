package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only commands never write the database: on a database with an older schema, {@code diff}, {@code get}
 * and {@code validate} refuse with exit 3 and say how to migrate, and the file is byte for byte what it was.
 * Real SQLite, migrated by the real Flyway to schema 1.
 */
class ReadOnlyIT {
    @TempDir Path root;
    @TempDir Path specs;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int spine(String... args) {
        var argv = new java.util.ArrayList<>(List.of(args));
        argv.addAll(List.of("--root", root.toString()));
        return new Cli(Map.of("SPINE_PODMAN", "/nonexistent/podman"), Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(argv);
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    private Path versionOneDatabase() throws Exception {
        Files.createDirectories(root.resolve("spine"));
        Path db = root.resolve("spine/intent.db");
        String url = "jdbc:sqlite:" + db;
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").target("1").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 1");
            st.execute("INSERT INTO intent VALUES ('persona', 'p://old', '{\"apiVersion\":\"spine/v1\",\"kind\":\"Persona\","
                    + "\"metadata\":{\"name\":\"p://old\"},\"spec\":{\"image\":\"img\"}}', 'h', 1, '2026-01-01T00:00:00Z')");
        }
        return db;
    }

    @Test
    void readOnlyCommandsRefuseAnOldSchemaAndWriteNothing() throws Exception {
        Path db = versionOneDatabase();
        String before = sha256(db);
        Path f = Files.writeString(specs.resolve("e.yaml"), "apiVersion: spine/v1\nkind: Envelope\nmetadata: {name: small}\n---\n");
        for (List<String> command : List.of(List.of("diff", "-f", f.toString()), List.of("get"), List.of("get", "-o", "json"),
                List.of("validate", "--budget", "2s"))) {
            err.reset();
            assertThat(spine(command.toArray(String[]::new))).as("spine %s", command).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(err.toString(StandardCharsets.UTF_8)).as("spine %s", command)
                    .contains("has schema 1", "run spine apply or reboot to migrate");
            assertThat(sha256(db)).as("intent.db after spine %s", command).isEqualTo(before);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'hold'")) {
            assertThat(rs.getInt(1)).as("schema 2's hold table").isZero();
        }
    }
}
