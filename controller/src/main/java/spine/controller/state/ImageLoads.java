package spine.controller.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@code image_load} table: what each Image's last load did. A load that worked records the archive's sha256 it
 * checked and the image id it gave, and clears the error; one that failed keeps the last good load's record (the
 * image it gave may still be there) and records why. The row goes with the Image's intent.
 */
public final class ImageLoads {
    /** One Image's record; {@code sha256} and {@code imageId} are empty until a load worked. */
    public record Load(String name, Optional<String> sha256, Optional<String> imageId, Optional<String> loadedAt,
                       Optional<String> lastError, String updatedAt) {}

    private final Db db;

    ImageLoads(Db db) {
        this.db = db;
    }

    public void loaded(String name, String sha256, String imageId) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            db.inTransaction(() -> db.update("""
                    INSERT INTO image_load (name, sha256, image_id, loaded_at, last_error, updated_at) VALUES (?, ?, ?, ?, NULL, ?)
                    ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, image_id = excluded.image_id,
                        loaded_at = excluded.loaded_at, last_error = NULL, updated_at = excluded.updated_at""",
                    name, sha256, imageId, now, now));
        }
    }

    public void failed(String name, String error) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            db.inTransaction(() -> db.update("""
                    INSERT INTO image_load (name, last_error, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, updated_at = excluded.updated_at""",
                    name, error, now));
        }
    }

    /** Every record, by the Image's name. */
    public SortedMap<String, Load> all() throws StateException {
        synchronized (db.store()) {
            var out = new TreeMap<String, Load>();
            try (Statement s = db.c().createStatement();
                 ResultSet rs = s.executeQuery("SELECT name, sha256, image_id, loaded_at, last_error, updated_at FROM image_load")) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Load(rs.getString(1), Optional.ofNullable(rs.getString(2)),
                            Optional.ofNullable(rs.getString(3)), Optional.ofNullable(rs.getString(4)),
                            Optional.ofNullable(rs.getString(5)), rs.getString(6)));
                }
            } catch (SQLException e) {
                throw new StateException("cannot read image loads from " + db.path() + ": " + e.getMessage(), e);
            }
            return out;
        }
    }

    /** Whether the Image's last load failed; inside the caller's transaction (an apply of it again tries again). */
    boolean failedLast(String name) throws SQLException {
        try (PreparedStatement q = db.c().prepareStatement("SELECT last_error IS NOT NULL FROM image_load WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
