package spine.controller.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema's migrations and the one way they run: every script above the database's version, oldest first, in one
 * transaction that also sets {@code PRAGMA user_version}, so a database is at one version or the next, never between.
 * A database's version is its {@code user_version}; one an older Spine made with Flyway before the version was
 * mirrored there has 0 and says it in Flyway's history table, which stays as it is (docs/ARCHITECTURE.md: why not
 * Flyway).
 */
final class Migrations {
    /** Oldest first; a test checks that this is exactly the directory's content. */
    static final List<String> SCRIPTS = List.of("V1__intent_status_history.sql", "V2__boot_hold.sql", "V3__crash_loop.sql",
            "V4__focus.sql", "V5__upgrade.sql");
    static final String LOCATION = "db/migration/";

    private Migrations() {}

    /** The schema version of a database: its user_version, else the newest version Flyway's history says it applied. */
    static int version(Connection c) throws SQLException {
        int mirrored = userVersion(c);
        if (mirrored != 0) return mirrored;
        try (Statement s = c.createStatement();
             ResultSet t = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'flyway_schema_history'")) {
            if (!t.next() || t.getInt(1) == 0) return 0;
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Brings a database at version {@code from} to the newest; nothing of it is left when any script fails. */
    static void migrate(Connection c, int from) throws SQLException {
        run(c, SCRIPTS.stream().filter(s -> version(s) > from).map(s -> LOCATION + s).toList());
    }

    /** The scripts at these classpath paths, in this order, then user_version set to the last one's version. */
    static void run(Connection c, List<String> resources) throws SQLException {
        if (resources.isEmpty()) return;
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            int version = 0;
            for (String path : resources) {
                String script = path.substring(path.lastIndexOf('/') + 1);
                // sqlite3_exec runs every statement of the script, triggers' BEGIN ... END included, inside the
                // transaction setAutoCommit(false) began
                int rc;
                try {
                    rc = c.unwrap(org.sqlite.SQLiteConnection.class).getDatabase()._exec(resource(path));
                } catch (SQLException e) {
                    throw new SQLException("migration " + script + " failed: " + e.getMessage(), e);
                }
                if (rc != 0) throw new SQLException("migration " + script + " failed with SQLite result " + rc);
                version = version(script);
            }
            s.execute("PRAGMA user_version = " + version); // in the transaction: it commits with the scripts or not at all
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** "V3__crash_loop.sql" → 3. */
    static int version(String script) {
        return Integer.parseInt(script.substring(1, script.indexOf("__")));
    }

    private static String resource(String path) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("migration " + path + " is not in the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("reading migration " + path, e);
        }
    }
}
