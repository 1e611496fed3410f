package spine.controller.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.CrashLoop;
import spine.model.Kind;
import spine.model.Phase;
import spine.model.ResourceId;

/**
 * The {@code status} table: what Spine last believed of each resource with intent (its phase, the generation it last
 * saw converge, the last error) and its crash-loop record. Only resources with intent have a row.
 */
public final class Statuses {
    private static final String COLUMNS = "phase, observed_generation, last_error, phase_since, updated_at, restarts, "
            + "crashes, exit_code, exited_at, next_try, crash_generation";

    private final Db db;

    Statuses(Db db) {
        this.db = db;
    }

    public SortedMap<ResourceId, Status> all() throws StateException {
        synchronized (db.store()) {
            var out = new TreeMap<ResourceId, Status>();
            try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, " + COLUMNS + " FROM status")) {
                while (rs.next()) {
                    Optional<Kind> kind = Kind.fromCli(rs.getString(1));
                    if (kind.isEmpty()) continue;
                    ResourceId.Result id = ResourceId.parse(kind.get(), rs.getString(2));
                    if (!id.ok()) continue;
                    out.put(id.id(), read(rs, 3));
                }
            } catch (SQLException e) {
                throw new StateException("cannot read status from " + db.path() + ": " + e.getMessage(), e);
            }
            return out;
        }
    }

    public Optional<Status> of(ResourceId id) throws StateException {
        synchronized (db.store()) {
            try (PreparedStatement q = db.c().prepareStatement("SELECT " + COLUMNS + " FROM status WHERE kind = ? AND name = ?")) {
                q.setString(1, id.kind().cliName());
                q.setString(2, id.toString());
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs, 1)) : Optional.empty();
                }
            } catch (SQLException e) {
                throw new StateException("cannot read status of " + id + ": " + e.getMessage(), e);
            }
        }
    }

    private static Status read(ResultSet rs, int at) throws SQLException {
        int code = rs.getInt(at + 7);
        OptionalInt exitCode = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(code);
        var crash = new CrashLoop.Record(rs.getInt(at + 5), rs.getInt(at + 6), exitCode,
                Optional.ofNullable(rs.getString(at + 8)).map(Instant::parse), Optional.ofNullable(rs.getString(at + 9)).map(Instant::parse),
                rs.getLong(at + 10));
        return new Status(Phase.fromWord(rs.getString(at)), rs.getLong(at + 1), Optional.ofNullable(rs.getString(at + 2)),
                rs.getString(at + 3), rs.getString(at + 4), crash);
    }

    /** Records a phase together with the crash-loop record that decided it, in one statement. */
    public void setCrash(ResourceId id, Phase phase, CrashLoop.Record crash) throws StateException {
        Optional<String> error = crash.exitCode().isPresent() && phase == Phase.EXITED
                ? Optional.of("exited with code " + crash.exitCode().getAsInt()) : Optional.empty();
        synchronized (db.store()) {
            db.inTransaction(() -> { // one commit, one fsync
                upsert(id, phase, -1, error);
                updateCrash(id, crash);
                return null;
            });
        }
    }

    private void updateCrash(ResourceId id, CrashLoop.Record crash) throws SQLException {
        db.update("""
                UPDATE status SET restarts = ?, crashes = ?, exit_code = ?, exited_at = ?, next_try = ?, crash_generation = ?
                WHERE kind = ? AND name = ?""", crash.restarts(), crash.crashes(),
                crash.exitCode().isPresent() ? crash.exitCode().getAsInt() : null, crash.exitedAt().map(Instant::toString).orElse(null),
                crash.nextTry().map(Instant::toString).orElse(null), crash.generation(), id.kind().cliName(), id.toString());
    }

    /**
     * Records a phase. Committed on its own, before and after each podman call, so that a crash leaves a
     * detectable half state. {@code observedGeneration} below zero leaves the stored value as it is.
     */
    public void set(ResourceId id, Phase phase, long observedGeneration, Optional<String> lastError) throws StateException {
        synchronized (db.store()) {
            try {
                upsert(id, phase, observedGeneration, lastError);
            } catch (SQLException e) {
                throw new StateException("cannot record status of " + id + ": " + e.getMessage(), e);
            }
        }
    }

    private void upsert(ResourceId id, Phase phase, long observedGeneration, Optional<String> lastError) throws SQLException {
        // Only resources with intent have a status: a pruned container's row must not come back.
        db.update("""
                INSERT INTO status (kind, name, phase, observed_generation, last_error, phase_since, updated_at)
                SELECT ?1, ?2, ?3, max(?4, 0), ?5, ?6, ?6
                WHERE EXISTS (SELECT 1 FROM intent WHERE intent.kind = ?1 AND intent.name = ?2)
                ON CONFLICT (kind, name) DO UPDATE SET
                    phase_since = CASE WHEN status.phase = excluded.phase THEN status.phase_since ELSE excluded.phase_since END,
                    phase = excluded.phase,
                    observed_generation = CASE WHEN ?4 < 0 THEN status.observed_generation ELSE excluded.observed_generation END,
                    last_error = excluded.last_error,
                    updated_at = excluded.updated_at""", id.kind().cliName(), id.toString(), phase.word(), observedGeneration,
                lastError.orElse(null), db.now());
    }
}
