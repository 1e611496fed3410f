package spine.controller.state;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.sqlite.SQLiteConfig;

/**
 * The state database's file and schema: how a connection is made (WAL, synchronous=FULL, a busy timeout) and how an
 * older schema, or none, is brought to {@link IntentStore#SCHEMA_VERSION} ({@link Migrations}: one transaction).
 */
final class Schema {
    private static final System.Logger LOG = System.getLogger("state");
    private static final int BUSY_TIMEOUT_MS = 10_000;
    private static final int SCHEMA_VERSION = IntentStore.SCHEMA_VERSION;

    private Schema() {}

    /**
     * Opening sets WAL mode, which needs a moment of exclusive access, and SQLite does not wait for it through the
     * busy timeout: while another opener migrates a new database this fails with SQLITE_BUSY at once. Retried up
     * to the busy timeout, like any other lock wait.
     */
    static Connection connect(String url) throws SQLException {
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
    static void migrate(SpineRoot root, Connection c) throws SQLException, StateException {
        int version = Migrations.version(c); // again: another process may have migrated while we waited
        if (version == SCHEMA_VERSION && Migrations.userVersion(c) == SCHEMA_VERSION) return;
        if (version > SCHEMA_VERSION) {
            throw new StateException(root.database() + " has schema " + version + " but this spine knows only "
                    + SCHEMA_VERSION + "; run a newer spine");
        }
        long t0 = System.nanoTime();
        if (version == SCHEMA_VERSION) {
            // made by Flyway before the version was mirrored: nothing to run, only the mirror to set
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            }
        } else {
            Migrations.migrate(c, version);
        }
        LOG.log(System.Logger.Level.INFO, "state db migrated path={0} from={1} to={2} ms={3}", root.database(),
                version, SCHEMA_VERSION, (System.nanoTime() - t0) / 1_000_000);
    }

    static SQLiteConfig config(boolean readOnly) {
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
}
