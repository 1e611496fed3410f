package spine.controller.state;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A new, empty database gets the whole schema without Flyway: every migration under {@code db/migration} run in one
 * transaction, and Flyway's history table written as Flyway writes it (same table, same rows, same checksums), so a
 * later Flyway migration of this database sees every version applied and validates them. Flyway's start (its class
 * loading and the scan of the classpath) was 2.2 of the first boot's 2.3 s under TCG; the migrations themselves take
 * 75 ms. A database that has any table goes through Flyway as before: only a new file is made this way.
 */
final class FreshSchema {
    /** The migrations, oldest first; a test checks that this is exactly the directory's content. */
    static final List<String> MIGRATIONS = List.of("V1__intent_status_history.sql", "V2__boot_hold.sql", "V3__crash_loop.sql",
            "V4__focus.sql", "V5__upgrade.sql");
    static final String LOCATION = "db/migration/";

    /** Flyway 11's history table on SQLite, as its SQLiteTable creates it (a test compares with a Flyway-made one). */
    private static final String HISTORY_TABLE = """
            CREATE TABLE "flyway_schema_history" (
                "installed_rank" INT NOT NULL PRIMARY KEY,
                "version" VARCHAR(50),
                "description" VARCHAR(200) NOT NULL,
                "type" VARCHAR(20) NOT NULL,
                "script" VARCHAR(1000) NOT NULL,
                "checksum" INT,
                "installed_by" VARCHAR(100) NOT NULL,
                "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
                "execution_time" INT NOT NULL,
                "success" BOOLEAN NOT NULL
            )""";
    private static final String HISTORY_INDEX = "CREATE INDEX \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" (\"success\")";

    private FreshSchema() {}

    /** Whether the database has no table at all: a file SQLite just made. */
    static boolean isEmpty(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            return rs.next() && rs.getInt(1) == 0;
        }
    }

    /** Creates the schema and the history in one transaction; nothing of it is left when any part fails. */
    static void create(Connection c) throws SQLException {
        create(c, MIGRATIONS.stream().map(m -> LOCATION + m).toList());
    }

    /** The same from the scripts at these classpath paths, in this order (tests give others). */
    static void create(Connection c, List<String> resources) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(HISTORY_TABLE);
            s.execute(HISTORY_INDEX);
            int rank = 1;
            for (String path : resources) {
                String script = path.substring(path.lastIndexOf('/') + 1);
                String sql = resource(path);
                long t0 = System.nanoTime();
                // sqlite3_exec runs every statement of the script, triggers' BEGIN ... END included, inside the
                // transaction setAutoCommit(false) began
                int rc = c.unwrap(org.sqlite.SQLiteConnection.class).getDatabase()._exec(sql);
                if (rc != 0) throw new SQLException("migration " + script + " failed with SQLite result " + rc);
                int ms = (int) ((System.nanoTime() - t0) / 1_000_000);
                try (PreparedStatement p = c.prepareStatement("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\","
                        + " \"description\", \"type\", \"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\")"
                        + " VALUES (?, ?, ?, 'SQL', ?, ?, '', ?, 1)")) {
                    p.setInt(1, rank++);
                    p.setString(2, version(script));
                    p.setString(3, description(script));
                    p.setString(4, script);
                    p.setInt(5, checksum(sql));
                    p.setInt(6, ms);
                    p.executeUpdate();
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** "V3__crash_loop.sql" → "3". */
    static String version(String script) {
        return script.substring(1, script.indexOf("__"));
    }

    /** "V3__crash_loop.sql" → "crash loop", as Flyway describes it. */
    static String description(String script) {
        return script.substring(script.indexOf("__") + 2, script.length() - ".sql".length()).replace('_', ' ');
    }

    /** Flyway's checksum: a CRC32 of the script's lines, each without its line break, the first without a BOM. */
    static int checksum(String sql) {
        var crc = new CRC32();
        try (var r = new BufferedReader(new java.io.StringReader(sql))) {
            String line = r.readLine();
            if (line != null && line.startsWith("\uFEFF")) line = line.substring(1);
            for (; line != null; line = r.readLine()) crc.update(line.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("reading a string", e);
        }
        return (int) crc.getValue();
    }

    static String resource(String path) {
        try (InputStream in = FreshSchema.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("migration " + path + " is not in the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("reading migration " + path, e);
        }
    }
}
