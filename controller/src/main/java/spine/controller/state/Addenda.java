package spine.controller.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Schema additions an older Spine can ignore: new tables only, never a change to one it reads or writes. A migration
 * raises {@code user_version}, and a Spine refuses a database newer than it knows (a rollback would then find its own
 * intent out of reach); an addendum leaves {@code user_version} alone, so a rolled-back Spine opens the database it
 * left and simply never reads the new tables. Each addendum runs once, in one transaction with its row in the
 * {@code addendum} table; its statements are {@code CREATE ... IF NOT EXISTS} of tables, indexes and the triggers of
 * those tables, and a test holds every script to that.
 */
final class Addenda {
    /** Oldest first; a test checks that this is exactly the directory's content. */
    static final List<String> SCRIPTS = List.of("A1__images.sql", "A2__image_given.sql", "A3__volume_event.sql");
    static final String LOCATION = "db/addenda/";

    private Addenda() {}

    /** The addenda this database has not had yet, oldest first (all of them when it has no addendum table). */
    static List<String> pending(Connection c) throws SQLException {
        Set<String> done = new TreeSet<>();
        try (Statement s = c.createStatement();
             var t = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'addendum'")) {
            if (t.next() && t.getInt(1) == 1) {
                try (var rs = s.executeQuery("SELECT name FROM addendum")) {
                    while (rs.next()) done.add(rs.getString(1));
                }
            }
        }
        var out = new ArrayList<String>();
        for (String script : SCRIPTS) if (!done.contains(script)) out.add(script);
        return out;
    }

    /** Runs each pending addendum in its own transaction with its row; at is the time recorded. */
    static void apply(Connection c, List<String> scripts, String at) throws SQLException {
        for (String script : scripts) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS addendum (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
                int rc = c.unwrap(org.sqlite.SQLiteConnection.class).getDatabase()._exec(resource(LOCATION + script));
                if (rc != 0) throw new SQLException("addendum " + script + " failed with SQLite result " + rc);
                try (var p = c.prepareStatement("INSERT INTO addendum (name, applied_at) VALUES (?, ?)")) {
                    p.setString(1, script);
                    p.setString(2, at);
                    p.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e instanceof SQLException se && se.getMessage() != null && se.getMessage().startsWith("addendum ")
                        ? se : new SQLException("addendum " + script + " failed: " + e.getMessage(), e);
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    static String resource(String path) {
        try (InputStream in = Addenda.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("addendum " + path + " is not in the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("reading addendum " + path, e);
        }
    }
}
