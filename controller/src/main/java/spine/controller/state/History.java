package spine.controller.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import spine.model.Kind;
import spine.model.ResourceId;

/** The {@code history} table: append-only, one row per change of intent (create, update, delete), with who asked. */
public final class History {
    /** One row; {@code spec} is empty for a delete, {@code uid} for rows before schema 3. */
    public record Row(long id, String at, ResourceId target, String action, long generation, Optional<String> spec,
                      OptionalLong uid) {}

    private final Db db;

    History(Db db) {
        this.db = db;
    }

    /** The history, oldest first, for every resource or for one. */
    public List<Row> changes(Optional<ResourceId> only) throws StateException {
        synchronized (db.store()) {
            var out = new ArrayList<Row>();
            String sql = "SELECT id, at, kind, name, action, generation, spec, uid FROM history"
                    + (only.isPresent() ? " WHERE kind = ? AND name = ?" : "") + " ORDER BY id";
            try (PreparedStatement q = db.c().prepareStatement(sql)) {
                if (only.isPresent()) {
                    q.setString(1, only.get().kind().cliName());
                    q.setString(2, only.get().toString());
                }
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        Optional<Kind> kind = Kind.fromCli(rs.getString(3));
                        if (kind.isEmpty()) continue;
                        ResourceId.Result id = ResourceId.parse(kind.get(), rs.getString(4));
                        if (!id.ok()) continue;
                        long uid = rs.getLong(8);
                        OptionalLong who = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(uid);
                        out.add(new Row(rs.getLong(1), rs.getString(2), id.id(), rs.getString(5), rs.getLong(6),
                                Optional.ofNullable(rs.getString(7)), who));
                    }
                }
            } catch (SQLException e) {
                throw new StateException("cannot read history: " + e.getMessage(), e);
            }
            return out;
        }
    }

    /** Every row, oldest first, as "action kind name generation". */
    public List<String> lines() throws StateException {
        synchronized (db.store()) {
            var out = new ArrayList<String>();
            try (Statement s = db.c().createStatement();
                 ResultSet rs = s.executeQuery("SELECT action, kind, name, generation FROM history ORDER BY id")) {
                while (rs.next()) out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getLong(4));
            } catch (SQLException e) {
                throw new StateException("cannot read history: " + e.getMessage(), e);
            }
            return out;
        }
    }

    /** Appends one row; inside the caller's transaction. {@code uid} below zero: nobody asked (a revert). */
    void insert(String at, String kind, String name, String action, long generation, String spec, String hash, long uid)
            throws SQLException {
        db.update("INSERT INTO history (at, kind, name, action, generation, spec, spec_hash, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                at, kind, name, action, generation, spec, hash, uid >= 0 ? uid : null);
    }

    /** The newest generation a resource ever had (0 for none), so a resource made again never reuses one. */
    long lastGeneration(String kind, String name) throws SQLException {
        try (PreparedStatement q = db.c().prepareStatement("SELECT coalesce(max(generation), 0) FROM history WHERE kind = ? AND name = ?")) {
            q.setString(1, kind);
            q.setString(2, name);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
