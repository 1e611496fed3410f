package spine.controller.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The {@code volume_event} table: each volume's creation and deletion, append-only beside the intent history. A
 * creation is recorded when a container that names the volume first ran (again only after a deletion); a deletion by
 * {@code spine delete volume}, with the bytes it held and who asked.
 */
public final class VolumeEvents {
    /** One event: when, the container's name and the volume's, create or delete, its path, bytes (delete), uid (-1: the loop). */
    public record Event(String at, String container, String name, String action, String path, OptionalLong bytes, long uid) {}

    private final Db db;

    VolumeEvents(Db db) {
        this.db = db;
    }

    /** Volumes of {@code container} a run just mounted: a create row for each whose last event is not a create. */
    public void created(String container, List<String[]> namesAndPaths) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            db.inTransaction(() -> {
                for (String[] v : namesAndPaths) {
                    if ("create".equals(last(container, v[0]))) continue;
                    db.update("INSERT INTO volume_event (at, container, name, action, path, bytes, uid) VALUES (?, ?, ?, 'create', ?, NULL, -1)",
                            now, container, v[0], v[1]);
                }
                return null;
            });
        }
    }

    public void deleted(String container, String name, long bytes, long uid) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            db.inTransaction(() -> db.update(
                    "INSERT INTO volume_event (at, container, name, action, path, bytes, uid) VALUES (?, ?, ?, 'delete', NULL, ?, ?)",
                    now, container, name, bytes, uid));
        }
    }

    /** Every event, oldest first. */
    public List<Event> all() throws StateException {
        synchronized (db.store()) {
            var out = new ArrayList<Event>();
            try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT at, container, name, action, path, bytes, uid FROM volume_event ORDER BY id")) {
                while (rs.next()) {
                    long bytes = rs.getLong(6);
                    OptionalLong held = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(bytes); // wasNull: the last column read
                    out.add(new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), held,
                            rs.getLong(7)));
                }
            } catch (SQLException e) {
                throw new StateException("cannot read volume events from " + db.path() + ": " + e.getMessage(), e);
            }
            return out;
        }
    }

    private String last(String container, String name) throws SQLException {
        try (PreparedStatement q = db.c().prepareStatement(
                "SELECT action FROM volume_event WHERE container = ? AND name = ? ORDER BY id DESC LIMIT 1")) {
            q.setString(1, container);
            q.setString(2, name);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
