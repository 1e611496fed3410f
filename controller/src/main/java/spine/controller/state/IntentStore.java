package spine.controller.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;

import spine.model.CrashLoop;
import spine.model.DesiredState;
import spine.model.Kind;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.SpecCodec;
import spine.model.spec.SpecError;
import spine.model.spec.SpecParser;

/**
 * The intent store: SQLite at {@code <root>/spine/intent.db} in WAL mode with synchronous=FULL: an apply that
 * returned success survives a power cut (NORMAL may roll the last commits back; the Gate B kills showed why it matters).
 * Flyway migrates from classpath resources; {@code PRAGMA user_version} mirrors the schema version so a
 * current database skips Flyway entirely (it costs about a second of start-up), and a new one gets its schema and
 * Flyway's history in one transaction without Flyway ({@link FreshSchema}).
 */
public final class IntentStore implements AutoCloseable {
    /** The version of the newest migration under db/migration; a test keeps the two in step. */
    public static final int SCHEMA_VERSION = 5;
    private static final System.Logger LOG = System.getLogger("state");
    private static final int BUSY_TIMEOUT_MS = 10_000;

    private final Connection db;
    private final Clock clock;
    private final String path;
    /**
     * Each stored row's parse, by its place and text: every pass and every focus switch loads intent, and need not
     * parse the YAML of rows that did not change. Holds the rows of the last load only.
     */
    private java.util.Map<String, SpecParser.Result> parsed = java.util.Map.of();

    private IntentStore(Connection db, Clock clock, String path) {
        this.db = db;
        this.clock = clock;
        this.path = path;
    }

    /** Opens the store for writing, creating and migrating it as needed. */
    public static IntentStore open(SpineRoot root, Clock clock) throws StateException {
        root.ensureDir();
        String url = "jdbc:sqlite:" + root.database();
        Connection c = null;
        try {
            c = connect(url);
            if (userVersion(c) != SCHEMA_VERSION) {
                try (MigrationLock held = MigrationLock.acquire(root)) {
                    migrate(root, url, c);
                }
            }
            return new IntentStore(c, clock, root.database().toString());
        } catch (SQLException | RuntimeException | StateException e) {
            closeQuietly(c);
            if (e instanceof StateException se) throw se;
            throw new StateException("cannot open " + root.database() + ": " + e.getMessage()
                    + "; check the disk, or move the file aside to start afresh", e);
        }
    }

    /**
     * Opening sets WAL mode, which needs a moment of exclusive access, and SQLite does not wait for it through the
     * busy timeout: while another opener migrates a new database this fails with SQLITE_BUSY at once. Retried up
     * to the busy timeout, like any other lock wait.
     */
    private static Connection connect(String url) throws SQLException {
        long deadline = System.nanoTime() + BUSY_TIMEOUT_MS * 1_000_000L;
        while (true) {
            try {
                return config(false).createConnection(url);
            } catch (org.sqlite.SQLiteException e) {
                boolean busy = e.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_BUSY;
                if (!busy || System.nanoTime() > deadline) throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Runs under the migration lock, so two processes opening a new database never both migrate it. */
    private static void migrate(SpineRoot root, String url, Connection c) throws SQLException, StateException {
        int version = userVersion(c); // again: another process may have migrated while we waited
        if (version == SCHEMA_VERSION) return;
        if (version > SCHEMA_VERSION) {
            throw new StateException(root.database() + " has schema " + version + " but this spine knows only "
                    + SCHEMA_VERSION + "; run a newer spine");
        }
        long t0 = System.nanoTime();
        boolean fresh = version == 0 && FreshSchema.isEmpty(c);
        if (fresh) {
            FreshSchema.create(c);
        } else {
            Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").load().migrate();
        }
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
        }
        LOG.log(System.Logger.Level.INFO, "state db migrated path={0} from={1} to={2} by={3} ms={4}", root.database(),
                version, SCHEMA_VERSION, fresh ? "fresh-schema" : "flyway", (System.nanoTime() - t0) / 1_000_000);
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // already reporting the error that made us close it
        }
    }

    /**
     * Opens an existing store read-only; empty when there is none yet (nothing was ever applied). A read-only
     * command never writes, so a database with an older schema is not migrated here: that is refused with what to
     * do (the next writer, {@code spine apply} or bay0 at boot, migrates it).
     */
    public static Optional<IntentStore> openReadOnly(SpineRoot root, Clock clock) throws StateException {
        if (!root.hasDatabase()) return Optional.empty();
        Connection c = null;
        try {
            c = config(true).createConnection("jdbc:sqlite:" + root.database());
            int version = userVersion(c);
            if (version < SCHEMA_VERSION) {
                throw new StateException(root.database() + " has schema " + version + " and this spine reads schema "
                        + SCHEMA_VERSION + "; run spine apply or reboot to migrate it (read-only commands never write)");
            }
            if (version > SCHEMA_VERSION) {
                throw new StateException(root.database() + " has schema " + version + " but this spine knows only "
                        + SCHEMA_VERSION + "; run a newer spine");
            }
            return Optional.of(new IntentStore(c, clock, root.database().toString()));
        } catch (SQLException | StateException e) {
            closeQuietly(c);
            if (e instanceof StateException se) throw se;
            throw new StateException("cannot read " + root.database() + ": " + e.getMessage(), e);
        }
    }

    private static SQLiteConfig config(boolean readOnly) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(readOnly);
        if (!readOnly) {
            cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        }
        cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return cfg;
    }

    private static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

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

    public synchronized Loaded load() throws StateException {
        var stillParsed = new java.util.HashMap<String, SpecParser.Result>();
        var specs = new TreeMap<ResourceId, Spec>();
        var gens = new TreeMap<ResourceId, Long>();
        var errors = new ArrayList<SpecError>();
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT kind, name, spec, generation FROM intent ORDER BY kind, name")) {
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
            throw new StateException("cannot read intent from " + path + ": " + e.getMessage(), e);
        }
        parsed = stillParsed;
        return new Loaded(new DesiredState(specs, gens), errors, holds());
    }

    /** The personas held stopped this boot, with the reason. */
    public synchronized SortedMap<ResourceId, String> holds() throws StateException {
        var out = new TreeMap<ResourceId, String>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, reason FROM hold")) {
            while (rs.next()) {
                Optional<Kind> kind = Kind.fromCli(rs.getString(1));
                if (kind.isEmpty()) continue;
                ResourceId.Result id = ResourceId.parse(kind.get(), rs.getString(2));
                if (id.ok()) out.put(id.id(), rs.getString(3));
            }
        } catch (SQLException e) {
            throw new StateException("cannot read holds from " + path + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Replaces every hold with this boot's, in one transaction. */
    public synchronized void replaceHolds(SortedMap<ResourceId, String> holds) throws StateException {
        String now = clock.instant().toString();
        inTransaction(() -> {
            try (Statement d = db.createStatement()) {
                d.executeUpdate("DELETE FROM hold");
            }
            for (var e : holds.entrySet()) {
                try (PreparedStatement i = db.prepareStatement("INSERT INTO hold (kind, name, reason, since) VALUES (?, ?, ?, ?)")) {
                    i.setString(1, e.getKey().kind().cliName());
                    i.setString(2, e.getKey().toString());
                    i.setString(3, e.getValue());
                    i.setString(4, now);
                    i.executeUpdate();
                }
            }
            return null;
        });
    }

    private void release(String kind, String name) throws SQLException {
        try (PreparedStatement d = db.prepareStatement(RELEASE_HOLD)) {
            release(d, kind, name);
        }
    }

    private static final String RELEASE_HOLD = "DELETE FROM hold WHERE kind = ? AND name = ?";

    private static void release(PreparedStatement d, String kind, String name) throws SQLException {
        d.setString(1, kind);
        d.setString(2, name);
        if (d.executeUpdate() > 0) LOG.log(System.Logger.Level.INFO, "hold released by the user name={0}", name);
    }

    /** Stores every spec in one transaction as this process's user. */
    public List<Applied> apply(List<Spec> specs) throws StateException {
        return apply(specs, ownUid());
    }

    /** The uid this process runs as (the JDK has no getuid; /proc/self is owned by it). */
    public static long ownUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** Stores every spec in one transaction: the apply lands whole or not at all. {@code uid} is who asked, for history. */
    public synchronized List<Applied> apply(List<Spec> specs, long uid) throws StateException {
        String now = clock.instant().toString();
        return inTransaction(() -> applyRows(specs, uid, now));
    }

    /** An apply on trial ({@code spine apply --try}): when it was made, until when {@code --confirm} may keep it, by whom. */
    public record TriedApply(String startedAt, String deadline, long uid) {}

    /**
     * {@code spine apply --try}: in one transaction, the intent as it is now is kept aside and the specs are applied;
     * unless {@link #confirmApply} comes first, the converger's first pass after {@code window} puts the kept intent
     * back ({@link #revertIfDue}). Refused while another apply is on trial.
     */
    public synchronized List<Applied> tryApply(List<Spec> specs, long uid, java.time.Duration window) throws StateException {
        java.time.Instant now = clock.instant();
        Optional<TriedApply> open = triedApply();
        if (open.isPresent()) {
            throw new StateException("an apply is on trial until " + open.get().deadline() + "; spine apply --confirm keeps it, or wait for its revert");
        }
        List<Applied> applied = inTransaction(() -> {
            var previous = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, spec FROM intent ORDER BY kind, name")) {
                while (rs.next()) previous.addObject().put("kind", rs.getString(1)).put("name", rs.getString(2)).put("spec", rs.getString(3));
            }
            try (PreparedStatement i = db.prepareStatement("INSERT INTO apply_trial (slot, started_at, deadline, uid, previous) VALUES (1, ?, ?, ?, ?)")) {
                i.setString(1, now.toString());
                i.setString(2, now.plus(window).toString());
                i.setLong(3, uid);
                i.setString(4, previous.toString());
                i.executeUpdate();
            }
            LOG.log(System.Logger.Level.INFO, "apply on trial until={0} uid={1} kept={2}", now.plus(window), uid, previous.size());
            return applyRows(specs, uid, now.toString());
        });
        tried = Optional.of(new TriedApply(now.toString(), now.plus(window).toString(), uid)); // once committed
        return applied;
    }

    /**
     * The apply on trial, if one is: read from the database once, then kept, since the converger asks on every pass and
     * every wait, and while it runs it is the only writer of that row (a CLI hands {@code --try} and {@code --confirm}
     * to it); {@link #tryApply}, {@link #confirmApply} and {@link #revertIfDue} keep it current.
     */
    public synchronized Optional<TriedApply> triedApply() throws StateException {
        if (tried == null) tried = readTriedApply();
        return tried;
    }

    /** Null until {@link #triedApply} first reads the row. */
    private Optional<TriedApply> tried;

    private Optional<TriedApply> readTriedApply() throws StateException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT started_at, deadline, uid FROM apply_trial WHERE slot = 1")) {
            return rs.next() ? Optional.of(new TriedApply(rs.getString(1), rs.getString(2), rs.getLong(3))) : Optional.empty();
        } catch (SQLException e) {
            throw new StateException("cannot read the apply on trial from " + path + ": " + e.getMessage(), e);
        }
    }

    /** {@code spine apply --confirm}: the apply on trial stays; empty when none was. */
    public synchronized Optional<TriedApply> confirmApply(long uid) throws StateException {
        Optional<TriedApply> open = triedApply();
        if (open.isEmpty()) return open;
        inTransaction(() -> {
            try (Statement d = db.createStatement()) {
                d.executeUpdate("DELETE FROM apply_trial");
            }
            return null;
        });
        tried = Optional.empty();
        LOG.log(System.Logger.Level.INFO, "apply confirmed started_at={0} uid={1}", open.get().startedAt(), uid);
        return open;
    }

    /**
     * When the apply on trial is past its deadline, puts the intent kept aside back in one transaction: a resource the
     * tried apply made goes, a changed one gets its old spec under a new generation (history says both, uid none),
     * and the trial's row goes. Returns one line per resource it changed back; empty when nothing was due.
     */
    public synchronized List<String> revertIfDue(java.time.Instant now) throws StateException {
        Optional<TriedApply> open = triedApply();
        if (open.isEmpty() || now.isBefore(java.time.Instant.parse(open.get().deadline()))) return List.of();
        String at = now.toString();
        List<String> lines = inTransaction(() -> {
            var kept = new java.util.TreeMap<String, String[]>();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT previous FROM apply_trial WHERE slot = 1")) {
                rs.next();
                for (var row : SpecCodec.json().readTree(rs.getString(1))) {
                    kept.put(row.path("kind").asText() + " " + row.path("name").asText(),
                            new String[] {row.path("kind").asText(), row.path("name").asText(), row.path("spec").asText()});
                }
            } catch (java.io.IOException e) {
                throw new SQLException("the kept intent does not parse: " + e.getMessage(), e);
            }
            var now_ = new java.util.TreeMap<String, String[]>();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, spec_hash, generation FROM intent")) {
                while (rs.next()) now_.put(rs.getString(1) + " " + rs.getString(2), new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
                        Long.toString(rs.getLong(4))});
            }
            var out = new ArrayList<String>();
            for (var e : now_.entrySet()) {
                if (kept.containsKey(e.getKey())) continue;
                String kind = e.getValue()[0], name = e.getValue()[1];
                deleteRows(kind, name);
                history(at, kind, name, "delete", Long.parseLong(e.getValue()[3]), null, null, -1);
                out.add(name + " deleted (the tried apply made it)");
            }
            for (var e : kept.entrySet()) {
                String kind = e.getValue()[0], name = e.getValue()[1], spec = e.getValue()[2], hash = sha256(spec);
                String[] current = now_.get(e.getKey());
                if (current != null && current[2].equals(hash)) continue;
                long next = (current == null ? lastGeneration(kind, name) : Long.parseLong(current[3])) + 1;
                writeIntent(kind, name, spec, next, at, current == null ? "create" : "update", -1,
                        ResourceId.fromUri(name).map(id -> id.kind().runsAsContainer()).orElse(false));
                out.add(name + " back to its spec before the tried apply (generation " + next + ")");
            }
            try (Statement d = db.createStatement()) {
                d.executeUpdate("DELETE FROM apply_trial");
            }
            return out;
        });
        tried = Optional.empty();
        LOG.log(System.Logger.Level.WARNING, "apply on trial reverted: no --confirm by {0} started_at={1} uid={2} changes={3}", open.get().deadline(),
                open.get().startedAt(), open.get().uid(), lines);
        return lines;
    }

    /** One resource's intent row at {@code generation}, its history row, and (for a container) a status row if none. */
    private void writeIntent(String kind, String name, String spec, long generation, String at, String action, long uid,
                             boolean runsAsContainer) throws SQLException {
        String hash = sha256(spec);
        try (PreparedStatement u = db.prepareStatement("""
                INSERT INTO intent (kind, name, spec, spec_hash, generation, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, name) DO UPDATE SET spec = excluded.spec, spec_hash = excluded.spec_hash,
                    generation = excluded.generation, updated_at = excluded.updated_at""")) {
            u.setString(1, kind);
            u.setString(2, name);
            u.setString(3, spec);
            u.setString(4, hash);
            u.setLong(5, generation);
            u.setString(6, at);
            u.executeUpdate();
        }
        history(at, kind, name, action, generation, spec, hash, uid);
        if (!runsAsContainer) return;
        try (PreparedStatement st = db.prepareStatement("""
                INSERT INTO status (kind, name, phase, observed_generation, phase_since, updated_at)
                VALUES (?, ?, 'stopped', 0, ?, ?) ON CONFLICT (kind, name) DO NOTHING""")) {
            st.setString(1, kind);
            st.setString(2, name);
            st.setString(3, at);
            st.setString(4, at);
            st.executeUpdate();
        }
    }

    /** One resource's intent, status and hold rows, and the focus when it was the active persona. */
    private void deleteRows(String kind, String name) throws SQLException {
        for (String table : List.of("intent", "status", "hold")) {
            try (PreparedStatement d = db.prepareStatement("DELETE FROM " + table + " WHERE kind = ? AND name = ?")) {
                d.setString(1, kind);
                d.setString(2, name);
                d.executeUpdate();
            }
        }
        try (PreparedStatement f = db.prepareStatement("DELETE FROM focus WHERE persona = ?")) {
            f.setString(1, name);
            if (f.executeUpdate() > 0) {
                LOG.log(System.Logger.Level.INFO, "focus cleared: its persona was deleted persona={0}; every persona thaws", name);
            }
        }
    }

    private long lastGeneration(String kind, String name) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT coalesce(max(generation), 0) FROM history WHERE kind = ? AND name = ?")) {
            q.setString(1, kind);
            q.setString(2, name);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private List<Applied> applyRows(List<Spec> specs, long uid, String now) throws SQLException {
        var out = new ArrayList<Applied>();
        // each statement prepared once for the whole apply, not once per spec (a no-op apply is mostly these two)
        try (PreparedStatement q = db.prepareStatement("SELECT generation, spec_hash FROM intent WHERE kind = ? AND name = ?");
             PreparedStatement held = db.prepareStatement(RELEASE_HOLD)) {
            for (Spec spec : specs) {
                String kind = spec.id().kind().cliName();
                String name = spec.id().toString();
                String json = SpecCodec.toJson(spec);
                String hash = sha256(json);
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
                release(held, kind, name); // the user acted on it: a boot hold no longer applies
                if (hash.equals(oldHash)) {
                    out.add(new Applied(spec.id(), Change.UNCHANGED, generation));
                    continue;
                }
                long next = generation + 1;
                writeIntent(kind, name, json, next, now, oldHash == null ? "create" : "update", uid, spec.id().kind().runsAsContainer());
                out.add(new Applied(spec.id(), oldHash == null ? Change.CREATED : Change.UPDATED, next));
            }
            return out;
        }
    }

    /** Removes one intent (its status goes with it); false when there was none. */
    public synchronized boolean delete(ResourceId id) throws StateException {
        String now = clock.instant().toString();
        return inTransaction(() -> {
            long generation;
            try (PreparedStatement q = db.prepareStatement("SELECT generation FROM intent WHERE kind = ? AND name = ?")) {
                q.setString(1, id.kind().cliName());
                q.setString(2, id.toString());
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) return false;
                    generation = rs.getLong(1);
                }
            }
            deleteRows(id.kind().cliName(), id.toString());
            history(now, id.kind().cliName(), id.toString(), "delete", generation, null, null, ownUid());
            return true;
        });
    }

    /** The upgrade records in this database: the NACK registry and the A/B slots (issue 12). */
    public UpgradeRecords upgrades() {
        return new UpgradeRecords(this, db, clock, path);
    }

    /** The active persona ({@code spine focus}), who set it and when. */
    public record Focus(ResourceId persona, String since, long uid) {}

    /** The active persona in intent, or empty for none. */
    public synchronized Optional<Focus> focus() throws StateException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT persona, since, uid FROM focus WHERE slot = 1")) {
            if (!rs.next()) return Optional.empty();
            String since = rs.getString(2);
            long uid = rs.getLong(3);
            return ResourceId.fromUri(rs.getString(1)).map(id -> new Focus(id, since, uid));
        } catch (SQLException e) {
            throw new StateException("cannot read the focus from " + path + ": " + e.getMessage(), e);
        }
    }

    /** Why a focus cannot be recorded, or empty when it was: the persona must be in intent. One small transaction. */
    public synchronized Optional<String> setFocus(Optional<ResourceId> persona, long uid) throws StateException {
        String now = clock.instant().toString();
        return inTransaction(() -> {
            if (persona.isPresent()) {
                try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM intent WHERE kind = 'persona' AND name = ?")) {
                    q.setString(1, persona.get().toString());
                    try (ResultSet rs = q.executeQuery()) {
                        if (!rs.next()) return Optional.of("no persona " + persona.get() + " in intent; spine get persona lists them");
                    }
                }
            }
            try (Statement d = db.createStatement()) {
                d.executeUpdate("DELETE FROM focus");
            }
            if (persona.isPresent()) {
                try (PreparedStatement i = db.prepareStatement("INSERT INTO focus (slot, persona, since, uid) VALUES (1, ?, ?, ?)")) {
                    i.setString(1, persona.get().toString());
                    i.setString(2, now);
                    i.setLong(3, uid);
                    i.executeUpdate();
                }
            }
            LOG.log(System.Logger.Level.INFO, "focus recorded persona={0} uid={1}", persona.map(ResourceId::toString).orElse("none"), uid);
            return Optional.empty();
        });
    }

    private static final String STATUS_COLUMNS = "phase, observed_generation, last_error, phase_since, updated_at, restarts, "
            + "crashes, exit_code, exited_at, next_try, crash_generation";

    public synchronized SortedMap<ResourceId, Status> statuses() throws StateException {
        var out = new TreeMap<ResourceId, Status>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT kind, name, " + STATUS_COLUMNS + " FROM status")) {
            while (rs.next()) {
                Optional<Kind> kind = Kind.fromCli(rs.getString(1));
                if (kind.isEmpty()) continue;
                ResourceId.Result id = ResourceId.parse(kind.get(), rs.getString(2));
                if (!id.ok()) continue;
                out.put(id.id(), status(rs, 3));
            }
        } catch (SQLException e) {
            throw new StateException("cannot read status from " + path + ": " + e.getMessage(), e);
        }
        return out;
    }

    public synchronized Optional<Status> status(ResourceId id) throws StateException {
        try (PreparedStatement q = db.prepareStatement("SELECT " + STATUS_COLUMNS + " FROM status WHERE kind = ? AND name = ?")) {
            q.setString(1, id.kind().cliName());
            q.setString(2, id.toString());
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(status(rs, 1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StateException("cannot read status of " + id + ": " + e.getMessage(), e);
        }
    }

    private static Status status(ResultSet rs, int at) throws SQLException {
        int code = rs.getInt(at + 7);
        OptionalInt exitCode = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(code);
        var crash = new CrashLoop.Record(rs.getInt(at + 5), rs.getInt(at + 6), exitCode,
                Optional.ofNullable(rs.getString(at + 8)).map(Instant::parse), Optional.ofNullable(rs.getString(at + 9)).map(Instant::parse),
                rs.getLong(at + 10));
        return new Status(Phase.fromWord(rs.getString(at)), rs.getLong(at + 1), Optional.ofNullable(rs.getString(at + 2)),
                rs.getString(at + 3), rs.getString(at + 4), crash);
    }

    /** Records a phase together with the crash-loop record that decided it, in one statement. */
    public synchronized void setCrash(ResourceId id, Phase phase, CrashLoop.Record crash) throws StateException {
        Optional<String> error = crash.exitCode().isPresent() && phase == Phase.EXITED
                ? Optional.of("exited with code " + crash.exitCode().getAsInt()) : Optional.empty();
        inTransaction(() -> { // one commit, one fsync
            upsertStatus(id, phase, -1, error);
            updateCrash(id, crash);
            return null;
        });
    }

    private void updateCrash(ResourceId id, CrashLoop.Record crash) throws SQLException {
        try (PreparedStatement u = db.prepareStatement("""
                UPDATE status SET restarts = ?, crashes = ?, exit_code = ?, exited_at = ?, next_try = ?, crash_generation = ?
                WHERE kind = ? AND name = ?""")) {
            u.setInt(1, crash.restarts());
            u.setInt(2, crash.crashes());
            if (crash.exitCode().isPresent()) u.setInt(3, crash.exitCode().getAsInt());
            else u.setNull(3, java.sql.Types.INTEGER);
            u.setString(4, crash.exitedAt().map(Instant::toString).orElse(null));
            u.setString(5, crash.nextTry().map(Instant::toString).orElse(null));
            u.setLong(6, crash.generation());
            u.setString(7, id.kind().cliName());
            u.setString(8, id.toString());
            u.executeUpdate();
        }
    }

    /**
     * Records a phase. Committed on its own, before and after each podman call, so that a crash leaves a
     * detectable half state. {@code observedGeneration} below zero leaves the stored value as it is.
     */
    public synchronized void setStatus(ResourceId id, Phase phase, long observedGeneration, Optional<String> lastError)
            throws StateException {
        try {
            upsertStatus(id, phase, observedGeneration, lastError);
        } catch (SQLException e) {
            throw new StateException("cannot record status of " + id + ": " + e.getMessage(), e);
        }
    }

    private void upsertStatus(ResourceId id, Phase phase, long observedGeneration, Optional<String> lastError) throws SQLException {
        String now = clock.instant().toString();
        // Only resources with intent have a status: a pruned container's row must not come back.
        try (PreparedStatement u = db.prepareStatement("""
                INSERT INTO status (kind, name, phase, observed_generation, last_error, phase_since, updated_at)
                SELECT ?1, ?2, ?3, max(?4, 0), ?5, ?6, ?6
                WHERE EXISTS (SELECT 1 FROM intent WHERE intent.kind = ?1 AND intent.name = ?2)
                ON CONFLICT (kind, name) DO UPDATE SET
                    phase_since = CASE WHEN status.phase = excluded.phase THEN status.phase_since ELSE excluded.phase_since END,
                    phase = excluded.phase,
                    observed_generation = CASE WHEN ?4 < 0 THEN status.observed_generation ELSE excluded.observed_generation END,
                    last_error = excluded.last_error,
                    updated_at = excluded.updated_at""")) {
            u.setString(1, id.kind().cliName());
            u.setString(2, id.toString());
            u.setString(3, phase.word());
            u.setLong(4, observedGeneration);
            u.setString(5, lastError.orElse(null));
            u.setString(6, now);
            u.executeUpdate();
        }
    }

    /** One row of the append-only history; {@code spec} is empty for a delete, {@code uid} for rows before schema 3. */
    public record HistoryRow(long id, String at, ResourceId target, String action, long generation, Optional<String> spec,
                         java.util.OptionalLong uid) {}

    /** The history, oldest first, for every resource or for one. */
    public synchronized List<HistoryRow> changes(Optional<ResourceId> only) throws StateException {
        var out = new ArrayList<HistoryRow>();
        String sql = "SELECT id, at, kind, name, action, generation, spec, uid FROM history"
                + (only.isPresent() ? " WHERE kind = ? AND name = ?" : "") + " ORDER BY id";
        try (PreparedStatement q = db.prepareStatement(sql)) {
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
                    java.util.OptionalLong who = rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(uid);
                    out.add(new HistoryRow(rs.getLong(1), rs.getString(2), id.id(), rs.getString(5), rs.getLong(6),
                            Optional.ofNullable(rs.getString(7)), who));
                }
            }
        } catch (SQLException e) {
            throw new StateException("cannot read history: " + e.getMessage(), e);
        }
        return out;
    }

    /** Rows of the history table, oldest first, as "action kind name generation". */
    public synchronized List<String> history() throws StateException {
        var out = new ArrayList<String>();
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT action, kind, name, generation FROM history ORDER BY id")) {
            while (rs.next()) out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getLong(4));
        } catch (SQLException e) {
            throw new StateException("cannot read history: " + e.getMessage(), e);
        }
        return out;
    }

    /** {@code PRAGMA integrity_check}: "ok" when the file is sound. */
    public synchronized String integrityCheck() throws StateException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            return rs.next() ? rs.getString(1) : "no answer";
        } catch (SQLException e) {
            throw new StateException("integrity check failed: " + e.getMessage(), e);
        }
    }

    private void history(String at, String kind, String name, String action, long generation, String spec, String hash,
                         long uid) throws SQLException {
        try (PreparedStatement h = db.prepareStatement(
                "INSERT INTO history (at, kind, name, action, generation, spec, spec_hash, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            h.setString(1, at);
            h.setString(2, kind);
            h.setString(3, name);
            h.setString(4, action);
            h.setLong(5, generation);
            h.setString(6, spec);
            h.setString(7, hash);
            if (uid >= 0) h.setLong(8, uid);
            else h.setNull(8, java.sql.Types.INTEGER);
            h.executeUpdate();
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T run() throws SQLException;
    }

    <T> T inTransaction(Work<T> work) throws StateException {
        try (SuspendInhibit.Mark flushing = SuspendInhibit.hold()) {
            db.setAutoCommit(false);
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StateException("write to " + path + " failed and was rolled back: " + e.getMessage(), e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        try (Statement s = db.createStatement()) {
            if (!db.isReadOnly()) s.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "wal checkpoint failed path={0} error=\"{1}\"", path, e.getMessage());
        }
        try {
            db.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "closing state db failed path={0} error=\"{1}\"", path, e.getMessage());
        }
    }
}
