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

    /** A load worked: the record, and the image it gave (which the collector may remove once nothing references it). */
    public void loaded(String name, String ref, String sha256, String imageId) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            db.inTransaction(() -> {
                db.update("""
                        INSERT INTO image_load (name, sha256, image_id, loaded_at, last_error, updated_at) VALUES (?, ?, ?, ?, NULL, ?)
                        ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, image_id = excluded.image_id,
                            loaded_at = excluded.loaded_at, last_error = NULL, updated_at = excluded.updated_at""",
                        name, sha256, imageId, now, now);
                return db.update("""
                        INSERT INTO image_given (image_id, name, ref, loaded_at, unreferenced_since) VALUES (?, ?, ?, ?, NULL)
                        ON CONFLICT (image_id) DO UPDATE SET name = excluded.name, ref = excluded.ref,
                            loaded_at = excluded.loaded_at, unreferenced_since = NULL""", imageId, name, ref, now);
            });
        }
    }

    /** An image a load gave: its id, the Image and ref it was loaded for, when, and since when nothing references it. */
    public record Given(String imageId, String name, String ref, String loadedAt, Optional<String> unreferencedSince) {}

    /** Every image a load gave that is not known to be gone, oldest first. */
    public java.util.List<Given> given() throws StateException {
        synchronized (db.store()) {
            var out = new java.util.ArrayList<Given>();
            try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT image_id, name, ref, loaded_at, unreferenced_since FROM image_given ORDER BY loaded_at, image_id")) {
                while (rs.next()) {
                    out.add(new Given(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Optional.ofNullable(rs.getString(5))));
                }
            } catch (SQLException e) {
                throw new StateException("cannot read the images loads gave from " + db.path() + ": " + e.getMessage(), e);
            }
            return out;
        }
    }

    /**
     * The collector's marks in one transaction: an image unreferenced since a time (or referenced again: empty), and
     * images removed or gone, whose rows go.
     */
    public void collected(java.util.Map<String, Optional<String>> marks, java.util.Collection<String> gone) throws StateException {
        if (marks.isEmpty() && gone.isEmpty()) return;
        synchronized (db.store()) {
            db.inTransaction(() -> {
                for (var m : marks.entrySet()) {
                    db.update("UPDATE image_given SET unreferenced_since = ? WHERE image_id = ?", m.getValue().orElse(null), m.getKey());
                }
                for (String id : gone) db.update("DELETE FROM image_given WHERE image_id = ?", id);
                return null;
            });
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
