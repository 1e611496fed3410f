package spine.controller.state;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import spine.model.ResourceId;

/** The {@code focus} table's one row: the active persona ({@code spine focus}), who set it and when; none for no focus. */
public final class FocusRow {
    private static final System.Logger LOG = System.getLogger("state");

    /** The active persona, who set it and when. */
    public record Focus(ResourceId persona, String since, long uid) {}

    private final Db db;
    private final Intents intents;

    FocusRow(Db db, Intents intents) {
        this.db = db;
        this.intents = intents;
    }

    /** The active persona in intent, or empty for none. */
    public Optional<Focus> get() throws StateException {
        synchronized (db.store()) {
            try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT persona, since, uid FROM focus WHERE slot = 1")) {
                if (!rs.next()) return Optional.empty();
                String since = rs.getString(2);
                long uid = rs.getLong(3);
                return ResourceId.fromUri(rs.getString(1)).map(id -> new Focus(id, since, uid));
            } catch (SQLException e) {
                throw new StateException("cannot read the focus from " + db.path() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Why a focus cannot be recorded, or empty when it was: the persona must be in intent. One small transaction. */
    public Optional<String> set(Optional<ResourceId> persona, long uid) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            return db.inTransaction(() -> {
                if (persona.isPresent() && !intents.hasPersona(persona.get())) {
                    return Optional.of("no persona " + persona.get() + " in intent; spine get persona lists them");
                }
                try (Statement d = db.c().createStatement()) {
                    d.executeUpdate("DELETE FROM focus");
                }
                if (persona.isPresent()) {
                    db.update("INSERT INTO focus (slot, persona, since, uid) VALUES (1, ?, ?, ?)", persona.get().toString(), now, uid);
                }
                LOG.log(System.Logger.Level.INFO, "focus recorded persona={0} uid={1}", persona.map(ResourceId::toString).orElse("none"), uid);
                return Optional.empty();
            });
        }
    }

    /** Clears the focus when it was on {@code persona}, which is being deleted; inside the caller's transaction. */
    static void clearIfOn(Db db, String persona) throws SQLException {
        if (db.update("DELETE FROM focus WHERE persona = ?", persona) > 0) {
            LOG.log(System.Logger.Level.INFO, "focus cleared: its persona was deleted persona={0}; every persona thaws", persona);
        }
    }
}
