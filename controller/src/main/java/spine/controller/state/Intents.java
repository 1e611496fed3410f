package spine.controller.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.DesiredState;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.SpecCodec;
import spine.model.spec.SpecError;
import spine.model.spec.SpecParser;

/**
 * The {@code intent} table: one row per resource, its spec as JSON, the spec's hash and its generation. An apply
 * writes every spec in one transaction, with a history row for each change and a {@code stopped} status row for a new
 * container; a load parses only the rows that changed since the last one.
 */
public final class Intents {
    /** What an apply did to one resource's intent. */
    public enum Change { CREATED, UPDATED, UNCHANGED }

    public record Applied(ResourceId id, Change change, long generation) {}

    /**
     * Stored intent as specs, plus any rows that no longer parse (a hand-edited database), and the personas
     * this boot holds stopped with the reason for each.
     */
    public record Loaded(DesiredState desired, List<SpecError> errors, SortedMap<ResourceId, String> holds) {
        /** What the loop converges to: the intent with every hold applied. */
        public DesiredState effective() {
            return desired.holding(holds.keySet());
        }
    }

    /** One stored row as it is: its kind and name as stored, its spec's hash and its generation. */
    record Row(String kind, String name, String hash, long generation) {}

    private static final String IMAGE = spine.model.Kind.IMAGE.cliName();
    /**
     * Every intent row: Images have their own table of the same shape (an addendum), so an older Spine, which reads
     * {@code intent} alone, never meets a kind it cannot parse.
     */
    static final String ALL = "(SELECT kind, name, spec, spec_hash, generation FROM intent"
            + " UNION ALL SELECT kind, name, spec, spec_hash, generation FROM image_intent)";

    /** The table a kind's intent rows live in. */
    private static String table(String kind) {
        return kind.equals(IMAGE) ? "image_intent" : "intent";
    }

    private final Db db;
    private final Holds holds;
    private final History history;
    private final ImageLoads imageLoads;
    /**
     * Each stored row's parse, by its place and text: every pass and every focus switch loads intent, and need not
     * parse the YAML of rows that did not change. Holds the rows of the last load only.
     */
    private Map<String, SpecParser.Result> parsed = Map.of();

    Intents(Db db, Holds holds, History history, ImageLoads imageLoads) {
        this.db = db;
        this.holds = holds;
        this.history = history;
        this.imageLoads = imageLoads;
    }

    public Loaded load() throws StateException {
        synchronized (db.store()) {
            var stillParsed = new HashMap<String, SpecParser.Result>();
            var specs = new TreeMap<ResourceId, Spec>();
            var gens = new TreeMap<ResourceId, Long>();
            var errors = new ArrayList<SpecError>();
            try (Statement s = db.c().createStatement();
                 ResultSet rs = s.executeQuery("SELECT kind, name, spec, generation FROM " + ALL + " ORDER BY kind, name")) {
                while (rs.next()) {
                    String where = "intent:" + rs.getString(1) + "/" + rs.getString(2);
                    String text = rs.getString(3);
                    SpecParser.Result r = parsed.get(where + "\n" + text);
                    if (r == null) r = SpecParser.parse(where, text);
                    stillParsed.put(where + "\n" + text, r);
                    errors.addAll(r.errors());
                    for (SpecParser.Located l : r.specs()) {
                        specs.put(l.spec().id(), l.spec());
                        gens.put(l.spec().id(), rs.getLong(4));
                    }
                }
            } catch (SQLException e) {
                throw new StateException("cannot read intent from " + db.path() + ": " + e.getMessage(), e);
            }
            parsed = stillParsed;
            return new Loaded(new DesiredState(specs, gens), errors, holds.all());
        }
    }

    /** Stores every spec in one transaction: the apply lands whole or not at all. {@code uid} is who asked, for history. */
    public List<Applied> apply(List<Spec> specs, long uid) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            return db.inTransaction(() -> applyRows(specs, uid, now));
        }
    }

    /** Removes one intent (its status goes with it); false when there was none. {@code uid} is who asked, for history. */
    public boolean delete(ResourceId id, long uid) throws StateException {
        synchronized (db.store()) {
            String now = db.now();
            return db.inTransaction(() -> {
                long generation;
                try (PreparedStatement q = db.c().prepareStatement("SELECT generation FROM " + table(id.kind().cliName())
                        + " WHERE kind = ? AND name = ?")) {
                    q.setString(1, id.kind().cliName());
                    q.setString(2, id.toString());
                    try (ResultSet rs = q.executeQuery()) {
                        if (!rs.next()) return false;
                        generation = rs.getLong(1);
                    }
                }
                deleteRows(id.kind().cliName(), id.toString());
                history.insert(now, id.kind().cliName(), id.toString(), "delete", generation, null, null, uid);
                return true;
            });
        }
    }

    /** Whether a persona of this name is in intent; inside the caller's transaction. */
    boolean hasPersona(ResourceId persona) throws SQLException {
        try (PreparedStatement q = db.c().prepareStatement("SELECT 1 FROM intent WHERE kind = 'persona' AND name = ?")) {
            q.setString(1, persona.toString());
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Every row, by "kind name"; inside the caller's transaction. */
    SortedMap<String, Row> rows() throws SQLException {
        var out = new TreeMap<String, Row>();
        try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, spec_hash, generation FROM " + ALL)) {
            while (rs.next()) out.put(rs.getString(1) + " " + rs.getString(2), new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
        }
        return out;
    }

    List<Applied> applyRows(List<Spec> specs, long uid, String now) throws SQLException {
        var out = new ArrayList<Applied>();
        // each statement prepared once for the whole apply, not once per spec (a no-op apply is mostly these two)
        try (PreparedStatement q = db.c().prepareStatement("SELECT generation, spec_hash FROM " + ALL + " WHERE kind = ? AND name = ?");
             PreparedStatement held = holds.releaseStatement()) {
            for (Spec spec : specs) {
                String kind = spec.id().kind().cliName();
                String name = spec.id().toString();
                String json = SpecCodec.toJson(spec);
                String hash = IntentStore.sha256(json);
                long generation = 0;
                String oldHash = null;
                q.setString(1, kind);
                q.setString(2, name);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        generation = rs.getLong(1);
                        oldHash = rs.getString(2);
                    }
                }
                Holds.release(held, kind, name); // the user acted on it: a boot hold no longer applies
                // an Image whose last load failed is tried again when applied again, changed or not (its file was fixed)
                boolean retry = kind.equals(IMAGE) && hash.equals(oldHash) && imageLoads.failedLast(name);
                if (hash.equals(oldHash) && !retry) {
                    out.add(new Applied(spec.id(), Change.UNCHANGED, generation));
                    continue;
                }
                long next = generation + 1;
                write(kind, name, json, next, now, oldHash == null ? "create" : "update", uid, spec.id().kind().runsAsContainer());
                out.add(new Applied(spec.id(), oldHash == null ? Change.CREATED : Change.UPDATED, next));
            }
            return out;
        }
    }

    /** One resource's intent row at {@code generation}, its history row, and (for a container) a status row if none. */
    void write(String kind, String name, String spec, long generation, String at, String action, long uid,
               boolean runsAsContainer) throws SQLException {
        String hash = IntentStore.sha256(spec);
        db.update("INSERT INTO " + table(kind) + """
                 (kind, name, spec, spec_hash, generation, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, name) DO UPDATE SET spec = excluded.spec, spec_hash = excluded.spec_hash,
                    generation = excluded.generation, updated_at = excluded.updated_at""", kind, name, spec, hash, generation, at);
        history.insert(at, kind, name, action, generation, spec, hash, uid);
        if (!runsAsContainer) return;
        db.update("""
                INSERT INTO status (kind, name, phase, observed_generation, phase_since, updated_at)
                VALUES (?, ?, 'stopped', 0, ?, ?) ON CONFLICT (kind, name) DO NOTHING""", kind, name, at, at);
    }

    /** One resource's intent, status and hold rows, and the focus when it was the active persona. */
    void deleteRows(String kind, String name) throws SQLException {
        if (kind.equals(IMAGE)) {
            db.update("DELETE FROM image_intent WHERE kind = ? AND name = ?", kind, name);
            db.update("DELETE FROM image_load WHERE name = ?", name);
            return;
        }
        for (String table : List.of("intent", "status", "hold")) {
            db.update("DELETE FROM " + table + " WHERE kind = ? AND name = ?", kind, name);
        }
        FocusRow.clearIfOn(db, name);
    }
}
