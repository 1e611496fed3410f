package spine.controller.state;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.SpecCodec;

/**
 * The {@code apply_trial} table's one row ({@code spine apply --try}): the intent as it was before a tried apply,
 * restored by the converger's first pass after the deadline unless {@code spine apply --confirm} removed the row first.
 */
public final class ApplyTrial {
    private static final System.Logger LOG = System.getLogger("state");

    /** An apply on trial: when it was made, until when {@code --confirm} may keep it, by whom. */
    public record Tried(String startedAt, String deadline, long uid) {}

    /** One intent row as the trial kept it aside. */
    private record Kept(String kind, String name, String spec) {}

    private final Db db;
    private final Intents intents;
    private final History history;
    /** Null until {@link #current} first reads the row. */
    private Optional<Tried> tried;

    ApplyTrial(Db db, Intents intents, History history) {
        this.db = db;
        this.intents = intents;
        this.history = history;
    }

    /**
     * In one transaction, the intent as it is now is kept aside and the specs are applied; unless {@link #confirm} comes
     * first, the converger's first pass after {@code window} puts the kept intent back ({@link #revertIfDue}). Refused
     * while another apply is on trial.
     */
    public List<Intents.Applied> start(List<Spec> specs, long uid, Duration window) throws StateException {
        synchronized (db.store()) {
            Instant now = db.clock().instant();
            Optional<Tried> open = current();
            if (open.isPresent()) {
                throw new StateException("an apply is on trial until " + open.get().deadline() + "; spine apply --confirm keeps it, or wait for its revert");
            }
            List<Intents.Applied> applied = db.inTransaction(() -> {
                ArrayNode previous = JsonNodeFactory.instance.arrayNode();
                try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, spec FROM " + Intents.ALL + " ORDER BY kind, name")) {
                    while (rs.next()) previous.addObject().put("kind", rs.getString(1)).put("name", rs.getString(2)).put("spec", rs.getString(3));
                }
                db.update("INSERT INTO apply_trial (slot, started_at, deadline, uid, previous) VALUES (1, ?, ?, ?, ?)", now.toString(),
                        now.plus(window).toString(), uid, previous.toString());
                LOG.log(System.Logger.Level.INFO, "apply on trial until={0} uid={1} kept={2}", now.plus(window), uid, previous.size());
                return intents.applyRows(specs, uid, now.toString());
            });
            tried = Optional.of(new Tried(now.toString(), now.plus(window).toString(), uid)); // once committed
            return applied;
        }
    }

    /**
     * The apply on trial, if one is: read from the database once, then kept, since the converger asks on every pass and
     * every wait, and while it runs it is the only writer of that row (a CLI hands {@code --try} and {@code --confirm}
     * to it); {@link #start}, {@link #confirm} and {@link #revertIfDue} keep it current.
     */
    public Optional<Tried> current() throws StateException {
        synchronized (db.store()) {
            if (tried == null) tried = read();
            return tried;
        }
    }

    private Optional<Tried> read() throws StateException {
        try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT started_at, deadline, uid FROM apply_trial WHERE slot = 1")) {
            return rs.next() ? Optional.of(new Tried(rs.getString(1), rs.getString(2), rs.getLong(3))) : Optional.empty();
        } catch (SQLException e) {
            throw new StateException("cannot read the apply on trial from " + db.path() + ": " + e.getMessage(), e);
        }
    }

    /** {@code spine apply --confirm}: the apply on trial stays; empty when none was. */
    public Optional<Tried> confirm(long uid) throws StateException {
        synchronized (db.store()) {
            Optional<Tried> open = current();
            if (open.isEmpty()) return open;
            db.inTransaction(() -> {
                try (Statement d = db.c().createStatement()) {
                    d.executeUpdate("DELETE FROM apply_trial");
                }
                return null;
            });
            tried = Optional.empty();
            LOG.log(System.Logger.Level.INFO, "apply confirmed started_at={0} uid={1}", open.get().startedAt(), uid);
            return open;
        }
    }

    /**
     * When the apply on trial is past its deadline, puts the intent kept aside back in one transaction: a resource the
     * tried apply made goes, a changed one gets its old spec under a new generation (history says both, uid none),
     * and the trial's row goes. Returns one line per resource it changed back; empty when nothing was due.
     */
    public List<String> revertIfDue(Instant now) throws StateException {
        synchronized (db.store()) {
            Optional<Tried> open = current();
            if (open.isEmpty() || now.isBefore(Instant.parse(open.get().deadline()))) return List.of();
            String at = now.toString();
            List<String> lines = db.inTransaction(() -> revert(at));
            tried = Optional.empty();
            LOG.log(System.Logger.Level.WARNING, "apply on trial reverted: no --confirm by {0} started_at={1} uid={2} changes={3}", open.get().deadline(),
                    open.get().startedAt(), open.get().uid(), lines);
            return lines;
        }
    }

    private List<String> revert(String at) throws SQLException {
        var kept = new TreeMap<String, Kept>();
        try (Statement s = db.c().createStatement(); ResultSet rs = s.executeQuery("SELECT previous FROM apply_trial WHERE slot = 1")) {
            rs.next();
            for (var row : SpecCodec.json().readTree(rs.getString(1))) {
                var k = new Kept(row.path("kind").asText(), row.path("name").asText(), row.path("spec").asText());
                kept.put(k.kind() + " " + k.name(), k);
            }
        } catch (IOException e) {
            throw new SQLException("the kept intent does not parse: " + e.getMessage(), e);
        }
        var current = intents.rows();
        var out = new ArrayList<String>();
        for (var e : current.entrySet()) {
            if (kept.containsKey(e.getKey())) continue;
            Intents.Row r = e.getValue();
            intents.deleteRows(r.kind(), r.name());
            history.insert(at, r.kind(), r.name(), "delete", r.generation(), null, null, -1);
            out.add(r.name() + " deleted (the tried apply made it)");
        }
        for (var e : kept.entrySet()) {
            Kept k = e.getValue();
            Intents.Row now = current.get(e.getKey());
            if (now != null && now.hash().equals(IntentStore.sha256(k.spec()))) continue;
            long next = (now == null ? history.lastGeneration(k.kind(), k.name()) : now.generation()) + 1;
            intents.write(k.kind(), k.name(), k.spec(), next, at, now == null ? "create" : "update", -1,
                    ResourceId.fromUri(k.name()).map(id -> id.kind().runsAsContainer()).orElse(false));
            out.add(k.name() + " back to its spec before the tried apply (generation " + next + ")");
        }
        try (Statement d = db.c().createStatement()) {
            d.executeUpdate("DELETE FROM apply_trial");
        }
        return out;
    }
}
