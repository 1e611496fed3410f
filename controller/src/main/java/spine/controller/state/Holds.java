package spine.controller.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.Kind;
import spine.model.ResourceId;

/**
 * The {@code hold} table: the personas this boot holds stopped, and why (after an unclean shutdown, every one).
 * Rewritten whole at every boot; an apply of a persona releases its hold, and only its.
 */
public final class Holds {
    private static final System.Logger LOG = System.getLogger("state");
    private static final String RELEASE = "DELETE FROM hold WHERE kind = ? AND name = ?";

    private final Db db;

    Holds(Db db) {
        this.db = db;
    }

    /** The personas held stopped this boot, with the reason. */
    public SortedMap<ResourceId, String> all() throws StateException {
        synchronized (db.store()) {
            var out = new TreeMap<ResourceId, String>();
            try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, reason FROM hold")) {
                while (rs.next()) {
                    Optional<Kind> kind = Kind.fromCli(rs.getString(1));
                    if (kind.isEmpty()) continue;
                    ResourceId.Result id = ResourceId.parse(kind.get(), rs.getString(2));
                    if (id.ok()) out.put(id.id(), rs.getString(3));
                }
            } catch (SQLException e) {
                throw new StateException("cannot read holds from " + db.path() + ": " + e.getMessage(), e);
            }
            return out;
        }
    }

    /** Replaces every hold with this boot's, in one transaction. */
    public void replace(SortedMap<ResourceId, String> holds) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            db.inTransaction(() -> {
                try (Statement d = db.c().createStatement()) {
                    d.executeUpdate("DELETE FROM hold");
                }
                for (var e : holds.entrySet()) {
                    db.update("INSERT INTO hold (kind, name, reason, since) VALUES (?, ?, ?, ?)", e.getKey().kind().cliName(),
                            e.getKey().toString(), e.getValue(), now);
                }
                return null;
            });
        }
    }

    /** The statement {@link #release} runs, prepared once for a whole apply. */
    PreparedStatement releaseStatement() throws SQLException {
        return db.c().prepareStatement(RELEASE);
    }

    static void release(PreparedStatement d, String kind, String name) throws SQLException {
        d.setString(1, kind);
        d.setString(2, name);
        if (d.executeUpdate() > 0) LOG.log(System.Logger.Level.INFO, "hold released by the user name={0}", name);
    }
}
