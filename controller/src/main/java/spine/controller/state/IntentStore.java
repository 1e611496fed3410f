package spine.controller.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;

import java.util.HexFormat;

import java.util.Optional;


/**
 * The intent store: SQLite at {@code <root>/spine/intent.db} in WAL mode with synchronous=FULL: an apply that
 * returned success survives a power cut (NORMAL may roll the last commits back; the Gate B kills showed why it matters).
 * {@code PRAGMA user_version} is the schema version: a current database runs nothing, and an older one or a new file
 * gets the scripts it lacks in one transaction ({@link Migrations}); tables an older Spine may ignore come as addenda,
 * which leave the version alone so a rolled-back Spine still opens the file ({@link Addenda}).
 *
 * <p>The store is the connection and its transaction; each table is a small view over them ({@link #intents},
 * {@link #holds}, {@link #trial}, {@link #focus}, {@link #statuses}, {@link #history}, {@link #upgrades},
 * {@link #imageLoads}), and every
 * view's statements hold this store's monitor, so none interleaves with another's transaction.
 */
public final class IntentStore implements AutoCloseable {
    /** The version of the newest migration under db/migration; a test keeps the two in step. */
    public static final int SCHEMA_VERSION = 5;
    private static final System.Logger LOG = System.getLogger("state");

    private final Connection db;
    private final String path;
    private final Holds holds;
    private final History history;
    private final Intents intents;
    private final ApplyTrial trial;
    private final FocusRow focus;
    private final Statuses statuses;
    private final UpgradeRecords upgrades;
    private final ImageLoads imageLoads;
    private final VolumeEvents volumeEvents;

    private IntentStore(Connection db, Clock clock, String path) {
        this.db = db;
        this.path = path;
        var shared = new Db(this, db, clock, path);
        this.holds = new Holds(shared);
        this.history = new History(shared);
        this.imageLoads = new ImageLoads(shared);
        this.volumeEvents = new VolumeEvents(shared);
        this.intents = new Intents(shared, holds, history, imageLoads);
        this.trial = new ApplyTrial(shared, intents, history);
        this.focus = new FocusRow(shared, intents);
        this.statuses = new Statuses(shared);
        this.upgrades = new UpgradeRecords(this, db, clock, path);
    }

    /** Opens the store for writing, creating and migrating it as needed. */
    public static IntentStore open(SpineRoot root, Clock clock) throws StateException {
        root.ensureDir();
        String url = "jdbc:sqlite:" + root.database();
        Connection c = null;
        try {
            c = Schema.connect(url);
            if (Migrations.userVersion(c) != SCHEMA_VERSION || !Addenda.pending(c).isEmpty()) {
                try (MigrationLock held = MigrationLock.acquire(root)) {
                    Schema.migrate(root, c);
                    Addenda.apply(c, Addenda.pending(c), clock.instant().toString()); // again: another process may have
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
            c = Schema.config(true).createConnection("jdbc:sqlite:" + root.database());
            int version = Migrations.userVersion(c);
            if (version < SCHEMA_VERSION) {
                throw new StateException(root.database() + " has schema " + version + " and this spine reads schema "
                        + SCHEMA_VERSION + "; run spine apply or reboot to migrate it (read-only commands never write)");
            }
            if (version > SCHEMA_VERSION) {
                throw new StateException(root.database() + " has schema " + version + " but this spine knows only "
                        + SCHEMA_VERSION + "; run a newer spine");
            }
            if (!Addenda.pending(c).isEmpty()) {
                throw new StateException(root.database() + " lacks the tables of " + String.join(", ", Addenda.pending(c))
                        + "; run spine apply or reboot to add them (read-only commands never write)");
            }
            return Optional.of(new IntentStore(c, clock, root.database().toString()));
        } catch (SQLException | StateException e) {
            closeQuietly(c);
            if (e instanceof StateException se) throw se;
            throw new StateException("cannot read " + root.database() + ": " + e.getMessage(), e);
        }
    }

    /** The intent rows: load, apply, delete. */
    public Intents intents() {
        return intents;
    }

    /** The personas this boot holds stopped. */
    public Holds holds() {
        return holds;
    }

    /** The apply on trial ({@code spine apply --try}). */
    public ApplyTrial trial() {
        return trial;
    }

    /** The active persona ({@code spine focus}). */
    public FocusRow focus() {
        return focus;
    }

    /** What Spine last believed of each resource, and its crash-loop record. */
    public Statuses statuses() {
        return statuses;
    }

    /** Every change of intent, oldest first. */
    public History history() {
        return history;
    }

    /** The upgrade records in this database: the NACK registry and the A/B slots (issue 12). */
    public UpgradeRecords upgrades() {
        return upgrades;
    }

    /** What each Image's last load did: the id it gave, or why it failed. */
    public ImageLoads imageLoads() {
        return imageLoads;
    }

    /** Each volume's creation and deletion. */
    public VolumeEvents volumeEvents() {
        return volumeEvents;
    }

    /** {@code PRAGMA integrity_check}: "ok" when the file is sound. */
    public synchronized String integrityCheck() throws StateException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            return rs.next() ? rs.getString(1) : "no answer";
        } catch (SQLException e) {
            throw new StateException("integrity check failed: " + e.getMessage(), e);
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
